// bin/detect: is this an app that asks for Apache/mod_wsgi?
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "disk.h"

namespace whiskey {

/// The name detect prints.
inline constexpr const char* kBuildpackName = "Apache/mod_wsgi";

/// Why the app is ours ("requirements.txt names mod_wsgi"), or nullopt when
/// it is not: no dependency file names mod_wsgi, the Procfile runs neither
/// mod_wsgi-heroku-start nor mod_wsgi-express, and there is no .whiskey/.
std::optional<std::string> detect_app(const Disk& disk, const std::filesystem::path& app);

/// Whether `text` (a dependency file) names the mod_wsgi distribution:
/// mod_wsgi, mod-wsgi or mod.wsgi in any case, as a whole name, outside
/// comments ('#' at a line's start or after white space). mod_wsgi-standalone and mod_wsgi-httpd
/// are other projects.
bool names_mod_wsgi(std::string_view text);

/// The dependency file that names mod_wsgi ("requirements.txt",
/// "requirements/base.txt", "Pipfile", ...), or nullopt.
std::optional<std::string> dependency_naming_mod_wsgi(const Disk& disk,
                                                      const std::filesystem::path& app);

/// Whether a Procfile runs mod_wsgi-heroku-start or mod_wsgi-express.
bool procfile_runs_mod_wsgi(std::string_view procfile);

}  // namespace whiskey
