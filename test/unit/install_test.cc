#include "install.h"

#include <catch2/catch.hpp>

#include "compress.h"
#include "errors.h"
#include "fakes.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {

const std::string kUrl = "https://bundles.example.com/v1/whiskey-heroku-24.tar.gz";

std::vector<TarEntry> bundle_entries() {
  return {
      Dir(".whiskey/"),
      Dir(".whiskey/apache/"),
      File(".whiskey/apache/bin/httpd", "new httpd\n", 0755),
      File(".whiskey/apache/lib/libapr-1.so.0", noise(20000, 4)),
      Symlink(".whiskey/apache/lib/libapr-1.so", "libapr-1.so.0"),
      File(".whiskey/bin/mod_wsgi-heroku-start", "#!/bin/sh\n", 0755),
  };
}

std::string sha256_hex(const std::string& bytes) {
  Sha256 h;
  h.update(std::span<const char>(bytes));
  return h.finish().hex();
}

BundleSource source(std::optional<std::string> sha256 = std::nullopt,
                    const std::string& url = kUrl) {
  Config c;
  c.url = url;
  if (sha256) c.sha256 = Sha256Digest::parse(*sha256);
  return resolve_bundle(c);
}

/// An app whose .whiskey holds an older bundle and the app's own files.
void make_previous_install(const fs::path& build) {
  write_text(build / "wsgi.py", "application = None\n");
  write_text(build / ".whiskey/apache/bin/httpd", "old httpd\n");
  write_text(build / ".whiskey/apache/old-only", "gone after an upgrade\n");
  write_text(build / ".whiskey/user_vars/GREETING", "hello");
  write_text(build / ".whiskey/action_hooks/pre-start", "#!/bin/sh\necho pre\n");
  fs::permissions(build / ".whiskey/action_hooks/pre-start", fs::perms(0755));
  fs::create_directory_symlink("user_vars", build / ".whiskey/vars");
}

/// Installs what `http` serves, expecting a UserMessage, and checks that the
/// build folder is exactly as it was.
UserMessage failed_install(FakeHttpClient& http, const BundleSource& src, const fs::path& build,
                           const UnpackLimits& limits = {}) {
  auto before = snapshot_tree(build);
  FakeClock clock;
  auto e =
      expect_message<Failure>([&] { install_bundle(http, src, build, clock, {.limits = limits}); });
  CHECK(snapshot_tree(build) == before);
  CHECK(names_starting_with(build, ".whiskey.partial-").empty());
  return e;
}

}  // namespace

TEST_CASE("install_bundle: installs the tree and keeps the app's own entries", "[install]") {
  TempDir build;
  make_previous_install(build.path());
  const std::string bytes = make_tar_gz(bundle_entries());
  FakeClock clock;
  FakeHttpClient http(&clock);
  http.add(kUrl, {.body = bytes, .chunk = 1000, .seconds_per_chunk = 0.25});

  InstallResult r = install_bundle(http, source(sha256_hex(bytes)), build.path(), clock);

  CHECK(http.requests == std::vector<std::string>{kUrl});
  CHECK(r.verified);
  CHECK(r.digest.hex() == sha256_hex(bytes));
  CHECK(r.bytes == bytes.size());
  CHECK(r.seconds == Approx(0.25 * static_cast<double>((bytes.size() + 999) / 1000)));
  CHECK(r.unpacked.entries == bundle_entries().size());
  CHECK(r.unpacked.bytes == 10 + 20000 + 10);
  CHECK(r.unpacked.top_level == std::vector<std::string>{"apache", "bin"});
  CHECK(r.kept == std::vector<std::string>{"action_hooks", "user_vars", "vars"});

  const fs::path w = build / ".whiskey";
  CHECK(read_text(w / "apache/bin/httpd") == "new httpd\n");
  CHECK_FALSE(fs::exists(w / "apache/old-only"));  // the bundle's apache/ replaces the old one
  CHECK(read_text(w / "apache/lib/libapr-1.so") == noise(20000, 4));
  CHECK(read_text(w / "bin/mod_wsgi-heroku-start") == "#!/bin/sh\n");
  CHECK(read_text(w / "user_vars/GREETING") == "hello");
  CHECK(read_text(w / "action_hooks/pre-start") == "#!/bin/sh\necho pre\n");
  CHECK((fs::status(w / "action_hooks/pre-start").permissions() & fs::perms::all) ==
        fs::perms(0755));
  CHECK(fs::read_symlink(w / "vars") == "user_vars");
  CHECK((fs::status(w).permissions() & fs::perms::all) == fs::perms(0755));
  CHECK(read_text(build / "wsgi.py") == "application = None\n");
  CHECK(names_starting_with(build.path(), ".whiskey.partial-").empty());
  CHECK(names_starting_with(build.path(), ".whiskey") == std::vector<std::string>{".whiskey"});
}

