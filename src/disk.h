// The disk seam: what the buildpack reads and writes in the app, behind a
// narrow interface so detection and file generation are tested in memory.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace whiskey {

namespace fs = std::filesystem;

class Disk {
 public:
  virtual ~Disk() = default;
  /// The file's contents, or nullopt when it does not exist or is not a
  /// regular file. Reads at most `limit` bytes.
  virtual std::optional<std::string> read_file(const fs::path& path,
                                               std::size_t limit = 1 << 20) const = 0;
  virtual bool is_file(const fs::path& path) const = 0;
  virtual bool is_directory(const fs::path& path) const = 0;
  /// Names (not paths) of the entries of a directory, sorted; empty when it
  /// does not exist.
  virtual std::vector<std::string> list_directory(const fs::path& path) const = 0;
  /// Writes the file through a temporary beside it and a rename, creating the
  /// parent directories. Throws std::runtime_error naming the path on failure.
  virtual void write_file(const fs::path& path, const std::string& contents,
                          bool executable = false) = 0;
  /// Makes `link` a symbolic link to `target`, replacing what was there.
  virtual void make_symlink(const std::string& target, const fs::path& link) = 0;
};

class RealDisk : public Disk {
 public:
  std::optional<std::string> read_file(const fs::path& path,
                                       std::size_t limit = 1 << 20) const override;
  bool is_file(const fs::path& path) const override;
  bool is_directory(const fs::path& path) const override;
  std::vector<std::string> list_directory(const fs::path& path) const override;
  void write_file(const fs::path& path, const std::string& contents,
                  bool executable = false) override;
  void make_symlink(const std::string& target, const fs::path& link) override;
};

}  // namespace whiskey
