#include "resolve.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "errors.h"
#include "fakes.h"
#include "manifest.h"
#include "memory_disk.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

const std::string kShaA = std::string(64, 'a');
const std::string kShaB = std::string(64, 'b');
const std::string kShaC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const std::string kShaD = std::string(64, 'd');

const Target kTarget{"heroku-24", "amd64"};

/// Where the manifest of bucket "b" is on AWS in the default region.
const std::string kManifestUrl = "https://b.s3.us-east-1.amazonaws.com/manifest.json";

std::string key_for(const std::string& stack, const std::string& arch, const std::string& apache) {
  return "whiskey-" + stack + "-" + arch + "-apache-" + apache + ".tar.gz";
}

json entry(const std::string& stack, const std::string& arch, const std::string& apache,
           const std::string& sha) {
  return {{"key", key_for(stack, arch, apache)},
          {"stack", stack},
          {"arch", arch},
          {"apache", apache},
          {"size", 2234217},
          {"sha256", sha}};
}

/// Three bundles for heroku-24/amd64 (2.4.10 the newest), and one each for
/// heroku-24/arm64 and heroku-22/amd64.
std::string manifest_text() {
  return json{{"schema", 1},
              {"bundles",
               {
                   entry("heroku-24", "amd64", "2.4.9", kShaA),
                   entry("heroku-24", "amd64", "2.4.10", kShaB),
                   entry("heroku-24", "amd64", "2.4.2", kShaD),
                   entry("heroku-24", "arm64", "2.4.68", kShaC),
                   entry("heroku-22", "amd64", "2.4.68", kShaD),
               }}}
      .dump(2);
}

Config bucket_config(const std::string& bucket = "b") {
  Config c;
  c.bucket = bucket;
  return c;
}

UserMessage resolve_error(const Config& c, FakeHttpClient& http, const Target& target = kTarget) {
  return expect_message<Failure>([&] { resolve(c, target, http); });
}

}  // namespace

TEST_CASE("resolve: WHISKEY_URL is used as it is, without any request", "[resolve]") {
  FakeHttpClient http;
  Config c;
  c.url = "https://bundles.example.com/v1/whiskey-heroku-24.tar.gz";

  SECTION("with a digest") {
    c.sha256 = Sha256Digest::parse(kShaC);
    Resolved r = resolve(c, kTarget, http);
    CHECK(r.source.url == c.url);
    REQUIRE(r.source.sha256);
    CHECK(r.source.sha256->hex() == kShaC);
    CHECK(r.source.name == "whiskey-heroku-24.tar.gz");
  }
  SECTION("without one") {
    Resolved r = resolve(c, kTarget, http);
    CHECK(r.source.url == c.url);
    CHECK_FALSE(r.source.sha256);
    CHECK(r.how == "WHISKEY_URL");
    CHECK(r.warnings.empty());
  }
  CHECK(http.requests.empty());
}

TEST_CASE("resolve: bucket, package and digest need no manifest", "[resolve]") {
  FakeHttpClient http;
  Config c = bucket_config();
  c.package = key_for("heroku-24", "amd64", "2.4.9");
  c.sha256 = Sha256Digest::parse(kShaC);

  Resolved r = resolve(c, kTarget, http);

  CHECK(http.requests.empty());
  CHECK(r.how == "WHISKEY_PACKAGE");
  CHECK(r.warnings.empty());
  CHECK(r.source.url == "https://b.s3.us-east-1.amazonaws.com/" + c.package);
  REQUIRE(r.source.sha256);
  CHECK(r.source.sha256->hex() == kShaC);  // the configured digest, not the manifest's
  CHECK(r.source.name == c.package);
}