TEST_CASE("install_bundle: a fresh app, without a digest", "[install]") {
  TempDir build;
  const std::string bytes = make_tar_gz(bundle_entries());
  FakeClock clock;
  FakeHttpClient http(&clock);
  http.add(kUrl, {.body = bytes});

  InstallResult r = install_bundle(http, source(), build.path(), clock);

  CHECK_FALSE(r.verified);
  CHECK(r.digest.hex() == sha256_hex(bytes));
  CHECK(r.kept.empty());
  CHECK(read_text(build / ".whiskey/apache/bin/httpd") == "new httpd\n");
  CHECK(names_starting_with(build.path(), "") == std::vector<std::string>{".whiskey"});
}

TEST_CASE("install_bundle: the bundle's entries win over the app's", "[install]") {
  TempDir build;
  write_text(build / ".whiskey/bin/mod_wsgi-heroku-start", "the app's own\n");
  write_text(build / ".whiskey/user_vars/A", "1");
  const std::string bytes = make_tar_gz(bundle_entries());
  FakeClock clock;
  FakeHttpClient http;
  http.add(kUrl, {.body = bytes});

  InstallResult r = install_bundle(http, source(sha256_hex(bytes)), build.path(), clock);
  CHECK(r.kept == std::vector<std::string>{"user_vars"});
  CHECK(read_text(build / ".whiskey/bin/mod_wsgi-heroku-start") == "#!/bin/sh\n");
}

TEST_CASE("install_bundle: a digest mismatch installs nothing", "[install]") {
  TempDir build;
  make_previous_install(build.path());
  const std::string bytes = make_tar_gz(bundle_entries());
  const std::string expected = sha256_hex("something else");
  FakeHttpClient http;
  http.add(kUrl, {.body = bytes, .chunk = 333});

  auto e = failed_install(http, source(expected), build.path());

  CHECK(e.headline == "The Apache bundle failed verification");
  CHECK(e.what_happened == "The SHA-256 of " + kUrl +
                               " is not the expected one:\n"
                               "  expected: " +
                               expected + "\n  actual:   " + sha256_hex(bytes) +
                               "\nNothing was installed.");
  CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_SHA256=" + sha256_hex(bytes)));
  CHECK(e.details.empty());
  CHECK(read_text(build / ".whiskey/apache/bin/httpd") == "old httpd\n");
}

