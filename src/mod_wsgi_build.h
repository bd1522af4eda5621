// mod_wsgi against the bundle's Apache, in either buildpack order:
// - this buildpack first: the Python buildpack after it builds mod_wsgi from
//   requirements.txt with APXS from our `export`;
// - heroku/python first: its Python is at .heroku/python, and this step
//   installs mod_wsgi into it, built against our apxs, from a wheel kept in
//   the build cache.
#pragma once

#include <filesystem>
#include <string>

#include "clock.h"
#include "config.h"
#include "disk.h"
#include "errors.h"
#include "output.h"
#include "process.h"

namespace whiskey {

/// mod_wsgi's version when MOD_WSGI_VERSION is unset.
inline constexpr const char* kDefaultModWsgiVersion = "6.1.1";

struct ModWsgiBuild {
  std::filesystem::path build_dir;
  std::filesystem::path cache_dir;
  std::string version = kDefaultModWsgiVersion;  ///< MOD_WSGI_VERSION
  std::string bundle_digest;                     ///< the installed bundle's, for the cache key
  /// Where the bundle is: build_dir/.whiskey when empty.
  std::filesystem::path bundle_dir;
  /// Where the buildpacks after this one find APXS, for the log.
  std::string apxs_from = "this buildpack's export";
  /// The build's environment: PATH and LD_LIBRARY_PATH are taken from it.
  Vars env;
};

/// mod_wsgi could not be built or installed into the app's Python.
class ModWsgiError : public Failure {
 public:
  enum class Kind {
    kNoPython,       ///< no .heroku/python, and no dependency file names mod_wsgi
    kPythonFails,    ///< the app's `python` does not start
    kBuildFailed,    ///< pip wheel mod_wsgi==`version` failed
    kNoWheel,        ///< pip made no wheel
    kInstallFailed,  ///< pip install of the wheel failed
  };
  /// `output` is the end of the tool's output.
  ModWsgiError(Kind kind, std::string version, std::string python = {}, std::string output = {})
      : Failure("mod_wsgi " + version + ": " + output),
        kind(kind),
        version(std::move(version)),
        python(std::move(python)),
        output(std::move(output)) {}
  Kind kind;
  std::string version;
  std::string python;
  std::string output;
};

/// The wheel cache's key: Python, Apache bundle and mod_wsgi version.
std::string wheel_cache_key(const std::string& python_version, const std::string& bundle_digest,
                            const std::string& mod_wsgi_version);

/// The environment the app's Python (at build_dir/.heroku/python) and pip
/// run in during the build, against the bundle at `bundle`: APXS, and PATH
/// and LD_LIBRARY_PATH (from `env`) leading to that Python first.
std::map<std::string, std::string> python_build_env(const std::filesystem::path& build_dir,
                                                    const std::filesystem::path& bundle,
                                                    const Vars& env);

/// Builds or reuses mod_wsgi as above. Throws ModWsgiError when there is no
/// Python and the app does not ask for mod_wsgi in a dependency file (so
/// no later buildpack will build it), or when the build fails.
void build_mod_wsgi(const ModWsgiBuild& build, Disk& disk, Runner& runner, Output& out,
                    Clock& clock);

}  // namespace whiskey
