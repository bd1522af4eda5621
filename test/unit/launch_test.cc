#include "launch.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "disk.h"
#include "fakes.h"
#include "launch_plan.h"
#include "memory_disk.h"

using namespace whiskey;
using Catch::Contains;
using Catch::StartsWith;
using whiskey::testing::expect_throw;
using whiskey::testing::read_text;
using whiskey::testing::TempDir;
using whiskey::testing::write_text;
namespace fs = std::filesystem;

namespace {

const fs::path kApp = "/app";
constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kGiB = 1ull << 30;

using Args = std::vector<std::string>;

/// The index of the first and last occurrence of `value` in `args`.
std::pair<std::size_t, std::size_t> first_and_last(const Args& args, const std::string& value) {
  std::size_t first = args.size(), last = args.size();
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] != value) continue;
    if (first == args.size()) first = i;
    last = i;
  }
  return {first, last};
}

/// The message of the LaunchError that sizing with `env` throws.
std::string sizing_error(const Vars& env) {
  auto e = expect_throw<LaunchError>([&] { size_server(env, 1 * kGiB, 4); });
  return e.what();
}

/// Single-quotes `s` for the shell.
std::string quoted(const fs::path& p) {
  std::string out = "'";
  for (char c : p.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool run_ok(const std::string& command) {
  return std::system(command.c_str()) == 0;
}

/// `a`, then `b`.
Args joined(Args a, const Args& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

/// server_arguments()' first ones, for the app in /app on port 5000 of user
/// 1000, sized to `processes` of `threads`: up to --mime-types and its value.
Args express_defaults(const std::string& processes, const std::string& threads) {
  return {"start-server",
          "--server-root",
          "/tmp/mod_wsgi-heroku-1000-5000",
          "--log-to-terminal",
          "--port",
          "5000",
          "--processes",
          processes,
          "--threads",
          threads,
          "--trust-proxy-header",
          "X-Forwarded-Proto",
          "--request-timeout",
          "25",
          "--queue-timeout",
          "30",
          "--httpd-executable",
          "/app/.whiskey/apache/bin/httpd",
          "--modules-directory",
          "/app/.whiskey/apache/modules",
          "--mime-types",
          "/app/.whiskey/apache/conf/mime.types"};
}

}  // namespace

// --- whiskey_variables ------------------------------------------------------

TEST_CASE("whiskey_variables: the four WHISKEY_* values for a home", "[launch]") {
  Vars expected = {{"WHISKEY_RUNTIME", "heroku"},
                   {"WHISKEY_HOMEDIR", "/app"},
                   {"WHISKEY_BINDIR", "/app/.whiskey/bin"},
                   {"WHISKEY_ENVDIR", "/app/.whiskey/user_vars"}};
  CHECK(whiskey_variables(kApp) == expected);

  auto other = whiskey_variables("/srv/site");
  CHECK(other.size() == 4);
  CHECK(other.at("WHISKEY_RUNTIME") == "heroku");
  CHECK(other.at("WHISKEY_HOMEDIR") == "/srv/site");
  CHECK(other.at("WHISKEY_BINDIR") == "/srv/site/.whiskey/bin");
  CHECK(other.at("WHISKEY_ENVDIR") == "/srv/site/.whiskey/user_vars");
}

// --- read_user_vars ---------------------------------------------------------

TEST_CASE("read_user_vars: one variable per file, trailing newlines trimmed", "[launch]") {
  MemoryDisk disk;
  disk.add_file("/app/.whiskey/user_vars/DATABASE_URL", "postgres://db/app\n");
  disk.add_file("/app/.whiskey/user_vars/PLAIN", "no newline");
  disk.add_file("/app/.whiskey/user_vars/CRLF", "windows\r\n");
  disk.add_file("/app/.whiskey/user_vars/MANY", "several\n\n\n");
  disk.add_file("/app/.whiskey/user_vars/MULTI", "line one\nline two\n");
  disk.add_file("/app/.whiskey/user_vars/SPACES", "  padded  \n");
  disk.add_file("/app/.whiskey/user_vars/EMPTY", "");

  Vars expected = {{"DATABASE_URL", "postgres://db/app"},
                   {"PLAIN", "no newline"},
                   {"CRLF", "windows"},
                   {"MANY", "several"},
                   {"MULTI", "line one\nline two"},
                   {"SPACES", "  padded  "},
                   {"EMPTY", ""}};
  CHECK(read_user_vars(disk, kApp) == expected);
}

TEST_CASE("read_user_vars: dotfiles and folders are skipped", "[launch]") {
  MemoryDisk disk;
  disk.add_file("/app/.whiskey/user_vars/KEEP", "yes\n");
  disk.add_file("/app/.whiskey/user_vars/.hidden", "no\n");
  disk.add_file("/app/.whiskey/user_vars/.DS_Store", "junk");
  disk.add_directory("/app/.whiskey/user_vars/subfolder");
  disk.add_file("/app/.whiskey/user_vars/nested/INNER", "not a variable\n");
  // Files elsewhere under .whiskey are not variables.
  disk.add_file("/app/.whiskey/bin/TOOL", "binary");

  CHECK(read_user_vars(disk, kApp) == Vars{{"KEEP", "yes"}});
}

TEST_CASE("read_user_vars: no folder, no variables", "[launch]") {
  MemoryDisk empty;
  CHECK(read_user_vars(empty, kApp).empty());

  MemoryDisk only_whiskey;
  only_whiskey.add_directory("/app/.whiskey/bin");
  CHECK(read_user_vars(only_whiskey, kApp).empty());

  MemoryDisk empty_folder;
  empty_folder.add_directory("/app/.whiskey/user_vars");
  CHECK(read_user_vars(empty_folder, kApp).empty());

  // Another home's variables are not this one's.
  MemoryDisk elsewhere;
  elsewhere.add_file("/srv/.whiskey/user_vars/FOO", "bar");
  CHECK(read_user_vars(elsewhere, kApp).empty());
  CHECK(read_user_vars(elsewhere, "/srv") == Vars{{"FOO", "bar"}});
}

// --- memory_limit -----------------------------------------------------------

TEST_CASE("memory_limit: cgroup v2 memory.max", "[launch]") {
  MemoryDisk disk;
  disk.add_file("/sys/fs/cgroup/memory.max", "536870912\n");
  CHECK(memory_limit(disk) == 512 * kMiB);

  MemoryDisk no_newline;
  no_newline.add_file("/sys/fs/cgroup/memory.max", "1073741824");
  CHECK(memory_limit(no_newline) == kGiB);

  // v2 wins over v1 when both give a number.
  MemoryDisk both;
  both.add_file("/sys/fs/cgroup/memory.max", "1073741824\n");
  both.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "2147483648\n");
  CHECK(memory_limit(both) == kGiB);
}

TEST_CASE("memory_limit: \"max\" in v2 falls back to cgroup v1", "[launch]") {
  MemoryDisk disk;
  disk.add_file("/sys/fs/cgroup/memory.max", "max\n");
  disk.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "2684354560\n");
  CHECK(memory_limit(disk) == 2684354560ull);

  MemoryDisk max_only;
  max_only.add_file("/sys/fs/cgroup/memory.max", "max\n");
  CHECK(memory_limit(max_only) == std::nullopt);

  // An empty memory.max says nothing either.
  MemoryDisk empty_v2;
  empty_v2.add_file("/sys/fs/cgroup/memory.max", "");
  empty_v2.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n");
  CHECK(memory_limit(empty_v2) == 512 * kMiB);
}

TEST_CASE("memory_limit: cgroup v1 alone", "[launch]") {
  MemoryDisk number;
  number.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n");
  CHECK(memory_limit(number) == kGiB);

  MemoryDisk number_no_newline;
  number_no_newline.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912");
  CHECK(memory_limit(number_no_newline) == 512 * kMiB);

  // v1's "no limit" is a huge page-rounded number.
  MemoryDisk unlimited;
  unlimited.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  CHECK(memory_limit(unlimited) == std::nullopt);

  MemoryDisk v2_max_v1_unlimited;
  v2_max_v1_unlimited.add_file("/sys/fs/cgroup/memory.max", "max\n");
  v2_max_v1_unlimited.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                               "9223372036854771712\n");
  CHECK(memory_limit(v2_max_v1_unlimited) == std::nullopt);
}

TEST_CASE("memory_limit: unknown without either file, or with text", "[launch]") {
  MemoryDisk none;
  CHECK(memory_limit(none) == std::nullopt);

  MemoryDisk garbage;
  garbage.add_file("/sys/fs/cgroup/memory.max", "lots\n");
  garbage.add_file("/sys/fs/cgroup/memory/memory.limit_in_bytes", "-1\n");
  CHECK(memory_limit(garbage) == std::nullopt);
}

TEST_CASE("memory_limit: reads under the cgroup root it is given", "[launch]") {
  MemoryDisk disk;
  disk.add_file("/sys/fs/cgroup/memory.max", "536870912\n");
  disk.add_file("/cg/memory.max", "max\n");
  disk.add_file("/cg/memory/memory.limit_in_bytes", "1073741824\n");
  CHECK(memory_limit(disk, "/cg") == kGiB);
  CHECK(memory_limit(disk, "/nowhere") == std::nullopt);
}

// --- size_server ------------------------------------------------------------

TEST_CASE("size_server: MOD_WSGI_PROCESSES wins over WEB_CONCURRENCY and memory", "[launch]") {
  auto s = size_server({{"MOD_WSGI_PROCESSES", "3"}, {"WEB_CONCURRENCY", "9"}}, 512 * kMiB, 8);
  CHECK(s.processes == 3);
  CHECK(s.threads == 5);
  CHECK(s.why == "MOD_WSGI_PROCESSES");

  // An explicit count is taken as it is, above the CPU cap too.
  CHECK(size_server({{"MOD_WSGI_PROCESSES", "40"}}, 512 * kMiB, 1).processes == 40);
}

