#include "supervise.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "process.h"

namespace whiskey {
namespace {

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

int exit_status(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 1;
}

/// The signal mask of the calling thread, restored when it goes.
class BlockedSignals {
 public:
  explicit BlockedSignals(const sigset_t& set) {
    if (int err = pthread_sigmask(SIG_BLOCK, &set, &old_)) {
      throw std::system_error(err, std::generic_category(), "blocking signals");
    }
  }
  ~BlockedSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;
  const sigset_t& old() const { return old_; }

 private:
  sigset_t old_;
};

}  // namespace

SuperviseResult supervise(const std::vector<std::string>& argv, const SuperviseOptions& o) {
  auto log = [&](const std::string& line) {
    if (o.log) o.log(line);
  };
  // A SIGCHLD left ignored would reap the child before we could.
  if (::signal(SIGCHLD, SIG_DFL) == SIG_ERR) {
    throw std::system_error(errno, std::generic_category(), "SIGCHLD");
  }
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD}) sigaddset(&handled, s);
  BlockedSignals blocked(handled);
  // A process group of its own, with `handled` unblocked again.
  const pid_t pid =
      spawn(argv, {.env = o.env, .own_process_group = true, .signal_mask = &blocked.old()});

  SuperviseResult r;
  double stop_started = 0;
  bool child_gone = false;
  for (;;) {
    int wstatus = 0;
    if (!child_gone && ::waitpid(pid, &wstatus, WNOHANG) == pid) {
      child_gone = true;
      r.status = exit_status(wstatus);
      if (r.stopped) r.stop_seconds = now_s() - stop_started;
    }
    // Once the server is gone, what it left in its group (none, normally)
    // has until the deadline.
    if (child_gone && (::kill(-pid, 0) != 0 || !r.stopped)) break;

    double wait = 1.0;
    if (r.stopped) {
      double left = stop_started + o.stop_deadline_s - now_s();
      if (left <= 0) {
        ::kill(-pid, SIGKILL);
        r.forced = true;
        if (!child_gone) {
          ::waitpid(pid, &wstatus, 0);
          r.status = exit_status(wstatus);
        }
        r.stop_seconds = now_s() - stop_started;
        break;
      }
      wait = std::min(wait, left);
      if (child_gone) wait = std::min(wait, 0.1);
    }
    timespec ts{static_cast<time_t>(wait),
                static_cast<long>((wait - static_cast<double>(static_cast<time_t>(wait))) * 1e9)};
    siginfo_t info;
    int sig = ::sigtimedwait(&handled, &info, &ts);
    if (sig == SIGTERM) {
      if (!r.stopped) {
        r.stopped = true;
        stop_started = now_s();
        log("SIGTERM: stopping gracefully, up to " + seconds(o.graceful_timeout_s) +
            " for the requests in flight");
      }
      if (!child_gone) ::kill(pid, SIGWINCH);
    } else if (sig == SIGINT || sig == SIGHUP || sig == SIGUSR1) {
      if (!child_gone) ::kill(pid, sig);
    } else if (sig < 0 && r.stopped && !child_gone) {
      ::kill(pid, SIGWINCH);  // a server still starting up may have missed it
    }
  }
  if (r.forced) {
    log("the graceful stop took longer than " + seconds(o.stop_deadline_s) +
        ": stopped what was left at once");
  } else if (r.stopped) {
    std::string status =
        r.status == 0 ? "" : " (Apache's exit status " + std::to_string(r.status) + ")";
    if (r.stop_seconds >= o.graceful_timeout_s) {
      log("stopped in " + seconds(r.stop_seconds) + status + ": requests still in flight after " +
          seconds(o.graceful_timeout_s) + " were ended");
    } else {
      log("stopped gracefully in " + seconds(r.stop_seconds) + status +
          ": every request in flight completed");
    }
  }
  return r;
}

}  // namespace whiskey
