#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <system_error>
#include <thread>

extern char** environ;

namespace whiskey {
namespace {

/// Throws for a posix_spawn function's result `err` (an errno value) when it
/// is not 0.
void check(int err, const std::string& what) {
  if (err != 0) throw std::system_error(err, std::generic_category(), what);
}

/// A posix_spawn object, made by `init` and unmade by `destroy` when it goes.
template <typename T, int (*init)(T*), int (*destroy)(T*)>
class SpawnObject {
 public:
  SpawnObject() { check(init(&object_), "posix_spawn"); }
  ~SpawnObject() { destroy(&object_); }
  SpawnObject(const SpawnObject&) = delete;
  SpawnObject& operator=(const SpawnObject&) = delete;
  T* get() { return &object_; }

 private:
  T object_;
};

using FileActions = SpawnObject<posix_spawn_file_actions_t, ::posix_spawn_file_actions_init,
                                ::posix_spawn_file_actions_destroy>;
using SpawnAttributes =
    SpawnObject<posix_spawnattr_t, ::posix_spawnattr_init, ::posix_spawnattr_destroy>;

/// Both ends of a pipe, closed on exec and when it goes.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() {
    if (::pipe2(fd, O_CLOEXEC) != 0) {
      throw std::system_error(errno, std::generic_category(), "pipe");
    }
  }
  ~Pipe() {
    close_end(0);
    close_end(1);
  }
  void close_end(int i) {
    if (fd[i] >= 0) ::close(fd[i]);
    fd[i] = -1;
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

/// This process's environment with `vars` set, as "NAME=value" entries.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& vars) {
  std::vector<std::string> out;
  std::set<std::string> replaced;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    auto it = vars.find(entry.substr(0, entry.find('=')));
    if (it != vars.end()) {
      entry = it->first + "=" + it->second;
      replaced.insert(it->first);
    }
    out.push_back(std::move(entry));
  }
  for (const auto& [k, v] : vars) {
    bool name = !k.empty() && k.find('=') == std::string::npos;
    if (name && !replaced.count(k)) out.push_back(k + "=" + v);
  }
  return out;
}

/// Pointers to `strings`, then a null one, as exec takes them.
std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, const SpawnOptions& o) {
  const std::string what = "cannot start " + (argv.empty() ? std::string() : argv[0]);
  if (argv.empty()) throw std::system_error(EINVAL, std::generic_category(), what);
  FileActions actions;
  if (o.output_fd != -1) {
    check(::posix_spawn_file_actions_adddup2(actions.get(), o.output_fd, 1), what);
    check(::posix_spawn_file_actions_adddup2(actions.get(), o.output_fd, 2), what);
  }
  SpawnAttributes attributes;
  short flags = 0;
  if (o.own_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    check(::posix_spawnattr_setpgroup(attributes.get(), 0), what);
  }
  if (o.signal_mask) {
    flags |= POSIX_SPAWN_SETSIGMASK;
    check(::posix_spawnattr_setsigmask(attributes.get(), o.signal_mask), what);
  }
  check(::posix_spawnattr_setflags(attributes.get(), flags), what);
  std::vector<std::string> args = argv;
  std::vector<std::string> env = environment_with(o.env);
  std::vector<char*> c_args = c_array(args);
  std::vector<char*> c_env = c_array(env);
  pid_t pid = -1;
  int err =
      ::posix_spawnp(&pid, c_args[0], actions.get(), attributes.get(), c_args.data(), c_env.data());
  if (err == ENOEXEC) {
    // A file the kernel cannot run (a script without "#!"): execvp runs it
    // with /bin/sh, posix_spawnp does not.
    const char* path_var = std::getenv("PATH");
    if (auto path = find_program(argv[0], path_var ? path_var : "/bin:/usr/bin")) {
      std::vector<std::string> sh = {"/bin/sh", *path};
      sh.insert(sh.end(), argv.begin() + 1, argv.end());
      std::vector<char*> c_sh = c_array(sh);
      err =
          ::posix_spawn(&pid, c_sh[0], actions.get(), attributes.get(), c_sh.data(), c_env.data());
    }
  }
  check(err, what);
  return pid;
}

int RealRunner::run(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env, std::string* output) {
  if (argv.empty()) return 127;
  std::fflush(nullptr);
  pid_t pid = -1;
  std::optional<Pipe> pipe;
  try {
    if (output) pipe.emplace();
    pid = spawn(argv, {.env = env, .output_fd = output ? pipe->fd[1] : -1});
  } catch (const std::system_error& e) {
    std::string line = "cannot run " + argv[0] + ": " + e.code().message() + "\n";
    if (output) {
      output->append(line);
    } else {
      std::fputs(line.c_str(), stderr);
    }
    return 127;
  }
  if (output) {
    pipe->close_end(1);
    char buf[8192];
    for (ssize_t n; (n = ::read(pipe->fd[0], buf, sizeof buf)) != 0;) {
      if (n < 0) {
        if (errno == EINTR) continue;
        break;
      }
      output->append(buf, static_cast<std::size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "waiting for " + argv[0]);
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

Watched RealRunner::run_watched(const std::vector<std::string>& argv,
                                const std::map<std::string, std::string>& env, const Watch& watch) {
  if (argv.empty()) return {127, false, 0};
  std::fflush(nullptr);
  int fd = ::open(watch.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), "opening " + watch.log.string());
  }
  pid_t pid = -1;
  try {
    pid = spawn(argv, {.env = env, .output_fd = fd, .own_process_group = true});
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  double next_tick = watch.tick_s;
  double term_sent = -1;
  bool timed_out = false;
  int status = 0;
  for (;;) {
    // Not reaped yet (WNOWAIT): while it is a zombie its pid, and so its
    // group's id, cannot be taken by another process.
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0) {
      if (info.si_pid == pid) break;
    } else if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "waiting for " + argv[0]);
    }
    double now = elapsed();
    if (watch.timeout_s > 0 && now >= watch.timeout_s && term_sent < 0) {
      timed_out = true;
      term_sent = now;
      ::kill(-pid, SIGTERM);
    } else if (term_sent >= 0 && now >= term_sent + 5) {
      ::kill(-pid, SIGKILL);
    }
    if (watch.tick && watch.tick_s > 0 && now >= next_tick && !timed_out) {
      watch.tick(now);
      next_tick += watch.tick_s;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // What the program left running in its group (a make job) goes with it.
  ::kill(-pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "waiting for " + argv[0]);
    }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return {code, timed_out, elapsed()};
}

std::optional<std::string> find_program(const std::string& name, const std::string& path) {
  auto runnable = [](const std::string& candidate) {
    struct stat st {};
    return ::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(candidate.c_str(), X_OK) == 0;
  };
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    return runnable(name) ? std::optional<std::string>(name) : std::nullopt;
  }
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = std::min(path.find(':', start), path.size());
    std::string dir = path.substr(start, end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (runnable(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ' || t.back() == '\r')) t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace whiskey