TEST_CASE("size_server: WEB_CONCURRENCY next", "[launch]") {
  auto s = size_server({{"WEB_CONCURRENCY", "4"}}, 512 * kMiB, 8);
  CHECK(s.processes == 4);
  CHECK(s.threads == 5);
  CHECK(s.why == "WEB_CONCURRENCY");

  CHECK(size_server({{"WEB_CONCURRENCY", "25"}}, std::nullopt, 1).processes == 25);

  // An empty MOD_WSGI_PROCESSES is unset.
  auto empty = size_server({{"MOD_WSGI_PROCESSES", ""}, {"WEB_CONCURRENCY", "6"}}, kGiB, 8);
  CHECK(empty.processes == 6);
  CHECK(empty.why == "WEB_CONCURRENCY");
}

TEST_CASE("size_server: one process per 256 MiB of the dyno", "[launch]") {
  auto standard_1x = size_server({}, 512 * kMiB, 8);
  CHECK(standard_1x.processes == 2);
  CHECK(standard_1x.threads == 5);
  CHECK(standard_1x.why == "the dyno's 512 MiB and 8 CPUs");

  auto standard_2x = size_server({}, kGiB, 8);
  CHECK(standard_2x.processes == 4);
  CHECK(standard_2x.why == "the dyno's 1024 MiB and 8 CPUs");

  auto large = size_server({}, 2 * kGiB + 512 * kMiB, 16);
  CHECK(large.processes == 10);
  CHECK(large.why == "the dyno's 2560 MiB and 16 CPUs");

  // Whole slices only: just under 768 MiB is two.
  CHECK(size_server({}, 3 * 256 * kMiB - 1, 8).processes == 2);
  CHECK(size_server({}, 3 * 256 * kMiB, 8).processes == 3);
}

TEST_CASE("size_server: at most 2 per CPU + 1, at least 1", "[launch]") {
  CHECK(size_server({}, 14 * kGiB, 2).processes == 5);
  CHECK(size_server({}, 14 * kGiB, 1).processes == 3);
  CHECK(size_server({}, 64 * kGiB, 32).processes == 65);
  CHECK(size_server({}, 1ull << 40, 4).processes == 9);

  CHECK(size_server({}, 256 * kMiB, 8).processes == 1);
  CHECK(size_server({}, 256 * kMiB - 1, 8).processes == 1);
  CHECK(size_server({}, 1, 8).processes == 1);
  CHECK(size_server({}, 0, 8).processes == 1);
  auto small = size_server({}, 100 * kMiB, 2);
  CHECK(small.processes == 1);
  CHECK(small.why == "the dyno's 100 MiB and 2 CPUs");
}

TEST_CASE("size_server: no memory known, 2 per CPU + 1", "[launch]") {
  auto s = size_server({}, std::nullopt, 4);
  CHECK(s.processes == 9);
  CHECK(s.threads == 5);
  CHECK(s.why == "4 CPUs");

  CHECK(size_server({}, std::nullopt, 1).processes == 3);
  CHECK(size_server({}, std::nullopt, 8).processes == 17);
  // An unknown CPU count (0) counts as one.
  CHECK(size_server({}, std::nullopt, 0).processes == 3);
  CHECK(size_server({}, kGiB, 0).processes == 3);
  CHECK(size_server({}, 512 * kMiB, 0).processes == 2);
}

TEST_CASE("size_server: MOD_WSGI_THREADS", "[launch]") {
  auto by_memory = size_server({{"MOD_WSGI_THREADS", "8"}}, kGiB, 8);
  CHECK(by_memory.processes == 4);
  CHECK(by_memory.threads == 8);
  CHECK(by_memory.why == "the dyno's 1024 MiB and 8 CPUs, MOD_WSGI_THREADS");

  auto both = size_server({{"MOD_WSGI_PROCESSES", "2"}, {"MOD_WSGI_THREADS", "1"}}, kGiB, 8);
  CHECK(both.processes == 2);
  CHECK(both.threads == 1);
  CHECK(both.why == "MOD_WSGI_PROCESSES, MOD_WSGI_THREADS");

  auto concurrency = size_server({{"WEB_CONCURRENCY", "3"}, {"MOD_WSGI_THREADS", "12"}}, kGiB, 8);
  CHECK(concurrency.processes == 3);
  CHECK(concurrency.threads == 12);
  CHECK(concurrency.why == "WEB_CONCURRENCY, MOD_WSGI_THREADS");

  // Empty is unset: the default 5.
  auto empty = size_server({{"MOD_WSGI_THREADS", ""}}, kGiB, 8);
  CHECK(empty.threads == 5);
  CHECK(empty.why == "the dyno's 1024 MiB and 8 CPUs");
}

TEST_CASE("size_server: other variables do not matter", "[launch]") {
  auto s = size_server({{"PORT", "5000"}, {"THREADS", "abc"}, {"PROCESSES", "0"}}, kGiB, 8);
  CHECK(s.processes == 4);
  CHECK(s.threads == 5);
}

TEST_CASE("size_server: invalid values name the variable", "[launch]") {
  for (const char* name : {"MOD_WSGI_PROCESSES", "MOD_WSGI_THREADS", "WEB_CONCURRENCY"}) {
    for (const char* value : {"0", "00", "-1", "two", "2x", " 3", "3 ", "+3", "1.5", "9999999",
                              "99999999999999999999"}) {
      INFO(name << "=" << value);
      auto message = sizing_error({{name, value}});
      CHECK_THAT(message, Contains(name));
      CHECK_THAT(message, Contains(std::string("'") + value + "'"));
      CHECK_THAT(message, Contains("at least 1"));
    }
  }
  CHECK(sizing_error({{"MOD_WSGI_PROCESSES", "0"}}) ==
        "MOD_WSGI_PROCESSES is '0': set it to a whole number of at least 1");
  CHECK(sizing_error({{"WEB_CONCURRENCY", "two"}}) ==
        "WEB_CONCURRENCY is 'two': set it to a whole number of at least 1");
}

// --- has_option -------------------------------------------------------------

TEST_CASE("has_option: as \"--opt value\" or \"--opt=value\"", "[launch]") {
  CHECK(has_option({"--processes", "3"}, "--processes"));
  CHECK(has_option({"--processes=3"}, "--processes"));
  CHECK(has_option({"wsgi.py", "--threads", "2", "--processes", "3"}, "--processes"));
  CHECK(has_option({"--processes="}, "--processes"));

  CHECK_FALSE(has_option({}, "--processes"));
  CHECK_FALSE(has_option({"wsgi.py", "--threads", "2"}, "--processes"));
  CHECK_FALSE(has_option({"--processes-x", "3"}, "--processes"));
  CHECK_FALSE(has_option({"--processes-x=3"}, "--processes"));
  CHECK_FALSE(has_option({"--processesx"}, "--processes"));
  CHECK_FALSE(has_option({"--process"}, "--processes"));
  CHECK_FALSE(has_option({"processes=3"}, "--processes"));
  CHECK_FALSE(has_option({"--max-processes=3"}, "--processes"));
}

// --- entry_script -----------------------------------------------------------

TEST_CASE("entry_script: the first positional argument", "[launch]") {
  CHECK(entry_script({"wsgi.py"}) == "wsgi.py");
  CHECK(entry_script({"mysite/wsgi.py", "other.py"}) == "mysite/wsgi.py");
  CHECK(entry_script({"wsgi.py", "--processes", "2"}) == "wsgi.py");
}

TEST_CASE("entry_script: skips options and their values", "[launch]") {
  CHECK(entry_script({"--processes", "2", "wsgi.py"}) == "wsgi.py");
  CHECK(entry_script({"--callable-object", "app", "main.py"}) == "main.py");
  CHECK(entry_script({"--include-file", "extra.conf", "wsgi.py"}) == "wsgi.py");
  CHECK(entry_script({"--port", "8000", "--threads", "4", "app.py"}) == "app.py");
}

TEST_CASE("entry_script: flags take no value", "[launch]") {
  CHECK(entry_script({"--log-to-terminal", "wsgi.py"}) == "wsgi.py");
  CHECK(entry_script({"--reload-on-changes", "wsgi.py"}) == "wsgi.py");
  CHECK(entry_script({"--reload-on-changes"}) == std::nullopt);
  CHECK(entry_script({"--access-log", "--https-only", "--processes", "2", "app/wsgi.py"}) ==
        "app/wsgi.py");
  CHECK(entry_script({"--enable-sendfile", "--server-status", "--compress-responses", "w.py"}) ==
        "w.py");
}

TEST_CASE("entry_script: --opt=value carries its own value", "[launch]") {
  CHECK(entry_script({"--processes=2", "wsgi.py"}) == "wsgi.py");
  CHECK(entry_script({"--port=8000", "--log-to-terminal", "wsgi.py", "--threads", "2"}) ==
        "wsgi.py");
  CHECK(entry_script({"--callable-object=app", "--threads=4", "main.py"}) == "main.py");
}

TEST_CASE("entry_script: module and paste applications name no file", "[launch]") {
  CHECK(entry_script({"--application-type", "module", "mysite.wsgi"}) == std::nullopt);
  CHECK(entry_script({"mysite.wsgi", "--application-type", "module"}) == std::nullopt);
  CHECK(entry_script({"--application-type=module", "mysite.wsgi"}) == std::nullopt);
  CHECK(entry_script({"--application-type", "paste", "production.ini"}) == std::nullopt);
  CHECK(entry_script({"--application-type=paste", "production.ini"}) == std::nullopt);

  CHECK(entry_script({"--application-type", "script", "x.py"}) == "x.py");
  CHECK(entry_script({"--application-type=script", "x.py"}) == "x.py");
  CHECK(entry_script({"x.py", "--application-type", "script"}) == "x.py");
}

TEST_CASE("entry_script: none", "[launch]") {
  CHECK(entry_script({}) == std::nullopt);
  CHECK(entry_script({"--processes", "2"}) == std::nullopt);
  CHECK(entry_script({"--processes=2", "--log-to-terminal"}) == std::nullopt);
  // An option missing its value at the end.
  CHECK(entry_script({"--port"}) == std::nullopt);
  CHECK(entry_script({"--application-type"}) == std::nullopt);
}

