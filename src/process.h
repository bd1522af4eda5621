// The process seam: running another program and waiting for it.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace whiskey {

/// How Runner::run_watched watches a long run.
struct Watch {
  std::filesystem::path log;  ///< the program's stdout and stderr are appended here
  double timeout_s = 0;       ///< its process group is stopped after this long (0: no limit)
  double tick_s = 10;         ///< how often `tick` is called while it runs
  std::function<void(double seconds)> tick = {};
};

struct Watched {
  int status = 0;          ///< as Runner::run returns it
  bool timed_out = false;  ///< stopped for running past Watch::timeout_s
  double seconds = 0;      ///< how long it ran
};

class Runner {
 public:
  virtual ~Runner() = default;
  /// Runs `argv` (argv[0] looked up on PATH) with `env` added to this
  /// process's environment, and waits. Its stdout and stderr go to `output`
  /// when given, else to ours. Returns the exit status (128 + N for signal
  /// N, 127 when it cannot be started, saying why in `output` or on our
  /// stderr). Throws std::system_error when it cannot tell how it ended.
  virtual int run(const std::vector<std::string>& argv,
                  const std::map<std::string, std::string>& env = {},
                  std::string* output = nullptr) = 0;
  /// Runs `argv` as run() does, in a process group of its own, its output
  /// appended to `watch.log`, calling `watch.tick` every `watch.tick_s`
  /// seconds. Past `watch.timeout_s` the group gets SIGTERM, then SIGKILL 5 s
  /// later. Throws std::system_error when the log cannot be opened or the
  /// program started.
  virtual Watched run_watched(const std::vector<std::string>& argv,
                              const std::map<std::string, std::string>& env,
                              const Watch& watch) = 0;
};

class RealRunner : public Runner {
 public:
  int run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          std::string* output = nullptr) override;
  Watched run_watched(const std::vector<std::string>& argv,
                      const std::map<std::string, std::string>& env, const Watch& watch) override;
};

/// How spawn() starts a child. What is not said here it inherits, as across
/// fork and exec: the working folder, the signal dispositions (those caught
/// become the default), the open files not closed on exec.
struct SpawnOptions {
  /// Set in the child's environment, over this process's (names that cannot
  /// be variables, empty or with "=", are left out, as setenv would refuse
  /// them).
  std::map<std::string, std::string> env;
  /// When not -1, the child's stdout and stderr.
  int output_fd = -1;
  /// The child leads a new process group, of its own pid.
  bool own_process_group = false;
  /// The child's signal mask; the calling thread's when null.
  const sigset_t* signal_mask = nullptr;
};

/// Starts `argv` (argv[0] looked up on PATH) with posix_spawnp and returns
/// its pid. Throws std::system_error ("cannot start ARGV0") when it cannot be
/// started, argv[0] not found or not executable included.
pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

/// Where execvp would find `name` on `path` (a PATH value): `name` itself
/// when it holds a "/" and is an executable file, else the first executable
/// file of that name in a folder of `path`; nullopt when there is none.
std::optional<std::string> find_program(const std::string& name, const std::string& path);

/// The last non-empty line of `text`.
std::string last_line(const std::string& text);

}  // namespace whiskey