TEST_CASE("install_bundle: HTTP errors", "[install]") {
  TempDir build;
  make_previous_install(build.path());
  FakeHttpClient http;

  SECTION("404 with S3's XML") {
    http.add(kUrl, {.status = 404,
                    .body = "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The "
                            "specified key does not exist.</Message></Error>",
                    .headers = {{"content-type", "application/xml"}}});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The Apache bundle was not found");
    CHECK(e.what_happened == "The request for " + kUrl +
                                 "\nwas answered 404 Not Found.\n"
                                 "The storage service says: NoSuchKey (The specified key does "
                                 "not exist.)");
    CHECK_THAT(e.what_to_do, Contains("WHISKEY_PACKAGE (or WHISKEY_URL)"));
  }
  SECTION("403") {
    http.add(kUrl, {.status = 403,
                    .body = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "Access to the Apache bundle was denied");
    CHECK(e.what_happened == "The request for " + kUrl +
                                 "\nwas answered 403 Forbidden.\n"
                                 "The storage service says: AccessDenied (Access Denied)");
    CHECK_THAT(e.what_to_do, Contains("put-object-acl --acl public-read"));
  }
  SECTION("401 is treated as 403") {
    http.add(kUrl, {.status = 401});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "Access to the Apache bundle was denied");
    CHECK(e.what_happened == "The request for " + kUrl + "\nwas answered 401 Unauthorized.");
  }
  SECTION("500 with an HTML page") {
    http.add(kUrl, {.status = 500,
                    .body = "<html><body>oops</body></html>",
                    .headers = {{"content-type", "text/html; charset=utf-8"}}});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The bundle's server failed");
    CHECK(e.what_happened == "The request for " + kUrl +
                                 "\nwas answered 500 Internal Server Error.\n"
                                 "The server sent an HTML page, not a bundle.");
    CHECK_THAT(e.what_to_do, Contains("temporary"));
  }
  SECTION("503 without a body") {
    http.add(kUrl, {.status = 503});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The bundle's server failed");
    CHECK(e.what_happened == "The request for " + kUrl + "\nwas answered 503 Service Unavailable.");
  }
  SECTION("301 with x-amz-bucket-region") {
    http.add(kUrl, {.status = 301,
                    .body = "<Error><Code>PermanentRedirect</Code><Message>The bucket you are "
                            "attempting to access must be addressed using the specified "
                            "endpoint.</Message></Error>",
                    .headers = {{"x-amz-bucket-region", "eu-west-1"}}});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The bucket is in another region");
    CHECK_THAT(e.what_happened, StartsWith("The request for " + kUrl + "\nwas answered 301."));
    CHECK_THAT(e.what_happened, Contains("PermanentRedirect"));
    CHECK(e.what_to_do ==
          "The bucket lives in eu-west-1. Set:\n  heroku config:set WHISKEY_REGION=eu-west-1");
  }
  SECTION("301 without the region") {
    http.add(kUrl, {.status = 301});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The bucket is in another region");
    CHECK(e.what_to_do == "Set WHISKEY_REGION to the region the bucket lives in.");
  }
  SECTION("another status") {
    http.add(kUrl, {.status = 418, .body = "short and stout"});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The Apache bundle could not be downloaded");
    CHECK(e.what_happened == "The request for " + kUrl + "\nwas answered 418.");
  }
  SECTION("a signed URL is not shown whole") {
    const std::string signed_url = kUrl + "?X-Amz-Signature=deadbeef";
    http.add(signed_url, {.status = 403});
    auto e = failed_install(http, source(std::nullopt, signed_url), build.path());
    CHECK_THAT(e.what_happened, !Contains("deadbeef"));
    CHECK_THAT(e.what_happened, Contains(kUrl + "?…"));
  }
}

TEST_CASE("install_bundle: transport failures", "[install]") {
  TempDir build;
  make_previous_install(build.path());
  const std::string bytes = make_tar_gz(bundle_entries());
  FakeHttpClient http;

  SECTION("no answer at all") {
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The Apache bundle could not be downloaded");
    CHECK(e.what_happened == "Downloading " + kUrl + " failed.");
    CHECK(e.details == "Could not resolve host");
  }
  SECTION("cut midway") {
    http.add(kUrl, {.body = bytes, .chunk = 1024, .fail_after = 2048});
    auto e = failed_install(http, source(sha256_hex(bytes)), build.path());
    CHECK(e.headline == "The Apache bundle could not be downloaded");
    CHECK(e.what_happened == "Downloading " + kUrl + " failed after 2.0 KiB.");
    CHECK(e.details == "Recv failure: Connection reset by peer");
  }
  SECTION("cut anywhere, digest or not") {
    for (std::uint64_t cut = 0; cut < bytes.size(); cut += 997) {
      for (bool with_digest : {false, true}) {
        INFO("cut after " << cut << " of " << bytes.size() << ", digest: " << with_digest);
        FakeHttpClient cut_http;
        cut_http.add(kUrl, {.body = bytes, .chunk = 500, .fail_after = cut});
        auto src = with_digest ? source(sha256_hex(bytes)) : source();
        auto e = failed_install(cut_http, src, build.path());
        CHECK(e.headline == "The Apache bundle could not be downloaded");
      }
    }
    // Even in the last bytes, which the archive reader does not need.
    FakeHttpClient tail_http;
    tail_http.add(kUrl, {.body = bytes, .fail_after = bytes.size() - 1});
    CHECK(failed_install(tail_http, source(), build.path()).headline ==
          "The Apache bundle could not be downloaded");
  }
}