TEST_CASE("resolve: a bucket alone means the newest bundle for the stack and arch", "[resolve]") {
  FakeHttpClient http;
  http.add(kManifestUrl, {.body = manifest_text()});

  SECTION("heroku-24/amd64") {
    Resolved r = resolve(bucket_config(), kTarget, http);
    const std::string key = key_for("heroku-24", "amd64", "2.4.10");
    CHECK(http.requests == std::vector<std::string>{kManifestUrl});
    CHECK(r.source.url == "https://b.s3.us-east-1.amazonaws.com/" + key);
    REQUIRE(r.source.sha256);
    CHECK(r.source.sha256->hex() == kShaB);
    CHECK(r.source.name == key);
    CHECK(r.source.described == "s3://b/" + key + " (us-east-1)");
    CHECK(r.how == "the newest for heroku-24/amd64 in manifest.json");
    CHECK(r.warnings.empty());
  }
  SECTION("heroku-24/arm64") {
    Resolved r = resolve(bucket_config(), Target{"heroku-24", "arm64"}, http);
    CHECK(r.source.url ==
          "https://b.s3.us-east-1.amazonaws.com/" + key_for("heroku-24", "arm64", "2.4.68"));
    CHECK(r.source.sha256->hex() == kShaC);
    CHECK(r.how == "the newest for heroku-24/arm64 in manifest.json");
  }
  SECTION("in another region") {
    Config c = bucket_config();
    c.region = "eu-west-1";
    http.add("https://b.s3.eu-west-1.amazonaws.com/manifest.json", {.body = manifest_text()});
    Resolved r = resolve(c, kTarget, http);
    CHECK(http.requests ==
          std::vector<std::string>{"https://b.s3.eu-west-1.amazonaws.com/manifest.json"});
    CHECK(r.source.url ==
          "https://b.s3.eu-west-1.amazonaws.com/" + key_for("heroku-24", "amd64", "2.4.10"));
  }
}

TEST_CASE("resolve: WHISKEY_APACHE_VERSION picks that version", "[resolve]") {
  FakeHttpClient http;
  http.add(kManifestUrl, {.body = manifest_text()});
  Config c = bucket_config();
  c.apache_version = "2.4.9";

  Resolved r = resolve(c, kTarget, http);

  CHECK(r.source.url ==
        "https://b.s3.us-east-1.amazonaws.com/" + key_for("heroku-24", "amd64", "2.4.9"));
  REQUIRE(r.source.sha256);
  CHECK(r.source.sha256->hex() == kShaA);
  CHECK(r.how == "Apache 2.4.9 for heroku-24/amd64 in manifest.json");
  CHECK(http.requests == std::vector<std::string>{kManifestUrl});
}

TEST_CASE("resolve: a bucket with a key prefix reads the manifest under it", "[resolve]") {
  FakeHttpClient http;
  const std::string key = key_for("heroku-24", "amd64", "2.4.10");

  SECTION("at an endpoint, path-style") {
    Config c = bucket_config("b/pre");
    c.s3_endpoint = "https://s3.example.com";
    http.add("https://s3.example.com/b/pre/manifest.json", {.body = manifest_text()});
    Resolved r = resolve(c, kTarget, http);
    CHECK(http.requests == std::vector<std::string>{"https://s3.example.com/b/pre/manifest.json"});
    CHECK(r.source.url == "https://s3.example.com/b/pre/" + key);
    CHECK(r.source.described == "https://s3.example.com/b/pre/" + key);
    CHECK(r.source.sha256->hex() == kShaB);
  }
  SECTION("on AWS") {
    Config c = bucket_config("b/pre");
    http.add("https://b.s3.us-east-1.amazonaws.com/pre/manifest.json", {.body = manifest_text()});
    Resolved r = resolve(c, kTarget, http);
    CHECK(http.requests ==
          std::vector<std::string>{"https://b.s3.us-east-1.amazonaws.com/pre/manifest.json"});
    CHECK(r.source.url == "https://b.s3.us-east-1.amazonaws.com/pre/" + key);
    CHECK(r.source.sha256->hex() == kShaB);
  }
}

TEST_CASE("resolve: bucket and package take the digest from the manifest", "[resolve]") {
  FakeHttpClient http;
  http.add(kManifestUrl, {.body = manifest_text()});
  Config c = bucket_config();
  c.package = key_for("heroku-24", "amd64", "2.4.9");  // not the newest: still the one named

  Resolved r = resolve(c, kTarget, http);

  CHECK(http.requests == std::vector<std::string>{kManifestUrl});
  CHECK(r.source.url == "https://b.s3.us-east-1.amazonaws.com/" + c.package);
  REQUIRE(r.source.sha256);
  CHECK(r.source.sha256->hex() == kShaA);
  CHECK(r.how == "manifest.json");
  CHECK(r.warnings.empty());
}

