#include "launch.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string_view>

namespace whiskey {
namespace fs = std::filesystem;
namespace {

// mod_wsgi-express options that take no value (mod_wsgi 4 to 6).
constexpr std::array kFlags = {
    "--http2",
    "--ssl-environment",
    "--https-only",
    "--allow-localhost",
    "--enable-sendfile",
    "--disable-reloading",
    "--reload-on-changes",
    "--directory-listing",
    "--error-override",
    "--compress-responses",
    "--server-metrics",
    "--enable-telemetry",
    "--free-threading",
    "--server-status",
    "--access-log",
    "--startup-log",
    "--verbose-debugging",
    "--log-to-terminal",
    "--chunked-request",
    "--with-php5",
    "--with-cgi",
    "--orphan-interpreter",
    "--embedded-mode",
    "--enable-docs",
    "--debug-mode",
    "--enable-debugger",
    "--debugger-startup",
    "--enable-coverage",
    "--enable-profiler",
    "--enable-recorder",
    "--enable-gdb",
    "--rotate-logs",
    "--setup-only",
    "--isatty",
    "--with-newrelic",
    "--with-newrelic-agent",
    "--with-newrelic-platform",
};

// Options that take two values ("--setenv NAME VALUE").
constexpr std::array kTwoValues = {
    "--url-alias",          "--error-document",    "--setenv",
    "--add-handler",        "--proxy-mount-point", "--proxy-url-alias",
    "--proxy-virtual-host", "--service-script",    "--service-user",
    "--service-group",      "--service-log-file",
};

bool is_flag(std::string_view arg) {
  return std::find(kFlags.begin(), kFlags.end(), arg) != kFlags.end();
}

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

/// `v` as a number when it is 1 to `max_digits` decimal digits, else nullopt.
std::optional<int> whole_number(const std::string& v, std::size_t max_digits = 6) {
  bool digits = !v.empty() && v.size() <= max_digits &&
                std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits) return std::nullopt;
  return std::stoi(v);
}

/// A positive whole number from `env`, or nullopt when unset or empty.
std::optional<int> positive(const Vars& env, const std::string& name) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  auto n = whole_number(it->second);
  if (!n || *n < 1) {
    throw LaunchError(name + " is '" + it->second + "': set it to a whole number of at least 1");
  }
  return n;
}

}  // namespace

Vars whiskey_variables(const fs::path& home) {
  return {{"WHISKEY_RUNTIME", "heroku"},
          {"WHISKEY_HOMEDIR", home.string()},
          {"WHISKEY_BINDIR", (home / ".whiskey/bin").string()},
          {"WHISKEY_ENVDIR", (home / ".whiskey/user_vars").string()}};
}

Vars read_user_vars(const Disk& disk, const fs::path& home) {
  Vars vars;
  fs::path dir = home / ".whiskey/user_vars";
  for (const auto& name : disk.list_directory(dir)) {
    if (name.empty() || name[0] == '.') continue;
    if (auto value = disk.read_file(dir / name)) vars[name] = trim_newlines(*value);
  }
  return vars;
}

std::optional<std::uint64_t> memory_limit(const Disk& disk, const fs::path& root) {
  auto number = [](const std::optional<std::string>& text) -> std::optional<std::uint64_t> {
    if (!text) return std::nullopt;
    std::string v = trim_newlines(*text);
    if (v.empty() ||
        !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
      return std::nullopt;  // "max": no limit
    }
    auto bytes = std::stoull(v);
    // cgroup v1 reports "no limit" as a huge page-rounded number.
    if (bytes >= (1ull << 60)) return std::nullopt;
    return bytes;
  };
  if (auto v2 = number(disk.read_file(root / "memory.max"))) return v2;
  return number(disk.read_file(root / "memory/memory.limit_in_bytes"));
}

Sizing size_server(const Vars& env, std::optional<std::uint64_t> memory, int cpus) {
  Sizing s;
  auto processes = positive(env, "MOD_WSGI_PROCESSES");
  auto threads = positive(env, "MOD_WSGI_THREADS");
  auto concurrency = positive(env, "WEB_CONCURRENCY");
  if (processes) {
    s.processes = *processes;
    s.why = "MOD_WSGI_PROCESSES";
  } else if (concurrency) {
    s.processes = *concurrency;
    s.why = "WEB_CONCURRENCY";
  } else {
    int by_cpu = 2 * std::max(cpus, 1) + 1;
    // Heroku's Python buildpack sets WEB_CONCURRENCY the same way.
    int by_memory = memory ? static_cast<int>(std::max<std::uint64_t>(*memory >> 28, 1)) : by_cpu;
    s.processes = std::max(1, std::min(by_cpu, by_memory));
    s.why = memory ? "the dyno's " + std::to_string(*memory >> 20) + " MiB and " +
                         std::to_string(cpus) + " CPUs"
                   : std::to_string(cpus) + " CPUs";
  }
  if (threads) {
    s.threads = *threads;
    s.why += ", MOD_WSGI_THREADS";
  }
  return s;
}

