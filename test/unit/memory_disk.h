// The disk seam's fake: an in-memory Disk that records what is written, so
// tests assert on what a step did.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "disk.h"

namespace whiskey {

/// An in-memory disk for tests: files by path; directories are implied by
/// the files under them or added explicitly.
class MemoryDisk : public Disk {
 public:
  void add_file(const fs::path& path, std::string contents, bool executable = false);
  void add_directory(const fs::path& path);

  std::optional<std::string> read_file(const fs::path& path,
                                       std::size_t limit = 1 << 20) const override;
  bool is_file(const fs::path& path) const override;
  bool is_directory(const fs::path& path) const override;
  std::vector<std::string> list_directory(const fs::path& path) const override;
  void write_file(const fs::path& path, const std::string& contents,
                  bool executable = false) override;
  void make_symlink(const std::string& target, const fs::path& link) override;
  /// Links made through make_symlink: link -> target.
  const std::map<fs::path, std::string>& symlinks() const { return symlinks_; }

  /// Files written through write_file, in order, for assertions.
  const std::vector<fs::path>& written() const { return written_; }
  bool is_executable(const fs::path& path) const { return executables_.count(path) > 0; }

 private:
  std::map<fs::path, std::string> files_;
  std::set<fs::path> directories_;
  std::set<fs::path> executables_;
  std::vector<fs::path> written_;
  std::map<fs::path, std::string> symlinks_;
};

inline void MemoryDisk::add_file(const fs::path& path, std::string contents, bool executable) {
  files_[path] = std::move(contents);
  if (executable) executables_.insert(path);
  for (auto p = path.parent_path(); !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    directories_.insert(p);
  }
}

inline void MemoryDisk::add_directory(const fs::path& path) {
  for (auto p = path; !p.empty() && p != p.parent_path(); p = p.parent_path()) {
    directories_.insert(p);
  }
}

inline std::optional<std::string> MemoryDisk::read_file(const fs::path& path,
                                                        std::size_t limit) const {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second.substr(0, limit);
}

inline bool MemoryDisk::is_file(const fs::path& path) const {
  return files_.count(path) > 0;
}

inline bool MemoryDisk::is_directory(const fs::path& path) const {
  return directories_.count(path) > 0;
}

inline std::vector<std::string> MemoryDisk::list_directory(const fs::path& path) const {
  std::set<std::string> names;
  for (const auto& [p, _] : files_) {
    if (p.parent_path() == path) names.insert(p.filename().string());
  }
  for (const auto& d : directories_) {
    if (d.parent_path() == path) names.insert(d.filename().string());
  }
  return {names.begin(), names.end()};
}

inline void MemoryDisk::write_file(const fs::path& path, const std::string& contents,
                                   bool executable) {
  add_file(path, contents, executable);
  if (!executable) executables_.erase(path);
  written_.push_back(path);
}

inline void MemoryDisk::make_symlink(const std::string& target, const fs::path& link) {
  symlinks_[link] = target;
  written_.push_back(link);
}

}  // namespace whiskey
