// What mod_wsgi-heroku-start and mod_wsgi-heroku-shell do, decided in one
// place: plan_launch() turns the arguments, the environment and what the
// launcher found out beforehand (LaunchFacts) into a LaunchPlan, the program
// to run, its whole environment, the files to write first and the lines to
// print. launcher_main.cc gathers the facts, runs the action hooks, and
// carries the plan out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "launch.h"
#include "static_site.h"

namespace whiskey {

/// Where the app and the Apache bundle are.
struct LaunchPaths {
  /// WHISKEY_APP_DIR (a Cloud Native build's app), else HOME, else /app.
  std::filesystem::path home;
  /// WHISKEY_BUNDLE_DIR (the bundle's layer), else home/.whiskey.
  std::filesystem::path bundle;
};

/// The paths `env` gives; an empty variable counts as unset.
LaunchPaths launch_paths(const Vars& env);

/// The environment the action hooks run in: `env`, the WHISKEY_* variables
/// (WHISKEY_BINDIR the bundle's bin), then .whiskey/user_vars as the
/// deploy-env hook found them (`before`) and left them (`after`): a variable
/// it removed is unset. Names that cannot be variables (empty, or with "=")
/// are left out.
Vars hook_environment(const Vars& env, const LaunchPaths& at, const Vars& before,
                      const Vars& after);

/// hook_environment() with LD_LIBRARY_PATH (library_path()) and PATH
/// leading to the bundle's programs and libraries and the app's Python: the
/// environment of the checks, of the shell and of the server.
Vars launch_environment(const Vars& env, const LaunchPaths& at, const Vars& before,
                        const Vars& after);

/// Whether `env` configures New Relic (NEW_RELIC_LICENSE_KEY or
/// NEW_RELIC_CONFIG_FILE).
bool newrelic_configured(const Vars& env);

/// What plan_launch() needs to know of the machine, found out beforehand in
/// the app's folder, in launch_environment(). The shell needs none of it.
struct LaunchFacts {
  unsigned uid = 0;  ///< the effective user
  int cpus = 1;
  std::optional<std::uint64_t> memory;  ///< memory_limit()
  /// The working folder (the app's), which makes a relative home absolute.
  std::filesystem::path cwd;
  std::string python = "python3";  ///< python_executable()
  /// Whether entry_script() of the arguments is a file in the app's folder,
  /// or where it says when absolute.
  bool script_exists = false;
  /// Python's last line when `python` cannot import mod_wsgi; nullopt when it can.
  std::optional<std::string> mod_wsgi_error;
  /// Whether `python` can import newrelic.agent (asked only when New Relic
  /// is configured and the app is a script).
  bool newrelic_importable = false;
  bool nogroup = false;           ///< /etc/group has a nogroup group
  bool graceful_sigterm = false;  ///< the bundle's Apache has the graceful-sigterm patch
  /// The bundle's Apache has BufferRequestBody (request-body-buffering).
  bool request_body_buffering = false;
  /// What the build found of a Django app's static files (kStaticSitePath),
  /// and whether their folder is there; static_site_error says why the
  /// file could not be read, when it could not.
  std::optional<StaticSite> static_site;
  bool static_root_exists = false;
  std::string static_site_error;
  /// Whether this system has a locale (locale_plan()).
  std::function<bool(const std::string&)> locale_installed = [](const std::string&) {
    return false;
  };
};

struct LaunchInputs {
  bool shell = false;             ///< mod_wsgi-heroku-shell rather than -start
  std::vector<std::string> args;  ///< the command line, after the program
  Vars env;                       ///< the environment the launcher was started with
  Vars user_vars_before;          ///< .whiskey/user_vars before the deploy-env hook
  Vars user_vars;                 ///< and after it
  LaunchFacts facts;
};

/// A file the launcher writes into the web process's folder before it starts
/// the server.
struct PlannedFile {
  std::filesystem::path path;
  std::string text;
};

/// How long a graceful stop may take (supervise()).
struct Supervision {
  double graceful_timeout_s = 0;
  double stop_deadline_s = 0;
};

struct LaunchPlan {
  /// The program and its arguments, argv[0] looked up on env's PATH.
  std::vector<std::string> argv;
  /// The whole environment it runs in.
  Vars env;
  /// Set when the launcher stays the program's parent, so that SIGTERM
  /// becomes a graceful stop; else it becomes the program (exec).
  std::optional<Supervision> supervise;
  /// The web process's own folder (run_dir()), made before `files` are
  /// written; empty for the shell.
  std::filesystem::path server_root;
  std::vector<PlannedFile> files;
  /// The user and group the launcher has Apache's children drop to: when
  /// started as root, unless the arguments name a --user.
  std::optional<std::pair<std::string, std::string>> run_as;
  std::vector<std::string> warnings;  ///< for stderr, before the start-up lines
  std::vector<std::string> lines;     ///< the start-up lines, for stdout
};

/// What to run: a shell (SHELL when it names one, else bash) with the
/// arguments, or mod_wsgi-express start-server on PORT, sized to the dyno,
/// with the user's arguments last, under the New Relic agent when it is
/// configured and installed, supervised on a dyno whose Apache can stop
/// gracefully. Throws LaunchError for what the user must change: no or a bad
/// PORT, a WSGI script that does not exist, a Python without mod_wsgi, a bad
/// sizing or stop timeout.
LaunchPlan plan_launch(const LaunchInputs& in);

/// The New Relic wrapper's script: the agent initialised, the user's script
/// `script` (at `target`) run, its application `callable` wrapped.
std::string newrelic_wrapper_text(const std::filesystem::path& target, const std::string& script,
                                  const std::string& callable);

}  // namespace whiskey
