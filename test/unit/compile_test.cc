#include "compile.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app.h"
#include "errors.h"
#include "fakes.h"
#include "manifest.h"
#include "memory_disk.h"
#include "profile.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
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
  FakeRunner runner;
  std::ostringstream out;
  std::ostringstream err;
  Output output{out, err};
  Vars vars = {
      {"STACK", "heroku-24"}, {"WHISKEY_URL", kUrl}, {"WHISKEY_SHA256", sha256_hex(bundle())}};

  Build() {
    fs::create_directories(app);
    fs::create_directories(buildpack);
    write_text(root / "mod_wsgi-heroku-start", "the launcher\n");
    // The Python buildpack after this one builds mod_wsgi from it.
    write_text(app / "requirements.txt", "mod_wsgi\n");
    // One chunk that takes two seconds.
    http.add(kUrl, {.body = bundle(), .chunk = 1 << 20, .seconds_per_chunk = 2.0});
  }

  void run() {
    CompileArgs args{.build_dir = app,
                     .cache_dir = root / "cache",
                     .env_dir = root / "env",
                     .buildpack_dir = buildpack,
                     .launcher = root / "mod_wsgi-heroku-start",
                     .vars = vars};
    Services services{disk, http, clock, output, runner};
    compile(args, services);
  }

  UserMessage run_failing() {
    return expect_message<Failure>([&] { run(); });
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
         (verified ? "Verified" : "Not verified:") + " sha256:" + sha256_hex(bundle()) + "\n" +
         (verified ? "       Kept the bundle in the build cache\n"
                   : "       Not kept in the build cache: without a digest it cannot be checked "
                     "next time\n") +
         "       Installed .whiskey/apache, .whiskey/apr, .whiskey/bin (" +
         std::to_string(bundle_entries().size()) + " entries, " + human_bytes(kUnpackedBytes) +
         ")\n";
}

const std::string kEnvironmentLines =
    "-----> Installing mod_wsgi-heroku-start\n"
    "       Installed .whiskey/bin/mod_wsgi-heroku-start and mod_wsgi-heroku-shell\n"
    "-----> Building mod_wsgi against this Apache\n"
    "       requirements.txt names mod_wsgi: the Python buildpack after this one builds it,\n"
    "       with APXS from this buildpack's export\n"
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
                 " !       heroku config:set WHISKEY_SHA256=$(sha256sum BUNDLE.tar.zst | cut -d' ' "
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
    CHECK(e.headline == "The heroku-20 stack is no longer supported");
    CHECK(b.out.str().empty());
    CHECK(b.http.requests.empty());
  }
  SECTION("a malformed variable") {
    b.vars["WHISKEY_SHA256"] = "abc";
    auto e = b.run_failing();
    CHECK(e.headline == "Invalid WHISKEY_SHA256 value");
    CHECK(b.out.str().empty());
  }
  SECTION("no bundle configured, and the buildpack lacks the recipe to build one") {
    b.vars.erase("WHISKEY_URL");
    auto e = b.run_failing();
    CHECK(e.headline == "The buildpack's Apache recipe is missing or broken");
    CHECK_THAT(e.what_happened, Contains("vendor/apache/sources.txt is missing."));
    CHECK(b.http.requests.empty());
  }
  SECTION("the bundle is not found") {
    b.http.add(kUrl, {.status = 404});
    auto e = b.run_failing();
    CHECK(e.headline == "The Apache bundle was not found");
    CHECK(b.out.str() == header_lines());
  }
  SECTION("the digest does not match") {
    b.vars["WHISKEY_SHA256"] = sha256_hex("another bundle");
    auto e = b.run_failing();
    CHECK(e.headline == "The Apache bundle failed verification");
  }
  CHECK(b.err.str().empty());
  CHECK(snapshot_tree(b.app) == before);
  CHECK_FALSE(fs::exists(b.buildpack / "export"));
}

