// mod_wsgi-heroku-start [ARGS...]: the web process (see launch.h).
// mod_wsgi-heroku-shell [ARGS...]: the same set-up, then a shell.
//
// What to run is decided by plan_launch() (launch_plan.h); this file finds
// out what it needs to know, runs the action hooks, and carries the plan out.
#include <locale.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "launch.h"
#include "launch_plan.h"
#include "process.h"
#include "relocate.h"
#include "supervise.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace whiskey;

std::string program = "mod_wsgi-heroku-start";

Vars process_env() {
  Vars env;
  for (char** e = environ; e && *e; ++e) {
    if (const char* eq = std::strchr(*e, '=')) {
      env[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
    }
  }
  return env;
}

/// Makes `env` this process's whole environment: what the hooks, the checks
/// and the program it becomes or starts run in.
void adopt(const Vars& env) {
  if (::clearenv() != 0) throw LaunchError("cannot clear the environment");
  for (const auto& [k, v] : env) {
    if (::setenv(k.c_str(), v.c_str(), 1) != 0) {
      throw LaunchError("cannot set " + k + ": " + std::strerror(errno));
    }
  }
}

void run_hook(const fs::path& home, const std::string& name) {
  fs::path hook = home / ".whiskey/action_hooks" / name;
  if (::access(hook.c_str(), X_OK) != 0 || !fs::is_regular_file(hook)) return;
  int status = RealRunner().run({hook.string()});
  if (status != 0) {
    throw LaunchError("the " + name + " action hook (.whiskey/action_hooks/" + name +
                      ") failed with exit status " + std::to_string(status));
  }
}

/// Runs the deploy-env and then the deploy action hook, each in the
/// environment hook_environment() gives it, and reads `in`'s user variables
/// before and after deploy-env.
void run_hooks(LaunchInputs& in, const LaunchPaths& at, const Disk& disk) {
  in.user_vars_before = read_user_vars(disk, at.home);
  adopt(hook_environment(in.env, at, in.user_vars_before, in.user_vars_before));
  run_hook(at.home, "deploy-env");
  // Read again: deploy-env may have changed them, and a deleted file unsets.
  in.user_vars = read_user_vars(disk, at.home);
  adopt(hook_environment(in.env, at, in.user_vars_before, in.user_vars));
  run_hook(at.home, "deploy");
}

/// Moves the bundle's recorded paths to where the app runs (the slug was
/// built elsewhere).
void relocate_bundle(const fs::path& bundle, Disk& disk) {
  auto json = disk.read_file(bundle / kBundleInfoPath);
  if (!json) return;
  try {
    BundleInfo info = parse_bundle_info(*json);
    if (info.prefix != bundle.string()) relocate_tree(disk, bundle, info, bundle.string());
  } catch (const std::exception& e) {
    throw LaunchError(std::string("cannot move the Apache bundle to ") + bundle.string() + ": " +
                      e.what());
  }
}

/// What the bundle says of itself, for its features (BundleInfo::features);
/// nullopt when it says nothing readable (relocate_bundle says what is wrong).
std::optional<BundleInfo> bundle_info(const fs::path& bundle, const Disk& disk) {
  auto json = disk.read_file(bundle / kBundleInfoPath);
  if (!json) return std::nullopt;
  try {
    return parse_bundle_info(*json);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Creates the web process's folder `dir` (run_dir), or takes the one a
/// previous start of the same user on the same port left, when
/// run_dir_refusal() finds nothing wrong with it. Mode 0755: as root,
/// Apache's children run as nobody, and read the files in it. Throws
/// LaunchError saying what is wrong and what to do.
void make_run_dir(const fs::path& dir) {
  auto uid = static_cast<unsigned>(::geteuid());
  if (::mkdir(dir.c_str(), 0755) == 0) return;
  if (errno != EEXIST) {
    throw LaunchError("cannot create the web process's folder " + dir.string() + ": " +
                      std::strerror(errno) + "; set TMPDIR to a folder you can write to");
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) {
    throw LaunchError("cannot look at the web process's folder " + dir.string() + ": " +
                      std::strerror(errno));
  }
  std::string refusal = run_dir_refusal(dir,
                                        {.symlink = S_ISLNK(st.st_mode),
                                         .directory = S_ISDIR(st.st_mode),
                                         .owner = static_cast<unsigned>(st.st_uid),
                                         .mode = static_cast<unsigned>(st.st_mode & 07777)},
                                        uid);
  if (!refusal.empty()) throw LaunchError(refusal);
}

/// Whether `python` runs `code`; Python's last line when it does not.
std::optional<std::string> python_fails(const std::string& python, const std::string& code) {
  std::string output;
  if (RealRunner().run({python, "-c", code}, {}, &output) == 0) return std::nullopt;
  return last_line(output);
}

/// What plan_launch() needs to know of this machine, in the app's folder
/// and in the web process's environment `env`.
LaunchFacts gather_facts(const std::vector<std::string>& args, const Vars& env,
                         const LaunchPaths& at, const Disk& disk) {
  LaunchFacts f;
  f.uid = static_cast<unsigned>(::geteuid());
  f.cpus = static_cast<int>(std::thread::hardware_concurrency());
  f.memory = memory_limit(disk);
  f.cwd = fs::current_path();
  f.python = python_executable(disk, at.home);
  auto script = entry_script(args);
  f.script_exists = script && (fs::exists(at.home / *script) || fs::exists(*script));
  f.mod_wsgi_error = python_fails(
      f.python, "try:\n import mod_wsgi.express.cli\nexcept ImportError:\n import mod_wsgi.server");
  if (script && newrelic_configured(env)) {
    f.newrelic_importable = !python_fails(f.python, "import newrelic.agent");
  }
  auto groups = disk.read_file("/etc/group");
  f.nogroup = groups && ("\n" + *groups).find("\nnogroup:") != std::string::npos;
  if (auto info = bundle_info(at.bundle, disk)) {
    f.graceful_sigterm = info->has_feature("graceful-sigterm");
    f.request_body_buffering = info->has_feature("request-body-buffering");
  }
  if (auto text = disk.read_file(at.home / kStaticSitePath)) {
    try {
      f.static_site = parse_static_site(*text);
      f.static_root_exists = disk.is_directory(at.home / f.static_site->root);
    } catch (const std::invalid_argument& e) {
      f.static_site_error = std::string("cannot be read: ") + e.what();
    }
  }
  f.locale_installed = [](const std::string& name) {
    locale_t loaded = ::newlocale(LC_ALL_MASK, name.c_str(), static_cast<locale_t>(0));
    if (loaded) ::freelocale(loaded);
    return loaded != static_cast<locale_t>(0);
  };
  return f;
}

int start(const std::vector<std::string>& args, bool shell) {
  RealDisk disk;
  LaunchInputs in;
  in.shell = shell;
  in.args = args;
  in.env = process_env();
  const LaunchPaths at = launch_paths(in.env);
  // The app's root, as on a dyno: hooks, relative paths and mod_wsgi-express
  // (which puts its working folder on sys.path) all expect it.
  if (::chdir(at.home.c_str()) != 0) {
    throw LaunchError("cannot change to the app's folder (" + at.home.string() +
                      "): " + std::strerror(errno));
  }
  run_hooks(in, at, disk);
  Vars env = launch_environment(in.env, at, in.user_vars_before, in.user_vars);
  adopt(env);
  if (!shell) in.facts = gather_facts(args, env, at, disk);

  LaunchPlan plan = plan_launch(in);
  if (!shell) {
    relocate_bundle(at.bundle, disk);
    make_run_dir(plan.server_root);
  }
  for (const auto& file : plan.files) disk.write_file(file.path, file.text);
  for (const auto& line : plan.warnings) std::cerr << program << ": " << line << "\n";
  for (const auto& line : plan.lines) std::cout << program << ": " << line << std::endl;
  adopt(plan.env);
  if (plan.supervise) {
    auto log = [](const std::string& line) { std::cout << program << ": " << line << std::endl; };
    return supervise(plan.argv, {.graceful_timeout_s = plan.supervise->graceful_timeout_s,
                                 .stop_deadline_s = plan.supervise->stop_deadline_s,
                                 .env = {},
                                 .log = log})
        .status;
  }
  std::vector<char*> c;
  for (auto& a : plan.argv) c.push_back(a.data());
  c.push_back(nullptr);
  ::execvp(c[0], c.data());
  throw LaunchError("cannot start " + plan.argv[0] + ": " + std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  program = fs::path(argv[0]).filename().string();
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return start(args, program == "mod_wsgi-heroku-shell");
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << std::endl;
    return 1;
  }
}
