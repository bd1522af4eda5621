#include "manifest.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace whiskey {
namespace {

using nlohmann::json;

ManifestEntry parse_entry(const json& j, std::size_t index) {
  std::string where = "bundles[" + std::to_string(index) + "]";
  if (!j.is_object()) throw std::runtime_error(where + " is not an object");
  auto text = [&](const char* key) {
    if (!j.contains(key) || !j.at(key).is_string() || j.at(key).get<std::string>().empty()) {
      throw std::runtime_error(where + " has no \"" + key + "\" text");
    }
    return j.at(key).get<std::string>();
  };
  ManifestEntry e{.key = text("key"),
                  .stack = text("stack"),
                  .arch = text("arch"),
                  .apache = text("apache"),
                  .size = 0,
                  .sha256 = Sha256Digest::parse(std::string(64, '0')),
                  .published_at = {}};
  if (!j.contains("size") || !j.at("size").is_number_unsigned()) {
    throw std::runtime_error(where + " (" + e.key + ") has no \"size\" in bytes");
  }
  e.size = j.at("size").get<std::uint64_t>();
  try {
    e.sha256 = Sha256Digest::parse(text("sha256"));
  } catch (const std::invalid_argument& err) {
    throw std::runtime_error(where + " (" + e.key + ") has a malformed \"sha256\": " + err.what());
  }
  if (j.contains("published_at") && j.at("published_at").is_string()) {
    e.published_at = j.at("published_at").get<std::string>();
  }
  if (j.contains("sbom_sha256")) {
    try {
      e.sbom_sha256 = Sha256Digest::parse(text("sbom_sha256"));
    } catch (const std::invalid_argument& err) {
      throw std::runtime_error(where + " (" + e.key +
                               ") has a malformed \"sbom_sha256\": " + err.what());
    }
  }
  if (e.key.front() == '/' || e.key.find("..") != std::string::npos) {
    throw std::runtime_error(where + " has a key that leaves the manifest's folder: " + e.key);
  }
  return e;
}

json entry_json(const ManifestEntry& e, const json* previous) {
  json j = previous ? *previous : json::object();
  j["key"] = e.key;
  j["stack"] = e.stack;
  j["arch"] = e.arch;
  j["apache"] = e.apache;
  j["size"] = e.size;
  j["sha256"] = e.sha256.hex();
  if (!e.published_at.empty()) j["published_at"] = e.published_at;
  if (e.sbom_sha256) {
    j["sbom_sha256"] = e.sbom_sha256->hex();
  } else {
    j.erase("sbom_sha256");  // not the replaced bundle's
  }
  return j;
}

}  // namespace

int compare_versions(std::string_view a, std::string_view b) {
  auto take = [](std::string_view& s) {
    auto dot = s.find('.');
    auto part = s.substr(0, dot);
    s = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    return part;
  };
  auto numeric = [](std::string_view p) {
    return !p.empty() &&
           std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  while (!a.empty() || !b.empty()) {
    auto pa = take(a), pb = take(b);
    // A missing part first ("2.4" < "2.4.1"), then numbers, then other
    // text, so that the order is consistent.
    if (pa.empty() != pb.empty()) return pa.empty() ? -1 : 1;
    if (numeric(pa) != numeric(pb)) return numeric(pa) ? -1 : 1;
    if (numeric(pa)) {
      // Compared as digit strings, so a number of any length is fine.
      pa.remove_prefix(std::min(pa.find_first_not_of('0'), pa.size()));
      pb.remove_prefix(std::min(pb.find_first_not_of('0'), pb.size()));
      if (pa.size() != pb.size()) return pa.size() < pb.size() ? -1 : 1;
    }
    if (int c = pa.compare(pb); c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

Manifest parse_manifest(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse errors, numbers out of range
    throw std::runtime_error(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw std::runtime_error("not a JSON object");
  if (!j.contains("schema") || !j.at("schema").is_number_integer()) {
    throw std::runtime_error("no \"schema\" version number");
  }
  Manifest m;
  m.schema = j.at("schema").get<int>();
  if (m.schema != kManifestSchema) {
    throw std::runtime_error("schema " + std::to_string(m.schema) +
                             " is not one this buildpack reads (it reads schema " +
                             std::to_string(kManifestSchema) + ")");
  }
  if (j.contains("serial")) {
    if (!j.at("serial").is_number_unsigned()) {
      throw std::runtime_error("\"serial\" is not a whole number");
    }
    m.serial = j.at("serial").get<std::uint64_t>();
  }
  if (!j.contains("bundles") || !j.at("bundles").is_array()) {
    throw std::runtime_error("no \"bundles\" list");
  }
  const auto& bundles = j.at("bundles");
  for (std::size_t i = 0; i < bundles.size(); ++i) {
    ManifestEntry e = parse_entry(bundles[i], i);
    if (find_key(m, e.key)) {
      throw std::runtime_error("bundles[" + std::to_string(i) + "] repeats the key " + e.key);
    }
    m.bundles.push_back(std::move(e));
  }
  return m;
}

std::string serialize_manifest(const Manifest& m, std::string_view previous) {
  json old = json::object();
  if (!previous.empty()) old = json::parse(previous, nullptr, false);
  if (!old.is_object()) old = json::object();
  json out = old;
  out["schema"] = m.schema;
  out["serial"] = m.serial;
  json bundles = json::array();
  for (const auto& e : m.bundles) {
    const json* before = nullptr;
    if (old.contains("bundles") && old["bundles"].is_array()) {
      for (const auto& b : old["bundles"]) {
        if (b.is_object() && b.value("key", "") == e.key) before = &b;
      }
    }
    bundles.push_back(entry_json(e, before));
  }
  out["bundles"] = bundles;
  return out.dump(2) + "\n";
}

void upsert(Manifest& m, ManifestEntry entry) {
  auto same = std::find_if(m.bundles.begin(), m.bundles.end(),
                           [&](const ManifestEntry& e) { return e.key == entry.key; });
  if (same != m.bundles.end()) {
    *same = std::move(entry);
  } else {
    m.bundles.push_back(std::move(entry));
  }
  std::stable_sort(m.bundles.begin(), m.bundles.end(), [](const auto& a, const auto& b) {
    if (a.stack != b.stack) return a.stack < b.stack;
    if (a.arch != b.arch) return a.arch < b.arch;
    return compare_versions(a.apache, b.apache) < 0;
  });
}

std::optional<ManifestEntry> select_bundle(const Manifest& m, const std::string& stack,
                                           const std::string& arch,
                                           const std::string& apache_version) {
  std::optional<ManifestEntry> best;
  for (const auto& e : m.bundles) {
    if (e.stack != stack || e.arch != arch) continue;
    if (!apache_version.empty() && e.apache != apache_version) continue;
    if (!best || compare_versions(e.apache, best->apache) > 0) best = e;
  }
  return best;
}

std::optional<ManifestEntry> find_key(const Manifest& m, const std::string& key) {
  for (const auto& e : m.bundles) {
    if (e.key == key) return e;
  }
  return std::nullopt;
}

std::string describe_offer(const Manifest& m) {
  if (m.bundles.empty()) return "no bundles at all";
  std::string out;
  for (const auto& e : m.bundles) {
    if (!out.empty()) out += "\n";
    out += e.stack + "/" + e.arch + " Apache " + e.apache + ": " + e.key;
  }
  return out;
}

std::string machine_arch() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown";
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  return m;
}

}  // namespace whiskey
