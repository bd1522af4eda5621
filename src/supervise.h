// Staying the parent of Apache on a dyno, so that a stop drains the requests
// in flight: SIGTERM becomes Apache's graceful stop (SIGWINCH), the time it
// takes is logged, and a stop that overruns is ended before the platform's
// SIGKILL would end it anyway.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace whiskey {

struct SuperviseOptions {
  /// Seconds Apache gives the requests in flight (GracefulShutdownTimeout);
  /// a stop that takes as long ended the requests still running then.
  double graceful_timeout_s = 25;
  /// Seconds the stop may take before the whole process group is killed
  /// (the platform sends SIGKILL 30 s after SIGTERM).
  double stop_deadline_s = 27;
  /// Set in the child's environment before it runs.
  std::map<std::string, std::string> env;
  /// A line for the log (the launcher prefixes its name).
  std::function<void(const std::string&)> log;
};

struct SuperviseResult {
  int status = 0;           ///< exit status, or 128 + the signal that ended it
  bool stopped = false;     ///< a SIGTERM asked it to stop
  bool forced = false;      ///< the deadline passed: the process group was killed
  double stop_seconds = 0;  ///< from SIGTERM to the child's exit
};

/// Runs `argv` (searched on PATH) as a child in a process group of its
/// own, and waits for it. SIGTERM (the first) is passed on as SIGWINCH,
/// and again each second until the child exits (a server still starting
/// may miss the first); SIGINT, SIGHUP and SIGUSR1 are passed on as they
/// are. Throws std::system_error when the child cannot be started.
SuperviseResult supervise(const std::vector<std::string>& argv, const SuperviseOptions& options);

}  // namespace whiskey
