#include "process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include "fakes.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

/// Runs `script` under sh with `env` added; its status, and its output in `output`.
int run_sh(const std::string& script, std::string& output,
           const std::map<std::string, std::string>& env = {}) {
  return RealRunner().run({"sh", "-c", script}, env, &output);
}

/// The exit status of the child `pid`, once it has ended.
int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) REQUIRE(errno == EINTR);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/// A file open for writing, closed when it goes.
struct OutputFile {
  int fd;
  explicit OutputFile(const fs::path& path)
      : fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) {
    REQUIRE(fd >= 0);
  }
  ~OutputFile() { ::close(fd); }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
};

}  // namespace

TEST_CASE("RealRunner: the exit status, and stdout and stderr in the output") {
  std::string output;
  CHECK(run_sh("echo out; echo err >&2; exit 3", output) == 3);
  CHECK(output == "out\nerr\n");
  output.clear();
  CHECK(run_sh("true", output) == 0);
  CHECK(output.empty());
}

TEST_CASE("RealRunner: the environment, with the variables it is given set") {
  ::setenv("WHISKEY_PROCESS_TEST_KEPT", "kept", 1);
  ::setenv("WHISKEY_PROCESS_TEST_CHANGED", "before", 1);
  std::string output;
  CHECK(run_sh("echo \"$WHISKEY_PROCESS_TEST_KEPT $WHISKEY_PROCESS_TEST_CHANGED "
               "$WHISKEY_PROCESS_TEST_ADDED\"; env | grep -c '^WHISKEY_PROCESS_TEST_CHANGED='",
               output,
               {{"WHISKEY_PROCESS_TEST_CHANGED", "after"},
                {"WHISKEY_PROCESS_TEST_ADDED", "added"},
                {"WHISKEY=PROCESS", "no name"}}) == 0);
  ::unsetenv("WHISKEY_PROCESS_TEST_KEPT");
  ::unsetenv("WHISKEY_PROCESS_TEST_CHANGED");
  // Set once: the new value replaces the old one.
  CHECK(output == "kept after added\n1\n");
}

TEST_CASE("RealRunner: a program that cannot run is 127, and says why") {
  std::string output;
  CHECK(RealRunner().run({"/nonexistent/program"}, {}, &output) == 127);
  CHECK(output == "cannot run /nonexistent/program: No such file or directory\n");
  output.clear();
  CHECK(RealRunner().run({"whiskey-no-such-program-on-path"}, {}, &output) == 127);
  CHECK_THAT(output, StartsWith("cannot run whiskey-no-such-program-on-path: "));
  CHECK(RealRunner().run({}, {}, &output) == 127);
}

TEST_CASE("RealRunner: a script without \"#!\" runs with /bin/sh, as execvp runs it") {
  TempDir dir;
  write_text(dir / "bin/hook", "echo \"ran: $0 $1\"\nexit 4\n");
  fs::permissions(dir / "bin/hook", fs::perms::owner_all);
  std::string output;
  CHECK(RealRunner().run({(dir / "bin/hook").string(), "one"}, {}, &output) == 4);
  CHECK(output == "ran: " + (dir / "bin/hook").string() + " one\n");

  // Found on PATH.
  std::string path = std::getenv("PATH");
  ::setenv("PATH", ((dir / "bin").string() + ":" + path).c_str(), 1);
  output.clear();
  int status = RealRunner().run({"hook", "two"}, {}, &output);
  ::setenv("PATH", path.c_str(), 1);
  CHECK(status == 4);
  CHECK(output == "ran: " + (dir / "bin/hook").string() + " two\n");
}

TEST_CASE("RealRunner: a program ended by a signal is 128 + the signal") {
  std::string output;
  CHECK(run_sh("kill -KILL $$", output) == 128 + SIGKILL);
}

TEST_CASE("spawn: a process group of its own, and the signal mask it is given") {
  TempDir dir;
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR2);
  const SpawnOptions options{.env = {}, .own_process_group = true, .signal_mask = &mask};
  {
    OutputFile out(dir / "stat");
    SpawnOptions o = options;
    o.output_fd = out.fd;
    REQUIRE(wait_for(spawn({"cat", "/proc/self/stat"}, o)) == 0);
  }
  // "PID (cat) STATE PPID PGRP ..."
  std::istringstream stat(read_text(dir / "stat"));
  long pid = 0, ppid = 0, pgrp = 0;
  std::string comm, state;
  stat >> pid >> comm >> state >> ppid >> pgrp;
  CHECK(ppid == ::getpid());
  CHECK(pgrp == pid);
  {
    OutputFile out(dir / "status");
    SpawnOptions o = options;
    o.output_fd = out.fd;
    REQUIRE(wait_for(spawn({"grep", "^SigBlk:", "/proc/self/status"}, o)) == 0);
  }
  std::istringstream status(read_text(dir / "status"));
  std::string label, blocked;
  status >> label >> blocked;
  CHECK(label == "SigBlk:");
  // SIGUSR2 alone.
  CHECK(std::strtoull(blocked.c_str(), nullptr, 16) == (1ull << (SIGUSR2 - 1)));
}

