#include "relocate.h"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "disk.h"

namespace whiskey {
namespace fs = std::filesystem;

BundleInfo parse_bundle_info(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse errors, numbers out of range
    throw std::runtime_error(std::string("whiskey-bundle.json is not valid JSON: ") + e.what());
  }
  auto need = [&](const char* key) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(key)) {
      throw std::runtime_error(std::string("whiskey-bundle.json has no \"") + key + "\"");
    }
    return j.at(key);
  };
  BundleInfo info;
  try {
    if (!need("schema").is_number_integer()) {
      throw std::runtime_error("whiskey-bundle.json's schema is not a whole number");
    }
    info.schema = need("schema").get<int>();
    if (info.schema != 1) {
      throw std::runtime_error("whiskey-bundle.json has schema " + std::to_string(info.schema) +
                               "; this buildpack reads schema 1");
    }
    info.stack = need("stack").get<std::string>();
    info.arch = need("arch").get<std::string>();
    info.apache = need("apache").get<std::string>();
    info.prefix = need("prefix").get<std::string>();
    if (!need("prefix_capacity").is_number_unsigned()) {
      throw std::runtime_error("whiskey-bundle.json's prefix_capacity is not a whole number");
    }
    info.prefix_capacity = need("prefix_capacity").get<std::size_t>();
    info.contents = need("contents").get<std::vector<std::string>>();
    if (j.contains("features")) info.features = j["features"].get<std::vector<std::string>>();
    if (j.contains("apr")) info.apr = j["apr"].get<std::string>();
    if (j.contains("apr_util")) info.apr_util = j["apr_util"].get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("whiskey-bundle.json: ") + e.what());
  }
  if (info.prefix.empty() || info.prefix.front() != '/') {
    throw std::runtime_error("whiskey-bundle.json's prefix is not an absolute path");
  }
  if (info.prefix_capacity < info.prefix.size()) {
    throw std::runtime_error("whiskey-bundle.json's prefix_capacity is less than its prefix");
  }
  for (const auto& c : info.contents) {
    if (c.empty() || c.find('/') != std::string::npos || c == "." || c == "..") {
      throw std::runtime_error("whiskey-bundle.json's contents names '" + c + "'");
    }
  }
  return info;
}

namespace {

/// `text` with every `from` replaced by `to`; `count` says how many.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to,
                        std::size_t& count) {
  std::string out;
  std::size_t done = 0;
  count = 0;
  for (std::size_t hit; (hit = text.find(from, done)) != std::string_view::npos;
       done = hit + from.size()) {
    out.append(text.substr(done, hit - done));
    out.append(to);
    ++count;
  }
  out.append(text.substr(done));
  return out;
}

}  // namespace

std::optional<std::string> relocate_bytes(std::string_view data, std::string_view from,
                                          std::string_view to, std::size_t slack) {
  if (from.empty() || from.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("a prefix to relocate must be non-empty text");
  }
  std::size_t pos = data.find(from);
  if (pos == std::string_view::npos) return std::nullopt;
  std::size_t count = 0;
  if (data.find('\0') == std::string_view::npos) return replace_all(data, from, to, count);

  // Binary: rewrite each NUL-terminated string holding `from` in place. A
  // shorter string is padded with NULs; a longer one may only grow into NULs
  // that an earlier, shortening relocation left behind it.
  std::string out;
  out.reserve(data.size());
  std::size_t done = 0;
  while (pos != std::string_view::npos) {
    std::size_t start = data.rfind('\0', pos);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::size_t end = std::min(data.find('\0', pos), data.size());
    std::string_view old = data.substr(start, end - start);
    std::string rewritten = replace_all(old, from, to, count);
    out.append(data.substr(done, start - done));
    out.append(rewritten);
    if (rewritten.size() <= old.size()) {
      out.append(old.size() - rewritten.size(), '\0');
      done = end;
    } else {
      std::size_t extra = rewritten.size() - old.size();
      bool room = extra <= count * slack && end + extra < data.size() &&
                  data.substr(end, extra + 1).find_first_not_of('\0') == std::string_view::npos;
      if (!room) {
        throw RelocationError(
            RelocationError::Kind::kNoRoom, std::string(to),
            "'" + std::string(to) + "' does not fit where '" + std::string(from) + "' was");
      }
      done = end + extra;
    }
    pos = data.find(from, done);
  }
  out.append(data.substr(done));
  return out;
}

RelocateStats relocate_tree(Disk& disk, const fs::path& root, const BundleInfo& info,
                            const std::string& to) {
  if (to.size() > info.prefix_capacity) {
    throw RelocationError(RelocationError::Kind::kPathTooLong, to,
                          "the bundle can move to paths of at most " +
                              std::to_string(info.prefix_capacity) + " characters; '" + to +
                              "' has " + std::to_string(to.size()));
  }
  RelocateStats stats;
  if (to == info.prefix) return stats;
  std::size_t slack = info.prefix_capacity - info.prefix.size();
  for (const auto& dir : info.contents) {
    std::error_code ec;
    if (!fs::is_directory(root / dir, ec)) continue;
    for (auto it = fs::recursive_directory_iterator(root / dir); it != fs::end(it); ++it) {
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      const fs::path& path = it->path();
      auto data = disk.read_file(path, static_cast<std::size_t>(it->file_size()));
      if (!data) throw std::runtime_error("cannot read '" + path.string() + "'");
      std::optional<std::string> rewritten;
      try {
        rewritten = relocate_bytes(*data, info.prefix, to, slack);
      } catch (const RelocationError& e) {
        throw RelocationError(e.kind, to, path.string() + ": " + e.detail);
      }
      if (!rewritten) continue;
      bool binary = data->find('\0') != std::string::npos;
      auto perms = fs::status(path).permissions();
      disk.write_file(path, *rewritten, (perms & fs::perms::owner_exec) != fs::perms::none);
      fs::permissions(path, perms, ec);
      ++(binary ? stats.binary_files : stats.text_files);
    }
  }
  return stats;
}

}  // namespace whiskey
