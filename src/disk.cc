#include "disk.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace whiskey {

std::optional<std::string> RealDisk::read_file(const fs::path& path, std::size_t limit) const {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string data(limit, '\0');
  in.read(data.data(), static_cast<std::streamsize>(limit));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

bool RealDisk::is_file(const fs::path& path) const {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool RealDisk::is_directory(const fs::path& path) const {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::vector<std::string> RealDisk::list_directory(const fs::path& path) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void RealDisk::write_file(const fs::path& path, const std::string& contents, bool executable) {
  auto fail = [&](const char* what) {
    throw std::runtime_error(std::string(what) + " '" + path.string() +
                             "': " + std::strerror(errno));
  };
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw std::runtime_error("creating '" + path.parent_path().string() + "': " + ec.message());
  }
  fs::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, executable ? 0755 : 0644);
  if (fd < 0) fail("creating");
  const char* p = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      fail("writing");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    fail("writing");
  }
}

void RealDisk::make_symlink(const std::string& target, const fs::path& link) {
  std::error_code ec;
  fs::remove(link, ec);
  fs::create_directories(link.parent_path(), ec);
  fs::create_symlink(target, link);
}

}  // namespace whiskey