// --- the web process's folder ------------------------------------------------

TEST_CASE("run_dir: under TMPDIR, else /tmp, named by the user and the port", "[launch]") {
  CHECK(run_dir({}, 1000, "5000") == "/tmp/mod_wsgi-heroku-1000-5000");
  CHECK(run_dir({{"TMPDIR", "/var/run/web"}}, 0, "8080") == "/var/run/web/mod_wsgi-heroku-0-8080");
  CHECK(run_dir({{"TMPDIR", "/scratch/"}}, 7, "80") == "/scratch/mod_wsgi-heroku-7-80");
  SECTION("another user or port, another folder") {
    CHECK(run_dir({}, 1001, "5000") != run_dir({}, 1000, "5000"));
    CHECK(run_dir({}, 1000, "5001") != run_dir({}, 1000, "5000"));
  }
  SECTION("a TMPDIR that is empty or relative is not used") {
    // Relative to the app's folder, where the web process starts.
    CHECK(run_dir({{"TMPDIR", ""}}, 1000, "5000") == "/tmp/mod_wsgi-heroku-1000-5000");
    CHECK(run_dir({{"TMPDIR", "tmp"}}, 1000, "5000") == "/tmp/mod_wsgi-heroku-1000-5000");
  }
}

TEST_CASE("run_dir: a PORT that is not a port number is refused", "[launch]") {
  for (const char* port : {"", "0", "65536", "http", "80/../../app", "5000 ", "-1", "999999"}) {
    INFO("PORT=" << port);
    auto e = expect_throw<LaunchError>([&] { run_dir({}, 1000, port); });
    CHECK(std::string(e.what()) == std::string("PORT is '") + port +
                                       "': set it to the port number to listen on, 1 to 65535");
  }
  CHECK(run_dir({}, 1000, "65535") == "/tmp/mod_wsgi-heroku-1000-65535");
  CHECK(run_dir({}, 1000, "1") == "/tmp/mod_wsgi-heroku-1000-1");
}

TEST_CASE("run_dir_refusal: only a folder of this user's that no one else can write", "[launch]") {
  const fs::path dir = "/tmp/mod_wsgi-heroku-1000-5000";
  FolderStat ok{.symlink = false, .directory = true, .owner = 1000, .mode = 0755};
  CHECK(run_dir_refusal(dir, ok, 1000).empty());
  for (unsigned mode : {0700u, 0711u, 0750u, 01755u}) {
    FolderStat st = ok;
    st.mode = mode;
    CHECK(run_dir_refusal(dir, st, 1000).empty());
  }

  auto refused = [&](FolderStat st) {
    std::string why = run_dir_refusal(dir, st, 1000);
    CHECK_THAT(why, StartsWith("the web process's folder /tmp/mod_wsgi-heroku-1000-5000 "));
    CHECK_THAT(why, Contains(": remove it, or set TMPDIR to a folder of your own"));
    return why;
  };
  SECTION("a symbolic link, even to a good folder") {
    FolderStat st = ok;
    st.symlink = true;
    st.directory = false;
    CHECK_THAT(refused(st), Contains(" is a symbolic link:"));
  }
  SECTION("a file") {
    FolderStat st = ok;
    st.directory = false;
    st.mode = 0644;
    CHECK_THAT(refused(st), Contains(" is not a folder:"));
  }
  SECTION("another user's") {
    FolderStat st = ok;
    st.owner = 1001;
    CHECK_THAT(refused(st), Contains(" belongs to user 1001, not to this user (1000):"));
    st.owner = 0;
    CHECK_THAT(refused(st), Contains(" belongs to user 0, not to this user (1000):"));
  }
  SECTION("writable by the group or by anyone") {
    FolderStat st = ok;
    st.mode = 0775;
    CHECK_THAT(refused(st), Contains(" is writable by other users (mode 0775):"));
    st.mode = 0757;
    CHECK_THAT(refused(st), Contains("(mode 0757)"));
    st.mode = 01777;
    CHECK_THAT(refused(st), Contains("(mode 1777)"));
  }
}

// --- server_arguments -------------------------------------------------------

TEST_CASE("server_arguments: the launcher's defaults, then the user's", "[launch]") {
  ServerPlan plan;
  plan.home = kApp;
  plan.server_root = "/tmp/mod_wsgi-heroku-1000-5000";
  plan.port = "5000";
  plan.sizing = {3, 4, "WEB_CONCURRENCY"};
  plan.user_args = {"--processes", "7", "wsgi.py"};

  Args expected = joined(express_defaults("3", "4"),
                         {"--disable-reloading", "--keep-alive-timeout", "100",
                          "--error-log-format", kErrorLogFormat, "--processes", "7", "wsgi.py"});
  auto args = server_arguments(plan);
  CHECK(args == expected);

  // The user's --processes comes after the launcher's, so theirs wins.
  auto [first, last] = first_and_last(args, "--processes");
  REQUIRE(first < last);
  REQUIRE(last + 1 < args.size());
  CHECK(args[first + 1] == "3");
  CHECK(args[last + 1] == "7");
  CHECK(last > first_and_last(args, "--mime-types").second);
  CHECK(args.back() == "wsgi.py");
}

TEST_CASE("server_arguments: no user arguments, other home, port and timeout", "[launch]") {
  ServerPlan plan;
  plan.home = "/srv/site";
  plan.server_root = "/run/web/mod_wsgi-heroku-0-8080";
  plan.port = "8080";
  plan.sizing = {1, 5, ""};
  plan.request_timeout = "60";
  plan.queue_timeout = "10";
  plan.newrelic_wrapper = true;

  Args expected = {
      "start-server",
      "--server-root",
      "/run/web/mod_wsgi-heroku-0-8080",
      "--log-to-terminal",
      "--port",
      "8080",
      "--processes",
      "1",
      "--threads",
      "5",
      "--trust-proxy-header",
      "X-Forwarded-Proto",
      "--request-timeout",
      "60",
      "--queue-timeout",
      "10",
      "--httpd-executable",
      "/srv/site/.whiskey/apache/bin/httpd",
      "--modules-directory",
      "/srv/site/.whiskey/apache/modules",
      "--mime-types",
      "/srv/site/.whiskey/apache/conf/mime.types",
      "--disable-reloading",
      "--keep-alive-timeout",
      "100",
      "--error-log-format",
      kErrorLogFormat,
  };
  CHECK(server_arguments(plan) == expected);

  // The user's arguments are appended as they are, in order.
  plan.user_args = {"--request-timeout=120", "--url-alias", "/static", "static", "app.py"};
  auto args = server_arguments(plan);
  REQUIRE(args.size() == expected.size() + plan.user_args.size());
  CHECK(Args(args.begin(), args.begin() + expected.size()) == expected);
  CHECK(Args(args.begin() + expected.size(), args.end()) == plan.user_args);
}

TEST_CASE("server_arguments: no reloading, unless the Procfile asks for it", "[launch]") {
  ServerPlan plan;
  plan.home = kApp;
  plan.port = "5000";
  auto count = [](const Args& args, const std::string& what) {
    return std::count(args.begin(), args.end(), what);
  };
  plan.user_args = {"wsgi.py"};
  CHECK(count(server_arguments(plan), "--disable-reloading") == 1);
  plan.user_args = {"--reload-on-changes", "wsgi.py"};
  CHECK(count(server_arguments(plan), "--disable-reloading") == 0);
  plan.user_args = {"--disable-reloading", "wsgi.py"};
  CHECK(count(server_arguments(plan), "--disable-reloading") == 1);
}

TEST_CASE("server_arguments: logs carry the router's X-Request-ID", "[launch]") {
  ServerPlan plan;
  plan.home = kApp;
  plan.port = "5000";
  auto values = [](const Args& args, const std::string& option) {
    Args out;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == option) out.push_back(args[i + 1]);
    }
    return out;
  };
  auto count = [](const Args& args, const std::string& what) {
    return std::count(args.begin(), args.end(), what);
  };
  CHECK_THAT(std::string(kErrorLogFormat), Contains("request_id=%{HTTP_X_REQUEST_ID}e"));
  CHECK_THAT(std::string(kAccessLogFormat), Contains("request_id=%{X-Request-ID}i"));

  SECTION("the error log always; no access log unless asked for") {
    plan.user_args = {"wsgi.py"};
    auto args = server_arguments(plan);
    CHECK(values(args, "--error-log-format") == Args{kErrorLogFormat});
    CHECK(count(args, "--access-log") == 0);
    CHECK(count(args, "--access-log-format") == 0);
  }
  SECTION("--access-log in the Procfile: in the format with the request's id") {
    plan.user_args = {"--access-log", "wsgi.py"};
    auto args = server_arguments(plan);
    CHECK(count(args, "--access-log") == 1);
    CHECK(values(args, "--access-log-format") == Args{kAccessLogFormat});
  }
  SECTION("WHISKEY_ACCESS_LOG_FORMAT turns it on, in that format") {
    plan.access_log_format = "%h %>s %{X-Request-ID}i";
    plan.user_args = {"wsgi.py"};
    auto args = server_arguments(plan);
    CHECK(count(args, "--access-log") == 1);
    CHECK(values(args, "--access-log-format") == Args{"%h %>s %{X-Request-ID}i"});
  }
  SECTION("the Procfile's own formats win") {
    plan.access_log_format = "%h";
    plan.user_args = {"--access-log-format", "combined", "--error-log-format", "%M", "wsgi.py"};
    auto args = server_arguments(plan);
    CHECK(values(args, "--access-log-format") == Args{"combined"});
    CHECK(values(args, "--error-log-format") == Args{"%M"});
  }
}

