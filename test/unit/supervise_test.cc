#include "supervise.h"

#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "fakes.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

/// Runs `script` under sh, supervised; the script may signal its parent
/// (the supervisor) with `kill -TERM $PPID`.
SuperviseResult run_sh(const std::string& script, std::vector<std::string>& lines,
                       double deadline = 10, double graceful = 9.5) {
  return supervise({"sh", "-c", script},
                   {.graceful_timeout_s = graceful,
                    .stop_deadline_s = deadline,
                    .env = {{"WHISKEY_TEST_VAR", "set"}},
                    .log = [&](const std::string& l) { lines.push_back(l); }});
}

}  // namespace

TEST_CASE("supervise: the child's exit status, and its environment") {
  std::vector<std::string> lines;
  auto r = run_sh("[ \"$WHISKEY_TEST_VAR\" = set ] && exit 3", lines);
  CHECK(r.status == 3);
  CHECK_FALSE(r.stopped);
  CHECK(lines.empty());
}

TEST_CASE("supervise: the child runs in a process group of its own") {
  std::vector<std::string> lines;
  TempDir dir;
  auto out = dir / "pgid";
  supervise(
      {"sh", "-c", "ps -o pgid= -p $$ > '" + out.string() + "'; echo $$ >> '" + out.string() + "'"},
      {});
  std::istringstream in(read_text(out));
  long pgid = 0, pid = 0;
  in >> pgid >> pid;
  CHECK(pgid == pid);
  CHECK(pgid != ::getpgrp());
}

TEST_CASE("supervise: SIGTERM becomes SIGWINCH, and the stop is timed") {
  std::vector<std::string> lines;
  // The child asks its parent to stop, then waits for the SIGWINCH.
  auto r = run_sh(
      "trap 'exit 0' WINCH; kill -TERM $PPID; i=0; "
      "while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 9",
      lines);
  CHECK(r.status == 0);
  CHECK(r.stopped);
  CHECK_FALSE(r.forced);
  CHECK(r.stop_seconds < 5);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], StartsWith("SIGTERM: stopping gracefully, up to 9.5 s"));
  CHECK_THAT(lines[1], StartsWith("stopped gracefully in "));
  CHECK_THAT(lines[1], Contains(": every request in flight completed"));
}

TEST_CASE("supervise: a stop as long as Apache's timeout says requests were ended") {
  std::vector<std::string> lines;
  auto r = run_sh("trap '' WINCH; kill -TERM $PPID; sleep 1.2; exit 0", lines, 5, 0.9);
  CHECK(r.status == 0);
  CHECK_FALSE(r.forced);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[1], Contains(": requests still in flight after 0.9 s were ended"));
}

TEST_CASE("supervise: SIGWINCH again each second, for a child that missed the first") {
  std::vector<std::string> lines;
  // WINCH is ignored for the first second (as by a server still starting).
  auto r = run_sh(
      "trap '' WINCH; kill -TERM $PPID; sleep 1.2; trap 'exit 4' WINCH; "
      "i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 9",
      lines);
  CHECK(r.status == 4);
  CHECK(r.stopped);
  CHECK(r.stop_seconds < 5);
}

TEST_CASE("supervise: a stop that overruns its deadline is ended") {
  std::vector<std::string> lines;
  auto r = run_sh("trap '' WINCH TERM; kill -TERM $PPID; sleep 30", lines, 1.5, 1);
  CHECK(r.forced);
  CHECK(r.status == 128 + SIGKILL);
  CHECK(r.stop_seconds >= 1.4);
  CHECK(r.stop_seconds < 4);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[1], Contains("took longer than 1.5 s: stopped what was left at once"));
}

TEST_CASE("supervise: a program that cannot run is an error") {
  CHECK_THROWS_AS(supervise({"/nonexistent/program"}, {}), std::system_error);
}
