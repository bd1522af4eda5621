#include "compile.h"

#include <catch2/catch.hpp>
#include <sstream>

#include "app.h"
#include "errors.h"
#include "fakes.h"
#include "manifest.h"
#include "profile.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kName = "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz";
const std::string kUrl = "https://bundles.example.com/" + kName;

const std::vector<TarEntry>& bundle_entries() {
  static const std::vector<TarEntry> entries = {
      Dir(".whiskey/"),
      Dir(".whiskey/apache/"),
      File(".whiskey/apache/bin/httpd", "httpd\n", 0755),
      File(".whiskey/apache/bin/apxs", "#!/usr/bin/perl\n", 0755),
      File(".whiskey/apache/lib/libexpat.so.1", noise(3000, 9)),
      File(".whiskey/apr/lib/libapr-1.so.0", noise(2000, 8)),
      File(".whiskey/bin/mod_wsgi-heroku-start", "#!/bin/sh\n", 0755),
  };
  return entries;
}
constexpr std::uint64_t kUnpackedBytes = 6 + 16 + 3000 + 2000 + 10;

const std::string& bundle() {
  static const std::string bytes = make_tar_gz(bundle_entries());
  return bytes;
}

std::string sha256_hex(const std::string& bytes) {
  Sha256 h;
  h.update(std::span<const char>(bytes));
  return h.finish().hex();
}

/// A build as Heroku runs it: an app folder (whose name needs quoting in a
/// shell), the buildpack's folder, the fake server and clock.
struct Build {
  TempDir root;
  fs::path app = root / "app's dir";
  fs::path buildpack = root / "buildpack";
  FakeClock clock;
  FakeHttpClient http{&clock};
  RealDisk disk;
  std::ostringstream out;
  std::ostringstream err;
  Output output{out, err};
  Vars vars = {
      {"STACK", "heroku-24"}, {"WHISKEY_URL", kUrl}, {"WHISKEY_SHA256", sha256_hex(bundle())}};

  Build() {
    fs::create_directories(app);
    fs::create_directories(buildpack);
    // One chunk that takes two seconds.
    http.add(kUrl, {.body = bundle(), .chunk = 1 << 20, .seconds_per_chunk = 2.0});
  }

  void run() {
    CompileArgs args{.build_dir = app,
                     .cache_dir = root / "cache",
                     .env_dir = root / "env",
                     .buildpack_dir = buildpack,
                     .vars = vars};
    Services services{disk, http, clock, output};
    compile(args, services);
  }

  UserError run_failing() {
    return expect_throw<UserError>([&] { run(); });
  }
};

/// The first lines of the install step, up to the source.
std::string header_lines() {
  return "-----> Installing Apache from " + kName + "\n       Stack: heroku-24 (" + machine_arch() +
         ")\n       Source: " + kUrl + ", chosen by WHISKEY_URL\n";
}

std::string install_lines(bool verified) {
  const std::uint64_t size = bundle().size();
  return header_lines() +
         "       The bundle has no apache/whiskey-bundle.json: nothing to relocate\n"
         "       Downloaded " +
         human_bytes(size) + " in 2.0 s (" + human_bytes(size / 2) + "/s)\n       " +
         (verified ? "Verified" : "Not verified:") + " sha256:" + sha256_hex(bundle()) +
         "\n       Installed .whiskey/apache, .whiskey/apr, .whiskey/bin (" +
         std::to_string(bundle_entries().size()) + " entries, " + human_bytes(kUnpackedBytes) +
         ")\n";
}

const std::string kEnvironmentLines =
    "-----> Setting up the environment\n"
    "       Wrote .profile.d/whiskey.sh, and export for the buildpacks after this one\n";

const std::vector<std::string> kLibs = {".whiskey/apache/lib", ".whiskey/apr/lib"};

}  // namespace