TEST_CASE("server_arguments: how long a kept-alive connection waits", "[launch]") {
  ServerPlan plan;
  plan.home = kApp;
  plan.port = "5000";
  auto value = [&](const Args& args) {
    auto [first, last] = first_and_last(args, "--keep-alive-timeout");
    REQUIRE(first == last);
    REQUIRE(first + 1 < args.size());
    return args[first + 1];
  };
  // Longer than the router's 90 s, so the router is the one that closes.
  plan.user_args = {"wsgi.py"};
  CHECK(value(server_arguments(plan)) == "100");
  // Embedded mode: a kept connection would hold a thread that runs Python.
  plan.user_args = {"wsgi.py", "--embedded-mode"};
  CHECK(value(server_arguments(plan)) == "0");
  // The user's own value, alone.
  plan.user_args = {"--keep-alive-timeout", "5", "wsgi.py"};
  CHECK(value(server_arguments(plan)) == "5");
  plan.user_args = {"--embedded-mode", "--keep-alive-timeout=30", "wsgi.py"};
  auto args = server_arguments(plan);
  CHECK(std::count(args.begin(), args.end(), "--keep-alive-timeout") == 0);
  CHECK(std::count(args.begin(), args.end(), "--keep-alive-timeout=30") == 1);
}

// --- library_path -----------------------------------------------------------

TEST_CASE("library_path: the app's Python and the bundle's libraries first", "[launch]") {
  const std::string ours =
      "/app/.heroku/python/lib:/app/.whiskey/apache/lib:/app/.whiskey/apr-util/lib:"
      "/app/.whiskey/apr/lib";
  CHECK(library_path(kApp, "") == ours);
  CHECK(library_path(kApp, "/usr/local/lib") == ours + ":/usr/local/lib");
  CHECK(library_path(kApp, "/a:/b") == ours + ":/a:/b");
  CHECK(library_path("/srv/site", "") ==
        "/srv/site/.heroku/python/lib:/srv/site/.whiskey/apache/lib:"
        "/srv/site/.whiskey/apr-util/lib:/srv/site/.whiskey/apr/lib");
  CHECK(library_path("/workspace", "", "/layers/whiskey/apache") ==
        "/workspace/.heroku/python/lib:/layers/whiskey/apache/apache/lib:"
        "/layers/whiskey/apache/apr-util/lib:/layers/whiskey/apache/apr/lib");
}

// --- python_executable ------------------------------------------------------

TEST_CASE("python_executable: the app's python3, then python, then python3 on PATH", "[launch]") {
  MemoryDisk both;
  both.add_file("/app/.heroku/python/bin/python3", "", true);
  both.add_file("/app/.heroku/python/bin/python", "", true);
  CHECK(python_executable(both, kApp) == "/app/.heroku/python/bin/python3");

  MemoryDisk python3;
  python3.add_file("/app/.heroku/python/bin/python3", "", true);
  CHECK(python_executable(python3, kApp) == "/app/.heroku/python/bin/python3");

  MemoryDisk python;
  python.add_file("/app/.heroku/python/bin/python", "", true);
  CHECK(python_executable(python, kApp) == "/app/.heroku/python/bin/python");

  MemoryDisk none;
  CHECK(python_executable(none, kApp) == "python3");

  // A folder is not a Python.
  MemoryDisk folder;
  folder.add_directory("/app/.heroku/python/bin/python3");
  CHECK(python_executable(folder, kApp) == "python3");

  // Another home's Python is not this one's.
  MemoryDisk other;
  other.add_file("/srv/site/.heroku/python/bin/python3", "", true);
  CHECK(python_executable(other, kApp) == "python3");
  CHECK(python_executable(other, "/srv/site") == "/srv/site/.heroku/python/bin/python3");
}

// --- kExpressMain -----------------------------------------------------------

TEST_CASE("kExpressMain: mod_wsgi.express.cli, else mod_wsgi.server", "[launch]") {
  const std::string code = kExpressMain;
  auto cli = code.find("from mod_wsgi.express.cli import main");
  auto fallback = code.find("except ImportError:");
  auto server = code.find("from mod_wsgi.server import main");
  auto argv0 = code.find("sys.argv[0] = 'mod_wsgi-express'");
  auto call = code.find("main()");
  REQUIRE(cli != std::string::npos);
  REQUIRE(fallback != std::string::npos);
  REQUIRE(server != std::string::npos);
  REQUIRE(argv0 != std::string::npos);
  REQUIRE(call != std::string::npos);
  CHECK(code.rfind("import sys\n", 0) == 0);
  CHECK(code.find("try:") < cli);
  CHECK(cli < fallback);
  CHECK(fallback < server);
  CHECK(server < argv0);
  CHECK(argv0 < call);
  CHECK(code.back() == '\n');
  CHECK(code.find('\t') == std::string::npos);
}

TEST_CASE("kExpressMain: valid Python that needs mod_wsgi", "[launch]") {
  // Only where a Python 3.6 or later is on PATH.
  if (!run_ok("python3 -c 'import sys; sys.exit(sys.version_info < (3, 6))' >/dev/null 2>&1")) {
    return;
  }
  TempDir dir;
  write_text(dir / "main.py", kExpressMain);
  write_text(dir / "check.py",
             "import sys\n"
             "compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')\n");
  CHECK(run_ok("python3 " + quoted(dir / "check.py") + " " + quoted(dir / "main.py") +
               " >/dev/null 2>&1"));

  // Running it needs mod_wsgi: without it, it fails naming the module.
  if (run_ok("python3 -c 'import mod_wsgi' >/dev/null 2>&1")) return;
  fs::path err = dir / "stderr.txt";
  bool ok = run_ok("cd " + quoted(dir.path()) + " && python3 -c \"$(cat " +
                   quoted(dir / "main.py") + ")\" >/dev/null 2>" + quoted(err));
  CHECK_FALSE(ok);
  auto text = read_text(err);
  CHECK_THAT(text, Contains("ModuleNotFoundError"));
  CHECK_THAT(text, Contains("mod_wsgi"));
}

TEST_CASE("entry_script: options that take two values, and --entry-point", "[launch]") {
  CHECK(entry_script({"--setenv", "DJANGO_SETTINGS_MODULE", "mysite.settings", "mysite/wsgi.py"}) ==
        "mysite/wsgi.py");
  CHECK(entry_script({"--url-alias", "/static", "static", "wsgi.py", "--processes", "2"}) ==
        "wsgi.py");
  CHECK(entry_script({"--entry-point", "site/app.wsgi"}) == "site/app.wsgi");
  CHECK(entry_script({"--entry-point=site/app.wsgi"}) == "site/app.wsgi");
}

TEST_CASE("server_arguments: as root, Apache's children run as another user", "[launch]") {
  ServerPlan plan;
  plan.home = "/app";
  plan.port = "5000";
  plan.run_as = std::pair<std::string, std::string>{"nobody", "nogroup"};
  plan.locale = "C.UTF-8";
  auto args = server_arguments(plan);
  auto user = std::find(args.begin(), args.end(), "--user");
  REQUIRE(user != args.end());
  CHECK(*(user + 1) == "nobody");
  CHECK(*(user + 3) == "nogroup");
  CHECK(std::find(args.begin(), args.end(), "C.UTF-8") != args.end());

  // The user's own choices are not doubled.
  plan.user_args = {"wsgi.py", "--user", "www", "--locale", "en_US.UTF-8"};
  args = server_arguments(plan);
  CHECK(std::count(args.begin(), args.end(), "--user") == 1);
  CHECK(std::count(args.begin(), args.end(), "--locale") == 1);
}

TEST_CASE("locale_plan: C.UTF-8 unless the environment names a locale this system has",
          "[launch]") {
  auto only = [](std::string name) {
    return [name](const std::string& wanted) { return wanted == name; };
  };
  // Nothing named: C.UTF-8, quietly.
  LocalePlan plan = locale_plan({}, only("en_US.UTF-8"));
  CHECK(plan.locale == "C.UTF-8");
  CHECK(plan.why.empty());
  CHECK(locale_plan({{"LANG", ""}}, only("en_US.UTF-8")).locale == "C.UTF-8");

  // One this system has: that one, as it is (mod_wsgi-express would read
  // C.UTF-8 as en_US.UTF-8).
  plan = locale_plan({{"LANG", "en_US.UTF-8"}}, only("en_US.UTF-8"));
  CHECK(plan.locale == "en_US.UTF-8");
  CHECK(plan.why.empty());
  CHECK(locale_plan({{"LANG", "C.UTF-8"}}, only("C.UTF-8")).locale == "C.UTF-8");

  // One it lacks: C.UTF-8, and the start-up log says why.
  plan = locale_plan({{"LANG", "en_US.UTF-8"}}, only("C.UTF-8"));
  CHECK(plan.locale == "C.UTF-8");
  CHECK(plan.why ==
        "LANG is en_US.UTF-8, a locale this system lacks: Apache and the app run in "
        "C.UTF-8");

  // LC_ALL, then LC_CTYPE, win over LANG.
  Vars env = {{"LANG", "en_US.UTF-8"}, {"LC_CTYPE", "de_DE.UTF-8"}};
  CHECK(locale_plan(env, only("de_DE.UTF-8")).locale == "de_DE.UTF-8");
  CHECK(locale_plan(env, only("en_US.UTF-8")).why.rfind("LC_CTYPE is de_DE.UTF-8", 0) == 0);
  env["LC_ALL"] = "fr_FR.UTF-8";
  CHECK(locale_plan(env, only("fr_FR.UTF-8")).locale == "fr_FR.UTF-8");

  // C and POSIX: C.UTF-8, quietly (mod_wsgi-express would pick
  // en_US.UTF-8, installed or not).
  CHECK(locale_plan({{"LANG", "C"}}, only("C")).locale == "C.UTF-8");
  plan = locale_plan({{"LC_ALL", "POSIX"}, {"LANG", "en_US.UTF-8"}}, only("en_US.UTF-8"));
  CHECK(plan.locale == "C.UTF-8");
  CHECK(plan.why.empty());
}

