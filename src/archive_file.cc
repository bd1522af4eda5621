#include "archive_file.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <memory>
#include <string>

namespace whiskey {
namespace fs = std::filesystem;
namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using Reader = std::unique_ptr<archive, ReadFree>;
using Writer = std::unique_ptr<archive, WriteFree>;
using Entry = std::unique_ptr<archive_entry, EntryFree>;

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

template <typename Handle>
Handle made(archive* a, const std::string& what) {
  if (!a) throw ArchiveFileError(what + ": out of memory");
  return Handle(a);
}

}  // namespace

std::uint64_t pack_tree(const fs::path& root, const fs::path& out) {
  const std::string where = "packing " + (root / ".whiskey").string();
  auto disk = made<Reader>(archive_read_disk_new(), where);
  check(disk.get(), archive_read_disk_set_symlink_physical(disk.get()), where);
  check(disk.get(), archive_read_disk_set_standard_lookup(disk.get()), where);
  auto writer = made<Writer>(archive_write_new(), where);
  check(writer.get(), archive_write_set_format_pax_restricted(writer.get()), where);
  check(writer.get(), archive_write_add_filter_gzip(writer.get()), where);
  check(writer.get(), archive_write_open_filename(writer.get(), out.c_str()), where);

  const fs::path base = root / ".whiskey";
  check(disk.get(), archive_read_disk_open(disk.get(), base.c_str()), where);
  const std::string prefix = base.string();
  std::string buffer(1 << 16, '\0');
  for (;;) {
    Entry entry(archive_entry_new());
    if (!entry) throw ArchiveFileError(where + ": out of memory");
    int r = archive_read_next_header2(disk.get(), entry.get());
    if (r == ARCHIVE_EOF) break;
    check(disk.get(), r, where);
    std::string path = archive_entry_sourcepath(entry.get());
    if (path.compare(0, prefix.size(), prefix) != 0) {
      throw ArchiveFileError(where + ": " + path + " is outside the tree");
    }
    std::string name = ".whiskey" + path.substr(prefix.size());
    if (archive_entry_filetype(entry.get()) == AE_IFDIR) name += "/";
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    archive_entry_set_uname(entry.get(), nullptr);
    archive_entry_set_gname(entry.get(), nullptr);
    check(disk.get(), archive_read_disk_descend(disk.get()), where);
    check(writer.get(), archive_write_header(writer.get(), entry.get()), where + ": " + name);
    if (archive_entry_filetype(entry.get()) != AE_IFREG || archive_entry_size(entry.get()) == 0)
      continue;
    for (;;) {
      la_ssize_t n = archive_read_data(disk.get(), buffer.data(), buffer.size());
      if (n == 0) break;
      if (n < 0) check(disk.get(), static_cast<int>(n), where + ": " + name);
      la_ssize_t w = archive_write_data(writer.get(), buffer.data(), static_cast<size_t>(n));
      if (w < 0) check(writer.get(), static_cast<int>(w), where + ": " + name);
    }
  }
  check(disk.get(), archive_read_close(disk.get()), where);
  check(writer.get(), archive_write_close(writer.get()), where);
  std::error_code ec;
  auto size = fs::file_size(out, ec);
  if (ec) throw ArchiveFileError(where + ": " + ec.message());
  return size;
}

std::uint64_t extract_file(const fs::path& file, const fs::path& dest) {
  const std::string where = "unpacking " + file.filename().string();
  auto reader = made<Reader>(archive_read_new(), where);
  check(reader.get(), archive_read_support_filter_all(reader.get()), where);
  check(reader.get(), archive_read_support_format_tar(reader.get()), where);
  check(reader.get(), archive_read_open_filename(reader.get(), file.c_str(), 1 << 16), where);
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
    check(reader.get(), r, where);
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
      check(reader.get(), r, where + ": " + name);
      check(disk.get(), static_cast<int>(archive_write_data_block(disk.get(), block, size, offset)),
            where + ": " + name);
    }
    check(disk.get(), archive_write_finish_entry(disk.get()), where + ": " + name);
    ++entries;
  }
  check(disk.get(), archive_write_close(disk.get()), where);
  return entries;
}

}  // namespace whiskey