TEST_CASE("compile: a verified install of an app with wsgi.py and no Procfile", "[compile]") {
  Build b;
  write_text(b.app / "wsgi.py", "def application(environ, start_response): ...\n");
  write_text(b.app / "requirements.txt", "mod_wsgi==5.0.0\n");

  b.run();

  CHECK(b.out.str() == install_lines(true) + kEnvironmentLines +
                           "-----> Setting up the web process\n"
                           "       Wrote Procfile: web: mod_wsgi-heroku-start wsgi.py\n");
  CHECK(b.err.str().empty());
  CHECK(b.http.requests == std::vector<std::string>{kUrl});

  CHECK(read_text(b.app / "Procfile") == "web: mod_wsgi-heroku-start wsgi.py\n");
  CHECK(read_text(b.app / ".whiskey/apache/bin/httpd") == "httpd\n");
  CHECK(read_text(b.app / ".profile.d/whiskey.sh") == profile_script(kLibs));
  CHECK_THAT(read_text(b.app / ".profile.d/whiskey.sh"),
             Contains("$HOME/.whiskey/apache/lib:$HOME/.whiskey/apr/lib"));
  // export goes to the buildpack's folder, with this build's absolute paths.
  CHECK(read_text(b.buildpack / "export") == export_script(b.app, kLibs, true));
  CHECK_THAT(read_text(b.buildpack / "export"),
             Contains("export APXS='" + b.root.path().string() +
                      "/app'\\''s dir/.whiskey/apache/bin/apxs'\n"));
  CHECK_FALSE(fs::exists(b.app / "export"));
  CHECK(names_starting_with(b.app, ".whiskey.partial-").empty());
}

TEST_CASE("compile: a Procfile with a web process is left alone", "[compile]") {
  Build b;
  const std::string procfile = "web: mod_wsgi-heroku-start src/site.wsgi --processes 2\nworker: x";
  write_text(b.app / "Procfile", procfile);
  write_text(b.app / "wsgi.py", "");

  b.run();

  CHECK(b.out.str() == install_lines(true) + kEnvironmentLines +
                           "-----> Setting up the web process\n"
                           "       The Procfile declares the web process\n");
  CHECK(b.err.str().empty());
  CHECK(read_text(b.app / "Procfile") == procfile);
}

TEST_CASE("compile: a Procfile without a web process gets one", "[compile]") {
  Build b;
  write_text(b.app / "Procfile", "worker: python worker.py");
  write_text(b.app / "mysite/wsgi.py", "");
  write_text(b.app / "manage.py",
             "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')");

  b.run();

  CHECK_THAT(b.out.str(), Contains("-----> Setting up the web process\n"
                                   "       Wrote Procfile: web: mod_wsgi-heroku-start "
                                   "mysite/wsgi.py\n"));
  CHECK(read_text(b.app / "Procfile") ==
        "worker: python worker.py\nweb: mod_wsgi-heroku-start mysite/wsgi.py\n");
  CHECK(b.err.str().empty());
}

TEST_CASE("compile: no WSGI script is a warning, not a failure", "[compile]") {
  Build b;
  write_text(b.app / "requirements.txt", "mod_wsgi\n");

  b.run();

  CHECK(b.out.str() == install_lines(true) + kEnvironmentLines +
                           "-----> Setting up the web process\n"
                           "\n"
                           " !     Warning: No WSGI script found\n"
                           " !\n"
                           " !     The app has no Procfile web process, and none of wsgi.py, "
                           "app.py or a\n"
                           " !     Django project's <project>/wsgi.py, so no web process was set "
                           "up.\n"
                           " !     Add a Procfile naming your WSGI script, for example:\n"
                           " !       web: mod_wsgi-heroku-start myapp/wsgi.py\n"
                           "\n");
  CHECK(b.err.str().empty());
  CHECK_FALSE(fs::exists(b.app / "Procfile"));
  CHECK(fs::exists(b.buildpack / "export"));
}