TEST_CASE("spawn: without options, this process's group") {
  TempDir dir;
  OutputFile out(dir / "out");
  REQUIRE(wait_for(spawn({"cat", "/proc/self/stat"}, {.env = {}, .output_fd = out.fd})) == 0);
  std::istringstream stat(read_text(dir / "out"));
  long pid = 0, ppid = 0, pgrp = 0;
  std::string comm, state;
  stat >> pid >> comm >> state >> ppid >> pgrp;
  CHECK(pgrp == ::getpgrp());
}

TEST_CASE("spawn: a program that cannot start is an error naming it") {
  auto e = expect_throw<std::system_error>([] { spawn({"/nonexistent/program"}, {}); });
  CHECK(e.code().value() == ENOENT);
  CHECK_THAT(e.what(), StartsWith("cannot start /nonexistent/program: "));
  CHECK_THROWS_AS(spawn({}, {}), std::system_error);
}

TEST_CASE("run_watched: output to the log, ticks while it runs, stopped at its limit",
          "[process]") {
  TempDir dir;
  const fs::path log = dir / "build.log";
  write_text(log, "before\n");
  std::vector<double> ticks;
  Watch watch{
      .log = log, .timeout_s = 0, .tick_s = 0.3, .tick = [&](double s) { ticks.push_back(s); }};
  Watched done = RealRunner().run_watched({"sh", "-c", "echo out; echo err >&2; sleep 1; exit 3"},
                                          {{"WATCHED", "yes"}}, watch);
  CHECK(done.status == 3);
  CHECK_FALSE(done.timed_out);
  CHECK(done.seconds >= 1);
  CHECK(read_text(log) == "before\nout\nerr\n");
  CHECK(ticks.size() >= 2);
  CHECK(ticks.size() <= 4);

  SECTION("past its limit, the whole group is stopped") {
    write_text(log, "");
    watch.timeout_s = 0.5;
    watch.tick = {};
    // A child of the program (a make job) keeps the pipe of its own: it
    // goes with the group.
    Watched cut =
        RealRunner().run_watched({"sh", "-c", "sleep 30 & echo $! > \"$1\"; echo $WATCHED; wait",
                                  "sh", (dir / "child.pid").string()},
                                 {{"WATCHED", "yes"}}, watch);
    CHECK(cut.timed_out);
    CHECK(cut.status == 128 + SIGTERM);
    CHECK(cut.seconds < 10);
    CHECK(read_text(log) == "yes\n");
    pid_t child = std::stoi(read_text(dir / "child.pid"));
    // Gone, or a zombie of init's at most.
    bool gone = false;
    for (int i = 0; i < 50 && !gone; ++i) {
      gone = ::kill(child, 0) != 0 ||
             read_text(fs::path("/proc") / std::to_string(child) / "stat").find(") Z ") !=
                 std::string::npos;
      if (!gone) ::usleep(100000);
    }
    CHECK(gone);
  }
  SECTION("a log that cannot be opened") {
    watch.log = dir / "missing/build.log";
    CHECK_THROWS_AS(RealRunner().run_watched({"true"}, {}, watch), std::system_error);
  }
}

TEST_CASE("find_program: as execvp looks", "[process]") {
  TempDir dir;
  write_text(dir / "a/tool", "#!/bin/sh\n");
  write_text(dir / "b/tool", "#!/bin/sh\n");
  write_text(dir / "b/plain", "not executable\n");
  fs::permissions(dir / "a/tool", fs::perms::owner_exec, fs::perm_options::add);
  fs::permissions(dir / "b/tool", fs::perms::owner_exec, fs::perm_options::add);
  const std::string path =
      (dir / "none").string() + ":" + (dir / "b").string() + ":" + (dir / "a").string();
  CHECK(find_program("tool", path) == (dir / "b/tool").string());
  CHECK_FALSE(find_program("plain", path));
  CHECK_FALSE(find_program("missing", path));
  CHECK(find_program((dir / "a/tool").string(), "") == (dir / "a/tool").string());
  CHECK_FALSE(find_program((dir / "b/plain").string(), path));
}
