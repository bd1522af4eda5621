#include "archive_file.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bundle_cache.h"
#include "decompress.h"
#include "tar_feed.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using Reader = std::unique_ptr<archive, ReadFree>;
using Writer = std::unique_ptr<archive, WriteFree>;

/// Throws for a libarchive result below ARCHIVE_WARN, naming `what`.
void check(archive* a, int r, const std::string& what) {
  if (r >= ARCHIVE_WARN) return;
  const char* msg = a ? archive_error_string(a) : nullptr;
  throw ArchiveFileError(what + (msg ? std::string(": ") + msg : std::string(": failed")));
}

/// Whether an entry's `name` stays inside the folder it is unpacked into:
/// not absolute, no ".." component.
bool stays_inside(const std::string& name) {
  if (name.empty() || name.front() == '/') return false;
  for (const auto& part : fs::path(name)) {
    if (part == "..") return false;
  }
  return true;
}

constexpr std::size_t kBlock = 512;

struct GzClose {
  void operator()(gzFile_s* f) const { ::gzclose(f); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

/// What a tar header says of an entry besides its name.
struct Header {
  char type = '0';  ///< '0' file, '2' symbolic link, '5' folder
  unsigned mode = 0644;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  std::string link;
};

std::int64_t mtime_of(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mtime;
}

/// `value` in octal, zero-padded, in the `width` bytes at `field` (the last a
/// NUL). Throws ArchiveFileError when it does not fit.
void octal(char* field, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width - 1; i-- > 0; value >>= 3)
    field[i] = static_cast<char>('0' + (value & 7));
  field[width - 1] = '\0';
  if (value != 0) throw ArchiveFileError("a value too large for a tar header");
}

/// A POSIX ustar header block for `name`, owned by 0:0 with no user names.
/// Throws ArchiveFileError for a name or link too long for ustar.
std::string ustar_header(const std::string& name, const Header& h, const std::string& where) {
  std::string block(kBlock, '\0');
  std::string prefix, rest = name;
  if (rest.size() > 100) {
    // Split at a '/' so that the prefix takes at most 155 bytes, the name 100.
    auto slash = name.rfind('/', std::min<std::size_t>(155, name.size() - 2));
    while (slash != std::string::npos && name.size() - slash - 1 > 100) slash = std::string::npos;
    if (slash == std::string::npos || slash == 0) {
      throw ArchiveFileError(where + ": the path " + name + " is too long for a tar header");
    }
    prefix = name.substr(0, slash);
    rest = name.substr(slash + 1);
  }
  if (h.link.size() > 100) {
    throw ArchiveFileError(where + ": the link " + name + " -> " + h.link +
                           " is too long for a tar header");
  }
  char* b = block.data();
  std::memcpy(b, rest.data(), rest.size());
  octal(b + 100, 8, h.mode);
  octal(b + 108, 8, 0);
  octal(b + 116, 8, 0);
  octal(b + 124, 12, h.size);
  octal(b + 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(h.mtime, 0)));
  b[156] = h.type;
  std::memcpy(b + 157, h.link.data(), h.link.size());
  std::memcpy(b + 257, "ustar", 6);
  std::memcpy(b + 263, "00", 2);
  std::memcpy(b + 345, prefix.data(), prefix.size());
  std::memset(b + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  octal(b + 148, 7, sum);
  b[155] = ' ';
  return block;
}

/// check() for a reader fed by `feed` (when there is one): the stream's
/// own error, parked while libarchive unwound, is rethrown as it was.
void check_fed(archive* a, const TarFeed* feed, int r, const std::string& what) {
  if (r < ARCHIVE_WARN && feed && feed->error()) std::rethrow_exception(feed->error());
  check(a, r, what);
}

template <typename Handle>
Handle made(archive* a, const std::string& what) {
  if (!a) throw ArchiveFileError(what + ": out of memory");
  return Handle(a);
}

}  // namespace

std::uint64_t pack_tree(const fs::path& root, const fs::path& out) {
  const fs::path base = root / ".whiskey";
  const std::string where = "packing " + base.string();
  std::error_code ec;
  if (!fs::is_directory(base, ec)) throw ArchiveFileError(where + ": not a folder");
  std::vector<fs::path> paths{base};
  for (fs::recursive_directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    paths.push_back(it->path());
  }
  if (ec) throw ArchiveFileError(where + ": " + ec.message());
  std::sort(paths.begin(), paths.end());

  std::unique_ptr<gzFile_s, GzClose> gz(::gzopen(out.c_str(), "wb6"));
  if (!gz) throw ArchiveFileError(where + ": cannot write " + out.string());
  auto put = [&](const char* data, std::size_t size) {
    if (size > 0 &&
        ::gzwrite(gz.get(), data, static_cast<unsigned>(size)) != static_cast<int>(size)) {
      throw ArchiveFileError(where + ": writing " + out.string() + " failed");
    }
  };
  static const char zeros[kBlock] = {};
  std::string buffer(1 << 16, '\0');
  for (const auto& path : paths) {
    std::string name = ".whiskey" + path.string().substr(base.string().size());
    auto st = fs::symlink_status(path, ec);
    if (ec) throw ArchiveFileError(where + ": " + path.string() + ": " + ec.message());
    Header h;
    h.mode = static_cast<unsigned>(st.permissions()) & 07777;
    h.mtime = mtime_of(path);
    if (fs::is_symlink(st)) {
      h.type = '2';
      h.link = fs::read_symlink(path, ec).string();
      if (ec) throw ArchiveFileError(where + ": " + path.string() + ": " + ec.message());
    } else if (fs::is_directory(st)) {
      h.type = '5';
      name += "/";
    } else if (fs::is_regular_file(st)) {
      h.type = '0';
      h.size = fs::file_size(path, ec);
      if (ec) throw ArchiveFileError(where + ": " + path.string() + ": " + ec.message());
    } else {
      throw ArchiveFileError(where + ": " + path.string() +
                             " is neither a file, a folder nor a link");
    }
    std::string block = ustar_header(name, h, where);
    put(block.data(), block.size());
    if (h.type != '0') continue;
    std::unique_ptr<std::FILE, FileClose> in(std::fopen(path.c_str(), "rb"));
    if (!in) throw ArchiveFileError(where + ": cannot read " + path.string());
    std::uint64_t left = h.size;
    while (left > 0) {
      std::size_t n =
          std::fread(buffer.data(), 1, std::min<std::uint64_t>(left, buffer.size()), in.get());
      if (n == 0) throw ArchiveFileError(where + ": " + path.string() + " changed while read");
      put(buffer.data(), n);
      left -= n;
    }
    put(zeros, (kBlock - h.size % kBlock) % kBlock);
  }
  put(zeros, kBlock);
  put(zeros, kBlock);
  if (::gzclose(gz.release()) != Z_OK) {
    throw ArchiveFileError(where + ": writing " + out.string() + " failed");
  }
  auto size = fs::file_size(out, ec);
  if (ec) throw ArchiveFileError(where + ": " + ec.message());
  return size;
}

