#include "apache_build.h"

#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "archive_file.h"
#include "bundle_cache.h"
#include "compress.h"
#include "fakes.h"
#include "memory_disk.h"
#include "messages.h"
#include "recipe.h"
#include "tarball.h"
#include "unpack.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {

std::string sha256_hex(const std::string& bytes) {
  Sha256 h;
  h.update(std::span<const char>(bytes));
  return h.finish().hex();
}

/// A source archive as upstream packs it: NAME-VERSION/ with a configure.
std::string source_archive(const std::string& folder) {
  return make_tar_gz({Dir(folder + "/"), File(folder + "/configure", "#!/bin/sh\n", 0755),
                      File(folder + "/README", noise(500, 3))});
}

const std::string kApr = source_archive("apr-1.7.2");
const std::string kAprUtil = source_archive("apr-util-1.6.3");
const std::string kHttpd = source_archive("httpd-2.4.68");
const std::string kAprUrl = "https://archive.apache.org/dist/apr/apr-1.7.2.tar.gz";
const std::string kAprUtilUrl = "https://archive.apache.org/dist/apr/apr-util-1.6.3.tar.gz";
const std::string kHttpdUrl = "https://archive.apache.org/dist/httpd/httpd-2.4.68.tar.gz";

std::string sources_txt() {
  return "# name version file sha256 url\n"
         "apr      1.7.2  apr-1.7.2.tar.gz      " +
         sha256_hex(kApr) + "  " + kAprUrl + "\n" + "apr-util 1.6.3  apr-util-1.6.3.tar.gz " +
         sha256_hex(kAprUtil) + "  " + kAprUtilUrl + "\n" +
         "httpd    2.4.68 httpd-2.4.68.tar.gz   " + sha256_hex(kHttpd) + "  " + kHttpdUrl + "\n";
}

/// The machine: the real disk, except for the headers the build looks for.
class BuildDisk : public RealDisk {
 public:
  std::set<std::string> headers = {"/usr/include/expat.h", "/usr/include/openssl/ssl.h"};
  bool is_file(const fs::path& path) const override {
    if (path.string().starts_with("/usr/include/")) return headers.count(path.string()) > 0;
    return RealDisk::is_file(path);
  }
};

/// The value after `flag` in `argv`.
std::string arg_after(const std::vector<std::string>& argv, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) return argv[i + 1];
  }
  return "";
}

struct Build {
  TempDir root;
  fs::path recipe_dir = root / "buildpack/vendor/apache";
  fs::path tools = root / "tools";
  fs::path cache = root / "cache/whiskey-apache-build";
  FakeClock clock;
  FakeHttpClient http{&clock};
  BuildDisk disk;
  FakeRunner runner;
  std::ostringstream out;
  std::ostringstream err;
  Output output{out, err};
  Vars vars;
  Target target{"heroku-24", "amd64"};

  Build() {
    write_text(recipe_dir / "sources.txt", sources_txt());
    write_text(recipe_dir / "build-tree.sh", "# the steps\n");
    write_text(recipe_dir / "patches/httpd-fix.patch", "--- a\n+++ b\n");
    for (const char* tool : {"cc", "make", "patch", "strip", "patchelf", "pcre2-config"}) {
      write_text(tools / tool, "#!/bin/sh\n");
      fs::permissions(tools / tool, fs::perms::owner_exec, fs::perm_options::add);
    }
    vars["PATH"] = tools.string();
    http.add(kAprUrl, {.body = kApr});
    http.add(kAprUtilUrl, {.body = kAprUtil});
    http.add(kHttpdUrl, {.body = kHttpd});
    // The recipe's steps: each unpacked source is there; they make the tree.
    runner.answers.push_back(
        {"build-tree.sh",
         {.status = 0,
          .output = "-----> Building APR 1.7.2\nchecking for gcc... gcc\n"
                    "-----> Building httpd 2.4.68\nmake[1]: done\n",
          .effect =
              [](const std::vector<std::string>& argv) {
                fs::path sources = arg_after(argv, "--sources");
                for (const char* f : {"apr-1.7.2", "apr-util-1.6.3", "httpd-2.4.68"}) {
                  REQUIRE(fs::is_regular_file(sources / f / "configure"));
                }
                fs::path prefix = arg_after(argv, "--prefix");
                write_text(prefix / "apache/bin/httpd", "httpd at " + prefix.string() + "\n");
                write_text(prefix / "apache/whiskey-bundle.json",
                           "{\"schema\": 1, \"stack\": \"heroku-24\", \"arch\": \"amd64\", "
                           "\"apache\": \"2.4.68\", \"prefix\": \"" +
                               prefix.string() + "\", \"prefix_capacity\": " +
                               std::to_string(prefix.string().size()) + "}\n");
                fs::create_directories(prefix / "apr/lib");
                fs::create_symlink("libapr-1.so.0.7.2", prefix / "apr/lib/libapr-1.so.0");
                write_text(prefix / "apr/lib/libapr-1.so.0.7.2", noise(4000, 5));
              },
          .ticks = {10, 20}}});
  }

