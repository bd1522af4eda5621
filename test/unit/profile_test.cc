#include "profile.h"

#include <stdio.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "fakes.h"
#include "memory_disk.h"

using namespace whiskey;
using whiskey::testing::TempDir;
using whiskey::testing::write_text;

namespace {

/// What `sh` prints running `script` after sourcing `file`, with HOME=/app,
/// a known PATH and no LD_LIBRARY_PATH.
std::string source_and_run(const std::filesystem::path& file, const std::string& script) {
  std::string command = "env -i HOME=/app PATH=/usr/bin:/bin sh -c " +
                        shell_quote(". \"$0\"; " + script) + " " + shell_quote(file.string());
  FILE* p = ::popen(command.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = ::pclose(p);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

}  // namespace

TEST_CASE("bundle_library_dirs: every .whiskey/<name>/lib folder, in name order", "[profile]") {
  MemoryDisk disk;
  CHECK(bundle_library_dirs(disk, "/app").empty());

  disk.add_file("/app/.whiskey/apr/lib/libapr-1.so.0", "");
  disk.add_file("/app/.whiskey/apache/lib/libexpat.so.1", "");
  disk.add_directory("/app/.whiskey/zlib/lib");
  disk.add_file("/app/.whiskey/bin/mod_wsgi-heroku-start", "", true);
  disk.add_file("/app/.whiskey/odd/lib", "a file, not a folder");
  disk.add_file("/app/.whiskey/README", "");
  disk.add_file("/app/.whiskey/apache/modules/lib/x.so", "");  // too deep
  disk.add_file("/app/other/lib/x.so", "");

  CHECK(bundle_library_dirs(disk, "/app") ==
        std::vector<std::string>{".whiskey/apache/lib", ".whiskey/apr/lib", ".whiskey/zlib/lib"});
}

TEST_CASE("profile_script", "[profile]") {
  CHECK(profile_script({}) ==
        "# Written by the mod_wsgi-heroku buildpack.\n"
        "export PATH=\"$HOME/.whiskey/bin:$HOME/.whiskey/apache/bin:$PATH\"\n");
  CHECK(profile_script({".whiskey/apache/lib", ".whiskey/apr/lib"}) ==
        "# Written by the mod_wsgi-heroku buildpack.\n"
        "export PATH=\"$HOME/.whiskey/bin:$HOME/.whiskey/apache/bin:$PATH\"\n"
        "export LD_LIBRARY_PATH=\"$HOME/.whiskey/apache/lib:$HOME/.whiskey/apr/lib"
        "${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n");
}

TEST_CASE("profile_script: what a shell makes of it", "[profile]") {
  TempDir dir;
  write_text(dir / "whiskey.sh", profile_script({".whiskey/apache/lib"}));
  CHECK(source_and_run(dir / "whiskey.sh", "printf '%s\\n%s\\n' \"$PATH\" \"$LD_LIBRARY_PATH\"") ==
        "/app/.whiskey/bin:/app/.whiskey/apache/bin:/usr/bin:/bin\n"
        "/app/.whiskey/apache/lib\n");
}

TEST_CASE("shell_quote", "[profile]") {
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("plain") == "'plain'");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("$HOME `x` \"y\"") == "'$HOME `x` \"y\"'");
}

TEST_CASE("export_script: absolute paths, quoted, APXS only with apxs", "[profile]") {
  const std::filesystem::path build = "/srv/build_1";
  CHECK(export_script(build, {}, false) ==
        "export PATH='/srv/build_1/.whiskey/bin:/srv/build_1/.whiskey/apache/bin'\":$PATH\"\n");
  CHECK(export_script(build, {".whiskey/apache/lib"}, true) ==
        "export PATH='/srv/build_1/.whiskey/bin:/srv/build_1/.whiskey/apache/bin'\":$PATH\"\n"
        "export LD_LIBRARY_PATH='/srv/build_1/.whiskey/apache/lib'"
        "\"${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n"
        "export APXS='/srv/build_1/.whiskey/apache/bin/apxs'\n");
  CHECK(export_script(build, {".whiskey/apache/lib"}, false).find("APXS") == std::string::npos);
}

TEST_CASE("export_script: a build folder with a quote and a space", "[profile]") {
  TempDir dir;
  const std::filesystem::path build = dir / "it's a dir";
  const std::string b = build.string();
  const std::string q = dir.path().string() + "/it'\\''s a dir";  // as quoted

  std::string script = export_script(build, {".whiskey/apache/lib", ".whiskey/apr/lib"}, true);
  CHECK(script == "export PATH='" + q + "/.whiskey/bin:" + q + "/.whiskey/apache/bin'\":$PATH\"\n" +
                      "export LD_LIBRARY_PATH='" + q + "/.whiskey/apache/lib:" + q +
                      "/.whiskey/apr/lib'\"${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n" +
                      "export APXS='" + q + "/.whiskey/apache/bin/apxs'\n");

  // A shell reads back exactly the paths.
  write_text(dir / "export", script);
  CHECK(source_and_run(dir / "export",
                       "printf '%s\\n%s\\n%s\\n' \"$PATH\" \"$LD_LIBRARY_PATH\" "
                       "\"$APXS\"") == b + "/.whiskey/bin:" + b +
                                           "/.whiskey/apache/bin:/usr/bin:/bin\n" + b +
                                           "/.whiskey/apache/lib:" + b + "/.whiskey/apr/lib\n" + b +
                                           "/.whiskey/apache/bin/apxs\n");
}