bool has_option(const std::vector<std::string>& args, const std::string& option) {
  return std::any_of(args.begin(), args.end(), [&](const std::string& a) {
    return a == option || a.rfind(option + "=", 0) == 0;
  });
}

std::string option_value(const std::vector<std::string>& args, const std::string& option,
                         const std::string& fallback) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == option && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(option + "=", 0) == 0) return args[i].substr(option.size() + 1);
  }
  return fallback;
}

std::optional<std::string> entry_script(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--application-type" && i + 1 < args.size() && args[i + 1] != "script") {
      return std::nullopt;
    }
    if (a.rfind("--application-type=", 0) == 0 && a != "--application-type=script") {
      return std::nullopt;
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--entry-point" && i + 1 < args.size()) return args[i + 1];
    if (a.rfind("--entry-point=", 0) == 0) return a.substr(14);
    if (a.rfind("--", 0) == 0) {
      if (a.find('=') != std::string::npos || is_flag(a)) continue;
      bool two = std::find(kTwoValues.begin(), kTwoValues.end(), a) != kTwoValues.end();
      i += two ? 2 : 1;  // its values
      continue;
    }
    return a;
  }
  return std::nullopt;
}

fs::path run_dir(const Vars& env, unsigned uid, const std::string& port) {
  auto number = whole_number(port, 5);
  if (!number || *number < 1 || *number > 65535) {
    throw LaunchError("PORT is '" + port + "': set it to the port number to listen on, 1 to 65535");
  }
  fs::path tmp = "/tmp";
  auto it = env.find("TMPDIR");
  if (it != env.end() && fs::path(it->second).is_absolute()) tmp = it->second;
  return tmp / ("mod_wsgi-heroku-" + std::to_string(uid) + "-" + port);
}

std::string run_dir_refusal(const fs::path& dir, const FolderStat& st, unsigned uid) {
  std::string what;
  if (st.symlink) {
    what = "is a symbolic link";
  } else if (!st.directory) {
    what = "is not a folder";
  } else if (st.owner != uid) {
    what = "belongs to user " + std::to_string(st.owner) + ", not to this user (" +
           std::to_string(uid) + ")";
  } else if (st.mode & 022) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.mode & 07777);
    what = std::string("is writable by other users (mode ") + mode + ")";
  } else {
    return "";
  }
  return "the web process's folder " + dir.string() + " " + what +
         ": remove it, or set TMPDIR to a folder of your own";
}

