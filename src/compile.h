// bin/compile, step by step: stack, bundle, environment, web process.
#pragma once

#include <filesystem>
#include <string>

#include "clock.h"
#include "config.h"
#include "curl_http.h"
#include "disk.h"
#include "http.h"
#include "output.h"
#include "process.h"
#include "resolve.h"

namespace whiskey {

struct CompileArgs {
  std::filesystem::path build_dir;
  std::filesystem::path cache_dir;
  std::filesystem::path env_dir;
  std::filesystem::path buildpack_dir;  ///< where `export` is written
  std::filesystem::path launcher;       ///< the mod_wsgi-heroku-start executable to install
  Vars vars;                            ///< config vars and environment, merged
};

/// A failure of the build's own steps, around the bundle.
class BuildError : public Failure {
 public:
  enum class Kind {
    kNoBuildFolder,    ///< `path`, the build folder argument, is not a folder
    kBuildpackToml,    ///< the buildpack's `path` cannot be read (`detail` says why)
    kLauncherMissing,  ///< the buildpack lacks its launcher, `path`
    kHookFailed,       ///< the build action hook `path` exited with `status`
    kNoBundleInfo,     ///< the installed bundle lacks `path`, its description
  };
  BuildError(Kind kind, std::filesystem::path path, std::string detail = {}, int status = 0)
      : Failure(path.string() + (detail.empty() ? "" : ": " + detail)),
        kind(kind),
        path(std::move(path)),
        detail(std::move(detail)),
        status(status) {}
  Kind kind;
  std::filesystem::path path;
  std::string detail;
  int status;
};

struct Services {
  Disk& disk;
  HttpClient& http;
  Clock& clock;
  Output& out;
  Runner& runner;
};

/// Where systems keep their bundle of CA certificates, most common first:
/// Debian and Ubuntu, Fedora and RHEL, openSUSE, Alpine and others.
inline constexpr const char* kSystemCaBundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
};

/// The first of kSystemCaBundles that is a file on `disk`, or "" when none
/// is (libcurl then uses the place it was built with).
std::string system_ca_bundle(const Disk& disk);

/// How downloads are made for this config: the CA file from CURL_CA_BUNDLE
/// or SSL_CERT_FILE, else the system's (system_ca_bundle), so a libcurl
/// built on another system finds this one's; and, when AWS_ACCESS_KEY_ID
/// and AWS_SECRET_ACCESS_KEY are set with WHISKEY_BUCKET, SigV4 signing of
/// the requests to that bucket (and only to it).
CurlOptions download_options(const Vars& vars, const Disk& disk);

// The steps the classic build (compile) and the Cloud Native build share.

/// The config vars parsed, with the default bundles recorded in the
/// buildpack's buildpack.toml.
Config load_config(const Vars& vars, const Disk& disk, const std::filesystem::path& buildpack_dir);

/// The stack and architecture the build is for: on a Cloud Native platform
/// the run image's target (CNB_TARGET_DISTRO_NAME and _VERSION, CNB_TARGET_ARCH)
/// when it names one, else STACK, else this machine's. Throws StackError for
/// a target OS other than linux and a stack this buildpack does not build for.
Target build_target(const Vars& vars, const Disk& disk);

/// Chooses the bundle and says so ("-----> Installing Apache from ...").
/// `cache_dir` keeps the manifest's copy (may be empty).
Resolved resolve_step(const Config& config, const Target& target, const Vars& vars,
                      const std::filesystem::path& cache_dir, Services& s);

/// Downloads (or takes from the bundle cache in `cache_dir`, when not
/// empty), verifies, relocates and installs the bundle into `dest`, logging
/// what it did. Returns the installed bundle's SHA-256 (hex).
std::string install_resolved(const Resolved& resolved, const Target& target, const Vars& vars,
                             const std::filesystem::path& dest,
                             const std::filesystem::path& cache_dir, Services& s);

/// Copies the launcher into `bin` with mod_wsgi-heroku-shell beside it;
/// `shown` names `bin` in the log.
void install_launcher(const std::filesystem::path& launcher, const std::filesystem::path& bin,
                      const std::string& shown, Services& s);

/// Runs the app's .whiskey/action_hooks/build, when it has one.
void run_build_hook(const std::filesystem::path& app_dir, Services& s);

/// Runs the build. Throws a Failure (see messages.h) on any failure the user can act on.
void compile(const CompileArgs& args, Services& services);

}  // namespace whiskey
