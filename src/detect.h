// bin/detect: is this an app that asks for Apache/mod_wsgi?
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>

#include "disk.h"
#include "invocation.h"

namespace whiskey {

/// The name detect prints.
inline constexpr const char* kBuildpackName = "Apache/mod_wsgi";

/// The exit codes of detect: classic buildpacks fail with any non-zero
/// status, Cloud Native ones with 100.
inline constexpr int kDetected = 0;
inline constexpr int kNotDetected = 1;
inline constexpr int kCnbDetected = 0;
inline constexpr int kCnbNotDetected = 100;

/// The detect phase for `call` (a ClassicCall or a CnbCall; the lifecycle
/// runs detect in the app's folder): prints the buildpack's name on `out`
/// when the app is ours, as the classic contract asks; the exit status.
int run_detect(const Disk& disk, const Invocation& call, std::ostream& out);

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
