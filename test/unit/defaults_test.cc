#include "defaults.h"

#include <catch2/catch.hpp>
#include <stdexcept>

#include "errors.h"
#include "fakes.h"
#include "resolve.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;

namespace {

const std::string kShaA = std::string(64, 'a');
const std::string kShaB = std::string(64, 'b');

std::string dependency(const std::string& version, const std::string& stacks,
                       const std::string& arch, const std::string& sha,
                       const std::string& id = "apache") {
  return "[[metadata.dependencies]]\nid = \"" + id + "\"\nversion = \"" + version +
         "\"\nuri = \"https://bundles.example.com/whiskey-" + version + "-" + arch +
         ".tar.gz\"\nchecksum = \"sha256:" + sha + "\"\nstacks = [" + stacks + "]\narch = \"" +
         arch + "\"\n\n";
}

}  // namespace

TEST_CASE("parse_default_bundles reads the apache dependencies of buildpack.toml") {
  std::string toml = "api = \"0.10\"\n[buildpack]\nid = \"x\"\n\n" +
                     dependency("2.4.9", "\"heroku-24\"", "amd64", kShaA) +
                     dependency("2.4.10", "\"heroku-24\", \"heroku-22\"", "amd64", kShaB) +
                     dependency("1.0", "\"heroku-24\"", "amd64", kShaB, "something-else");
  auto defaults = parse_default_bundles(toml);
  REQUIRE(defaults.size() == 2);
  CHECK(defaults[1].stacks == std::vector<std::string>{"heroku-24", "heroku-22"});
  CHECK(defaults[0].sha256.hex() == kShaA);

  SECTION("the newest for the stack and arch is chosen") {
    auto d = select_default(defaults, "heroku-24", "amd64");
    REQUIRE(d);
    CHECK(d->version == "2.4.10");
    CHECK(select_default(defaults, "heroku-24", "amd64", "2.4.9")->sha256.hex() == kShaA);
    CHECK(select_default(defaults, "heroku-22", "amd64")->version == "2.4.10");
    CHECK_FALSE(select_default(defaults, "heroku-24", "arm64"));
    CHECK_FALSE(select_default(defaults, "heroku-24", "amd64", "2.4.1"));
  }
  SECTION("written back as buildpack.toml holds it, it reads the same") {
    auto again = parse_default_bundles(default_bundle_toml(defaults[1]));
    REQUIRE(again.size() == 1);
    CHECK(again[0].uri == defaults[1].uri);
    CHECK(again[0].stacks == defaults[1].stacks);
    CHECK(again[0].sha256 == defaults[1].sha256);
    // As the entries above are written, but for the blank line after.
    CHECK(default_bundle_toml(defaults[1]) + "\n" ==
          dependency("2.4.10", "\"heroku-24\", \"heroku-22\"", "amd64", kShaB));
  }
}

TEST_CASE("parse_default_bundles: none recorded, and malformed entries") {
  CHECK(parse_default_bundles("[buildpack]\nid = \"x\"\n").empty());
  CHECK(parse_default_bundles("[[metadata.dependencies]]\nid = 1\n").empty());
  auto fails = [](const std::string& toml, const std::string& why) {
    try {
      parse_default_bundles(toml);
      FAIL("parsed: " + toml);
    } catch (const std::runtime_error& e) {
      CHECK_THAT(e.what(), Contains(why));
    }
  };
  fails(dependency("2.4.10", "\"heroku-24\"", "amd64", "abc"), "'checksum' is not sha256");
  fails("[[metadata.dependencies]]\nid = \"apache\"\nversion = \"1\"\n", "'checksum' is missing");
  fails(dependency("2.4.10", "", "amd64", kShaA), "'stacks' is missing or empty");
  fails("[metadata]\ndependencies = 3\n", "not a list of tables");
}

TEST_CASE("buildpack_version reads [buildpack] version, and only that") {
  CHECK(buildpack_version("api = \"0.10\"\n\n[buildpack]\nid = \"whiskey/mod-wsgi\"\n"
                          "  version   =   \"2.3.4\"  # a comment\n\n[publish.Ignore]\n"
                          "files = [\"build/\"]\n") == "2.3.4");
  CHECK_FALSE(buildpack_version(""));
  CHECK_FALSE(buildpack_version("[buildpack]\nname = \"Apache/mod_wsgi\"\n"));
  CHECK_FALSE(buildpack_version("[buildpack]\nname = \"x\"\n[[targets]]\nversion = \"9.9.9\"\n"));
  CHECK(buildpack_version("buildpack.version = 'literal'\n") == "literal");
  CHECK_THROWS_WITH(buildpack_version("[buildpack]\nversion = 1\n"),
                    "buildpack.version is not a text");
  CHECK_THROWS_WITH(buildpack_version("[buildpack\nversion = \"1\"\n"), Contains("line 1"));
}