// --- stopping ------------------------------------------------------------------

TEST_CASE("stop_plan: graceful on a dyno whose Apache can, unless opted out", "[launch]") {
  Vars dyno = {{"DYNO", "web.1"}};
  StopPlan plan = stop_plan(dyno, true);
  CHECK(plan.graceful);
  CHECK(plan.timeout_s == 25);
  CHECK(plan.why == "SIGTERM stops gracefully, up to 25 s for the requests in flight");

  SECTION("off the dyno: plain Apache") {
    StopPlan off = stop_plan({}, true);
    CHECK_FALSE(off.graceful);
    CHECK_THAT(off.why, StartsWith("not on a dyno (no DYNO)"));
  }
  SECTION("opted out") {
    for (const char* no : {"0", "false", "No", "OFF"}) {
      Vars env = dyno;
      env["WHISKEY_GRACEFUL_STOP"] = no;
      StopPlan out = stop_plan(env, true);
      CHECK_FALSE(out.graceful);
      CHECK_THAT(out.why, StartsWith(std::string("WHISKEY_GRACEFUL_STOP=") + no));
    }
    Vars yes = dyno;
    yes["WHISKEY_GRACEFUL_STOP"] = "1";
    CHECK(stop_plan(yes, true).graceful);
  }
  SECTION("a bundle built before the patch") {
    StopPlan old = stop_plan(dyno, false);
    CHECK_FALSE(old.graceful);
    CHECK_THAT(old.why, Contains("predates graceful stops"));
  }
  SECTION("WHISKEY_STOP_TIMEOUT") {
    Vars env = dyno;
    env["WHISKEY_STOP_TIMEOUT"] = "10";
    CHECK(stop_plan(env, true).timeout_s == 10);
    for (const char* bad : {"0", "27", "-1", "ten", "1e3", "1000000000000"}) {
      env["WHISKEY_STOP_TIMEOUT"] = bad;
      auto e = expect_throw<LaunchError>([&] { stop_plan(env, true); });
      CHECK_THAT(std::string(e.what()), Contains("1 to 26"));
    }
  }
}

TEST_CASE("server_arguments: a graceful stop sets the daemons' shutdown timeout", "[launch]") {
  ServerPlan plan;
  plan.home = "/app";
  plan.port = "5000";
  plan.graceful_stop_s = 25;
  plan.stop_conf = "/tmp/mod_wsgi-heroku-1000-5000/graceful-stop.conf";
  auto args = server_arguments(plan);
  auto at = std::find(args.begin(), args.end(), "--shutdown-timeout");
  REQUIRE(at != args.end());
  CHECK(*(at + 1) == "25");
  auto inc = std::find(args.begin(), args.end(), "--include-file");
  REQUIRE(inc != args.end());
  CHECK(*(inc + 1) == "/tmp/mod_wsgi-heroku-1000-5000/graceful-stop.conf");
  CHECK(stop_conf_text(25).ends_with("\nGracefulShutdownTimeout 25\n"));

  SECTION("the user's own shutdown timeout wins") {
    plan.user_args = {"wsgi.py", "--shutdown-timeout", "9"};
    auto theirs = server_arguments(plan);
    CHECK(std::count(theirs.begin(), theirs.end(), "--shutdown-timeout") == 1);
    CHECK(theirs.back() == "9");
  }
  SECTION("plain Apache gets neither") {
    plan.graceful_stop_s = 0;
    auto plain = server_arguments(plan);
    CHECK(std::count(plain.begin(), plain.end(), "--shutdown-timeout") == 0);
    CHECK(std::count(plain.begin(), plain.end(), "--include-file") == 0);
  }
}

// --- the front in daemon mode ------------------------------------------------

TEST_CASE("front_threads: two per daemon thread, 256 to 1024", "[launch]") {
  CHECK(front_threads(2, 5) == 256);
  CHECK(front_threads(1, 1) == 256);
  CHECK(front_threads(0, 0) == 256);
  CHECK(front_threads(10, 5) == 256);
  CHECK(front_threads(20, 10) == 400);
  CHECK(front_threads(16, 16) == 512);
  CHECK(front_threads(100, 100) == 1024);
  CHECK(front_threads(999999, 999999) == 1024);
}

TEST_CASE("front_conf_text: one process of that many threads, none spare", "[launch]") {
  auto text = front_conf_text(64);
  CHECK_THAT(text, Contains("<IfModule mpm_event_module>\nServerLimit 1\nStartServers 1\n"));
  for (const char* line : {"ThreadLimit 64\n", "ThreadsPerChild 64\n", "MaxRequestWorkers 64\n",
                           "MinSpareThreads 1\n", "MaxSpareThreads 64\n"}) {
    CHECK_THAT(text, Contains(line));
  }
  CHECK(text.ends_with("</IfModule>\n"));
}

TEST_CASE("front_size: front_threads() of the daemons, or none", "[launch]") {
  Sizing sizing;
  sizing.processes = 2;
  sizing.threads = 5;

  CHECK(front_size({"wsgi.py"}, sizing) == 256);
  SECTION("the daemons the Procfile asks for") {
    CHECK(front_size({"wsgi.py", "--processes", "16", "--threads=10"}, sizing) == 320);
  }
  SECTION("from the sizing") {
    sizing.processes = 15;
    sizing.threads = 20;
    CHECK(front_size({"wsgi.py"}, sizing) == 600);
  }
  SECTION("none in embedded mode, where the front runs the app") {
    CHECK_FALSE(front_size({"wsgi.py", "--embedded-mode"}, sizing));
  }
  SECTION("none when the Procfile sizes the front itself") {
    CHECK_FALSE(front_size({"wsgi.py", "--max-clients", "30"}, sizing));
    CHECK_FALSE(front_size({"wsgi.py", "--max-clients=30"}, sizing));
  }
  SECTION("none for daemons that are not numbers (mod_wsgi-express says so)") {
    CHECK_FALSE(front_size({"wsgi.py", "--threads", "many"}, sizing));
    CHECK_FALSE(front_size({"wsgi.py", "--processes="}, sizing));
  }
}

TEST_CASE("server_arguments: the front's file, before the stop's and the user's", "[launch]") {
  ServerPlan plan;
  plan.home = "/app";
  plan.port = "5000";
  plan.user_args = {"wsgi.py", "--include-file", "mine.conf"};
  plan.front_conf = "/tmp/mod_wsgi-heroku-1000-5000/front.conf";
  plan.graceful_stop_s = 25;
  plan.stop_conf = "/tmp/mod_wsgi-heroku-1000-5000/graceful-stop.conf";
  auto args = server_arguments(plan);
  std::vector<std::string> included;
  for (auto it = args.begin(); it != args.end(); ++it) {
    if (*it == "--include-file" && it + 1 != args.end()) included.push_back(*(it + 1));
  }
  CHECK(included == Args{"/tmp/mod_wsgi-heroku-1000-5000/front.conf",
                         "/tmp/mod_wsgi-heroku-1000-5000/graceful-stop.conf", "mine.conf"});

  plan.front_conf.clear();
  auto without = server_arguments(plan);
  CHECK(std::count(without.begin(), without.end(), "/tmp/mod_wsgi-heroku-1000-5000/front.conf") ==
        0);
}

TEST_CASE("server_arguments: the daemons' backlog holds every front thread", "[launch]") {
  ServerPlan plan;
  plan.home = "/app";
  plan.port = "5000";
  plan.user_args = {"wsgi.py"};
  plan.front_conf = "/tmp/mod_wsgi-heroku-1000-5000/front.conf";
  auto backlog = [&] {
    auto args = server_arguments(plan);
    auto at = std::find(args.begin(), args.end(), "--daemon-backlog");
    return at == args.end() || at + 1 == args.end() ? std::string("none") : *(at + 1);
  };
  plan.front_threads = 64;
  CHECK(backlog() == "100");  // never below mod_wsgi-express's own
  plan.front_threads = 640;
  CHECK(backlog() == "640");
  SECTION("the Procfile's wins") {
    plan.user_args = {"wsgi.py", "--daemon-backlog", "50"};
    auto args = server_arguments(plan);
    CHECK(std::count(args.begin(), args.end(), "--daemon-backlog") == 1);
  }
  SECTION("mod_wsgi-express's front keeps its backlog") {
    plan.front_conf.clear();
    CHECK(backlog() == "none");
  }
}

// --- launch_paths, hook_environment, launch_environment ----------------------

TEST_CASE("launch_paths: the app is WHISKEY_APP_DIR, else HOME, else /app", "[launch]") {
  LaunchPaths at = launch_paths({{"HOME", "/home/me"}});
  CHECK(at.home == "/home/me");
  CHECK(at.bundle == "/home/me/.whiskey");
  CHECK(launch_paths({}).home == "/app");
  CHECK(launch_paths({}).bundle == "/app/.whiskey");
  // An empty variable counts as unset.
  CHECK(launch_paths({{"HOME", ""}, {"WHISKEY_APP_DIR", ""}}).home == "/app");

  at = launch_paths({{"HOME", "/home/cnb"},
                     {"WHISKEY_APP_DIR", "/workspace"},
                     {"WHISKEY_BUNDLE_DIR", "/layers/whiskey/apache"}});
  CHECK(at.home == "/workspace");
  CHECK(at.bundle == "/layers/whiskey/apache");
  CHECK(launch_paths({{"WHISKEY_APP_DIR", "/workspace"}, {"WHISKEY_BUNDLE_DIR", ""}}).bundle ==
        "/workspace/.whiskey");
}

