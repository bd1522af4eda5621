#include "defaults.h"

#include <algorithm>
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
    auto id = entry.find("id");
    if (id == entry.end() || *id != kDefaultBundleId) continue;
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

std::vector<PublicKey> pinned_public_keys(std::string_view buildpack_toml) {
  nlohmann::json doc = parse_toml(buildpack_toml);
  std::vector<PublicKey> out;
  auto metadata = doc.find("metadata");
  if (metadata == doc.end() || !metadata->is_object()) return out;
  auto keys = metadata->find("public-keys");
  if (keys == metadata->end()) return out;
  if (!keys->is_array()) throw std::runtime_error("metadata.public-keys is not a list of texts");
  for (const auto& k : *keys) {
    if (!k.is_string()) throw std::runtime_error("metadata.public-keys holds a non-text");
    PublicKey key;
    try {
      key = parse_public_key(k.get<std::string>(), "buildpack.toml");
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error("metadata.public-keys: " + std::string(e.what()));
    }
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
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
  nlohmann::ordered_json entry;
  entry["id"] = kDefaultBundleId;
  entry["version"] = b.version;
  entry["uri"] = b.uri;
  entry["checksum"] = "sha256:" + b.sha256.hex();
  entry["stacks"] = b.stacks;
  entry["arch"] = b.arch;
  nlohmann::ordered_json doc;
  doc["metadata"]["dependencies"].push_back(entry);
  return write_toml(doc);
}

std::string record_default_bundle(std::string_view buildpack_toml, const DefaultBundle& bundle) {
  nlohmann::json doc = parse_toml(buildpack_toml);
  parse_default_bundles(buildpack_toml);  // the entries it keeps are valid
  const std::vector<std::string> kDependencies{"metadata", "dependencies"};
  auto below = [&](const std::vector<std::string>& path) {
    return path.size() > kDependencies.size() &&
           std::equal(kDependencies.begin(), kDependencies.end(), path.begin());
  };
  auto replaced = [&](const nlohmann::json& entry, std::size_t n) {
    if (!entry.is_object() || entry.value("id", nlohmann::json()) != kDefaultBundleId ||
        entry.value("arch", nlohmann::json()) != bundle.arch) {
      return false;
    }
    std::size_t ours = 0;
    for (const auto& s : entry.at("stacks")) {
      ours += std::count(bundle.stacks.begin(), bundle.stacks.end(), s.get<std::string>());
    }
    if (ours == 0) return false;
    if (ours != entry.at("stacks").size()) {
      throw std::runtime_error("metadata.dependencies entry " + std::to_string(n + 1) +
                               " names other stacks too: split it by stack first");
    }
    return true;
  };

  // The text without the entries replaced (and the tables under them).
  std::string kept;
  std::size_t from = 0, item = 0;
  bool dropping = false;
  nlohmann::json expected = doc;
  nlohmann::json remaining = nlohmann::json::array();
  for (const auto& section : toml_sections(buildpack_toml)) {
    if (section.array_item && section.path == kDependencies) {
      const auto& entry = doc["metadata"]["dependencies"][item];
      dropping = replaced(entry, item);
      if (!dropping) remaining.push_back(entry);
      ++item;
    } else if (!below(section.path)) {
      dropping = false;
    }
    if (dropping) {
      kept.append(buildpack_toml.substr(from, section.begin - from));
      from = section.end;
    }
  }
  kept.append(buildpack_toml.substr(from));
  if (item != (doc.contains("metadata") && doc["metadata"].contains("dependencies")
                   ? doc["metadata"]["dependencies"].size()
                   : 0)) {
    throw std::runtime_error("metadata.dependencies is not written as [[metadata.dependencies]]");
  }

  std::string entry = default_bundle_toml(bundle);
  // One blank line before the entry, however many the entries taken out left.
  while (kept.size() >= 2 && kept.ends_with("\n\n")) kept.pop_back();
  if (!kept.empty() && kept.back() != '\n') kept += '\n';
  if (!kept.empty()) kept += '\n';
  std::string out = kept + entry;

  // What was meant, and nothing else: the same document with the entries
  // replaced.
  remaining.push_back(parse_toml(entry)["metadata"]["dependencies"][0]);
  expected["metadata"]["dependencies"] = remaining;
  if (parse_toml(out) != expected) {
    throw std::runtime_error("the default bundle cannot be added without changing other tables");
  }
  return out;
}

std::optional<std::string> buildpack_version(std::string_view buildpack_toml) {
  nlohmann::json doc = parse_toml(buildpack_toml);
  auto buildpack = doc.find("buildpack");
  if (buildpack == doc.end() || !buildpack->is_object()) return std::nullopt;
  auto version = buildpack->find("version");
  if (version == buildpack->end()) return std::nullopt;
  if (!version->is_string()) throw std::runtime_error("buildpack.version is not a text");
  return version->get<std::string>();
}

}  // namespace whiskey
