// mod_wsgi-heroku-start: the web process. It sets up the environment as the
// original start script did (WHISKEY_* variables, .whiskey/user_vars, the
// deploy-env and deploy action hooks), sizes the server to the dyno, and runs
// mod_wsgi-express start-server on $PORT with the user's own arguments last,
// so that they win.
//
// This file holds the decisions, as plain functions over values and the
// disk seam; launcher_main.cc does the process work.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "disk.h"
#include "vars.h"

namespace whiskey {

/// A reason the web process cannot start: one line, printed as it is.
class LaunchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The variables the original start script exported, for `home` (/app).
Vars whiskey_variables(const std::filesystem::path& home);

/// The variables of .whiskey/user_vars: one file per variable, its content
/// the value (trailing newlines dropped).
Vars read_user_vars(const Disk& disk, const std::filesystem::path& home);

/// The dyno's memory limit in bytes: cgroup v2 memory.max, else v1
/// memory.limit_in_bytes; nullopt when unlimited or unknown.
std::optional<std::uint64_t> memory_limit(
    const Disk& disk, const std::filesystem::path& cgroup_root = "/sys/fs/cgroup");

struct Sizing {
  int processes = 1;
  int threads = 5;
  std::string why;  ///< for the start-up log line
};

/// How many daemon processes and threads: MOD_WSGI_PROCESSES and
/// MOD_WSGI_THREADS when set, else WEB_CONCURRENCY processes, else one per
/// 256 MiB of the dyno's memory (at least 1, at most 2 per CPU + 1), as
/// Heroku's Python buildpack sets WEB_CONCURRENCY; 5 threads each. Throws
/// LaunchError for a value that is not a positive number.
Sizing size_server(const Vars& env, std::optional<std::uint64_t> memory, int cpus);

/// Whether the user's arguments set `option` (as "--opt value" or "--opt=value").
bool has_option(const std::vector<std::string>& args, const std::string& option);

/// The value the user's arguments give `option`, else `fallback`.
std::string option_value(const std::vector<std::string>& args, const std::string& option,
                         const std::string& fallback);

/// The WSGI script the user's arguments name: --entry-point's value, else the
/// first argument that is not an option or an option's value (some options
/// take two); nullopt with --application-type module or paste (they name no
/// file), or when there is none.
std::optional<std::string> entry_script(const std::vector<std::string>& args);

/// The web process's own folder: Apache's server root (its configuration,
/// pid and lock files, the daemons' sockets) and the files the launcher
/// writes for it. Never in the app or a layer: those may belong to the
/// build's user, and the web process may run as another.
///
/// ${TMPDIR:-/tmp}/mod_wsgi-heroku-<uid>-<port> (a TMPDIR that is not an
/// absolute path is ignored): the user and the port keep two web processes
/// on one machine apart, as mod_wsgi-express's own default does. Throws
/// LaunchError when `port` is not a port number.
std::filesystem::path run_dir(const Vars& env, unsigned uid, const std::string& port);

/// What lstat says of a run folder that already exists.
struct FolderStat {
  bool symlink = false;
  bool directory = false;
  unsigned owner = 0;
  unsigned mode = 0;  ///< the permission bits (st_mode & 07777)
};

/// Why the existing `dir` cannot be the run folder of user `uid`, or "" when
/// it can: it must be a folder (not a link to one), belong to `uid`, and be
/// writable by no one else, so that no other user can change what Apache
/// reads from it. The text says what to do instead.
std::string run_dir_refusal(const std::filesystem::path& dir, const FolderStat& st, unsigned uid);

struct ServerPlan {
  std::filesystem::path home;         ///< the app (/app)
  std::filesystem::path server_root;  ///< the web process's own folder (run_dir)
  /// The Apache bundle: home/.whiskey when empty, else a layer of its own
  /// (WHISKEY_BUNDLE_DIR, set by the Cloud Native build).
  std::filesystem::path bundle;
  std::string port;
  Sizing sizing;
  std::vector<std::string> user_args;  ///< from the Procfile, after the command
  std::string request_timeout = "25";  ///< below the router's 30 s
  /// A request still waiting for a daemon after this long is answered 504
  /// instead of run: the router gave up on it at 30 s.
  std::string queue_timeout = "30";
  bool newrelic_wrapper = false;  ///< serve through the New Relic wrapper script
  /// Set when running as root (never on a dyno): Apache's children then run
  /// as this user and group, since Apache refuses to serve as root.
  std::optional<std::pair<std::string, std::string>> run_as;
  std::string locale;  ///< --locale (locale_plan); "" leaves express's choice
  /// Seconds a graceful stop may take (GracefulShutdownTimeout, in the file
  /// `stop_conf`, and the daemons' --shutdown-timeout); 0 for plain Apache.
  int graceful_stop_s = 0;
  std::filesystem::path stop_conf;
  /// Apache's front in daemon mode (front_conf_text); empty leaves
  /// mod_wsgi-express's.
  std::filesystem::path front_conf;
  /// Its threads (front_size); the daemons' socket backlog holds as many.
  int front_threads = 0;
  /// WHISKEY_ACCESS_LOG_FORMAT: the access log's format, which turns the
  /// log on; "" leaves it off unless the Procfile asks (then in
  /// kAccessLogFormat).
  std::string access_log_format;
  /// Apache's configuration for Django's static files (static_conf_text);
  /// empty when Apache does not serve them.
  std::filesystem::path static_conf;
  /// request_body_conf_text()'s file; empty leaves request bodies streamed.
  std::filesystem::path body_conf;
};

/// The error log's format: Apache's own, and the request's X-Request-ID
/// (set by Heroku's router) on the lines written for a request, so that
/// they can be matched with the router's log line. It is read from the
/// request's environment (HTTP_X_REQUEST_ID), not its headers: a daemon
/// process, where the app's output is logged, has the one and not the
/// other. A line without one leaves the field out.
inline constexpr const char* kErrorLogFormat =
    "[%{u}t] [%-m:%l] [pid %P:tid %T] %7F: %E: [client\\ %a] %M% ,\\ referer\\ %{Referer}i"
    "% \\ request_id=%{HTTP_X_REQUEST_ID}e";
/// The access log's format when it is on and none is given: the combined
/// format, and the request's X-Request-ID ("-" when it has none).
inline constexpr const char* kAccessLogFormat =
    "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" request_id=%{X-Request-ID}i";

/// The locale Apache and the app run in (--locale), from the environment's:
/// LC_ALL, else LC_CTYPE, else LANG, as mod_wsgi-express reads it.
struct LocalePlan {
  std::string locale;
  std::string why;  ///< a line for the start-up log; "" says nothing
};

/// The environment's locale when this system has it (`installed` tells);
/// "C.UTF-8" when it names none, C or POSIX (for which mod_wsgi-express
/// would pick en_US.UTF-8, installed or not), or one this system lacks (each
/// daemon would warn at start, and run in the C locale).
LocalePlan locale_plan(const Vars& env, const std::function<bool(const std::string&)>& installed);

/// mod_wsgi-express's --daemon-backlog when not told otherwise.
inline constexpr int kExpressDaemonBacklog = 100;

/// Apache's front in daemon mode: the event MPM's children, which hold the
/// router's connections and hand each request to the daemons. One process of
/// front_threads() threads, all started at once and none stopped while Apache
/// runs, instead of mod_wsgi-express's up to 3 processes of 12 or so, started
/// and stopped with the load: Apache shuts down the idle kept-alive
/// connections of a spare child it stops, and a request the router sends on
/// one as it closes fails. (Those of a child whose threads are all busy stay
/// open: the bundle's httpd is patched for that.)
///
/// The text of its file, for a front of `threads` threads.
std::string front_conf_text(int threads);

/// The front's threads: front_threads() of the daemons the user's arguments,
/// else the sizing, ask for. nullopt in embedded mode (the front runs the app
/// there), when the user sets --max-clients (the front is theirs), or when
/// their --processes or --threads is not a number (mod_wsgi-express refuses
/// it): mod_wsgi-express's front then stays.
std::optional<int> front_size(const std::vector<std::string>& user_args, const Sizing& sizing);

/// Threads for the front: two per daemon thread, at least 256, at most 1024.
int front_threads(int processes, int threads);

/// How the web process stops on SIGTERM.
struct StopPlan {
  bool graceful = false;
  int timeout_s = 0;  ///< for the requests in flight
  std::string why;    ///< what decided it, for the log
};

/// Graceful (the launcher stays Apache's parent; SIGTERM drains the requests
/// in flight) on a dyno (DYNO set), unless WHISKEY_GRACEFUL_STOP is 0, false,
/// no or off, or the bundle's Apache lacks the graceful-sigterm patch.
/// WHISKEY_STOP_TIMEOUT: seconds for the requests in flight (1 to 26, 25 by
/// default: the launcher ends what is left 2 s later, before the platform's
/// SIGKILL at 30 s). Throws LaunchError for a timeout out of that range.
StopPlan stop_plan(const Vars& env, bool apache_can);

/// Apache's configuration for a graceful stop of `seconds`.
std::string stop_conf_text(int seconds);

/// A config var that turns something on or off: nullopt when unset or
/// empty, true for 1, true, yes or on, false for 0, false, no or off (in any
/// case). Throws LaunchError for another value: "NAME is 'value': `advice`".
std::optional<bool> on_or_off(const Vars& env, const std::string& name, const std::string& advice);

/// What becomes of request bodies.
struct BodyPlan {
  bool buffer = false;
  std::string why;  ///< a line for the start-up log; "" says nothing
};

/// In daemon mode, the front reads each request's whole body before the
/// app is given the request (the bundle's BufferRequestBody, `apache_can`),
/// so that a slow upload holds a front thread and not a daemon thread;
/// WHISKEY_BUFFER_REQUEST_BODY=off (0, false, no) streams bodies to the app
/// as they arrive. Not in embedded mode: the thread that reads the body
/// there runs the app anyway. Throws LaunchError for a value that is
/// neither on nor off.
BodyPlan body_plan(const Vars& env, const std::vector<std::string>& args, bool apache_can);

/// Apache's configuration that reads request bodies whole (BufferRequestBody).
std::string request_body_conf_text();

/// mod_wsgi-express start-server's arguments: the launcher's defaults first,
/// the user's after, so theirs win.
std::vector<std::string> server_arguments(const ServerPlan& plan);

/// LD_LIBRARY_PATH with the app's Python and the bundle's libraries first;
/// the bundle is `bundle`, or home/.whiskey when that is empty.
std::string library_path(const std::filesystem::path& home, const std::string& current,
                         const std::filesystem::path& bundle = {});

/// Python code that runs mod_wsgi-express's command line from sys.argv:
/// mod_wsgi.express.cli (6.x) or mod_wsgi.server (4.x, 5.x).
inline constexpr const char* kExpressMain =
    "import sys\n"
    "try:\n from mod_wsgi.express.cli import main\n"
    "except ImportError:\n from mod_wsgi.server import main\n"
    "sys.argv[0] = 'mod_wsgi-express'\n"
    "main()\n";

/// The app's own Python (.heroku/python/bin/python3, else python), or
/// nullopt when the Python buildpack has not put one there.
std::optional<std::string> app_python(const Disk& disk, const std::filesystem::path& home);

/// The Python that runs mod_wsgi-express: the app's .heroku/python, else
/// python3 on PATH.
std::string python_executable(const Disk& disk, const std::filesystem::path& home);

}  // namespace whiskey
