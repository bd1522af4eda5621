#include "config.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace whiskey {
namespace {

std::string trim(std::string s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.back())) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  return s.substr(i);
}

bool parse_flag(const Vars& vars, const std::string& name) {
  std::string v = trim(var_or(vars, name));
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v.empty() || v == "0" || v == "false" || v == "no" || v == "off") return false;
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  throw ConfigError(ConfigError::Kind::kNotFlag, name, v);
}

}  // namespace

Vars load_vars(const Disk& disk, const std::filesystem::path& env_dir, char** envp) {
  Vars vars = environment_vars(envp);
  if (env_dir.empty()) return vars;
  for (const auto& name : disk.list_directory(env_dir)) {
    if (auto value = disk.read_file(env_dir / name)) {
      // Heroku writes values without a trailing newline; a hand-made ENV_DIR
      // often has one.
      std::string v = *value;
      while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
      vars[name] = v;
    }
  }
  return vars;
}

int positive_var(const Vars& vars, const std::string& name, int fallback) {
  std::string v = trim(var_or(vars, name));
  if (v.empty()) return fallback;
  bool digits = std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits || v.size() > 7 || std::stoi(v) < 1) {
    throw ConfigError(ConfigError::Kind::kNotPositive, name, v);
  }
  return std::stoi(v);
}

Config parse_config(const Vars& vars) {
  Config c;
  c.url = trim(var_or(vars, "WHISKEY_URL"));
  c.bucket = trim(var_or(vars, "WHISKEY_BUCKET"));
  c.package = trim(var_or(vars, "WHISKEY_PACKAGE"));
  c.region = trim(var_or(vars, "WHISKEY_REGION"));
  if (c.region.empty()) c.region = "us-east-1";
  c.s3_endpoint = trim(var_or(vars, "WHISKEY_S3_ENDPOINT"));
  c.apache_version = trim(var_or(vars, "WHISKEY_APACHE_VERSION"));
  c.allow_http = parse_flag(vars, "WHISKEY_ALLOW_HTTP");
  c.stack = trim(var_or(vars, "STACK"));
  std::string sha = trim(var_or(vars, "WHISKEY_SHA256"));
  if (!sha.empty()) {
    try {
      c.sha256 = Sha256Digest::parse(sha);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(ConfigError::Kind::kNotDigest, "WHISKEY_SHA256", sha, e.what());
    }
  }
  try {
    c.public_keys = parse_public_keys(var_or(vars, "WHISKEY_PUBLIC_KEYS"), "WHISKEY_PUBLIC_KEYS");
  } catch (const std::invalid_argument& e) {
    throw ConfigError(ConfigError::Kind::kNotKey, "WHISKEY_PUBLIC_KEYS", {}, e.what());
  }
  for (char ch : c.region) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-')) {
      throw ConfigError(ConfigError::Kind::kNotRegion, "WHISKEY_REGION", c.region);
    }
  }
  return c;
}

}  // namespace whiskey