std::vector<std::string> server_arguments(const ServerPlan& p) {
  fs::path apache = (p.bundle.empty() ? p.home / ".whiskey" : p.bundle) / "apache";
  std::vector<std::string> a = {
      "start-server",
      "--server-root",
      p.server_root.string(),
      "--log-to-terminal",
      "--port",
      p.port,
      "--processes",
      std::to_string(p.sizing.processes),
      "--threads",
      std::to_string(p.sizing.threads),
      // Heroku's router terminates TLS and says so in X-Forwarded-Proto.
      "--trust-proxy-header",
      "X-Forwarded-Proto",
      "--request-timeout",
      p.request_timeout,
      "--queue-timeout",
      p.queue_timeout,
      // Paths mod_wsgi froze when it was built (in the build folder).
      "--httpd-executable",
      (apache / "bin/httpd").string(),
      "--modules-directory",
      (apache / "modules").string(),
      "--mime-types",
      (apache / "conf/mime.types").string(),
  };
  if (!has_option(p.user_args, "--reload-on-changes") &&
      !has_option(p.user_args, "--disable-reloading")) {
    // A slug never changes while it runs (a deploy starts new dynos): no
    // per-request check of the script's time, and no extra round trip to
    // the daemon that the check needs (about a tenth of a hello world's
    // time).
    a.push_back("--disable-reloading");
  }
  if (!has_option(p.user_args, "--keep-alive-timeout")) {
    // Heroku's router (Router 2.0) keeps its connections to the dyno open
    // and closes them after 90 s idle: a server closing them sooner can do
    // so just as the router sends a request on one, which then fails. In
    // embedded mode a kept connection holds one of the few threads that run
    // Python, so there it is closed after each response, as gunicorn's
    // sync workers do.
    bool embedded = has_option(p.user_args, "--embedded-mode");
    a.insert(a.end(), {"--keep-alive-timeout", embedded ? "0" : "100"});
  }
  if (!has_option(p.user_args, "--error-log-format")) {
    a.insert(a.end(), {"--error-log-format", kErrorLogFormat});
  }
  // The access log: asked for in the Procfile, or by giving its format.
  bool access_log = has_option(p.user_args, "--access-log") || !p.access_log_format.empty();
  if (access_log && !has_option(p.user_args, "--access-log-format")) {
    if (!has_option(p.user_args, "--access-log")) a.push_back("--access-log");
    a.insert(a.end(), {"--access-log-format",
                       p.access_log_format.empty() ? kAccessLogFormat : p.access_log_format});
  }
  if (p.run_as && !has_option(p.user_args, "--user")) {
    a.insert(a.end(), {"--user", p.run_as->first, "--group", p.run_as->second});
  }
  if (!p.locale.empty() && !has_option(p.user_args, "--locale")) {
    a.insert(a.end(), {"--locale", p.locale});
  }
  if (!p.front_conf.empty()) {
    a.insert(a.end(), {"--include-file", p.front_conf.string()});
    if (!has_option(p.user_args, "--daemon-backlog")) {
      // Every front thread may be connecting to the daemons at once. When
      // their socket's backlog is full, mod_wsgi's front sleeps (0.125 s,
      // then 1 s) before it tries again: room for all of them instead.
      int backlog = std::max(kExpressDaemonBacklog, p.front_threads);
      a.insert(a.end(), {"--daemon-backlog", std::to_string(backlog)});
    }
  }
  if (!p.static_conf.empty()) a.insert(a.end(), {"--include-file", p.static_conf.string()});
  if (!p.body_conf.empty()) a.insert(a.end(), {"--include-file", p.body_conf.string()});
  if (p.graceful_stop_s > 0) {
    // The daemons get the dyno's SIGTERM too: they finish their requests
    // within this long, and the parent's graceful stop waits as long.
    if (!has_option(p.user_args, "--shutdown-timeout")) {
      a.insert(a.end(), {"--shutdown-timeout", std::to_string(p.graceful_stop_s)});
    }
    a.insert(a.end(), {"--include-file", p.stop_conf.string()});
  }
  a.insert(a.end(), p.user_args.begin(), p.user_args.end());
  return a;
}

int front_threads(int processes, int threads) {
  // Requests beyond what the daemons run at once wait at the front, each on
  // a thread, in turn for the daemons' socket. A request that arrives
  // while every thread is busy waits for one, in turn with the others (the
  // bundle's event MPM patches): under a burst some waited seconds (wrk,
  // 200 connections, 64 threads: p99 up to 3.7 s; 256 threads: 50 ms).
  // Each thread costs about 50 KiB once it has served.
  long wanted = 2L * std::max(processes, 1) * std::max(threads, 1);
  return static_cast<int>(std::clamp(wanted, 256L, 1024L));
}

std::optional<int> front_size(const std::vector<std::string>& user_args, const Sizing& sizing) {
  if (has_option(user_args, "--embedded-mode") || has_option(user_args, "--max-clients")) {
    return std::nullopt;
  }
  auto processes =
      whole_number(option_value(user_args, "--processes", std::to_string(sizing.processes)));
  auto threads = whole_number(option_value(user_args, "--threads", std::to_string(sizing.threads)));
  if (!processes || !threads) return std::nullopt;
  return front_threads(*processes, *threads);
}

std::string front_conf_text(int threads) {
  std::string n = std::to_string(threads);
  std::string text =
      "# Written by mod_wsgi-heroku-start: Apache's front in daemon mode, the\n"
      "# threads that hold the router's connections and hand each request to the\n"
      "# daemons. One process, all of its threads started at once and none\n"
      "# stopped while Apache runs: Apache shuts down the kept-alive connections\n"
      "# of a spare child it stops, and a request the router sends on one as it\n"
      "# closes fails.\n"
      "<IfModule mpm_event_module>\n"
      "ServerLimit 1\n"
      "StartServers 1\n";
  for (const char* directive : {"ThreadLimit", "ThreadsPerChild", "MaxRequestWorkers"}) {
    text += std::string(directive) + " " + n + "\n";
  }
  return text + "MinSpareThreads 1\nMaxSpareThreads " + n + "\n</IfModule>\n";
}

LocalePlan locale_plan(const Vars& env, const std::function<bool(const std::string&)>& installed) {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    auto it = env.find(name);
    if (it == env.end() || it->second.empty()) continue;
    const std::string& wanted = it->second;
    // C and POSIX: what mod_wsgi-express would pick instead may be missing.
    if (wanted == "C" || wanted == "POSIX") break;
    // Given as it is: mod_wsgi-express would read C.UTF-8 as en_US.UTF-8.
    if (installed(wanted)) return {wanted, ""};
    return {"C.UTF-8", std::string(name) + " is " + wanted +
                           ", a locale this system lacks: Apache and the app run in C.UTF-8"};
  }
  return {"C.UTF-8", ""};
}

