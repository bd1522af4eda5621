#include "stack.h"

#include <array>
#include <string_view>

#include "errors.h"

namespace whiskey {
namespace {

enum class Support { kSupported, kEndOfLife };

struct StackEntry {
  std::string_view name;
  Support support;
};

// heroku-22, heroku-24 and heroku-26 are Heroku's current stacks; debian-12
// is the local stack that bundles are built and tested on off Heroku.
constexpr std::array kStacks = {
    StackEntry{"heroku-26", Support::kSupported}, StackEntry{"heroku-24", Support::kSupported},
    StackEntry{"heroku-22", Support::kSupported}, StackEntry{"debian-12", Support::kSupported},
    StackEntry{"heroku-20", Support::kEndOfLife}, StackEntry{"heroku-18", Support::kEndOfLife},
    StackEntry{"heroku-16", Support::kEndOfLife}, StackEntry{"cedar-14", Support::kEndOfLife},
    StackEntry{"cedar", Support::kEndOfLife},
};

std::string unquote(std::string v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    return v.substr(1, v.size() - 2);
  }
  return v;
}

}  // namespace

std::string local_stack(const Disk& disk, const fs::path& os_release) {
  auto text = disk.read_file(os_release);
  if (!text) return {};
  std::string id, version;
  std::size_t pos = 0;
  while (pos < text->size()) {
    auto nl = text->find('\n', pos);
    std::string line = text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text->size() : nl + 1;
    if (line.rfind("ID=", 0) == 0) id = unquote(line.substr(3));
    if (line.rfind("VERSION_ID=", 0) == 0) version = unquote(line.substr(11));
  }
  if (id.empty() || version.empty()) return {};
  return distro_stack(id, version);
}

std::string distro_stack(const std::string& id, const std::string& version) {
  if (id == "ubuntu" && (version == "22.04" || version == "24.04" || version == "26.04")) {
    return "heroku-" + version.substr(0, 2);
  }
  return id + "-" + version;
}

void check_stack(const std::string& stack) {
  for (const auto& entry : kStacks) {
    if (entry.name != stack) continue;
    if (entry.support == Support::kSupported) return;
    throw StackError(StackError::Kind::kEndOfLife, stack);
  }
  throw StackError(StackError::Kind::kUnknown, stack);
}

}  // namespace whiskey