TEST_CASE("resolve falls back on the buildpack's default bundle when nothing is configured") {
  FakeHttpClient http;
  Config c;
  c.defaults = parse_default_bundles(dependency("2.4.10", "\"heroku-24\"", "amd64", kShaB));
  SECTION("one for the stack: installed, verified by its recorded digest, no request") {
    Resolved r = resolve(c, Target{"heroku-24", "amd64"}, http);
    CHECK(r.source.url == "https://bundles.example.com/whiskey-2.4.10-amd64.tar.gz");
    REQUIRE(r.source.sha256);
    CHECK(r.source.sha256->hex() == kShaB);
    CHECK_THAT(r.how, Contains("default for heroku-24/amd64"));
    CHECK(http.requests.empty());
  }
  SECTION("none for the stack: a clear error listing what there is") {
    auto e = testing::expect_message<ResolveError>([&] {
      resolve(c, Target{"heroku-22", "amd64"}, http);
    });
    CHECK(e.headline == "No Apache bundle is configured");
    CHECK_THAT(e.what_happened, Contains("no default bundle for heroku-22/amd64"));
    CHECK_THAT(e.what_happened, Contains("heroku-24/amd64 Apache 2.4.10"));
    CHECK_THAT(e.what_to_do, Contains("WHISKEY_BUCKET"));
  }
  SECTION("none recorded at all") {
    c.defaults.clear();
    auto e = testing::expect_message<ResolveError>([&] {
      resolve(c, Target{"heroku-24", "amd64"}, http);
    });
    CHECK_THAT(e.what_happened, Contains("(it records none)"));
  }
  SECTION("config vars win over the defaults") {
    c.url = "https://elsewhere.example.com/b.tar.gz";
    CHECK(resolve(c, Target{"heroku-24", "amd64"}, http).source.url == c.url);
  }
}

TEST_CASE("record_default_bundle replaces the entry for the stack and arch, keeping the rest") {
  const std::string head =
      "# The buildpack.\napi = \"0.10\"\n\n[buildpack]\nid = \"x\"\nversion = \"1.0.0\"\n\n"
      "[publish.Ignore]\nfiles = [\n  \"test/\",\n]\n\n# The default bundles.\n";
  DefaultBundle b{.version = "2.4.70",
                  .uri = "https://b.example.com/whiskey-heroku-24-amd64-apache-2.4.70.tar.zst",
                  .sha256 = Sha256Digest::parse(kShaB),
                  .stacks = {"heroku-24"},
                  .arch = "amd64"};

  SECTION("none yet: added at the end, after one blank line, every byte above kept") {
    std::string out = record_default_bundle(head, b);
    CHECK(out == head + "\n" + default_bundle_toml(b));
    auto defaults = parse_default_bundles(out);
    REQUIRE(defaults.size() == 1);
    CHECK(defaults[0].uri == b.uri);
    CHECK(defaults[0].sha256.hex() == kShaB);
  }
  SECTION("recorded again: the same file") {
    std::string once = record_default_bundle(head, b);
    CHECK(record_default_bundle(once, b) == once);
  }
  SECTION("the old entry for the stack and arch goes; others, and other ids, stay in order") {
    std::string text = head + "\n" + dependency("2.4.68", "\"heroku-24\"", "amd64", kShaA) +
                       dependency("2.4.68", "\"heroku-24\"", "arm64", kShaA) +
                       dependency("1.0", "\"heroku-24\"", "amd64", kShaA, "other") +
                       "[metadata.dependencies.licenses]\ntype = \"MIT\"\n\n" +
                       dependency("2.4.68", "\"heroku-22\"", "amd64", kShaA);
    std::string out = record_default_bundle(text, b);
    INFO(out);
    auto defaults = parse_default_bundles(out);
    REQUIRE(defaults.size() == 3);
    CHECK(defaults[0].arch == "arm64");
    CHECK(defaults[1].stacks == std::vector<std::string>{"heroku-22"});
    CHECK(defaults[2].version == "2.4.70");
    CHECK(defaults[2].sha256.hex() == kShaB);
    CHECK_THAT(out, Contains("id = \"other\"\nversion = \"1.0\""));
    CHECK_THAT(out, Contains("[metadata.dependencies.licenses]\ntype = \"MIT\""));
    CHECK(out.starts_with(head));
    CHECK(out.find("\n\n\n") == std::string::npos);
  }
  SECTION("the tables under a replaced entry go with it") {
    std::string text = head + "\n" + dependency("2.4.68", "\"heroku-24\"", "amd64", kShaA) +
                       "[metadata.dependencies.licenses]\ntype = \"Apache-2.0\"\n\n" +
                       dependency("2.4.68", "\"heroku-26\"", "amd64", kShaA);
    std::string out = record_default_bundle(text, b);
    INFO(out);
    CHECK(out.find("Apache-2.0") == std::string::npos);
    CHECK(parse_default_bundles(out).size() == 2);
  }
  SECTION("an entry for this stack and others is not split by guess") {
    std::string text =
        head + "\n" + dependency("2.4.68", "\"heroku-24\", \"heroku-26\"", "amd64", kShaA);
    CHECK_THROWS_WITH(record_default_bundle(text, b), Contains("entry 1 names other stacks too"));
  }
  SECTION("a malformed file or entry is refused") {
    CHECK_THROWS_WITH(record_default_bundle(head + "[buildpack]\n", b), Contains("line"));
    CHECK_THROWS_WITH(
        record_default_bundle(head + "\n[[metadata.dependencies]]\nid = \"apache\"\n", b),
        Contains("'checksum' is missing"));
    CHECK_THROWS(record_default_bundle(head + "[metadata]\ndependencies = []\n", b));
  }
}
