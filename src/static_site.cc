#include "static_site.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "launch.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

/// File name extensions compressible() takes, without the dot.
constexpr std::array<std::string_view, 19> kCompressible = {
    "css", "js",  "mjs", "cjs", "map", "json", "svg", "html", "htm",        "txt",
    "xml", "csv", "md",  "ico", "ttf", "otf",  "eot", "wasm", "webmanifest"};

/// kCompressible as an alternation for Apache's regular expressions.
std::string compressible_pattern() {
  std::string p = "(?:";
  for (std::size_t i = 0; i < kCompressible.size(); ++i) {
    p += (i ? "|" : "") + std::string(kCompressible[i]);
  }
  return p + ")";
}

/// Whether `text` holds what Apache's configuration would not read as part
/// of a quoted path, or mod_rewrite as part of a rule: quotes, backslashes,
/// "$" and "%" (variables, back-references) or control characters.
bool unsafe_in_config(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) {
    return c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '$' || c == '%';
  });
}

std::string without_trailing_slashes(std::string s) {
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

std::string static_site_json(const StaticSite& site) {
  nlohmann::ordered_json doc;
  doc["static_url"] = site.url;
  doc["static_root"] = site.root;
  doc["settings"] = site.settings;
  return doc.dump(2) + "\n";
}

StaticSite parse_static_site(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw std::invalid_argument("it is not a JSON object");
  auto field = [&](const char* name) {
    auto it = doc.find(name);
    if (it == doc.end() || !it->is_string()) {
      throw std::invalid_argument(std::string("it has no text field \"") + name + "\"");
    }
    return it->get<std::string>();
  };
  StaticSite site{field("static_url"), field("static_root"), field("settings")};
  if (auto why = static_site_refusal(site); !why.empty()) throw std::invalid_argument(why);
  return site;
}

std::string static_site_refusal(const StaticSite& site) {
  if (site.url.size() < 3 || site.url.front() != '/' || site.url.back() != '/' ||
      site.url.find("//") != std::string::npos || unsafe_in_config(site.url)) {
    return "STATIC_URL '" + site.url + "' is not a path below / ending in /, such as /static/";
  }
  fs::path root(site.root);
  bool outside = root.empty() || root.is_absolute() || site.root == "." ||
                 std::any_of(root.begin(), root.end(), [](const fs::path& p) { return p == ".."; });
  if (outside || unsafe_in_config(site.root)) {
    return "STATIC_ROOT '" + site.root + "' is not a folder inside the app";
  }
  return "";
}

bool compressible(std::string_view name) {
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || name[dot - 1] == '/') return false;
  std::string ext(name.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kCompressible.begin(), kCompressible.end(), ext) != kCompressible.end();
}

StaticPlan static_plan(const Vars& env, const std::vector<std::string>& args,
                       const std::optional<StaticSite>& site, bool root_exists) {
  if (!site) return {};
  const std::string name = "WHISKEY_STATIC_FILES";
  auto on =
      on_or_off(env, name, "set it to off to leave Django's static files to the app, or unset it");
  const std::string what = "Django's static files (" + site->url + ")";
  if (on == false) return {false, name + "=" + env.at(name) + ": " + what + " are left to the app"};
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--url-alias" &&
        without_trailing_slashes(args[i + 1]) == without_trailing_slashes(site->url)) {
      return {false, what + ": the Procfile's --url-alias serves them"};
    }
  }
  if (!root_exists) {
    return {false,
            what + ": STATIC_ROOT " + site->root + " is not in the app; they are left to the app"};
  }
  return {true, what + " served by Apache from " + site->root +
                    ", compressed where the browser takes it, hashed names cached for a year"};
}

std::string static_conf_text(const StaticSite& site, const fs::path& root_dir) {
  const std::string dir = without_trailing_slashes(root_dir.string());
  const std::string types = compressible_pattern();
  std::string text = "# Written by mod_wsgi-heroku-start: Django's static files (STATIC_URL " +
                     site.url + ",\n# STATIC_ROOT " + site.root + " of " + site.settings +
                     "), served by Apache without the app.\n"
                     "Alias \"" +
                     site.url + "\" \"" + dir + "/\"\n<Directory \"" + dir +
                     "\">\n"
                     "    Options FollowSymLinks\n"
                     "    AllowOverride None\n"
                     "    Require all granted\n"
                     "    EnableSendfile On\n"
                     "    # The compressed copy the build made beside a file, when the request\n"
                     "    # takes it: Brotli, else gzip.\n"
                     "    RewriteEngine On\n"
                     "    RewriteBase \"" +
                     site.url + "\"\n";
  for (const auto& [encoding, suffix] : {std::pair{"br", ".br"}, std::pair{"gzip", ".gz"}}) {
    text += std::string("    RewriteCond \"%{HTTP:Accept-Encoding}\" \"\\b") + encoding +
            "\\b\"\n"
            "    RewriteCond \"%{REQUEST_FILENAME}" +
            suffix + "\" -f\n    RewriteRule \"^(.+\\." + types + ")$\" \"$1" + suffix + "\" [L]\n";
  }
  for (const auto& [encoding, suffix] : {std::pair{"br", ".br"}, std::pair{"gzip", ".gz"}}) {
    text += "    <FilesMatch \"\\." + types + "\\" + suffix +
            "$\">\n"
            "        RemoveType " +
            suffix + "\n        AddEncoding " + encoding + " " + suffix + "\n    </FilesMatch>\n";
  }
  text += "    <FilesMatch \"\\." + types +
          "(?:\\.br|\\.gz)?$\">\n"
          "        Header merge Vary Accept-Encoding\n"
          "    </FilesMatch>\n"
          "    Header set Cache-Control \"public, max-age=60\"\n"
          "    # Django's hashed names (name.0123456789ab.css) never change.\n"
          "    <FilesMatch \"\\.[0-9a-f]{12}\\.\">\n"
          "        Header set Cache-Control \"public, max-age=315360000, immutable\"\n"
          "    </FilesMatch>\n"
          "</Directory>\n";
  return text;
}

}  // namespace whiskey