TEST_CASE("compile: installs the launcher and the shell beside it", "[compile]") {
  Build b;
  write_text(b.app / "wsgi.py", "");
  b.run();
  fs::path bin = b.app / ".whiskey/bin";
  CHECK(read_text(bin / "mod_wsgi-heroku-start") == "the launcher\n");
  CHECK((fs::status(bin / "mod_wsgi-heroku-start").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);
  CHECK(fs::read_symlink(bin / "mod_wsgi-heroku-shell") == "mod_wsgi-heroku-start");
}

TEST_CASE("compile: without Python or a dependency naming mod_wsgi, says how to order",
          "[compile]") {
  Build b;
  fs::remove(b.app / "requirements.txt");
  write_text(b.app / "wsgi.py", "");
  auto e = b.run_failing();
  CHECK(e.headline == "No Python to build mod_wsgi with");
  CHECK_THAT(e.what_to_do, Contains("heroku buildpacks:add --index 1 heroku/python"));
  CHECK(b.runner.calls.empty());
}

TEST_CASE("compile: with heroku/python first, builds mod_wsgi once, then reuses the wheel",
          "[compile]") {
  Build b;
  fs::remove(b.app / "requirements.txt");
  write_text(b.app / "wsgi.py", "");
  write_text(b.app / ".heroku/python/bin/python3", "");
  std::string python = (b.app / ".heroku/python/bin/python3").string();
  b.runner.answers = {
      {"apxs_config", {.status = 1, .output = "No module named 'mod_wsgi'\n"}},
      {"platform.python_version", {.output = "3.12.7  x86_64\n"}},
      {"pip wheel",
       {.effect =
            [](const std::vector<std::string>& argv) {
              auto dir = std::find(argv.begin(), argv.end(), "--wheel-dir");
              write_text(fs::path(*(dir + 1)) / "mod_wsgi-6.1.1-cp312-cp312-linux_x86_64.whl", "w");
            }}},
  };

  b.run();

  CHECK_THAT(b.out.str(), Contains("-----> Building mod_wsgi against this Apache\n"
                                   "       Python 3.12.7 at .heroku/python, mod_wsgi 6.1.1\n"
                                   "       Built the mod_wsgi wheel in "));
  CHECK_THAT(b.out.str(), Contains("; kept in the build cache\n"
                                   "       Installed mod_wsgi 6.1.1 into .heroku/python\n"));
  auto pip_wheel = std::find_if(b.runner.calls.begin(), b.runner.calls.end(),
                                [](const auto& c) { return c.size() > 3 && c[3] == "wheel"; });
  REQUIRE(pip_wheel != b.runner.calls.end());
  CHECK(pip_wheel->front() == python);
  CHECK(pip_wheel->back() == "mod_wsgi==6.1.1");
  auto env = b.runner.envs[static_cast<std::size_t>(pip_wheel - b.runner.calls.begin())];
  CHECK(env.at("APXS") == (b.app / ".whiskey/apache/bin/apxs").string());
  CHECK(b.runner.calls.back()[3] == "install");
  CHECK_THAT(b.runner.calls.back().back(), EndsWith("mod_wsgi-6.1.1-cp312-cp312-linux_x86_64.whl"));

  // The next build (a new build folder, the same cache) builds nothing.
  Build again;
  fs::remove(again.app / "requirements.txt");
  write_text(again.app / "wsgi.py", "");
  write_text(again.app / ".heroku/python/bin/python3", "");
  again.runner.answers = b.runner.answers;
  fs::copy(b.root / "cache", again.root / "cache", fs::copy_options::recursive);
  again.run();
  CHECK_THAT(again.out.str(), Contains("       Reusing the mod_wsgi wheel from the build cache\n"
                                       "       Installed mod_wsgi 6.1.1 into .heroku/python\n"));
  CHECK(std::none_of(again.runner.calls.begin(), again.runner.calls.end(),
                     [](const auto& c) { return c.size() > 3 && c[3] == "wheel"; }));

  // A cached wheel whose bytes changed is discarded and built again.
  Build third;
  fs::remove(third.app / "requirements.txt");
  write_text(third.app / "wsgi.py", "");
  write_text(third.app / ".heroku/python/bin/python3", "");
  third.runner.answers = b.runner.answers;
  fs::copy(b.root / "cache", third.root / "cache", fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(third.root / "cache/mod_wsgi-wheels")) {
    if (e.path().extension() == ".whl") write_text(e.path(), "damaged");
  }
  third.run();
  CHECK_THAT(third.out.str(), Contains("       Discarded the cached mod_wsgi wheel: its SHA-256 is "
                                       "now sha256:"));
  CHECK_THAT(third.out.str(), Contains("; building it again\n"
                                       "       Built the mod_wsgi wheel in "));
  CHECK(std::count_if(third.runner.calls.begin(), third.runner.calls.end(),
                      [](const auto& c) { return c.size() > 3 && c[3] == "wheel"; }) == 1);
}

TEST_CASE("compile: MOD_WSGI_VERSION, and a failed build shows pip's output", "[compile]") {
  Build b;
  fs::remove(b.app / "requirements.txt");
  write_text(b.app / "wsgi.py", "");
  write_text(b.app / ".heroku/python/bin/python3", "");
  b.vars["MOD_WSGI_VERSION"] = "5.0.2";
  b.runner.answers = {
      {"apxs_config", {.status = 1}},
      {"pip wheel", {.status = 1, .output = "error: command 'gcc' failed\n"}},
  };
  auto e = b.run_failing();
  CHECK(e.headline == "mod_wsgi 5.0.2 could not be built");
  CHECK_THAT(e.details, Contains("error: command 'gcc' failed"));
  CHECK(names_starting_with(b.root / "cache/mod_wsgi-wheels", "").empty());
}

TEST_CASE("compile: mod_wsgi already built against a .whiskey Apache is kept", "[compile]") {
  Build b;
  fs::remove(b.app / "requirements.txt");
  write_text(b.app / "wsgi.py", "");
  write_text(b.app / ".heroku/python/bin/python3", "");
  b.runner.answers = {{"apxs_config", {.output = "/tmp/build_1/.whiskey/apache/bin\n"}}};
  b.run();
  CHECK_THAT(
      b.out.str(),
      Contains("mod_wsgi is already installed in .heroku/python, built against this Apache"));
  CHECK(b.runner.calls.size() == 1);
}

TEST_CASE("compile: runs the app's executable build hook last", "[compile]") {
  Build b;
  write_text(b.app / "wsgi.py", "");
  write_text(b.app / ".whiskey/action_hooks/build", "#!/bin/sh\n");
  fs::permissions(b.app / ".whiskey/action_hooks/build", fs::perms(0755));
  b.run();
  CHECK_THAT(b.out.str(), EndsWith("-----> Running .whiskey/action_hooks/build\n"));
  REQUIRE_FALSE(b.runner.calls.empty());
  CHECK(b.runner.calls.back().back() == (b.app / ".whiskey/action_hooks/build").string());
  CHECK(b.runner.envs.back().at("WHISKEY_HOMEDIR") == b.app.string());

  b.runner.answers = {{"action_hooks/build", {.status = 3}}};
  auto e = b.run_failing();
  CHECK(e.headline == "The build action hook failed");
}

TEST_CASE("compile: mod_wsgi named in requirements/*.txt is left to the Python buildpack",
          "[compile]") {
  Build b;
  fs::remove(b.app / "requirements.txt");
  write_text(b.app / "requirements/base.txt", "Django\nmod_wsgi==6.1.1\n");
  write_text(b.app / "wsgi.py", "");
  b.run();
  CHECK_THAT(b.out.str(), Contains("       requirements/base.txt names mod_wsgi: the Python "
                                   "buildpack after this one builds it,\n"));
  CHECK(b.err.str().empty());
}

TEST_CASE("build_target: a Cloud Native platform's target wins over STACK", "[compile]") {
  MemoryDisk disk;
  disk.add_file("/etc/os-release", "ID=debian\nVERSION_ID=12\n");
  SECTION("the run image's distribution and architecture") {
    Target t = build_target({{"STACK", "heroku-22"},
                             {"CNB_TARGET_OS", "linux"},
                             {"CNB_TARGET_ARCH", "arm64"},
                             {"CNB_TARGET_DISTRO_NAME", "ubuntu"},
                             {"CNB_TARGET_DISTRO_VERSION", "26.04"}},
                            disk);
    CHECK(t.stack == "heroku-26");
    CHECK(t.arch == "arm64");
  }
  SECTION("a target without its distribution: STACK, then this machine") {
    CHECK(build_target({{"STACK", "heroku-24"}, {"CNB_TARGET_ARCH", "amd64"}}, disk).stack ==
          "heroku-24");
    Target t = build_target({{"CNB_TARGET_ARCH", "amd64"}}, disk);
    CHECK(t.stack == "debian-12");
    CHECK(t.arch == "amd64");
  }
  SECTION("a distribution this buildpack does not build for") {
    auto e = expect_message<Failure>([&] {
      build_target({{"CNB_TARGET_DISTRO_NAME", "alpine"}, {"CNB_TARGET_DISTRO_VERSION", "3.20"}},
                   disk);
    });
    CHECK(e.headline == "The stack 'alpine-3.20' is not recognised");
  }
  SECTION("an OS other than Linux") {
    auto e = expect_message<Failure>([&] { build_target({{"CNB_TARGET_OS", "windows"}}, disk); });
    CHECK(e.headline == "The run image is not Linux");
    CHECK_THAT(e.what_happened, Contains("'windows'"));
  }
}

TEST_CASE("compile: the bundle's bill of materials is checked against the manifest's digest",
          "[compile]") {
  const std::string sbom = "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\"}\n";
  std::vector<TarEntry> entries = bundle_entries();
  entries.push_back(File(".whiskey/apache/sbom.cdx.json", sbom));
  const std::string bytes = make_tar_gz(entries);
  const std::string bucket = "https://b.s3.us-east-1.amazonaws.com/";
  auto manifest = [&](const std::string& sbom_sha256) {
    nlohmann::json entry = {{"key", kName},
                            {"stack", "heroku-24"},
                            {"arch", machine_arch()},
                            {"apache", "2.4.68"},
                            {"size", bytes.size()},
                            {"sha256", sha256_hex(bytes)},
                            {"sbom_sha256", sbom_sha256}};
    return nlohmann::json{{"schema", 1}, {"bundles", {entry}}}.dump();
  };
  Build b;
  b.vars = {{"STACK", "heroku-24"}, {"WHISKEY_BUCKET", "b"}};
  b.http.add(bucket + kName, {.body = bytes});

  SECTION("the same digest: installed, and the log says where the document is") {
    b.http.add(bucket + "manifest.json", {.body = manifest(sha256_hex(sbom))});
    b.run();
    CHECK(read_text(b.app / ".whiskey/apache/sbom.cdx.json") == sbom);
    CHECK_THAT(b.out.str(), Contains("       Its bill of materials is the published one: sha256:" +
                                     sha256_hex(sbom) + "\n"));
    CHECK_THAT(b.out.str(), Contains("       Bill of materials: .whiskey/apache/sbom.cdx.json\n"));
  }
  SECTION("another digest: refused, nothing installed") {
    const std::string other = std::string(64, 'e');
    b.http.add(bucket + "manifest.json", {.body = manifest(other)});
    UserMessage e = b.run_failing();
    CHECK(e.headline == "The Apache bundle's bill of materials is not the published one");
    CHECK_THAT(e.what_happened, Contains("expected: " + other));
    CHECK_THAT(e.what_happened, Contains("actual:   " + sha256_hex(sbom)));
    CHECK_THAT(e.what_to_do, Contains("Publish it again"));
    CHECK_FALSE(fs::exists(b.app / ".whiskey"));
  }
  SECTION("a bundle without one, where the manifest records one: refused") {
    b.http.add(bucket + kName, {.body = bundle()});
    nlohmann::json m = nlohmann::json::parse(manifest(sha256_hex(sbom)));
    m["bundles"][0]["size"] = bundle().size();
    m["bundles"][0]["sha256"] = sha256_hex(bundle());
    b.http.add(bucket + "manifest.json", {.body = m.dump()});
    UserMessage e = b.run_failing();
    CHECK(e.headline == "The Apache bundle's bill of materials is not the published one");
    CHECK_THAT(e.what_happened, Contains("has no .whiskey/apache/sbom.cdx.json"));
    CHECK_FALSE(fs::exists(b.app / ".whiskey"));
  }
}