TEST_CASE("resolve: a package the manifest does not list", "[resolve]") {
  FakeHttpClient http;
  http.add(kManifestUrl, {.body = manifest_text()});
  Config c = bucket_config();
  c.package = "whiskey-heroku-24-amd64-apache-2.4.99.tar.gz";

  UserMessage e = resolve_error(c, http);

  CHECK(e.headline == "WHISKEY_PACKAGE is not in the bucket's manifest");
  CHECK_THAT(e.what_happened, StartsWith(c.package + " is not listed in " + kManifestUrl + "."));
  CHECK_THAT(e.what_happened,
             Contains("The manifest offers:\n" + describe_offer(parse_manifest(manifest_text()))));
  CHECK_THAT(e.what_happened,
             Contains("heroku-24/amd64 Apache 2.4.10: " + key_for("heroku-24", "amd64", "2.4.10")));
  CHECK_THAT(e.what_to_do, Contains("Set WHISKEY_PACKAGE to one of those keys"));
  CHECK_THAT(e.what_to_do, Contains("heroku-24"));
}

TEST_CASE("resolve: no manifest, with a package: unverified, with a warning", "[resolve]") {
  FakeHttpClient http;
  http.add(kManifestUrl, {.status = 404, .body = "<Error><Code>NoSuchKey</Code></Error>"});
  Config c = bucket_config();
  c.package = key_for("heroku-24", "amd64", "2.4.9");

  Resolved r = resolve(c, kTarget, http);

  CHECK(http.requests == std::vector<std::string>{kManifestUrl});
  CHECK(r.source.url == "https://b.s3.us-east-1.amazonaws.com/" + c.package);
  CHECK_FALSE(r.source.sha256);
  CHECK(r.how == "WHISKEY_PACKAGE");
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].kind == ResolveWarning::Kind::kUnverifiedPackage);
  UserMessage w = warning_message(r.warnings[0]);
  CHECK(w.headline == "The bucket has no manifest.json");
  CHECK_THAT(w.what_happened, StartsWith("Nothing says what " + c.package + "'s digest should be"));
  CHECK_THAT(w.what_happened, Contains("unverified"));
  CHECK_THAT(w.what_happened, Contains("WHISKEY_SHA256"));
}

TEST_CASE("resolve: no manifest and no package", "[resolve]") {
  FakeHttpClient http;
  http.add(kManifestUrl, {.status = 404});

  UserMessage e = resolve_error(bucket_config(), http);

  CHECK(e.headline == "The bucket has no bundle manifest");
  CHECK_THAT(e.what_happened, StartsWith("WHISKEY_BUCKET names b, and " + kManifestUrl));
  CHECK_THAT(e.what_happened, Contains("no list of bundles"));
  CHECK_THAT(e.what_to_do, Contains("vendor/apache/build.sh --stack heroku-24 --out dist"));
  CHECK_THAT(
      e.what_to_do,
      Contains("mod_wsgi-heroku publish dist/whiskey-heroku-24-amd64-apache-<version>.tar.zst "
               "--bucket BUCKET"));
  CHECK_THAT(e.what_to_do, Contains("WHISKEY_PACKAGE and WHISKEY_SHA256"));
  CHECK(http.requests == std::vector<std::string>{kManifestUrl});
}

TEST_CASE("resolve: a malformed manifest", "[resolve]") {
  FakeHttpClient http;
  Config c = bucket_config();

  SECTION("not JSON") {
    http.add(kManifestUrl, {.body = "<html>Hello</html>"});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bucket's manifest.json is malformed");
    CHECK(e.what_happened == kManifestUrl + " cannot be read as a bundle manifest.");
    CHECK_THAT(e.what_to_do, Contains("Publish a bundle again"));
    CHECK_THAT(e.details, StartsWith("not valid JSON: "));
  }
  SECTION("an unknown schema") {
    http.add(kManifestUrl, {.body = R"({"schema": 2, "bundles": []})"});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bucket's manifest.json is malformed");
    CHECK(e.details == "schema 2 is not one this buildpack reads (it reads schema 1)");
  }
  SECTION("a broken entry, even with a package named") {
    c.package = key_for("heroku-24", "amd64", "2.4.9");
    json j = json::parse(manifest_text());
    j["bundles"][3]["sha256"] = "abc";
    http.add(kManifestUrl, {.body = j.dump()});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bucket's manifest.json is malformed");
    CHECK_THAT(e.details, StartsWith("bundles[3] (" + key_for("heroku-24", "arm64", "2.4.68") +
                                     ") has a malformed \"sha256\""));
  }
}

