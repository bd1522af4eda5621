// The process seam: running another program and waiting for it.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace whiskey {

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
};

class RealRunner : public Runner {
 public:
  int run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          std::string* output = nullptr) override;
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

/// The last non-empty line of `text`.
std::string last_line(const std::string& text);

}  // namespace whiskey
