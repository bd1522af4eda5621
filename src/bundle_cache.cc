#include "bundle_cache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSuffix = ".bundle";
constexpr const char* kPartial = ".partial-";

std::system_error errno_error(const std::string& what) {
  return std::system_error(errno, std::generic_category(), what);
}

}  // namespace

fs::path BundleCache::path_for(const Sha256Digest& digest) const {
  return dir_ / (digest.hex() + kSuffix);
}

std::optional<fs::path> BundleCache::entry(const Sha256Digest& digest) const {
  fs::path path = path_for(digest);
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(path, ec))) return std::nullopt;
  return path;
}

void BundleCache::discard(const Sha256Digest& digest) const noexcept {
  std::error_code ec;
  fs::remove(path_for(digest), ec);
}

int BundleCache::prune(const Sha256Digest& keep) const noexcept {
  int removed = 0;
  std::error_code ec;
  const std::string kept = keep.hex() + kSuffix;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool partial = name.starts_with(kPartial);
    if (name == kept || (!partial && !name.ends_with(kSuffix))) continue;
    std::error_code rm;
    if (fs::remove_all(it->path(), rm) > 0 && !rm && !partial) ++removed;
  }
  return removed;
}

BundleCache::Writer::Writer(const fs::path& dir) {
  fs::create_directories(dir);
  std::string templ = (dir / (std::string(kPartial) + "XXXXXX")).string();
  int fd = ::mkstemp(templ.data());
  if (fd < 0) throw errno_error("creating an entry in '" + dir.string() + "'");
  path_ = templ;
  file_.reset(::fdopen(fd, "wb"));
  if (!file_) {
    ::close(fd);
    throw errno_error("opening '" + path_.string() + "'");
  }
}

BundleCache::Writer::~Writer() {
  file_.reset();
  std::error_code ec;
  if (!path_.empty()) fs::remove(path_, ec);
}

void BundleCache::Writer::write(std::span<const char> bytes) {
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size()) {
    throw errno_error("writing '" + path_.string() + "'");
  }
}

void BundleCache::Writer::commit(const fs::path& dest) {
  if (std::fflush(file_.get()) != 0) {
    throw errno_error("writing '" + path_.string() + "'");
  }
  std::FILE* f = file_.release();
  if (std::fclose(f) != 0) throw errno_error("closing '" + path_.string() + "'");
  ::chmod(path_.c_str(), 0644);
  fs::rename(path_, dest);
  path_.clear();
}

FileStream::FileStream(const fs::path& path) : buffer_(256 * 1024, '\0') {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw errno_error("opening '" + path.string() + "'");
  struct stat st {};
  if (::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
}

FileStream::~FileStream() {
  if (fd_ >= 0) ::close(fd_);
}

std::span<const char> FileStream::read() {
  for (;;) {
    ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n >= 0) return {buffer_.data(), static_cast<std::size_t>(n)};
    if (errno != EINTR) throw errno_error("reading a cached bundle");
  }
}

std::span<const char> TeeStream::read() {
  auto chunk = inner_->read();
  if (writer_) {
    try {
      writer_->write(chunk);
    } catch (const std::system_error& e) {
      failure_ = e.what();
      writer_.reset();
    }
  }
  return chunk;
}

}  // namespace whiskey