namespace {

/// What the first bytes of `file` say it is.
Compression sniff_file(const fs::path& file, const std::string& where) {
  std::unique_ptr<std::FILE, FileClose> in(std::fopen(file.c_str(), "rb"));
  if (!in) throw ArchiveFileError(where + ": cannot read " + file.string());
  std::string head(kSniffBytes, '\0');
  head.resize(std::fread(head.data(), 1, head.size(), in.get()));
  if (std::ferror(in.get())) throw ArchiveFileError(where + ": cannot read " + file.string());
  return sniff_compression(head);
}

std::uint64_t extract_tar(const fs::path& file, const fs::path& dest, const std::string& where) {
  auto reader = made<Reader>(archive_read_new(), where);
  check(reader.get(), archive_read_support_format_tar(reader.get()), where);
  // gzip and zstd (and plain tar) through the buildpack's own decoder, read
  // to the end with the compressor's checks, as bundles are. bzip2 and xz,
  // which some of the pinned sources use, through libarchive's filters:
  // libbz2 and liblzma check their CRCs, but not what follows the stream
  // (the recipe's SHA-256 pins cover every byte of these files).
  std::unique_ptr<FileStream> in;
  std::unique_ptr<DecompressStream> tar;
  std::unique_ptr<TarFeed> feed;
  Compression compression = sniff_file(file, where);
  if (compression == Compression::kBzip2 || compression == Compression::kXz) {
    check(reader.get(), archive_read_support_filter_bzip2(reader.get()), where);
    check(reader.get(), archive_read_support_filter_xz(reader.get()), where);
    check(reader.get(), archive_read_open_filename(reader.get(), file.c_str(), 1 << 16), where);
  } else {
    in = std::make_unique<FileStream>(file);
    tar = std::make_unique<DecompressStream>(*in);
    feed = std::make_unique<TarFeed>(*tar);
    check_fed(reader.get(), feed.get(), feed->open(reader.get()), where);
  }
  auto disk = made<Writer>(archive_write_disk_new(), where);
  // Entries are placed under `dest` by their absolute path (so no
  // NOABSOLUTEPATHS), once their own names are checked to stay inside it.
  const int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                    ARCHIVE_EXTRACT_SECURE_SYMLINKS;
  check(disk.get(), archive_write_disk_set_options(disk.get(), flags), where);
  std::uint64_t entries = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(reader.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    check_fed(reader.get(), feed.get(), r, where);
    const char* pathname = archive_entry_pathname(entry);
    std::string name = pathname ? pathname : "";
    if (!stays_inside(name)) {
      throw ArchiveFileError(where + ": the entry '" + name + "' would land outside " +
                             dest.string());
    }
    archive_entry_set_pathname(entry, (dest / name).c_str());
    if (const char* link = archive_entry_hardlink(entry)) {
      if (!stays_inside(link)) {
        throw ArchiveFileError(where + ": the link '" + name + "' points outside " + dest.string());
      }
      archive_entry_set_hardlink(entry, (dest / link).c_str());
    }
    // Source archives carry their authors' owners: the files are ours.
    archive_entry_set_uid(entry, ::geteuid());
    archive_entry_set_gid(entry, ::getegid());
    check(disk.get(), archive_write_header(disk.get(), entry), where + ": " + name);
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
      r = archive_read_data_block(reader.get(), &block, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      check_fed(reader.get(), feed.get(), r, where + ": " + name);
      check(disk.get(), static_cast<int>(archive_write_data_block(disk.get(), block, size, offset)),
            where + ": " + name);
    }
    check(disk.get(), archive_write_finish_entry(disk.get()), where + ": " + name);
    ++entries;
  }
  check(disk.get(), archive_write_close(disk.get()), where);
  if (feed) feed->finish(reader.get());
  return entries;
}

}  // namespace

std::uint64_t extract_file(const fs::path& file, const fs::path& dest) {
  const std::string where = "unpacking " + file.filename().string();
  try {
    return extract_tar(file, dest, where);
  } catch (const StreamError& e) {
    throw ArchiveFileError(where + ": " + e.what());
  } catch (const std::system_error& e) {
    throw ArchiveFileError(where + ": " + e.what());
  }
}

}  // namespace whiskey