StopPlan stop_plan(const Vars& env, bool apache_can) {
  auto get = [&](const char* name) {
    auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
  };
  StopPlan plan;
  std::string timeout = get("WHISKEY_STOP_TIMEOUT");
  plan.timeout_s = 25;
  if (!timeout.empty()) {
    int value = whole_number(timeout, 3).value_or(0);
    if (value < 1 || value > 26) {
      throw LaunchError("WHISKEY_STOP_TIMEOUT is '" + timeout +
                        "': give the seconds a stop may take for the requests in flight, 1 to 26 "
                        "(the platform kills what is left at 30)");
    }
    plan.timeout_s = value;
  }
  std::string opt = get("WHISKEY_GRACEFUL_STOP");
  std::transform(opt.begin(), opt.end(), opt.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (get("DYNO").empty()) {
    plan.why = "not on a dyno (no DYNO): SIGTERM stops Apache at once, as plain Apache does";
  } else if (opt == "0" || opt == "false" || opt == "no" || opt == "off") {
    plan.why = "WHISKEY_GRACEFUL_STOP=" + get("WHISKEY_GRACEFUL_STOP") +
               ": SIGTERM stops Apache at once, as plain Apache does";
  } else if (!apache_can) {
    plan.why =
        "this bundle's Apache predates graceful stops (rebuild it with this buildpack's "
        "recipe): SIGTERM stops it at once";
  } else {
    plan.graceful = true;
    plan.why = "SIGTERM stops gracefully, up to " + std::to_string(plan.timeout_s) +
               " s for the requests in flight";
  }
  return plan;
}

std::optional<bool> on_or_off(const Vars& env, const std::string& name, const std::string& advice) {
  auto it = env.find(name);
  if (it == env.end() || it->second.empty()) return std::nullopt;
  std::string lower = it->second;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* on : {"1", "true", "yes", "on"}) {
    if (lower == on) return true;
  }
  for (const char* off : {"0", "false", "no", "off"}) {
    if (lower == off) return false;
  }
  throw LaunchError(name + " is '" + it->second + "': " + advice);
}

BodyPlan body_plan(const Vars& env, const std::vector<std::string>& args, bool apache_can) {
  const std::string name = "WHISKEY_BUFFER_REQUEST_BODY";
  auto on = on_or_off(env, name, "set it to off to stream request bodies to the app, or unset it");
  if (has_option(args, "--embedded-mode")) return {};
  if (on == false) {
    return {false,
            name + "=" + env.at(name) + ": request bodies are streamed to the app as they arrive"};
  }
  if (!apache_can) {
    return {false,
            "this bundle's Apache predates request body buffering (rebuild it with this "
            "buildpack's recipe): a slow upload holds a daemon thread"};
  }
  return {true, ""};
}

std::string request_body_conf_text() {
  return "# Written by mod_wsgi-heroku-start: each request's body is read whole\n"
         "# before the app is given the request, so that a slow upload holds a\n"
         "# front thread, not a daemon thread (WHISKEY_BUFFER_REQUEST_BODY=off\n"
         "# streams them).\n"
         "<IfModule !buffer_module>\n"
         "LoadModule buffer_module '${MOD_WSGI_MODULES_DIRECTORY}/mod_buffer.so'\n"
         "</IfModule>\n"
         "BufferRequestBody On\n";
}

std::string stop_conf_text(int seconds) {
  return "# Written by mod_wsgi-heroku-start: how long a graceful stop waits for the\n"
         "# requests in flight (SIGTERM on a dyno; see WHISKEY_STOP_TIMEOUT).\n"
         "GracefulShutdownTimeout " +
         std::to_string(seconds) + "\n";
}

std::string library_path(const fs::path& home, const std::string& current, const fs::path& bundle) {
  const fs::path b = bundle.empty() ? home / ".whiskey" : bundle;
  std::string path = (home / ".heroku/python/lib").string();
  for (const char* dir : {"apache/lib", "apr-util/lib", "apr/lib"})
    path += ":" + (b / dir).string();
  return current.empty() ? path : path + ":" + current;
}

std::optional<std::string> app_python(const Disk& disk, const fs::path& home) {
  for (const char* name : {".heroku/python/bin/python3", ".heroku/python/bin/python"}) {
    if (disk.is_file(home / name)) return (home / name).string();
  }
  return std::nullopt;
}

std::string python_executable(const Disk& disk, const fs::path& home) {
  return app_python(disk, home).value_or("python3");
}

}  // namespace whiskey