  Recipe recipe() { return load_recipe(disk, recipe_dir); }

  Resolved run() {
    Services services{disk, http, clock, output, runner};
    return build_apache_step(recipe(), target, vars, cache, services);
  }

  UserMessage run_failing() {
    return expect_message<ApacheBuildError>([&] { run(); });
  }

  /// What the cache holds, by name.
  std::vector<std::string> cached() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec)) {
      names.push_back(it->path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

}  // namespace

TEST_CASE("recipe: sources.txt read, and one digest over the recipe", "[apache_build]") {
  Build b;
  Recipe r = b.recipe();
  REQUIRE(r.sources.size() == 3);
  CHECK(r.sources[0].name == "apr");
  CHECK(r.sources[0].folder() == "apr-1.7.2");
  CHECK(r.sources[2].url == kHttpdUrl);
  CHECK(r.sources[2].sha256.hex() == sha256_hex(kHttpd));
  CHECK(r.apache_version() == "2.4.68");
  CHECK(r.patches == std::vector<std::string>{"httpd-fix.patch"});

  SECTION("a patch, the steps or a pin changes the digest") {
    const auto before = r.digest;
    write_text(b.recipe_dir / "patches/httpd-fix.patch", "--- a\n+++ c\n");
    CHECK(b.recipe().digest != before);
    write_text(b.recipe_dir / "patches/httpd-fix.patch", "--- a\n+++ b\n");
    CHECK(b.recipe().digest == before);
    write_text(b.recipe_dir / "build-tree.sh", "# other steps\n");
    CHECK(b.recipe().digest != before);
  }
  SECTION("malformed recipes are refused, saying where") {
    auto refused = [&](const std::string& text, const std::string& why) {
      write_text(b.recipe_dir / "sources.txt", text);
      CHECK_THROWS_WITH(b.recipe(), Contains(why));
    };
    refused("apr 1.7.2 apr.tar.gz\n", "line 1 is not \"name version file sha256 url\"");
    refused(sources_txt() + "apr 1 a.tgz " + sha256_hex("x") + " https://x/a.tgz\n",
            "'apr' is pinned twice");
    refused("apr 1.7.2 apr.tar.gz abc https://x/apr.tar.gz\n", "line 1:");
    refused("apr 1.7.2 ../apr.tar.gz " + sha256_hex("x") + " https://x/apr.tar.gz\n",
            "not a plain file name");
    refused("apr 1.7.2 apr.tar.gz " + sha256_hex("x") + " https://x/apr.tar.gz\n",
            "no pin for apr-util");
    fs::remove(b.recipe_dir / "sources.txt");
    CHECK_THROWS_AS(b.recipe(), RecipeError);
  }
}

TEST_CASE("recipe: a mirror stands in for the Apache archive", "[apache_build]") {
  Build b;
  Recipe r = b.recipe();
  CHECK(source_url(r.sources[0], "") == kAprUrl);
  CHECK(source_url(r.sources[0], "https://mirror.example/apache") ==
        "https://mirror.example/apache/apr/apr-1.7.2.tar.gz");
  CHECK(source_url(r.sources[2], "http://127.0.0.1:8080/") ==
        "http://127.0.0.1:8080/httpd/httpd-2.4.68.tar.gz");
  RecipeSource elsewhere = r.sources[0];
  elsewhere.url = "https://example.com/src/apr-1.7.2.tar.gz";
  CHECK(source_url(elsewhere, "https://m.example/") == "https://m.example/apr-1.7.2.tar.gz");
}

TEST_CASE("apache build: when a build makes its own Apache", "[apache_build]") {
  Build b;
  const fs::path buildpack = b.root / "buildpack";
  Config nothing;
  CHECK(recipe_to_build(nothing, b.target, b.disk, buildpack).has_value());
  Config url;
  url.url = "https://example.com/b.tar.gz";
  CHECK_FALSE(recipe_to_build(url, b.target, b.disk, buildpack));
  Config bucket;
  bucket.bucket = "my-bucket";
  CHECK_FALSE(recipe_to_build(bucket, b.target, b.disk, buildpack));
  Config with_default;
  with_default.defaults.push_back({.version = "2.4.68",
                                   .uri = "https://example.com/b.tar.gz",
                                   .sha256 = Sha256Digest::parse(sha256_hex("b")),
                                   .stacks = {"heroku-24"},
                                   .arch = "amd64"});
  CHECK_FALSE(recipe_to_build(with_default, b.target, b.disk, buildpack));
  CHECK(recipe_to_build(with_default, {"heroku-26", "amd64"}, b.disk, buildpack));
  Config other_version;
  other_version.apache_version = "2.4.99";
  CHECK_FALSE(recipe_to_build(other_version, b.target, b.disk, buildpack));
  fs::remove_all(b.recipe_dir);
  CHECK_THROWS_AS(recipe_to_build(nothing, b.target, b.disk, buildpack), RecipeError);
}

TEST_CASE("apache build: built once, kept, then reused with no request", "[apache_build]") {
  Build b;
  Resolved r = b.run();

  REQUIRE(r.source.sha256);
  CHECK(r.source.name == "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz");
  CHECK(b.http.requests == std::vector<std::string>{kAprUrl, kAprUtilUrl, kHttpdUrl});
  REQUIRE(b.runner.calls.size() == 1);
  const auto& argv = b.runner.calls[0];
  CHECK(argv[0] == "bash");
  CHECK(argv[1] == (b.recipe_dir / "build-tree.sh").string());
  CHECK(arg_after(argv, "--stack") == "heroku-24");
  CHECK(std::stoi(arg_after(argv, "--jobs")) >= 1);
  // The placeholder prefix has room for any place the bundle goes.
  CHECK(arg_after(argv, "--prefix").size() >= 228);
  CHECK(b.runner.watches[0].tick_s == 10);
  CHECK(b.runner.watches[0].timeout_s == kApacheBuildTimeoutS);
  CHECK(b.runner.envs[0].at("PATH") == b.tools.string());
  // Nothing of the work is left, and the cache holds the bundle and its key.
  CHECK_FALSE(fs::exists(fs::path(arg_after(argv, "--sources"))));
  const std::string bundle_file = r.source.sha256->hex() + ".bundle";
  const std::string key_file = "apache-heroku-24-amd64-" + b.recipe().digest.hex() + ".sha256";
  CHECK(b.cached() ==
        std::vector<std::string>{std::min(bundle_file, key_file), std::max(bundle_file, key_file)});
  CHECK(read_text(b.cache / key_file) == r.source.sha256->hex() + "\n");

  // The bundle holds the tree under .whiskey/, links kept.
  FileStream kept(b.cache / bundle_file);
  TempDir unpacked;
  UnpackStats stats = unpack_bundle(kept, unpacked.path());
  CHECK(stats.top_level == std::vector<std::string>{"apache", "apr"});
  CHECK(fs::is_symlink(unpacked / "apr/lib/libapr-1.so.0"));
  CHECK_THAT(read_text(unpacked / "apache/bin/httpd"), StartsWith("httpd at /"));

  const std::string log = b.out.str();
  CHECK_THAT(log, StartsWith("-----> Building Apache 2.4.68 from the buildpack's recipe\n"
                             "       No Apache bundle is configured, and this buildpack records "
                             "none for heroku-24/amd64:\n"));
  CHECK_THAT(log, Contains("To skip this build, publish a bundle and set WHISKEY_BUCKET"));
  CHECK_THAT(log, Contains("apr-1.7.2.tar.gz: "));
  CHECK_THAT(log, Contains(", matches its pin sha256:"));
  CHECK_THAT(log, Contains("       Building httpd 2.4.68 (10 s)\n"
                           "       Building httpd 2.4.68 (20 s)\n"));
  CHECK_THAT(log, Contains("       Built Apache 2.4.68 in "));
  CHECK_THAT(log, Contains("; kept it in the build cache ("));
  CHECK_THAT(log, Contains("-----> Installing Apache 2.4.68, built from the buildpack's recipe\n"
                           "       Stack: heroku-24 (amd64)\n"));
  CHECK(b.err.str().empty());

  SECTION("a later build takes it from the cache: no request, nothing run") {
    b.out.str("");
    b.http.requests.clear();
    Resolved again = b.run();
    CHECK(again.source.sha256 == r.source.sha256);
    CHECK(b.http.requests.empty());
    CHECK(b.runner.calls.size() == 1);
    CHECK_THAT(b.out.str(), Contains("Built by an earlier build of this app"));
  }
  SECTION("a damaged entry is discarded and Apache built again") {
    write_text(b.cache / bundle_file, "damaged");
    b.out.str("");
    Resolved again = b.run();
    CHECK(b.runner.calls.size() == 2);
    REQUIRE(again.source.sha256);
    CHECK(fs::exists(b.cache / (again.source.sha256->hex() + ".bundle")));
    CHECK(b.cached().size() == 2);
    CHECK_THAT(b.out.str(), Contains("Discarded the Apache kept in the build cache"));
  }
  SECTION("another stack is built anew") {
    b.target = {"heroku-26", "amd64"};
    Resolved other = b.run();
    CHECK(b.runner.calls.size() == 2);
    CHECK(other.source.name == "whiskey-heroku-26-amd64-apache-2.4.68.tar.gz");
  }
}

TEST_CASE("apache build: a mirror is used for every source", "[apache_build]") {
  Build b;
  b.vars["WHISKEY_APACHE_MIRROR"] = "https://mirror.example/apache/";
  b.http.add("https://mirror.example/apache/apr/apr-1.7.2.tar.gz", {.body = kApr});
  b.http.add("https://mirror.example/apache/apr/apr-util-1.6.3.tar.gz", {.body = kAprUtil});
  b.http.add("https://mirror.example/apache/httpd/httpd-2.4.68.tar.gz", {.body = kHttpd});
  b.run();
  CHECK(b.http.requests ==
        std::vector<std::string>{"https://mirror.example/apache/apr/apr-1.7.2.tar.gz",
                                 "https://mirror.example/apache/apr/apr-util-1.6.3.tar.gz",
                                 "https://mirror.example/apache/httpd/httpd-2.4.68.tar.gz"});
  CHECK_THAT(b.out.str(), Contains("from WHISKEY_APACHE_MIRROR, https://mirror.example/apache/"));

  SECTION("plain http only to a loopback host") {
    b.vars["WHISKEY_APACHE_MIRROR"] = "http://mirror.example/";
    auto e = expect_message<ConfigError>([&] { b.run(); });
    CHECK(e.headline == "Apache's sources would be fetched over plain http");
    CHECK(e.what_happened ==
          "WHISKEY_APACHE_MIRROR is 'http://mirror.example/', which is not "
          "encrypted.");
    b.vars["WHISKEY_ALLOW_HTTP"] = "1";
    b.http.add("http://mirror.example/apr/apr-1.7.2.tar.gz", {.body = kApr});
    b.http.add("http://mirror.example/apr/apr-util-1.6.3.tar.gz", {.body = kAprUtil});
    b.http.add("http://mirror.example/httpd/httpd-2.4.68.tar.gz", {.body = kHttpd});
    fs::remove_all(b.cache);
    CHECK_NOTHROW(b.run());
  }
}

TEST_CASE("apache build: each failure says what, and keeps nothing", "[apache_build]") {
  Build b;
  SECTION("a source off its pin: nothing compiled") {
    b.http.add(kHttpdUrl, {.body = source_archive("httpd-2.4.68") + "tampered"});
    auto e = b.run_failing();
    CHECK(e.headline == "Apache 2.4.68 could not be built: a source does not match its pin");
    CHECK_THAT(e.what_happened, StartsWith("httpd-2.4.68.tar.gz from " + kHttpdUrl));
    CHECK_THAT(e.what_happened, Contains("but the recipe pins " + sha256_hex(kHttpd)));
    CHECK_THAT(e.what_happened, Contains("nothing was compiled"));
    CHECK(b.runner.calls.empty());
  }
  SECTION("a source not found") {
    b.http.add(kAprUtilUrl, {.status = 404});
    auto e = b.run_failing();
    CHECK(e.headline == "Apache 2.4.68 could not be built: its sources could not be downloaded");
    CHECK_THAT(e.what_happened, Contains(kAprUtilUrl));
    CHECK_THAT(e.what_happened, Contains("404"));
    CHECK_THAT(e.what_to_do, Contains("WHISKEY_APACHE_MIRROR=https://"));
    CHECK(b.runner.calls.empty());
  }
  SECTION("a mirror that lacks a source") {
    b.vars["WHISKEY_APACHE_MIRROR"] = "https://mirror.example/";
    b.http.add("https://mirror.example/apr/apr-1.7.2.tar.gz", {.status = 404});
    auto e = b.run_failing();
    CHECK_THAT(e.what_to_do, Contains("WHISKEY_APACHE_MIRROR names a mirror without "
                                      "apr-1.7.2.tar.gz"));
  }
  SECTION("no compiler, and other tools missing: nothing downloaded") {
    fs::remove(b.tools / "cc");
    fs::remove(b.tools / "patchelf");
    b.disk.headers.erase("/usr/include/expat.h");
    auto e = b.run_failing();
    CHECK(e.headline == "Apache 2.4.68 could not be built");
    CHECK_THAT(e.what_happened, Contains("\n  a C compiler, cc (package build-essential)"
                                         "\n  patchelf (package patchelf)"
                                         "\n  /usr/include/expat.h (package libexpat1-dev)"));
    CHECK(b.http.requests.empty());
    CHECK(b.runner.calls.empty());
  }
  SECTION("CC names a compiler that is not there") {
    b.vars["CC"] = "clang-99 -O2";
    auto e = b.run_failing();
    CHECK_THAT(e.what_happened, Contains("the C compiler CC names, clang-99"));
  }
  SECTION("the steps fail: the log's end is shown") {
    b.runner.answers[0].second.status = 2;
    b.runner.answers[0].second.output += "configure: error: C compiler cannot create executables\n";
    auto e = b.run_failing();
    CHECK(e.headline == "Apache 2.4.68 could not be built");
    CHECK_THAT(
        e.what_happened,
        StartsWith("The recipe's build stopped at \"Building httpd 2.4.68\" (exit status 2)"));
    CHECK_THAT(e.details, Contains("C compiler cannot create executables"));
  }
  SECTION("the steps run past the time limit") {
    b.vars["WHISKEY_APACHE_BUILD_TIMEOUT"] = "60";
    b.runner.answers[0].second.timed_out = true;
    b.runner.answers[0].second.status = 143;
    auto e = b.run_failing();
    CHECK(e.headline == "Apache 2.4.68 could not be built in time");
    CHECK_THAT(e.what_happened, Contains("WHISKEY_APACHE_BUILD_TIMEOUT (60 s)"));
    CHECK(b.runner.watches[0].timeout_s == 60);
  }
  SECTION("the steps make no bundle description") {
    b.runner.answers[0].second.effect = {};
    auto e = b.run_failing();
    CHECK_THAT(e.details, Contains("made no apache/whiskey-bundle.json"));
  }
  SECTION("a source that is not an archive") {
    const std::string junk = "not an archive at all";
    write_text(b.recipe_dir / "sources.txt",
               "apr 1.7.2 apr-1.7.2.tar.gz " + sha256_hex(junk) + " " + kAprUrl + "\n" +
                   sources_txt().substr(sources_txt().find("apr-util")));
    b.http.add(kAprUrl, {.body = junk});
    auto e = b.run_failing();
    CHECK(e.headline == "Apache 2.4.68 could not be built: a source cannot be unpacked");
  }
  CHECK(b.cached().empty());
}

TEST_CASE("archive files: a packed tree unpacks as a bundle; sources stay inside",
          "[apache_build]") {
  TempDir root;
  write_text(root / "tree/.whiskey/apache/bin/httpd", "httpd\n");
  fs::permissions(root / "tree/.whiskey/apache/bin/httpd", fs::perms::owner_exec,
                  fs::perm_options::add);
  fs::create_directories(root / "tree/.whiskey/apache/empty");
  fs::create_symlink("httpd", root / "tree/.whiskey/apache/bin/apache2");
  const std::uint64_t packed = pack_tree(root / "tree", root / "b.tar.gz");
  CHECK(packed == fs::file_size(root / "b.tar.gz"));
  FileStream in(root / "b.tar.gz");
  TempDir out;
  UnpackStats stats = unpack_bundle(in, out.path());
  CHECK(stats.entries == 6);  // .whiskey, apache, bin, httpd, apache2, empty
  CHECK(read_text(out / "apache/bin/httpd") == "httpd\n");
  CHECK((fs::status(out / "apache/bin/httpd").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);
  CHECK(fs::read_symlink(out / "apache/bin/apache2") == "httpd");
  CHECK(fs::is_directory(out / "apache/empty"));
  CHECK_THROWS_AS(pack_tree(root / "nowhere", root / "c.tar.gz"), ArchiveFileError);

  // Paths past ustar's 100-byte name go in its prefix field.
  const std::string deep = "apache/include/" + std::string(60, 'd') + "/" + std::string(70, 'f');
  write_text(root / "long/.whiskey" / deep, "deep\n");
  pack_tree(root / "long", root / "long.tar.gz");
  FileStream long_in(root / "long.tar.gz");
  TempDir long_out;
  unpack_bundle(long_in, long_out.path());
  CHECK(read_text(long_out / deep) == "deep\n");
  fs::create_symlink(std::string(120, 'l'), root / "long/.whiskey/apache/far");
  CHECK_THROWS_WITH(pack_tree(root / "long", root / "far.tar.gz"), Contains("too long"));

  write_text(root / "evil.tar.gz", make_tar_gz({File("../escaped", "x")}));
  fs::create_directories(root / "dest");
  CHECK_THROWS_WITH(extract_file(root / "evil.tar.gz", root / "dest"),
                    Contains("would land outside"));
  CHECK_FALSE(fs::exists(root / "escaped"));
  write_text(root / "abs.tar.gz", make_tar_gz({File("/tmp/abs-escaped", "x")}));
  CHECK_THROWS_AS(extract_file(root / "abs.tar.gz", root / "dest"), ArchiveFileError);
  write_text(root / "junk.tar.gz", "junk");
  CHECK_THROWS_AS(extract_file(root / "junk.tar.gz", root / "dest"), ArchiveFileError);
  write_text(root / "ok.tar.gz", make_tar_gz({Dir("a/"), File("a/b", "bee")}));
  CHECK(extract_file(root / "ok.tar.gz", root / "dest") == 2);
  CHECK(read_text(root / "dest/a/b") == "bee");
}

TEST_CASE("archive files: a source archive is read to its end, with its compressor's checks",
          "[apache_build]") {
  TempDir root;
  const std::vector<TarEntry> entries{Dir("a/"), File("a/b", noise(5000))};
  const std::string tar = make_tar(entries, TarCompression::kNone);
  auto extract = [&](const std::string& name, const std::string& bytes) {
    write_text(root / name, bytes);
    fs::create_directories(root / ("dest-" + name));
    return extract_file(root / name, root / ("dest-" + name));
  };
  CHECK(extract("plain.tar", tar) == 2);
  CHECK(extract("one.tar.zst", zstd(tar)) == 2);
  CHECK(extract("old.tar.bz2", make_tar(entries, TarCompression::kBzip2)) == 2);
  CHECK(read_text(root / "dest-old.tar.bz2/a/b") == noise(5000));

  std::string crc = gzip(tar);
  crc[crc.size() - 6] = static_cast<char>(crc[crc.size() - 6] ^ 1);
  CHECK_THROWS_WITH(extract("crc.tar.gz", crc),
                    Contains("unpacking crc.tar.gz: the gzip CRC-32 does not match the data"));
  CHECK_THROWS_WITH(extract("after.tar.zst", zstd(tar) + "x"),
                    Contains("data after the end of the zstd stream"));
  CHECK_THROWS_WITH(extract("cut.tar.gz", gzip(tar).substr(0, 200)),
                    Contains("the gzip stream ends early"));
  std::string body = tar.substr(0, (tar.find_last_not_of('\0') / 512 + 1) * 512);
  CHECK_THROWS_WITH(extract("tail.tar.gz", gzip(body + std::string(1024, '\0') + "junk")),
                    Contains("data after the end of the tar archive"));
}