TEST_CASE("hook_environment: the WHISKEY_* variables, then the user's", "[launch]") {
  const LaunchPaths at{"/app", "/layers/whiskey/apache"};
  const Vars env = {{"HOME", "/app"}, {"GREETING", "from the dyno"}, {"WHISKEY_RUNTIME", "old"}};
  const Vars vars = {{"GREETING", "hello"}, {"DATABASE", "db"}};
  Vars expected = {{"HOME", "/app"},
                   {"GREETING", "hello"},
                   {"DATABASE", "db"},
                   {"WHISKEY_RUNTIME", "heroku"},
                   {"WHISKEY_HOMEDIR", "/app"},
                   {"WHISKEY_BINDIR", "/layers/whiskey/apache/bin"},
                   {"WHISKEY_ENVDIR", "/app/.whiskey/user_vars"}};
  CHECK(hook_environment(env, at, vars, vars) == expected);

  SECTION("a user variable wins over the WHISKEY_* ones") {
    Vars mine = {{"WHISKEY_BINDIR", "/mine"}};
    CHECK(hook_environment(env, at, mine, mine).at("WHISKEY_BINDIR") == "/mine");
  }
  SECTION("what deploy-env removed is unset, even when the dyno had set it") {
    Vars after = {{"DATABASE", "db2"}, {"ADDED", "new"}};
    Vars out = hook_environment(env, at, vars, after);
    CHECK(out.count("GREETING") == 0);
    CHECK(out.at("DATABASE") == "db2");
    CHECK(out.at("ADDED") == "new");
    CHECK(out.at("HOME") == "/app");
  }
  SECTION("names that cannot be variables are left out") {
    Vars odd = {{"A=B", "x"}, {"", "y"}, {"OK", "z"}};
    Vars out = hook_environment({{"", "from environ"}}, at, odd, odd);
    CHECK(out.count("A=B") == 0);
    CHECK(out.count("") == 0);
    CHECK(out.at("OK") == "z");
  }
}

TEST_CASE("launch_environment: the bundle's programs and libraries, then the app's Python",
          "[launch]") {
  const LaunchPaths at{"/app", "/app/.whiskey"};
  const std::string libs =
      "/app/.heroku/python/lib:/app/.whiskey/apache/lib:/app/.whiskey/apr-util/lib:"
      "/app/.whiskey/apr/lib";
  const std::string bins = "/app/.whiskey/bin:/app/.whiskey/apache/bin:/app/.heroku/python/bin";

  Vars out = launch_environment({{"PATH", "/usr/local/bin:/usr/bin"}}, at, {}, {});
  CHECK(out.at("PATH") == bins + ":/usr/local/bin:/usr/bin");
  CHECK(out.at("LD_LIBRARY_PATH") == libs);
  CHECK(out.at("WHISKEY_RUNTIME") == "heroku");

  // No PATH, or an empty one: the system's.
  CHECK(launch_environment({}, at, {}, {}).at("PATH") == bins + ":/usr/bin:/bin");
  CHECK(launch_environment({{"PATH", ""}}, at, {}, {}).at("PATH") == bins + ":/usr/bin:/bin");
  // The dyno's LD_LIBRARY_PATH, or the user's, comes after.
  CHECK(launch_environment({{"LD_LIBRARY_PATH", "/opt/lib"}}, at, {}, {}).at("LD_LIBRARY_PATH") ==
        libs + ":/opt/lib");
  Vars vars = {{"LD_LIBRARY_PATH", "/mine/lib"}, {"PATH", "/mine/bin"}};
  out = launch_environment({{"LD_LIBRARY_PATH", "/opt/lib"}}, at, vars, vars);
  CHECK(out.at("LD_LIBRARY_PATH") == libs + ":/mine/lib");
  CHECK(out.at("PATH") == bins + ":/mine/bin");

  // A Cloud Native build's layer.
  out = launch_environment({}, {"/workspace", "/layers/whiskey/apache"}, {}, {});
  CHECK(out.at("PATH") ==
        "/layers/whiskey/apache/bin:/layers/whiskey/apache/apache/bin:"
        "/workspace/.heroku/python/bin:/usr/bin:/bin");
  CHECK(
      out.at("LD_LIBRARY_PATH").rfind("/workspace/.heroku/python/lib:/layers/whiskey/apache/", 0) ==
      0);
  CHECK(out.at("WHISKEY_BINDIR") == "/layers/whiskey/apache/bin");
}

TEST_CASE("newrelic_configured: a licence key or a configuration file", "[launch]") {
  CHECK(newrelic_configured({{"NEW_RELIC_LICENSE_KEY", "abc"}}));
  CHECK(newrelic_configured({{"NEW_RELIC_CONFIG_FILE", "newrelic.ini"}}));
  CHECK_FALSE(newrelic_configured({}));
  CHECK_FALSE(newrelic_configured({{"NEW_RELIC_LICENSE_KEY", ""}, {"NEW_RELIC_APP_NAME", "x"}}));
}

TEST_CASE("newrelic_wrapper_text: the agent, then the user's script, its callable wrapped",
          "[launch]") {
  CHECK(newrelic_wrapper_text("/app/wsgi.py", "wsgi.py", "application") ==
        "# Written by mod_wsgi-heroku-start: New Relic around wsgi.py\n"
        "import runpy\n"
        "import newrelic.agent\n"
        "newrelic.agent.initialize()\n"
        "_script = runpy.run_path('/app/wsgi.py', run_name='_mod_wsgi_heroku_app')\n"
        "application = newrelic.agent.WSGIApplicationWrapper(_script['application'])\n");
  // Quotes and backslashes in the path stay in the literal.
  CHECK_THAT(newrelic_wrapper_text("/app/it's\\here.py", "x", "app"),
             Contains("run_path('/app/it\\'s\\\\here.py',"));
}

// --- plan_launch --------------------------------------------------------------

namespace {

/// A web start of wsgi.py in /app on port 5000, on a dyno of 512 MiB and 4
/// CPUs whose Apache stops gracefully, everything in place.
LaunchInputs web_start() {
  LaunchInputs in;
  in.args = {"wsgi.py"};
  in.env = {{"HOME", "/app"}, {"PORT", "5000"}, {"PATH", "/usr/bin:/bin"}, {"DYNO", "web.1"}};
  in.facts.uid = 1000;
  in.facts.cpus = 4;
  in.facts.memory = 512 * kMiB;
  in.facts.cwd = "/app";
  in.facts.python = "/app/.heroku/python/bin/python3";
  in.facts.script_exists = true;
  in.facts.graceful_sigterm = true;
  in.facts.request_body_buffering = true;
  in.facts.locale_installed = [](const std::string& name) { return name == "en_US.UTF-8"; };
  return in;
}

/// The message of the LaunchError planning `in` throws.
std::string planning_error(const LaunchInputs& in) {
  return expect_throw<LaunchError>([&] { plan_launch(in); }).what();
}

/// The value after the last `option` in `args`, or "<none>".
std::string last_value(const Args& args, const std::string& option) {
  auto last = first_and_last(args, option).second;
  return last + 1 < args.size() ? args[last + 1] : "<none>";
}

bool contains(const Args& args, const std::string& value) {
  return std::find(args.begin(), args.end(), value) != args.end();
}

}  // namespace

TEST_CASE("plan_launch: WHISKEY_ACCESS_LOG_FORMAT turns the access log on in that format",
          "[launch]") {
  LaunchInputs in = web_start();
  in.env["WHISKEY_ACCESS_LOG_FORMAT"] = "%h %{X-Request-ID}i";
  LaunchPlan plan = plan_launch(in);
  CHECK(contains(plan.argv, "--access-log"));
  CHECK(last_value(plan.argv, "--access-log-format") == "%h %{X-Request-ID}i");
}

TEST_CASE("plan_launch: on a dyno, Apache sized to it and supervised for graceful stops",
          "[launch]") {
  LaunchPlan plan = plan_launch(web_start());
  const std::string root = "/tmp/mod_wsgi-heroku-1000-5000";
  Args expected =
      joined({"/app/.heroku/python/bin/python3", "-c", kExpressMain},
             joined(express_defaults("2", "5"),
                    {"--disable-reloading", "--keep-alive-timeout", "100", "--error-log-format",
                     kErrorLogFormat, "--locale", "C.UTF-8", "--include-file", root + "/front.conf",
                     "--daemon-backlog", "256", "--include-file", root + "/request-body.conf",
                     "--shutdown-timeout", "25", "--include-file", root + "/graceful-stop.conf",
                     "wsgi.py"}));
  CHECK(plan.argv == expected);

  Vars env = {
      {"HOME", "/app"},
      {"PORT", "5000"},
      {"DYNO", "web.1"},
      {"PATH", "/app/.whiskey/bin:/app/.whiskey/apache/bin:/app/.heroku/python/bin:/usr/bin:/bin"},
      {"LD_LIBRARY_PATH",
       "/app/.heroku/python/lib:/app/.whiskey/apache/lib:/app/.whiskey/apr-util/lib:"
       "/app/.whiskey/apr/lib"},
      {"WHISKEY_RUNTIME", "heroku"},
      {"WHISKEY_HOMEDIR", "/app"},
      {"WHISKEY_BINDIR", "/app/.whiskey/bin"},
      {"WHISKEY_ENVDIR", "/app/.whiskey/user_vars"},
      {"WHISKEY_GRACEFUL_SIGTERM", "1"}};
  CHECK(plan.env == env);

  REQUIRE(plan.supervise);
  CHECK(plan.supervise->graceful_timeout_s == 25);
  CHECK(plan.supervise->stop_deadline_s == 27);
  CHECK(plan.server_root == root);
  REQUIRE(plan.files.size() == 3);
  CHECK(plan.files[0].path == root + "/front.conf");
  CHECK(plan.files[0].text == front_conf_text(256));
  CHECK(plan.files[1].path == root + "/request-body.conf");
  CHECK(plan.files[1].text == request_body_conf_text());
  CHECK(plan.files[2].path == root + "/graceful-stop.conf");
  CHECK(plan.files[2].text == stop_conf_text(25));
  CHECK_FALSE(plan.run_as);
  CHECK(plan.warnings.empty());
  CHECK(plan.lines ==
        Args{"Apache on port 5000, 2 processes of 5 threads (the dyno's 512 MiB and 4 CPUs)",
             "SIGTERM stops gracefully, up to 25 s for the requests in flight"});
}