TEST_CASE("install_bundle: bundles that cannot be installed", "[install]") {
  TempDir build;
  make_previous_install(build.path());
  FakeHttpClient http;
  const std::string unsafe =
      make_tar_gz({Dir(".whiskey/"), File(".whiskey/a", "x"), Symlink(".whiskey/etc", "/etc"),
                   File(".whiskey/z", noise(5000))});

  SECTION("unsafe, with the right digest: the unsafe entry is named") {
    http.add(kUrl, {.body = unsafe});
    auto e = failed_install(http, source(sha256_hex(unsafe)), build.path());
    CHECK(e.headline == "The Apache bundle holds an unsafe entry");
    CHECK(e.what_happened ==
          "Nothing was installed: '.whiskey/etc' is a link that points outside .whiskey (to "
          "'/etc').");
  }
  SECTION("unsafe, without a digest") {
    http.add(kUrl, {.body = unsafe});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The Apache bundle holds an unsafe entry");
  }
  SECTION("unsafe, with a wrong digest: the mismatch is what is reported") {
    http.add(kUrl, {.body = unsafe, .chunk = 100});
    const std::string expected = sha256_hex(make_tar_gz(bundle_entries()));
    auto e = failed_install(http, source(expected), build.path());
    CHECK(e.headline == "The Apache bundle failed verification");
    CHECK_THAT(e.what_happened, Contains("  expected: " + expected + "\n"));
    CHECK_THAT(e.what_happened, Contains("  actual:   " + sha256_hex(unsafe) + "\n"));
    CHECK(e.details == "'.whiskey/etc' is a link that points outside .whiskey (to '/etc')");
  }
  SECTION("an HTML page served as 200") {
    const std::string page = "<!DOCTYPE html>\n<html><body>Sign in</body></html>\n";
    http.add(kUrl, {.body = page});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The download is not an Apache bundle");
    CHECK(e.what_happened ==
          kUrl + " is not a tar archive.\nThe server sent an HTML page, not a bundle.");
    CHECK(e.details == "not a tar archive, and not compressed with gzip or zstd");
  }
  SECTION("truncated, with a matching digest") {
    const std::string big = make_tar_gz({File(".whiskey/big", noise(200 * 1024))});
    const std::string cut = big.substr(0, big.size() / 2);
    http.add(kUrl, {.body = cut});
    auto e = failed_install(http, source(sha256_hex(cut)), build.path());
    CHECK(e.headline == "The Apache bundle is cut short");
    CHECK(e.what_happened == "The archive from " + kUrl +
                                 "\nends early: it was cut short when it was copied or "
                                 "uploaded.\nNothing was installed.");
  }
  SECTION("its gzip CRC-32 rewritten, with a matching digest: installed before, refused now") {
    std::string bad = make_tar_gz(bundle_entries());
    bad[bad.size() - 8] = static_cast<char>(bad[bad.size() - 8] ^ 0x20);
    http.add(kUrl, {.body = bad, .chunk = 100});
    auto e = failed_install(http, source(sha256_hex(bad)), build.path());
    CHECK(e.headline == "The Apache bundle failed its compressor's check");
    CHECK_THAT(e.details, Contains("the gzip CRC-32 does not match the data"));
  }
  SECTION("its zstd checksum rewritten, with a wrong digest: the mismatch is what is reported") {
    const std::string good = zstd(make_tar(bundle_entries(), TarCompression::kNone));
    std::string bad = good;
    bad[bad.size() - 1] = static_cast<char>(bad[bad.size() - 1] ^ 0x20);  // in its checksum
    http.add(kUrl, {.body = bad});
    const std::string expected = sha256_hex(good);
    auto e = failed_install(http, source(expected), build.path());
    CHECK(e.headline == "The Apache bundle failed verification");
    CHECK_THAT(e.details, Contains("the zstd frame checksum does not match the data"));
  }
  SECTION("data after its end, with a matching digest") {
    std::string bad = make_tar_zst(bundle_entries()) + "appended";
    http.add(kUrl, {.body = bad});
    auto e = failed_install(http, source(sha256_hex(bad)), build.path());
    CHECK(e.headline == "The Apache bundle has data after its end");
    CHECK_THAT(e.details, Contains("data after the end of the zstd stream"));
  }
  SECTION("cut short early, without a digest: still truncated, not 'not a bundle'") {
    const std::string bytes = make_tar_gz(bundle_entries());
    http.add(kUrl, {.body = bytes.substr(0, bytes.size() * 2 / 3)});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The Apache bundle is cut short");
    CHECK_THAT(e.details, Contains("the gzip stream ends early"));
  }
  SECTION("too large") {
    const std::string bytes = make_tar_gz(bundle_entries());
    http.add(kUrl, {.body = bytes});
    UnpackLimits limits;
    limits.max_bytes = 1000;
    auto e = failed_install(http, source(), build.path(), limits);
    CHECK(e.headline == "The Apache bundle is too large");
    CHECK(e.what_happened == "Nothing was installed: the archive unpacks to more than 1000 bytes.");
  }
  SECTION("empty") {
    http.add(kUrl, {.body = make_tar_gz({Dir(".whiskey/")})});
    auto e = failed_install(http, source(), build.path());
    CHECK(e.headline == "The Apache bundle is empty");
    CHECK(e.what_happened == "the archive has nothing under .whiskey/.");
  }
}