TEST_CASE("resolve: no bundle for the stack or version", "[resolve]") {
  FakeHttpClient http;
  json only_22 = {{"schema", 1}, {"bundles", {entry("heroku-22", "amd64", "2.4.68", kShaD)}}};
  const std::string offer =
      "heroku-22/amd64 Apache 2.4.68: " + key_for("heroku-22", "amd64", "2.4.68");

  SECTION("another stack only") {
    http.add(kManifestUrl, {.body = only_22.dump()});
    UserMessage e = resolve_error(bucket_config(), http);
    CHECK(e.headline == "No bundle for heroku-24/amd64 in the bucket");
    CHECK(e.what_happened == "The manifest at " + kManifestUrl + " offers:\n" + offer);
    CHECK_THAT(e.what_to_do, Contains("Build and publish a bundle for heroku-24/amd64"));
  }
  SECTION("an empty manifest") {
    http.add(kManifestUrl, {.body = R"({"schema": 1, "bundles": []})"});
    UserMessage e = resolve_error(bucket_config(), http);
    CHECK(e.headline == "No bundle for heroku-24/amd64 in the bucket");
    CHECK_THAT(e.what_happened, Contains("no bundles at all"));
  }
  SECTION("another arch only") {
    http.add(kManifestUrl, {.body = manifest_text()});
    UserMessage e = resolve_error(bucket_config(), http, Target{"heroku-22", "arm64"});
    CHECK(e.headline == "No bundle for heroku-22/arm64 in the bucket");
    CHECK_THAT(e.what_happened, Contains(describe_offer(parse_manifest(manifest_text()))));
  }
  SECTION("a version that is not there") {
    http.add(kManifestUrl, {.body = manifest_text()});
    Config c = bucket_config();
    c.apache_version = "2.4.68";  // published for arm64 and heroku-22 only
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "No bundle for heroku-24/amd64 Apache 2.4.68 in the bucket");
  }
}

TEST_CASE("resolve: the manifest cannot be read", "[resolve]") {
  FakeHttpClient http;
  Config c = bucket_config();

  SECTION("access denied") {
    http.add(kManifestUrl, {.status = 403,
                            .body = "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code>"
                                    "<Message>Access Denied</Message></Error>",
                            .headers = {{"content-type", "application/xml"}}});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "Access to the bundle manifest was denied");
    CHECK_THAT(e.what_happened, Contains(kManifestUrl));
    CHECK_THAT(e.what_to_do, Contains("AWS_ACCESS_KEY_ID"));
  }
  SECTION("access denied with a package named") {
    c.package = key_for("heroku-24", "amd64", "2.4.9");
    http.add(kManifestUrl, {.status = 403});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "Access to the bundle manifest was denied");
  }
  SECTION("no answer") {
    // The fake client fails every URL it does not know as DNS would.
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bundle manifest could not be downloaded");
    CHECK(e.what_happened == "Downloading " + kManifestUrl + " failed.");
    CHECK(e.details == "Could not resolve host");
  }
  SECTION("cut midway") {
    http.add(kManifestUrl, {.body = manifest_text(), .chunk = 64, .fail_after = 128});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bundle manifest could not be downloaded");
    CHECK_THAT(e.what_happened, StartsWith("Downloading " + kManifestUrl + " failed after "));
    CHECK(e.details == "Recv failure: Connection reset by peer");
  }
  SECTION("too large") {
    http.add(kManifestUrl, {.body = std::string((4 << 20) + 1, ' '), .chunk = 1 << 20});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bundle manifest is too large");
    CHECK_THAT(e.what_happened, StartsWith(kManifestUrl + " is over 4 MiB"));
  }
  CHECK(http.requests == std::vector<std::string>{kManifestUrl});
}

TEST_CASE("resolve: the transport policy applies to the manifest", "[resolve]") {
  FakeHttpClient http;
  Config c = bucket_config();

  SECTION("plain http to another host is refused before any request") {
    c.s3_endpoint = "http://s3.internal.example.com:9000";
    http.add("http://s3.internal.example.com:9000/b/manifest.json", {.body = manifest_text()});
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bundle would be fetched over plain http");
    CHECK_THAT(e.what_happened, Contains("http://s3.internal.example.com:9000/b/manifest.json"));
    CHECK(http.requests.empty());
  }
  SECTION("with a package too") {
    c.s3_endpoint = "http://s3.internal.example.com:9000";
    c.package = key_for("heroku-24", "amd64", "2.4.9");
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "The bundle would be fetched over plain http");
    CHECK(http.requests.empty());
  }
  SECTION("another scheme") {
    c.s3_endpoint = "ftp://s3.example.com";
    UserMessage e = resolve_error(c, http);
    CHECK(e.headline == "Unsupported URL scheme 'ftp'");
    CHECK(http.requests.empty());
  }
  SECTION("plain http to a loopback host is fine") {
    c.s3_endpoint = "http://127.0.0.1:9000";
    http.add("http://127.0.0.1:9000/b/manifest.json", {.body = manifest_text()});
    Resolved r = resolve(c, kTarget, http);
    CHECK(http.requests == std::vector<std::string>{"http://127.0.0.1:9000/b/manifest.json"});
    CHECK(r.source.url == "http://127.0.0.1:9000/b/" + key_for("heroku-24", "amd64", "2.4.10"));
  }
  SECTION("and elsewhere when allowed") {
    c.s3_endpoint = "http://s3.internal.example.com:9000";
    c.allow_http = true;
    http.add("http://s3.internal.example.com:9000/b/manifest.json", {.body = manifest_text()});
    Resolved r = resolve(c, kTarget, http);
    CHECK(r.source.sha256->hex() == kShaB);
  }
}