TEST_CASE("plan_launch: plain Apache, exec'd, off a dyno or when it cannot stop gracefully",
          "[launch]") {
  LaunchInputs in = web_start();
  std::string why;
  SECTION("off a dyno") {
    in.env.erase("DYNO");
    why = "not on a dyno (no DYNO): SIGTERM stops Apache at once, as plain Apache does";
  }
  SECTION("opted out") {
    in.env["WHISKEY_GRACEFUL_STOP"] = "Off";
    why = "WHISKEY_GRACEFUL_STOP=Off: SIGTERM stops Apache at once, as plain Apache does";
  }
  SECTION("an Apache without the patch") {
    in.facts.graceful_sigterm = false;
    why =
        "this bundle's Apache predates graceful stops (rebuild it with this buildpack's recipe): "
        "SIGTERM stops it at once";
  }
  LaunchPlan plan = plan_launch(in);
  CHECK_FALSE(plan.supervise);
  CHECK(plan.env.count("WHISKEY_GRACEFUL_SIGTERM") == 0);
  CHECK_FALSE(contains(plan.argv, "--shutdown-timeout"));
  CHECK(last_value(plan.argv, "--include-file") ==
        "/tmp/mod_wsgi-heroku-1000-5000/request-body.conf");
  REQUIRE(plan.files.size() == 2);
  CHECK(plan.files[0].path == "/tmp/mod_wsgi-heroku-1000-5000/front.conf");
  REQUIRE(plan.lines.size() == 2);
  CHECK(plan.lines[1] == why);
}

TEST_CASE("plan_launch: the build's static site becomes an include file", "[launch]") {
  LaunchInputs in = web_start();
  in.facts.static_site = StaticSite{"/static/", "staticfiles", "project.settings"};
  in.facts.static_root_exists = true;
  LaunchPlan plan = plan_launch(in);
  const fs::path conf = "/tmp/mod_wsgi-heroku-1000-5000/static-files.conf";
  auto file = std::find_if(plan.files.begin(), plan.files.end(),
                           [&](const PlannedFile& f) { return f.path == conf; });
  REQUIRE(file != plan.files.end());
  CHECK_THAT(file->text, Contains("Alias \"/static/\" \"/app/staticfiles/\""));
  auto include = std::find(plan.argv.begin(), plan.argv.end(), conf.string());
  REQUIRE(include != plan.argv.begin());
  CHECK(*(include - 1) == "--include-file");
  CHECK(std::find(include, plan.argv.end(), "wsgi.py") != plan.argv.end());  // theirs last

  in.facts.static_site.reset();
  in.facts.static_site_error = "cannot be read: it is not a JSON object";
  plan = plan_launch(in);
  CHECK(std::none_of(plan.files.begin(), plan.files.end(),
                     [&](const PlannedFile& f) { return f.path == conf; }));
  REQUIRE(plan.warnings.size() == 1);
  CHECK_THAT(plan.warnings[0], Contains(".whiskey/static-files.json cannot be read"));
}

TEST_CASE("body_plan: request bodies read whole in daemon mode, unless turned off or impossible",
          "[launch]") {
  BodyPlan on = body_plan({}, {"wsgi.py"}, true);
  CHECK(on.buffer);
  CHECK(on.why.empty());
  CHECK(body_plan({{"WHISKEY_BUFFER_REQUEST_BODY", "yes"}}, {}, true).buffer);
  for (const char* off : {"off", "0", "FALSE", "no"}) {
    BodyPlan p = body_plan({{"WHISKEY_BUFFER_REQUEST_BODY", off}}, {}, true);
    CHECK_FALSE(p.buffer);
    CHECK(p.why == "WHISKEY_BUFFER_REQUEST_BODY=" + std::string(off) +
                       ": request bodies are streamed to the app as they arrive");
  }
  BodyPlan old = body_plan({}, {}, false);
  CHECK_FALSE(old.buffer);
  CHECK_THAT(old.why, Contains("predates request body buffering"));
  // Embedded mode: the thread reading the body runs the app anyway.
  BodyPlan embedded = body_plan({}, {"wsgi.py", "--embedded-mode"}, true);
  CHECK_FALSE(embedded.buffer);
  CHECK(embedded.why.empty());
  CHECK_THROWS_WITH(body_plan({{"WHISKEY_BUFFER_REQUEST_BODY", "later"}}, {}, true),
                    Contains("set it to off to stream request bodies"));
  CHECK_THAT(request_body_conf_text(), Contains("\nBufferRequestBody On\n"));
  CHECK_THAT(request_body_conf_text(),
             Contains("LoadModule buffer_module '${MOD_WSGI_MODULES_DIRECTORY}/mod_buffer.so'"));
}

TEST_CASE("plan_launch: WHISKEY_STOP_TIMEOUT sets the stop's time and its deadline", "[launch]") {
  LaunchInputs in = web_start();
  in.env["WHISKEY_STOP_TIMEOUT"] = "10";
  LaunchPlan plan = plan_launch(in);
  REQUIRE(plan.supervise);
  CHECK(plan.supervise->graceful_timeout_s == 10);
  CHECK(plan.supervise->stop_deadline_s == 12);
  CHECK(last_value(plan.argv, "--shutdown-timeout") == "10");
  CHECK(plan.files.back().text == stop_conf_text(10));
  CHECK(plan.lines[1] == "SIGTERM stops gracefully, up to 10 s for the requests in flight");

  in.env["WHISKEY_STOP_TIMEOUT"] = "40";
  CHECK_THAT(planning_error(in), StartsWith("WHISKEY_STOP_TIMEOUT is '40': "));
}

TEST_CASE("plan_launch: what the user must change, one error at a time", "[launch]") {
  LaunchInputs in = web_start();
  SECTION("no PORT comes first") {
    in.env.erase("PORT");
    in.facts.script_exists = false;
    in.facts.mod_wsgi_error = "ModuleNotFoundError: No module named 'mod_wsgi'";
    CHECK(planning_error(in) ==
          "PORT is not set: Heroku sets it for web dynos; locally, run with PORT=5000");
    in.env["PORT"] = "";
    CHECK_THAT(planning_error(in), StartsWith("PORT is not set"));
  }
  SECTION("a PORT that is not a port") {
    in.env["PORT"] = "http";
    CHECK_THAT(planning_error(in), StartsWith("PORT is 'http': "));
  }
  SECTION("a WSGI script that is not there") {
    in.args = {"nope.py", "--processes", "2"};
    in.facts.script_exists = false;
    in.facts.mod_wsgi_error = "ModuleNotFoundError: No module named 'mod_wsgi'";
    CHECK(planning_error(in) ==
          "the WSGI script 'nope.py' does not exist in /app; name your script in the Procfile: "
          "web: mod_wsgi-heroku-start myapp/wsgi.py");
  }
  SECTION("a module names no script: nothing to find") {
    in.args = {"--application-type", "module", "site.wsgi"};
    in.facts.script_exists = false;
    CHECK_NOTHROW(plan_launch(in));
  }
  SECTION("a Python without mod_wsgi, before the sizing") {
    in.facts.mod_wsgi_error = "ModuleNotFoundError: No module named 'mod_wsgi'";
    in.env["MOD_WSGI_PROCESSES"] = "many";
    CHECK(planning_error(in) ==
          "Python (/app/.heroku/python/bin/python3) cannot load mod_wsgi: ModuleNotFoundError: No "
          "module named 'mod_wsgi'; add mod_wsgi to requirements.txt, or put heroku/python before "
          "this buildpack");
  }
  SECTION("a sizing that is not a number") {
    in.env["MOD_WSGI_PROCESSES"] = "many";
    CHECK(planning_error(in) ==
          "MOD_WSGI_PROCESSES is 'many': set it to a whole number of at least 1");
  }
}

TEST_CASE("plan_launch: the start-up line says what Apache runs and why", "[launch]") {
  LaunchInputs in = web_start();
  SECTION("one of each, from the environment") {
    in.env["MOD_WSGI_PROCESSES"] = "1";
    in.env["MOD_WSGI_THREADS"] = "1";
    CHECK(plan_launch(in).lines[0] ==
          "Apache on port 5000, 1 process of 1 thread (MOD_WSGI_PROCESSES, MOD_WSGI_THREADS)");
  }
  SECTION("the Procfile's own, which win") {
    in.args = {"wsgi.py", "--processes", "3", "--threads=4"};
    in.env["WEB_CONCURRENCY"] = "6";
    LaunchPlan plan = plan_launch(in);
    CHECK(plan.lines[0] ==
          "Apache on port 5000, 3 processes of 4 threads (the Procfile's arguments)");
    CHECK(last_value(plan.argv, "--processes") == "3");
    CHECK(plan.argv.back() == "--threads=4");
    // The front is sized for them: 2 * 3 * 4 threads, at least 256.
    CHECK(plan.files[0].text == front_conf_text(256));
  }
  SECTION("embedded mode: no front of the launcher's") {
    in.args = {"wsgi.py", "--embedded-mode"};
    LaunchPlan plan = plan_launch(in);
    CHECK(plan.lines[0] ==
          "Apache on port 5000, 2 processes of 5 threads (the dyno's 512 MiB and 4 CPUs), in "
          "embedded mode");
    CHECK(last_value(plan.argv, "--keep-alive-timeout") == "0");
    REQUIRE(plan.files.size() == 1);
    CHECK(plan.files[0].path.filename() == "graceful-stop.conf");
    CHECK_FALSE(contains(plan.argv, "--daemon-backlog"));
  }
  SECTION("no memory limit known") {
    in.facts.memory = std::nullopt;
    in.facts.cpus = 1;
    CHECK(plan_launch(in).lines[0] == "Apache on port 5000, 3 processes of 5 threads (1 CPUs)");
  }
}

