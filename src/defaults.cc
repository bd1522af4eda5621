#include "defaults.h"

#include <stdexcept>

#include "manifest.h"
#include "toml.h"

namespace whiskey {
namespace {

std::string text_field(const nlohmann::json& entry, const char* name, const std::string& where) {
  auto it = entry.find(name);
  if (it == entry.end() || !it->is_string() || it->get<std::string>().empty()) {
    throw std::runtime_error(where + ": '" + name + "' is missing or not a text");
  }
  return it->get<std::string>();
}

}  // namespace

std::vector<DefaultBundle> parse_default_bundles(std::string_view buildpack_toml) {
  nlohmann::json doc = parse_toml(buildpack_toml);
  std::vector<DefaultBundle> out;
  auto metadata = doc.find("metadata");
  if (metadata == doc.end() || !metadata->is_object()) return out;
  auto deps = metadata->find("dependencies");
  if (deps == metadata->end()) return out;
  if (!deps->is_array()) throw std::runtime_error("metadata.dependencies is not a list of tables");
  for (std::size_t n = 0; n < deps->size(); ++n) {
    const auto& entry = (*deps)[n];
    std::string where = "metadata.dependencies entry " + std::to_string(n + 1);
    if (!entry.is_object()) throw std::runtime_error(where + " is not a table");
    if (entry.value("id", std::string()) != kDefaultBundleId) continue;
    std::string checksum = text_field(entry, "checksum", where);
    std::optional<Sha256Digest> sha256;
    try {
      sha256 = Sha256Digest::parse(checksum);
    } catch (const std::invalid_argument&) {
      throw std::runtime_error(where + ": 'checksum' is not sha256:<64 hex digits>");
    }
    auto stacks = entry.find("stacks");
    if (stacks == entry.end() || !stacks->is_array() || stacks->empty()) {
      throw std::runtime_error(where + ": 'stacks' is missing or empty");
    }
    std::vector<std::string> names;
    for (const auto& s : *stacks) {
      if (!s.is_string()) throw std::runtime_error(where + ": 'stacks' holds a non-text");
      names.push_back(s.get<std::string>());
    }
    DefaultBundle b{.version = text_field(entry, "version", where),
                    .uri = text_field(entry, "uri", where),
                    .sha256 = *sha256,
                    .stacks = std::move(names),
                    .arch = text_field(entry, "arch", where)};
    out.push_back(std::move(b));
  }
  return out;
}

std::optional<DefaultBundle> select_default(const std::vector<DefaultBundle>& defaults,
                                            const std::string& stack, const std::string& arch,
                                            const std::string& version) {
  std::optional<DefaultBundle> best;
  for (const auto& b : defaults) {
    if (b.arch != arch) continue;
    bool on_stack = false;
    for (const auto& s : b.stacks) on_stack = on_stack || s == stack;
    if (!on_stack || (!version.empty() && b.version != version)) continue;
    if (!best || compare_versions(b.version, best->version) > 0) best = b;
  }
  return best;
}

std::string default_bundle_toml(const DefaultBundle& b) {
  std::string stacks;
  for (const auto& s : b.stacks) stacks += (stacks.empty() ? "" : ", ") + toml_string(s);
  return "[[metadata.dependencies]]\nid = " + toml_string(kDefaultBundleId) +
         "\nversion = " + toml_string(b.version) + "\nuri = " + toml_string(b.uri) +
         "\nchecksum = " + toml_string("sha256:" + b.sha256.hex()) + "\nstacks = [" + stacks +
         "]\narch = " + toml_string(b.arch) + "\n";
}

}  // namespace whiskey