TEST_CASE("compile: without WHISKEY_SHA256, warns and keeps the app's .whiskey files",
          "[compile]") {
  Build b;
  b.vars.erase("WHISKEY_SHA256");
  write_text(b.app / "app.py", "");
  write_text(b.app / ".whiskey/user_vars/GREETING", "hi");
  write_text(b.app / ".whiskey/action_hooks/pre-start", "#!/bin/sh\n");

  b.run();

  std::string install = install_lines(false);
  install.insert(header_lines().size(),
                 "\n"
                 " !     Warning: The Apache bundle will not be verified\n"
                 " !\n"
                 " !     WHISKEY_SHA256 is not set, so nothing checks that the bundle downloaded\n"
                 " !     is the one you published. Set its SHA-256 digest:\n"
                 " !       heroku config:set WHISKEY_SHA256=$(sha256sum BUNDLE.tar.gz | cut -d' ' "
                 "-f1)\n"
                 "\n");
  CHECK(b.out.str() == install +
                           "       Kept the app's own .whiskey/action_hooks, .whiskey/user_vars\n" +
                           kEnvironmentLines +
                           "-----> Setting up the web process\n"
                           "       Wrote Procfile: web: mod_wsgi-heroku-start app.py\n");
  CHECK(b.err.str().empty());
  CHECK(read_text(b.app / ".whiskey/user_vars/GREETING") == "hi");
}

TEST_CASE("compile: a long download reports its progress", "[compile]") {
  Build b;
  write_text(b.app / "wsgi.py", "");
  const std::uint64_t size = bundle().size();
  REQUIRE(size > 9 * 512);
  b.http.add(kUrl,
             {.body = bundle(), .content_length = size, .chunk = 512, .seconds_per_chunk = 2.0});

  b.run();

  // Every five seconds or so: after 1.5 KiB (6 s), 3 KiB (12 s), 4.5 KiB (18 s).
  auto line = [&](const std::string& bytes, std::uint64_t n) {
    return "\n       Downloading: " + bytes + " of " + human_bytes(size) + " (" +
           std::to_string(n * 100 / size) + "%), 256 B/s\n";
  };
  CHECK_THAT(b.out.str(), Contains(header_lines() + line("1.5 KiB", 1536).substr(1) +
                                   "       Downloading: 3.0 KiB"));
  CHECK_THAT(b.out.str(), Contains(line("3.0 KiB", 3072) + "       Downloading: 4.5 KiB"));
  CHECK_THAT(b.out.str(), Contains(line("4.5 KiB", 4608)));
  CHECK_THAT(b.out.str(), !Contains("Downloading: 1.0 KiB") && !Contains("Downloading: 2.0 KiB"));
  CHECK_THAT(b.out.str(), Contains("       Downloaded " + human_bytes(size) + " in " +
                                   std::to_string((size + 511) / 512 * 2) + ".0 s ("));
  CHECK(b.err.str().empty());
}

TEST_CASE("compile: failures throw before anything is written", "[compile]") {
  Build b;
  write_text(b.app / "wsgi.py", "");
  write_text(b.app / ".whiskey/user_vars/A", "1");
  auto before = snapshot_tree(b.app);

  SECTION("an end-of-life stack") {
    b.vars["STACK"] = "heroku-20";
    auto e = b.run_failing();
    CHECK(e.headline() == "The heroku-20 stack is no longer supported");
    CHECK(b.out.str().empty());
    CHECK(b.http.requests.empty());
  }
  SECTION("a malformed variable") {
    b.vars["WHISKEY_SHA256"] = "abc";
    auto e = b.run_failing();
    CHECK(e.headline() == "Invalid WHISKEY_SHA256 value");
    CHECK(b.out.str().empty());
  }
  SECTION("no bundle configured") {
    b.vars.erase("WHISKEY_URL");
    auto e = b.run_failing();
    CHECK(e.headline() == "No Apache bundle is configured");
    CHECK(b.http.requests.empty());
  }
  SECTION("the bundle is not found") {
    b.http.add(kUrl, {.status = 404});
    auto e = b.run_failing();
    CHECK(e.headline() == "The Apache bundle was not found");
    CHECK(b.out.str() == header_lines());
  }
  SECTION("the digest does not match") {
    b.vars["WHISKEY_SHA256"] = sha256_hex("another bundle");
    auto e = b.run_failing();
    CHECK(e.headline() == "The Apache bundle failed verification");
  }
  CHECK(b.err.str().empty());
  CHECK(snapshot_tree(b.app) == before);
  CHECK_FALSE(fs::exists(b.buildpack / "export"));
}