TEST_CASE("plan_launch: the locale, and a line when the environment's is missing", "[launch]") {
  LaunchInputs in = web_start();
  in.env["LANG"] = "en_US.UTF-8";
  LaunchPlan plan = plan_launch(in);
  CHECK(last_value(plan.argv, "--locale") == "en_US.UTF-8");
  CHECK(plan.lines.size() == 2);

  in.env["LANG"] = "xx_XX.UTF-8";
  plan = plan_launch(in);
  CHECK(last_value(plan.argv, "--locale") == "C.UTF-8");
  REQUIRE(plan.lines.size() == 3);
  CHECK(plan.lines[2] ==
        "LANG is xx_XX.UTF-8, a locale this system lacks: Apache and the app run in C.UTF-8");

  // The Procfile's own --locale: no line, and no --locale of the launcher's.
  in.args = {"wsgi.py", "--locale", "de_DE.UTF-8"};
  plan = plan_launch(in);
  CHECK(plan.lines.size() == 2);
  CHECK(std::count(plan.argv.begin(), plan.argv.end(), "--locale") == 1);
  CHECK(last_value(plan.argv, "--locale") == "de_DE.UTF-8");
}

TEST_CASE("plan_launch: the timeouts, TMPDIR and the user", "[launch]") {
  LaunchInputs in = web_start();
  in.env["MOD_WSGI_REQUEST_TIMEOUT"] = "60";
  in.env["MOD_WSGI_QUEUE_TIMEOUT"] = "";
  in.env["TMPDIR"] = "/var/run/web";
  in.env["PORT"] = "8080";
  in.facts.uid = 1234;
  LaunchPlan plan = plan_launch(in);
  CHECK(last_value(plan.argv, "--request-timeout") == "60");
  CHECK(last_value(plan.argv, "--queue-timeout") == "30");
  CHECK(plan.server_root == "/var/run/web/mod_wsgi-heroku-1234-8080");
  CHECK(last_value(plan.argv, "--server-root") == "/var/run/web/mod_wsgi-heroku-1234-8080");
  CHECK(last_value(plan.argv, "--port") == "8080");
  CHECK(plan.files[0].path == "/var/run/web/mod_wsgi-heroku-1234-8080/front.conf");
  CHECK_THAT(plan.lines[0], StartsWith("Apache on port 8080, "));
}

TEST_CASE("plan_launch: as root, Apache's children drop to nobody", "[launch]") {
  LaunchInputs in = web_start();
  in.facts.uid = 0;
  in.facts.nogroup = true;
  LaunchPlan plan = plan_launch(in);
  REQUIRE(plan.run_as);
  CHECK(*plan.run_as == std::pair<std::string, std::string>{"nobody", "nogroup"});
  CHECK(last_value(plan.argv, "--user") == "nobody");
  CHECK(last_value(plan.argv, "--group") == "nogroup");
  CHECK(plan.server_root == "/tmp/mod_wsgi-heroku-0-5000");

  in.facts.nogroup = false;
  plan = plan_launch(in);
  CHECK(*plan.run_as == std::pair<std::string, std::string>{"nobody", "nobody"});
  CHECK(last_value(plan.argv, "--group") == "nobody");

  // The Procfile's own user.
  in.args = {"wsgi.py", "--user", "www"};
  plan = plan_launch(in);
  CHECK_FALSE(plan.run_as);
  CHECK(std::count(plan.argv.begin(), plan.argv.end(), "--user") == 1);
  CHECK_FALSE(contains(plan.argv, "--group"));
}

TEST_CASE("plan_launch: New Relic wraps the app's script when it can", "[launch]") {
  LaunchInputs in = web_start();
  in.env["NEW_RELIC_LICENSE_KEY"] = "0123";
  in.facts.newrelic_importable = true;
  const fs::path wrapper = "/tmp/mod_wsgi-heroku-1000-5000/newrelic-wrapper.wsgi";

  SECTION("wrapped") {
    in.args = {"--processes", "2", "wsgi.py", "--callable-object", "app"};
    LaunchPlan plan = plan_launch(in);
    REQUIRE(plan.files.size() == 4);
    CHECK(plan.files[0].path == wrapper);
    CHECK(plan.files[0].text == newrelic_wrapper_text("/app/wsgi.py", "wsgi.py", "app"));
    // The wrapper is served where the script was named.
    CHECK(Args(plan.argv.end() - 5, plan.argv.end()) ==
          Args{"--processes", "2", wrapper.string(), "--callable-object", "app"});
    CHECK_FALSE(contains(plan.argv, "wsgi.py"));
    CHECK_THAT(plan.lines[0], Contains("(the Procfile's arguments), with New Relic"));
    CHECK(plan.warnings.empty());
  }
  SECTION("with a configuration file instead of a key") {
    in.env.erase("NEW_RELIC_LICENSE_KEY");
    in.env["NEW_RELIC_CONFIG_FILE"] = "newrelic.ini";
    LaunchPlan plan = plan_launch(in);
    CHECK(plan.files[0].path == wrapper);
    CHECK(plan.files[0].text == newrelic_wrapper_text("/app/wsgi.py", "wsgi.py", "application"));
    CHECK(plan.argv.back() == wrapper.string());
  }
  SECTION("the script's path made absolute from the working folder") {
    in.env["HOME"] = "site";
    in.facts.cwd = "/srv/site";
    CHECK_THAT(plan_launch(in).files[0].text, Contains("run_path('/srv/site/site/wsgi.py',"));
    in.args = {"/opt/app/wsgi.py"};
    CHECK_THAT(plan_launch(in).files[0].text, Contains("run_path('/opt/app/wsgi.py',"));
  }
  SECTION("not installed: a warning, and the app as it is") {
    in.facts.newrelic_importable = false;
    LaunchPlan plan = plan_launch(in);
    CHECK(plan.warnings ==
          Args{"New Relic is configured, but the newrelic package is not installed (add newrelic "
               "to requirements.txt); starting without the agent"});
    CHECK(plan.argv.back() == "wsgi.py");
    CHECK(plan.files.size() == 3);
    CHECK_THAT(plan.lines[0], !Contains("New Relic"));
  }
  SECTION("an app that is not a script: a warning") {
    in.args = {"--application-type", "module", "site.wsgi"};
    LaunchPlan plan = plan_launch(in);
    CHECK(plan.warnings ==
          Args{"New Relic is configured, but the app is not served from a script; starting "
               "without the agent"});
    CHECK(plan.argv.back() == "site.wsgi");
    CHECK(plan.files.size() == 3);
  }
  SECTION("not configured: nothing said") {
    in.env.erase("NEW_RELIC_LICENSE_KEY");
    LaunchPlan plan = plan_launch(in);
    CHECK(plan.warnings.empty());
    CHECK(plan.files.size() == 3);
    CHECK(plan.argv.back() == "wsgi.py");
  }
}

TEST_CASE("plan_launch: .whiskey/user_vars, as deploy-env left them, decide too", "[launch]") {
  LaunchInputs in = web_start();
  in.env.erase("PORT");
  in.user_vars_before = {{"PORT", "6000"}, {"WEB_CONCURRENCY", "7"}};
  in.user_vars = {{"PORT", "6000"}, {"MOD_WSGI_THREADS", "2"}};
  LaunchPlan plan = plan_launch(in);
  CHECK(last_value(plan.argv, "--port") == "6000");
  // WEB_CONCURRENCY was removed: the dyno's memory sizes the server.
  CHECK(plan.lines[0] ==
        "Apache on port 6000, 2 processes of 2 threads (the dyno's 512 MiB and 4 CPUs, "
        "MOD_WSGI_THREADS)");
  CHECK(plan.env.count("WEB_CONCURRENCY") == 0);
  CHECK(plan.env.at("MOD_WSGI_THREADS") == "2");
  CHECK(plan.env.at("PORT") == "6000");
}

TEST_CASE("plan_launch: a Cloud Native app and its bundle's layer", "[launch]") {
  LaunchInputs in = web_start();
  in.env["WHISKEY_APP_DIR"] = "/workspace";
  in.env["WHISKEY_BUNDLE_DIR"] = "/layers/whiskey/apache";
  in.facts.python = "python3";
  LaunchPlan plan = plan_launch(in);
  CHECK(plan.argv[0] == "python3");
  CHECK(last_value(plan.argv, "--httpd-executable") == "/layers/whiskey/apache/apache/bin/httpd");
  CHECK(plan.env.at("WHISKEY_HOMEDIR") == "/workspace");
  CHECK(plan.env.at("WHISKEY_BINDIR") == "/layers/whiskey/apache/bin");
  CHECK_THAT(plan.env.at("PATH"), StartsWith("/layers/whiskey/apache/bin:"));
}

TEST_CASE("plan_launch: the shell, in the web process's environment", "[launch]") {
  LaunchInputs in;
  in.shell = true;
  in.args = {"-c", "echo $WHISKEY_RUNTIME"};
  in.env = {{"HOME", "/app"}, {"SHELL", "/bin/zsh"}, {"PATH", "/usr/bin:/bin"}};
  in.user_vars_before = in.user_vars = {{"GREETING", "hello"}};
  // No PORT, no facts: neither matters to a shell.
  LaunchPlan plan = plan_launch(in);
  CHECK(plan.argv == Args{"/bin/zsh", "-c", "echo $WHISKEY_RUNTIME"});
  CHECK(plan.env == launch_environment(in.env, launch_paths(in.env), in.user_vars, in.user_vars));
  CHECK(plan.env.at("GREETING") == "hello");
  CHECK_FALSE(plan.supervise);
  CHECK(plan.server_root.empty());
  CHECK(plan.files.empty());
  CHECK(plan.lines.empty());
  CHECK(plan.warnings.empty());

  SECTION("bash when SHELL names no shell, or is unset") {
    in.env["SHELL"] = "/usr/bin/python3";
    CHECK(plan_launch(in).argv[0] == "bash");
    in.env.erase("SHELL");
    CHECK(plan_launch(in).argv[0] == "bash");
    in.user_vars["SHELL"] = "/bin/dash";
    CHECK(plan_launch(in).argv[0] == "/bin/dash");
  }
}