TEST_CASE("resolve: with a clock, a failing manifest download is tried again", "[resolve]") {
  FakeClock clock;
  FakeHttpClient http(&clock);
  http.add_sequence(kManifestUrl, {{.status = 503}, {.body = manifest_text()}});
  std::vector<std::string> notes;
  Resolved r = resolve(bucket_config(), kTarget, http, &clock, RetryPolicy{},
                       [&](const std::string& line) { notes.push_back(line); });
  CHECK(r.source.sha256);
  CHECK(http.requests == std::vector<std::string>{kManifestUrl, kManifestUrl});
  CHECK(clock.slept == std::vector<double>{1});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] == "The server answered 503; trying again in 1 s (attempt 2 of 4)");
}

TEST_CASE("resolve: a bucket that cannot be reached falls back on the last build's manifest",
          "[resolve]") {
  MemoryDisk disk;
  FakeClock clock;
  const RetryPolicy once{.attempts = 1};
  const ManifestCopies copies_in{disk, "/cache/whiskey-bundles"};
  const ManifestCopies* copies = &copies_in;

  // A build that reads the manifest keeps a copy of it.
  {
    FakeHttpClient http;
    http.add(kManifestUrl, {.body = manifest_text()});
    Resolved r = resolve(bucket_config(), kTarget, http, &clock, once, {}, copies);
    CHECK(r.warnings.empty());
  }
  REQUIRE(disk.written().size() == 1);
  const fs::path kept = disk.written()[0];
  CHECK(kept.parent_path() == "/cache/whiskey-bundles");
  CHECK_THAT(kept.filename().string(), StartsWith("manifest-"));
  CHECK(disk.read_file(kept) == manifest_text());

  SECTION("no answer, or a 503 once the tries are spent: the copy chooses, with a warning") {
    FakeHttpClient http(&clock);
    if (GENERATE(false, true)) http.add(kManifestUrl, {.status = 503});
    Resolved r = resolve(bucket_config(), kTarget, http, &clock, once, {}, copies);
    CHECK(r.source.name == key_for("heroku-24", "amd64", "2.4.10"));
    REQUIRE(r.source.sha256);
    CHECK(r.source.sha256->hex() == kShaB);
    REQUIRE(r.warnings.size() == 1);
    UserMessage w = warning_message(r.warnings[0]);
    CHECK(w.headline == "The bundle manifest could not be read");
    CHECK_THAT(w.what_happened,
               Contains("The copy of the manifest kept by the last build is used"));
    CHECK(disk.written().size() == 1);  // the stale copy is not written again
  }
  SECTION("a final answer is not worked around") {
    FakeHttpClient http(&clock);
    http.add(kManifestUrl, {.status = 403});
    auto e = expect_message<Failure>(
        [&] { resolve(bucket_config(), kTarget, http, &clock, once, {}, copies); });
    CHECK(e.headline == "Access to the bundle manifest was denied");
  }
  SECTION("another bucket's copy is not used") {
    FakeHttpClient http(&clock);
    auto e = expect_message<Failure>(
        [&] { resolve(bucket_config("other"), kTarget, http, &clock, once, {}, copies); });
    CHECK(e.headline == "The bundle manifest could not be downloaded");
  }
  SECTION("a damaged copy is not used") {
    disk.add_file(kept, "{ not json");
    FakeHttpClient http(&clock);
    auto e = expect_message<Failure>(
        [&] { resolve(bucket_config(), kTarget, http, &clock, once, {}, copies); });
    CHECK(e.headline == "The bundle manifest could not be downloaded");
  }
}