TEST_CASE("install_bundle: .whiskey must be a folder", "[install]") {
  TempDir build;
  FakeHttpClient http;
  http.add(kUrl, {.body = make_tar_gz(bundle_entries())});

  SECTION("a file") {
    write_text(build / ".whiskey", "not a folder");
  }
  SECTION("a link to a folder") {
    fs::create_directory(build / "elsewhere");
    fs::create_directory_symlink("elsewhere", build / ".whiskey");
  }
  auto e = failed_install(http, source(), build.path());
  CHECK(e.headline == ".whiskey is not a folder");
  CHECK(http.requests.empty());
}

TEST_CASE("install_bundle_into: a target that is not a folder is refused before any request",
          "[install]") {
  TempDir layers;
  write_text(layers / "apache", "not a folder");
  FakeHttpClient http;
  http.add(kUrl, {.body = make_tar_gz(bundle_entries())});
  FakeClock clock;
  BundleCache cache(layers / "cache");
  auto e = expect_message<InstallError>(
      [&] { install_bundle_into(http, source(), layers / "apache", clock, {.cache = &cache}); });
  CHECK(e.headline == "apache is not a folder");
  CHECK(http.requests.empty());
  CHECK(read_text(layers / "apache") == "not a folder");
}

TEST_CASE("install_bundle: progress", "[install]") {
  TempDir build;
  const std::string bytes = make_tar_gz(bundle_entries());
  FakeClock clock;
  FakeHttpClient http(&clock);
  http.add(kUrl,
           {.body = bytes, .content_length = bytes.size(), .chunk = 512, .seconds_per_chunk = 1});

  std::vector<Progress> seen;
  install_bundle(http, source(), build.path(), clock,
                 {.progress = [&](const Progress& p) { seen.push_back(p); }});

  REQUIRE(seen.size() >= bytes.size() / 512);
  CHECK(seen.front().bytes == 512);
  CHECK(seen.front().seconds == Approx(1.0));
  for (std::size_t i = 1; i < seen.size(); ++i) {
    INFO("report " << i);
    CHECK(seen[i].bytes >= seen[i - 1].bytes);
    CHECK(seen[i].seconds >= seen[i - 1].seconds);
  }
  std::size_t growing = 0;
  for (std::size_t i = 1; i < seen.size(); ++i) growing += seen[i].bytes > seen[i - 1].bytes;
  CHECK(growing == (bytes.size() + 511) / 512 - 1);
  CHECK(seen.back().bytes == bytes.size());
  CHECK(seen.back().seconds == Approx(static_cast<double>((bytes.size() + 511) / 512)));
  for (const auto& p : seen) CHECK(p.total == bytes.size());
}
