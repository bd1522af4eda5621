// Builds tar.gz archives in memory with libarchive's writer, so tests can
// make good and hostile bundles without files on disk.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace whiskey::testing {

struct TarEntry {
  enum class Type { kFile, kDir, kSymlink, kHardlink, kFifo };
  Type type;
  std::string path;
  std::string data;  ///< a file's contents, or a link's target
  int mode;
};

inline TarEntry File(std::string path, std::string contents, int mode = 0644) {
  return {TarEntry::Type::kFile, std::move(path), std::move(contents), mode};
}
inline TarEntry Dir(std::string path, int mode = 0755) {
  return {TarEntry::Type::kDir, std::move(path), {}, mode};
}
inline TarEntry Symlink(std::string path, std::string target) {
  return {TarEntry::Type::kSymlink, std::move(path), std::move(target), 0777};
}
inline TarEntry Hardlink(std::string path, std::string target) {
  return {TarEntry::Type::kHardlink, std::move(path), std::move(target), 0644};
}
inline TarEntry Fifo(std::string path) {
  return {TarEntry::Type::kFifo, std::move(path), {}, 0644};
}

/// How make_tar compresses the archive.
enum class TarCompression { kGzip, kZstd, kNone, kBzip2 };

/// The entries as a compressed POSIX tar archive.
inline std::string make_tar(const std::vector<TarEntry>& entries, TarCompression compression) {
  std::size_t capacity = 64 * 1024;
  for (const auto& e : entries) capacity += e.data.size() + 2048;
  capacity += capacity / 4;
  std::string buffer(capacity, '\0');
  std::size_t used = 0;

  archive* a = archive_write_new();
  auto fail = [&](const std::string& what) {
    std::string msg = what + ": " + (archive_error_string(a) ? archive_error_string(a) : "?");
    archive_write_free(a);
    throw std::runtime_error(msg);
  };
  if (compression == TarCompression::kZstd) {
    if (archive_write_add_filter_zstd(a) != ARCHIVE_OK) fail("zstd filter");
  } else if (compression == TarCompression::kBzip2) {
    if (archive_write_add_filter_bzip2(a) != ARCHIVE_OK) fail("bzip2 filter");
  } else if (compression == TarCompression::kNone) {
    if (archive_write_add_filter_none(a) != ARCHIVE_OK) fail("no filter");
  } else {
    if (archive_write_add_filter_gzip(a) != ARCHIVE_OK) fail("gzip filter");
    // No time in the gzip header: the same entries make the same bytes.
    if (archive_write_set_filter_option(a, "gzip", "timestamp", nullptr) != ARCHIVE_OK) {
      fail("gzip timestamp");
    }
  }
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) fail("pax format");
  if (archive_write_open_memory(a, buffer.data(), buffer.size(), &used) != ARCHIVE_OK) {
    fail("open");
  }
  for (const auto& e : entries) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, e.path.c_str());
    archive_entry_set_mtime(entry, 1700000000, 0);
    archive_entry_set_uid(entry, 1000);
    archive_entry_set_gid(entry, 1000);
    archive_entry_set_perm(entry, static_cast<mode_t>(e.mode));
    switch (e.type) {
      case TarEntry::Type::kFile:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, static_cast<la_int64_t>(e.data.size()));
        break;
      case TarEntry::Type::kDir:
        archive_entry_set_filetype(entry, AE_IFDIR);
        archive_entry_set_size(entry, 0);
        break;
      case TarEntry::Type::kSymlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, e.data.c_str());
        archive_entry_set_size(entry, 0);
        break;
      case TarEntry::Type::kHardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, e.data.c_str());
        archive_entry_set_size(entry, 0);
        break;
      case TarEntry::Type::kFifo:
        archive_entry_set_filetype(entry, AE_IFIFO);
        archive_entry_set_size(entry, 0);
        break;
    }
    if (archive_write_header(a, entry) != ARCHIVE_OK) {
      archive_entry_free(entry);
      fail("header of " + e.path);
    }
    if (e.type == TarEntry::Type::kFile && !e.data.empty() &&
        archive_write_data(a, e.data.data(), e.data.size()) !=
            static_cast<la_ssize_t>(e.data.size())) {
      archive_entry_free(entry);
      fail("data of " + e.path);
    }
    archive_entry_free(entry);
  }
  if (archive_write_close(a) != ARCHIVE_OK) fail("close");
  archive_write_free(a);
  buffer.resize(used);
  return buffer;
}

/// The entries as a gzip-compressed POSIX tar archive.
inline std::string make_tar_gz(const std::vector<TarEntry>& entries) {
  return make_tar(entries, TarCompression::kGzip);
}

/// The entries as a zstd-compressed POSIX tar archive.
inline std::string make_tar_zst(const std::vector<TarEntry>& entries) {
  return make_tar(entries, TarCompression::kZstd);
}

/// `n` bytes that gzip cannot shrink much, the same on every run.
inline std::string noise(std::size_t n, unsigned seed = 1) {
  std::string out(n, '\0');
  unsigned x = seed * 2654435761u + 1;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return out;
}

}  // namespace whiskey::testing
