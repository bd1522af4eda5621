// A Django app's static files, served by Apache without the app: what the
// build found (StaticSite, kept in the app's .whiskey/static-files.json),
// whether the web process serves them (static_plan), and the Apache
// configuration it serves them with (static_conf_text).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vars.h"

namespace whiskey {

/// Where the build keeps what it found, in the app.
inline constexpr const char* kStaticSitePath = ".whiskey/static-files.json";

struct StaticSite {
  std::string url;       ///< STATIC_URL, a path ending in "/": "/static/"
  std::string root;      ///< STATIC_ROOT, relative to the app: "staticfiles"
  std::string settings;  ///< the settings module they came from, for the log
};

/// The file's text for `site`.
std::string static_site_json(const StaticSite& site);

/// The file's `text` as a StaticSite. Throws std::invalid_argument saying
/// what is wrong, when it is not JSON of that shape or static_site_refusal()
/// refuses it.
StaticSite parse_static_site(const std::string& text);

/// Why `site` cannot be served as it is, or "" when it can: the URL must be a
/// path below "/" ending in "/", the root a folder inside the app, and
/// neither may hold what Apache's configuration would read as something else
/// (quotes, backslashes, "$", control characters).
std::string static_site_refusal(const StaticSite& site);

/// Whether `name` is a file worth compressing (text: CSS, JavaScript, source
/// maps, JSON, SVG, HTML, XML, plain text, fonts other than WOFF): the build
/// writes name.gz (and name.br) beside it, and Apache sends those.
bool compressible(std::string_view name);

/// What the web process does with the build's StaticSite.
struct StaticPlan {
  bool serve = false;
  std::string line;  ///< for the start-up log; "" says nothing
};

/// Serve `site` unless WHISKEY_STATIC_FILES is off (0, false, no, off), the
/// Procfile's arguments already give its URL a --url-alias (theirs win), or
/// its folder is gone (`root_exists`). No site: nothing to say. Throws
/// LaunchError for a WHISKEY_STATIC_FILES that is neither on nor off.
StaticPlan static_plan(const Vars& env, const std::vector<std::string>& args,
                       const std::optional<StaticSite>& site, bool root_exists);

/// Apache's configuration serving `site` from `root_dir` (the absolute
/// path of its root): an Alias; the compressed copy beside a file (.br, else
/// .gz) when the request's Accept-Encoding takes it; a year's caching for
/// Django's hashed names (name.0123456789ab.css), a minute's for others.
std::string static_conf_text(const StaticSite& site, const std::filesystem::path& root_dir);

}  // namespace whiskey
