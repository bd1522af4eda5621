// libFuzzer target for the archive extractor: the input is the bundle as
// downloaded. unpack_bundle may refuse it with a BundleError; anything else
// that escapes, or a successful unpack that wrote outside its destination,
// is a bug.
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <system_error>

#include "unpack.h"

namespace fs = std::filesystem;

namespace {

/// The input, handed out in chunks that do not line up with tar's blocks.
class BytesStream : public whiskey::ByteStream {
 public:
  BytesStream(const char* data, std::size_t size) : data_(data), size_(size) {}
  std::span<const char> read() override {
    std::size_t n = std::min(kChunk, size_ - pos_);
    std::span<const char> out(data_ + pos_, n);
    pos_ += n;
    return out;
  }

 private:
  static constexpr std::size_t kChunk = 1000;
  const char* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "unpack_fuzz: %s\n", what.c_str());
  std::abort();
}

/// A fresh folder under the system's temporary folder. Each run unpacks
/// into "dest" inside it, so anything written next to "dest" shows.
fs::path make_base_dir() {
  std::string templ = (fs::temp_directory_path() / "whiskey-fuzz-XXXXXX").string();
  if (!::mkdtemp(templ.data())) fail("cannot create a temporary folder");
  return fs::canonical(templ);
}

/// Removes `dir` whatever modes the archive left inside it.
void remove_tree(const fs::path& dir) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
  }
  fs::remove_all(dir, ec);
  if (ec || fs::exists(fs::symlink_status(dir))) fail("cannot remove " + dir.string());
}

/// Whether `path`, made lexically normal, is `root` or below it.
bool lexically_inside(const fs::path& path, const fs::path& root) {
  fs::path rel = path.lexically_normal().lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

/// Fails unless `base` holds nothing but `dest`.
void check_nothing_beside(const fs::path& base, const fs::path& dest) {
  for (const auto& entry : fs::directory_iterator(base)) {
    if (entry.path() != dest) fail("wrote outside the destination: " + entry.path().string());
  }
}

/// After a successful unpack: every entry is a file, a folder or a link,
/// every link points inside `dest` (read lexically, from the link's folder),
/// and every hard-linked file has all its names inside it.
void check_contained(const fs::path& dest) {
  std::map<std::pair<dev_t, ino_t>, nlink_t> names;  // of files with several names
  std::map<std::pair<dev_t, ino_t>, nlink_t> links;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dest, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (!lexically_inside(path, dest)) fail("an entry outside the destination: " + path.string());
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) fail("cannot lstat " + path.string());
    if (S_ISLNK(st.st_mode)) {
      fs::path target = fs::read_symlink(path);
      if (target.is_absolute() || !lexically_inside(path.parent_path() / target, dest)) {
        fail("a link that points outside the destination: " + path.string() + " -> " +
             target.string());
      }
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_nlink > 1) {
        ++names[{st.st_dev, st.st_ino}];
        links[{st.st_dev, st.st_ino}] = st.st_nlink;
      }
    } else if (!S_ISDIR(st.st_mode)) {
      fail("neither a file, a folder nor a link: " + path.string());
    }
  }
  if (ec) fail("cannot list the destination: " + ec.message());
  for (const auto& [inode, count] : links) {
    if (names[inode] != count) fail("a file with a hard link outside the destination");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fs::path base = make_base_dir();
  const fs::path dest = base / "dest";
  fs::create_directory(dest);

  BytesStream in(reinterpret_cast<const char*>(data), size);
  whiskey::UnpackLimits limits;
  limits.max_bytes = 1 << 20;
  limits.max_entries = 1000;
  bool unpacked = false;
  try {
    whiskey::UnpackStats stats = whiskey::unpack_bundle(in, dest, limits);
    unpacked = true;
    if (stats.top_level.empty()) fail("an unpack that returned with nothing under .whiskey/");
    if (stats.entries > limits.max_entries) fail("more entries than the limit");
  } catch (const whiskey::BundleError&) {
    // A refused archive: the caller discards the folder.
  }
  // Whatever happened, nothing may land beside the destination.
  check_nothing_beside(base, dest);
  if (unpacked) check_contained(dest);
  remove_tree(base);
  return 0;
}
