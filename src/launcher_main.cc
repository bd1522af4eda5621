// mod_wsgi-heroku-start [ARGS...]: the web process (see launch.h).
// mod_wsgi-heroku-shell [ARGS...]: the same set-up, then a shell.
#include <locale.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
#include "process.h"
#include "relocate.h"
#include "supervise.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace whiskey;

std::string program = "mod_wsgi-heroku-start";

std::string getenv_or(const char* name, const std::string& fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

Env process_env() {
  Env env;
  for (char** e = environ; e && *e; ++e) {
    if (const char* eq = std::strchr(*e, '=')) {
      env[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
    }
  }
  return env;
}

/// `text` as a Python string literal.
std::string py_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

void set_all(const Env& env) {
  for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
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

/// The environment set-up both commands share.
void set_up_environment(const fs::path& home, const fs::path& bundle, const Disk& disk) {
  set_all(whiskey_variables(home));
  ::setenv("WHISKEY_BINDIR", (bundle / "bin").c_str(), 1);
  Env before = read_user_vars(disk, home);
  set_all(before);
  run_hook(home, "deploy-env");
  // Read again: deploy-env may have changed them, and a deleted file unsets.
  Env after = read_user_vars(disk, home);
  for (const auto& [k, _] : before) {
    if (!after.count(k)) ::unsetenv(k.c_str());
  }
  set_all(after);
  run_hook(home, "deploy");
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

/// Whether the bundle's Apache has `feature` (see BundleInfo::features).
bool bundle_has(const fs::path& bundle, const Disk& disk, const std::string& feature) {
  auto json = disk.read_file(bundle / kBundleInfoPath);
  if (!json) return false;
  try {
    return parse_bundle_info(*json).has_feature(feature);
  } catch (const std::exception&) {
    return false;  // relocate_bundle has said what is wrong with it
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

/// The New Relic wrapper, in `dir`: the agent initialised, the user's script
/// run, its application wrapped. Returns the wrapper's path.
fs::path write_newrelic_wrapper(const fs::path& dir, const fs::path& home,
                                const std::string& script, const std::string& callable) {
  fs::path wrapper = dir / "newrelic-wrapper.wsgi";
  fs::path target = fs::absolute(home / script);
  std::string py = "# Written by mod_wsgi-heroku-start: New Relic around " + script +
                   "\nimport runpy\nimport newrelic.agent\nnewrelic.agent.initialize()\n"
                   "_script = runpy.run_path(" +
                   py_literal(target.string()) + ", run_name='_mod_wsgi_heroku_app')\n" + callable +
                   " = newrelic.agent.WSGIApplicationWrapper(_script[" + py_literal(callable) +
                   "])\n";
  RealDisk().write_file(wrapper, py);
  return wrapper;
}

int start(const std::vector<std::string>& user_args, bool shell) {
  RealDisk disk;
  // A Cloud Native build names the app and the bundle's layer; on Heroku's
  // classic stacks the app is HOME and the bundle is in its .whiskey.
  fs::path home = getenv_or("WHISKEY_APP_DIR", getenv_or("HOME", "/app"));
  fs::path bundle = getenv_or("WHISKEY_BUNDLE_DIR", (home / ".whiskey").string());
  // The app's root, as on a dyno: hooks, relative paths and mod_wsgi-express
  // (which puts its working folder on sys.path) all expect it.
  if (::chdir(home.c_str()) != 0) {
    throw LaunchError("cannot change to the app's folder (" + home.string() +
                      "): " + std::strerror(errno));
  }
  set_up_environment(home, bundle, disk);
  ::setenv("LD_LIBRARY_PATH", library_path(home, getenv_or("LD_LIBRARY_PATH"), bundle).c_str(), 1);
  std::string path = (bundle / "bin").string() + ":" + (bundle / "apache/bin").string() + ":" +
                     (home / ".heroku/python/bin").string();
  ::setenv("PATH", (path + ":" + getenv_or("PATH", "/usr/bin:/bin")).c_str(), 1);

  if (shell) {
    std::vector<std::string> argv = {getenv_or("SHELL", "bash")};
    if (argv[0].find("sh") == std::string::npos) argv[0] = "bash";
    argv.insert(argv.end(), user_args.begin(), user_args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    ::execvp(c[0], c.data());
    throw LaunchError("cannot start " + argv[0] + ": " + std::strerror(errno));
  }

  ServerPlan plan;
  plan.home = home;
  plan.bundle = bundle;
  plan.port = getenv_or("PORT");
  if (plan.port.empty()) {
    throw LaunchError("PORT is not set: Heroku sets it for web dynos; locally, run with PORT=5000");
  }
  Env env = process_env();
  plan.server_root = run_dir(env, static_cast<unsigned>(::geteuid()), plan.port);
  plan.user_args = user_args;
  auto script = entry_script(user_args);
  if (script && !fs::exists(home / *script) && !fs::exists(*script)) {
    throw LaunchError(
        "the WSGI script '" + *script + "' does not exist in " + home.string() +
        "; name your script in the Procfile: web: mod_wsgi-heroku-start myapp/wsgi.py");
  }
  relocate_bundle(bundle, disk);

  std::string python = python_executable(disk, home);
  std::string err;
  if (RealRunner().run(
          {python, "-c",
           "try:\n import mod_wsgi.express.cli\nexcept ImportError:\n import mod_wsgi.server"},
          {}, &err) != 0) {
    throw LaunchError("Python (" + python + ") cannot load mod_wsgi: " + last_line(err) +
                      "; add mod_wsgi to requirements.txt, or put heroku/python before this "
                      "buildpack");
  }

  make_run_dir(plan.server_root);
  plan.sizing =
      size_server(env, memory_limit(disk), static_cast<int>(std::thread::hardware_concurrency()));
  plan.request_timeout = getenv_or("MOD_WSGI_REQUEST_TIMEOUT", plan.request_timeout);
  plan.queue_timeout = getenv_or("MOD_WSGI_QUEUE_TIMEOUT", plan.queue_timeout);

  if (!getenv_or("NEW_RELIC_LICENSE_KEY").empty() || !getenv_or("NEW_RELIC_CONFIG_FILE").empty()) {
    std::string nr_err;
    if (!script) {
      std::cerr << program << ": New Relic is configured, but the app is not served from a script;"
                << " starting without the agent\n";
    } else if (RealRunner().run({python, "-c", "import newrelic.agent"}, {}, &nr_err) != 0) {
      std::cerr << program << ": New Relic is configured, but the newrelic package is not "
                << "installed (add newrelic to requirements.txt); starting without the agent\n";
    } else {
      fs::path wrapper =
          write_newrelic_wrapper(plan.server_root, home, *script,
                                 option_value(user_args, "--callable-object", "application"));
      for (auto& a : plan.user_args) {
        if (a == *script) {
          a = wrapper.string();
          break;
        }
      }
      plan.newrelic_wrapper = true;
    }
  }

  if (::geteuid() == 0) {
    auto groups = disk.read_file("/etc/group");
    bool nogroup = groups && ("\n" + *groups).find("\nnogroup:") != std::string::npos;
    plan.run_as = {"nobody", nogroup ? "nogroup" : "nobody"};
  }
  LocalePlan locale = locale_plan(env, [](const std::string& name) {
    locale_t loaded = ::newlocale(LC_ALL_MASK, name.c_str(), static_cast<locale_t>(0));
    if (loaded) ::freelocale(loaded);
    return loaded != static_cast<locale_t>(0);
  });
  plan.locale = locale.locale;

  if (auto threads = front_size(user_args, plan.sizing)) {
    plan.front_threads = *threads;
    plan.front_conf = plan.server_root / "front.conf";
    disk.write_file(plan.front_conf, front_conf_text(*threads));
  }

  StopPlan stop = stop_plan(env, bundle_has(bundle, disk, "graceful-sigterm"));
  if (stop.graceful) {
    plan.graceful_stop_s = stop.timeout_s;
    plan.stop_conf = plan.server_root / "graceful-stop.conf";
    disk.write_file(plan.stop_conf, stop_conf_text(stop.timeout_s));
  }

  std::vector<std::string> argv = {python, "-c", kExpressMain};
  for (auto& a : server_arguments(plan)) argv.push_back(a);
  // What Apache will run: the user's own --processes and --threads win.
  std::string processes =
      option_value(user_args, "--processes", std::to_string(plan.sizing.processes));
  std::string threads = option_value(user_args, "--threads", std::to_string(plan.sizing.threads));
  bool theirs = has_option(user_args, "--processes") || has_option(user_args, "--threads");
  std::cout << program << ": Apache on port " << plan.port << ", " << processes
            << (processes == "1" ? " process" : " processes") << " of " << threads
            << (threads == "1" ? " thread (" : " threads (")
            << (theirs ? "the Procfile's arguments" : plan.sizing.why) << ")"
            << (has_option(user_args, "--embedded-mode") ? ", in embedded mode" : "")
            << (plan.newrelic_wrapper ? ", with New Relic" : "") << std::endl;
  std::cout << program << ": " << stop.why << std::endl;
  if (!locale.why.empty() && !has_option(user_args, "--locale")) {
    std::cout << program << ": " << locale.why << std::endl;
  }
  if (stop.graceful) {
    // Stay Apache's parent, so that SIGTERM becomes a graceful stop.
    SuperviseResult r = supervise(argv, {.graceful_timeout_s = static_cast<double>(stop.timeout_s),
                                         .stop_deadline_s = static_cast<double>(stop.timeout_s + 2),
                                         .env = {{"WHISKEY_GRACEFUL_SIGTERM", "1"}},
                                         .log = [](const std::string& line) {
                                           std::cout << program << ": " << line << std::endl;
                                         }});
    return r.status;
  }
  std::vector<char*> c;
  for (auto& a : argv) c.push_back(a.data());
  c.push_back(nullptr);
  ::execvp(c[0], c.data());
  throw LaunchError("cannot start " + python + ": " + std::strerror(errno));
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
