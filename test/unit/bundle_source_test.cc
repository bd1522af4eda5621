#include "bundle_source.h"

#include <catch2/catch.hpp>

#include "errors.h"
#include "fakes.h"

using namespace whiskey;
using Catch::Matchers::Contains;
using whiskey::testing::expect_message;
using whiskey::testing::expect_throw;

namespace {

constexpr const char* kHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

Config url_config(std::string url, bool allow_http = false) {
  Config c;
  c.url = std::move(url);
  c.allow_http = allow_http;
  return c;
}

UserMessage resolve_error(const Config& c) {
  return expect_message<Failure>([&] { resolve_bundle(c); });
}

}  // namespace

TEST_CASE("s3_object_url: virtual-hosted, dotted bucket, endpoint", "[bundle_source]") {
  CHECK(s3_object_url("my-bucket", "whiskey-heroku-24.tar.gz", "eu-west-1", "") ==
        "https://my-bucket.s3.eu-west-1.amazonaws.com/whiskey-heroku-24.tar.gz");
  CHECK(s3_object_url("bundles2", "a/b/c.tar.gz", "us-east-1", "") ==
        "https://bundles2.s3.us-east-1.amazonaws.com/a/b/c.tar.gz");
  // A dotted bucket cannot be a TLS host label: path style.
  CHECK(s3_object_url("my.bucket", "b.tar.gz", "eu-west-1", "") ==
        "https://s3.eu-west-1.amazonaws.com/my.bucket/b.tar.gz");
  // So are names that are not valid host labels.
  CHECK(s3_object_url("My_Bucket", "b.tar.gz", "us-east-1", "") ==
        "https://s3.us-east-1.amazonaws.com/My_Bucket/b.tar.gz");
  // An endpoint means path style under it, whatever the bucket.
  CHECK(s3_object_url("my-bucket", "b.tar.gz", "eu-west-1", "http://127.0.0.1:4568") ==
        "http://127.0.0.1:4568/my-bucket/b.tar.gz");
  CHECK(s3_object_url("my-bucket", "b.tar.gz", "eu-west-1", "https://minio.example/s3//") ==
        "https://minio.example/s3/my-bucket/b.tar.gz");
}

TEST_CASE("s3_object_url: the object's path is joined under the endpoint's", "[bundle_source]") {
  for (auto [endpoint, url] : {
           std::pair{"https://minio.example:9000/s3/", "https://minio.example:9000/s3/b/k.tar.gz"},
           // Only the path: the rest of the endpoint stays where it was.
           std::pair{"https://minio.example/s3?x=1", "https://minio.example/s3/b/k.tar.gz?x=1"},
           // An endpoint that is not a URL stays one, for check_url_policy
           // to refuse.
           std::pair{"localhost:4568", "localhost:4568/b/k.tar.gz"},
       }) {
    INFO(endpoint);
    CHECK(s3_object_url("b", "k.tar.gz", "us-east-1", endpoint) == url);
  }
  CHECK_THROWS_AS(parse_url(s3_object_url("b", "k.tar.gz", "us-east-1", "localhost:4568")),
                  std::invalid_argument);
}

TEST_CASE("s3_object_url: a bucket with a key prefix", "[bundle_source]") {
  CHECK(s3_object_url("my-bucket/bundles", "b.tar.gz", "eu-west-1", "") ==
        "https://my-bucket.s3.eu-west-1.amazonaws.com/bundles/b.tar.gz");
  CHECK(s3_object_url("my-bucket/a/b/", "/c d.tar.gz", "eu-west-1", "") ==
        "https://my-bucket.s3.eu-west-1.amazonaws.com/a/b/c%20d.tar.gz");
  CHECK(s3_object_url("my.bucket/p", "b.tar.gz", "eu-west-1", "") ==
        "https://s3.eu-west-1.amazonaws.com/my.bucket/p/b.tar.gz");
  CHECK(s3_object_url("my-bucket/", "b.tar.gz", "eu-west-1", "http://127.0.0.1:4568") ==
        "http://127.0.0.1:4568/my-bucket/b.tar.gz");
}

TEST_CASE("check_url_policy names the variable", "[bundle_source]") {
  CHECK_NOTHROW(check_url_policy("https://h.example/x", "WHISKEY_URL", false));
  CHECK_NOTHROW(check_url_policy("http://[::1]/x", "WHISKEY_URL", false));
  CHECK_NOTHROW(check_url_policy("http://h.example/x", "WHISKEY_URL", true));
  auto invalid = expect_message<Failure>(
      [] { check_url_policy("h.example/x", "WHISKEY_S3_ENDPOINT", false); });
  CHECK(invalid.headline == "Invalid WHISKEY_S3_ENDPOINT");
  auto plain = expect_message<Failure>(
      [] { check_url_policy("http://u:pw@h.example/x?s=1", "WHISKEY_URL", false); });
  CHECK(plain.headline == "The bundle would be fetched over plain http");
  CHECK(plain.what_happened ==
        "'http://h.example/x?…' is not encrypted, so the bundle could be\n"
        "tampered with on the way.");
}

TEST_CASE("s3_object_url: key percent-encoding and leading slashes", "[bundle_source]") {
  CHECK(s3_object_url("b", "dir/a b+c@v1~x_y-z.tar.gz", "us-east-1", "") ==
        "https://b.s3.us-east-1.amazonaws.com/dir/a%20b%2Bc%40v1~x_y-z.tar.gz");
  CHECK(s3_object_url("b", "q?x=1#f&%", "us-east-1", "") ==
        "https://b.s3.us-east-1.amazonaws.com/q%3Fx%3D1%23f%26%25");
  CHECK(s3_object_url("b", "caf\xc3\xa9.tar.gz", "us-east-1", "") ==
        "https://b.s3.us-east-1.amazonaws.com/caf%C3%A9.tar.gz");
  CHECK(s3_object_url("b", "/x/y.tar.gz", "us-east-1", "") ==
        "https://b.s3.us-east-1.amazonaws.com/x/y.tar.gz");
  CHECK(s3_object_url("b", "///x.tar.gz", "us-east-1", "http://localhost:9000/") ==
        "http://localhost:9000/b/x.tar.gz");
}

TEST_CASE("resolve_bundle: WHISKEY_URL", "[bundle_source]") {
  Config c = url_config("https://bundles.example.com/v1/whiskey-heroku-24.tar.gz");
  c.sha256 = Sha256Digest::parse(kHex);
  BundleSource s = resolve_bundle(c);
  CHECK(s.url == "https://bundles.example.com/v1/whiskey-heroku-24.tar.gz");
  REQUIRE(s.sha256.has_value());
  CHECK(s.sha256->hex() == kHex);
  CHECK(s.name == "whiskey-heroku-24.tar.gz");
  CHECK(s.described == "https://bundles.example.com/v1/whiskey-heroku-24.tar.gz");

  // A signed URL: fetched whole, described without its query or credentials.
  BundleSource signed_url = resolve_bundle(
      url_config("https://user:secret@h.example/b/x.tar.gz?X-Amz-Signature=abc&X-Amz-Expires=60"));
  CHECK(signed_url.url ==
        "https://user:secret@h.example/b/x.tar.gz?X-Amz-Signature=abc&X-Amz-Expires=60");
  CHECK(signed_url.name == "x.tar.gz");
  CHECK(signed_url.described == "https://h.example/b/x.tar.gz?…");
  CHECK_FALSE(signed_url.sha256.has_value());

  // No file name in the path.
  CHECK(resolve_bundle(url_config("https://h.example")).name == "bundle");
  CHECK(resolve_bundle(url_config("https://h.example/dir/")).name == "bundle");
}

TEST_CASE("resolve_bundle: bucket and package", "[bundle_source]") {
  Config c;
  c.bucket = "my-bucket";
  c.package = "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz";
  c.region = "eu-west-1";
  BundleSource s = resolve_bundle(c);
  CHECK(s.url ==
        "https://my-bucket.s3.eu-west-1.amazonaws.com/"
        "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz");
  CHECK(s.name == "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz");
  CHECK(s.described == "s3://my-bucket/whiskey-heroku-24-amd64-apache-2.4.68.tar.gz (eu-west-1)");

  c.package = "releases/2024/b.tar.gz";
  CHECK(resolve_bundle(c).name == "b.tar.gz");

  // With an endpoint (a local S3), the URL itself is shown; http to a
  // loopback endpoint is allowed.
  c.s3_endpoint = "http://127.0.0.1:4568";
  BundleSource local = resolve_bundle(c);
  CHECK(local.url == "http://127.0.0.1:4568/my-bucket/releases/2024/b.tar.gz");
  CHECK(local.described == "http://127.0.0.1:4568/my-bucket/releases/2024/b.tar.gz");
}

TEST_CASE("resolve_bundle: missing and contradictory configuration", "[bundle_source]") {
  SECTION("nothing") {
    auto e = resolve_error(Config{});
    CHECK(e.headline == "No Apache bundle is configured");
    CHECK_THAT(e.what_happened, Contains("WHISKEY_URL,\nWHISKEY_BUCKET or WHISKEY_PACKAGE"));
    CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_BUCKET=my-bucket"));
    CHECK_THAT(e.what_to_do, Contains("WHISKEY_URL=https://... WHISKEY_SHA256="));
  }
  SECTION("a bucket without a package") {
    Config c;
    c.bucket = "my-bucket";
    auto e = resolve_error(c);
    CHECK(e.headline == "WHISKEY_PACKAGE is not set");
    CHECK(e.what_happened == "WHISKEY_BUCKET is set to 'my-bucket', but no bundle in it is named.");
    CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_PACKAGE="));
  }
  SECTION("a package without a bucket") {
    Config c;
    c.package = "b.tar.gz";
    auto e = resolve_error(c);
    CHECK(e.headline == "WHISKEY_BUCKET is not set");
    CHECK(e.what_happened == "WHISKEY_PACKAGE names 'b.tar.gz', but not the bucket it is in.");
    CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_BUCKET=my-bucket"));
  }
  SECTION("a URL and a bucket, a URL and a package") {
    for (int which = 0; which < 3; ++which) {
      Config c = url_config("https://h.example/b.tar.gz");
      if (which != 1) c.bucket = "my-bucket";
      if (which != 0) c.package = "b.tar.gz";
      auto e = resolve_error(c);
      CHECK(e.headline == "Both WHISKEY_URL and WHISKEY_BUCKET/WHISKEY_PACKAGE are set");
      CHECK_THAT(e.what_to_do, Contains("heroku config:unset WHISKEY_BUCKET WHISKEY_PACKAGE"));
    }
  }
  SECTION("not a URL") {
    auto e = resolve_error(url_config("bundles.example.com/b.tar.gz"));
    CHECK(e.headline == "Invalid WHISKEY_URL");
    CHECK(e.what_happened ==
          "'bundles.example.com/b.tar.gz' is not a URL the bundle can be fetched from.");
    CHECK(e.details == "not an absolute URL (expected scheme://host/path)");
  }
  SECTION("an endpoint that is not a URL") {
    Config c;
    c.bucket = "b";
    c.package = "p.tar.gz";
    c.s3_endpoint = "localhost:4568";
    auto e = resolve_error(c);
    CHECK(e.headline == "Invalid WHISKEY_S3_ENDPOINT");
  }
}

TEST_CASE("resolve_bundle: plain http only to loopback or when allowed", "[bundle_source]") {
  for (const char* url : {"http://localhost:8080/b.tar.gz", "http://127.0.0.1/b.tar.gz",
                          "http://127.1.2.3:80/b.tar.gz", "http://[::1]:4568/b.tar.gz",
                          "HTTP://LOCALHOST/b.tar.gz"}) {
    INFO(url);
    CHECK(resolve_bundle(url_config(url)).url == url);
  }

  for (const char* url :
       {"http://bundles.example.com/b.tar.gz", "http://10.0.0.5/b.tar.gz",
        "http://127.0.0.1.nip.io/b.tar.gz", "http://localhost.example.com/b.tar.gz",
        "http://user:secret@h.example/b.tar.gz?sig=1", "http://127.0.0.1@evil.example/b.tar.gz"}) {
    INFO(url);
    auto e = resolve_error(url_config(url));
    CHECK(e.headline == "The bundle would be fetched over plain http");
    CHECK_THAT(e.what_happened, Contains("is not encrypted"));
    CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_ALLOW_HTTP=1"));
    // Secrets in the URL stay out of the message.
    CHECK_THAT(e.what_happened, !Contains("secret") && !Contains("sig=1"));
    CHECK(resolve_bundle(url_config(url, true)).url == url);
  }

  Config c;
  c.bucket = "b";
  c.package = "p.tar.gz";
  c.s3_endpoint = "http://minio.internal:9000";
  CHECK(resolve_error(c).headline == "The bundle would be fetched over plain http");
  c.allow_http = true;
  CHECK(resolve_bundle(c).url == "http://minio.internal:9000/b/p.tar.gz");
}

TEST_CASE("resolve_bundle: other schemes are refused", "[bundle_source]") {
  for (auto [url, scheme] : {std::pair{"ftp://ftp.example.com/b.tar.gz", "ftp"},
                             std::pair{"file:///tmp/b.tar.gz", "file"},
                             std::pair{"FTP://user:pw@h.example/b.tar.gz", "ftp"}}) {
    INFO(url);
    // Not even WHISKEY_ALLOW_HTTP lets them through.
    auto e = resolve_error(url_config(url, true));
    if (std::string(scheme) == "file") {
      CHECK(e.headline == "Invalid WHISKEY_URL");  // no host
    } else {
      CHECK(e.headline == "Unsupported URL scheme '" + std::string(scheme) + "'");
      CHECK_THAT(e.what_happened, Contains("cannot be fetched by this buildpack"));
      CHECK_THAT(e.what_happened, !Contains("pw@"));
      CHECK(e.what_to_do == "Give an https:// URL for the bundle.");
    }
  }
}

TEST_CASE("redact_url strips credentials and the query", "[bundle_source]") {
  CHECK(redact_url("https://user:pass@host.example/path/b.tar.gz") ==
        "https://host.example/path/b.tar.gz");
  CHECK(redact_url("https://user:pass@host.example/b.tar.gz?X-Amz-Signature=s") ==
        "https://host.example/b.tar.gz?…");
  CHECK(redact_url("https://host.example/b.tar.gz?sig=1") == "https://host.example/b.tar.gz?…");
  CHECK(redact_url("https://host.example/b.tar.gz#frag") == "https://host.example/b.tar.gz");
  CHECK(redact_url("https://token@host.example") == "https://host.example");
  CHECK(redact_url("https://u:p@ss@host.example/x") == "https://host.example/x");
  // An '@' in the path or query is not a credential.
  CHECK(redact_url("https://host.example/a@b/c") == "https://host.example/a@b/c");
  CHECK(redact_url("https://host.example/c?who=a@b") == "https://host.example/c?…");
  CHECK(redact_url("https://host.example/plain") == "https://host.example/plain");
  CHECK(redact_url("not a url?secret") == "not a url?…");
  // The host, port and path as written.
  CHECK(redact_url("https://u:p@Host.Example:8443?q") == "https://Host.Example:8443?…");
  CHECK(redact_url("https://u:p@host.example/?q") == "https://host.example/?…");
  CHECK(redact_url("https://u:p@[::1]:8443/x#f") == "https://[::1]:8443/x");
  // URLs libcurl refuses still lose their credentials and query.
  CHECK(redact_url("https://u:p@host.example:99999/x?sig=1") == "https://host.example:99999/x?…");
  CHECK(redact_url("https://u:p@host.example/a b?sig=1") == "https://host.example/a b?…");
}

TEST_CASE("is_loopback_host", "[bundle_source]") {
  for (const char* host : {"localhost", "127.0.0.1", "127.1.2.3", "127.255.255.254", "::1"}) {
    INFO(host);
    CHECK(is_loopback_host(host));
  }
  for (const char* host :
       {"", "0.0.0.0", "128.0.0.1", "10.0.0.1", "127.0.0.1.nip.io", "127.example.com",
        "localhost.example.com", "notlocalhost", "[::1]", "::2", "1127.0.0.1"}) {
    INFO(host);
    CHECK_FALSE(is_loopback_host(host));
  }
}

TEST_CASE("parse_url", "[bundle_source]") {
  auto p = parse_url("HTTPS://User:Pw@Bundles.Example.COM:8443/a/B.tar.gz?x=1#frag");
  CHECK(p.scheme == "https");
  CHECK(p.host == "bundles.example.com");
  CHECK(p.path == "/a/B.tar.gz");

  auto v6 = parse_url("http://[::1]:4568/bucket/key");
  CHECK(v6.scheme == "http");
  CHECK(v6.host == "::1");
  CHECK(v6.path == "/bucket/key");

  auto v6b = parse_url("https://[2001:DB8::1]/x");
  CHECK(v6b.host == "2001:db8::1");

  auto bare = parse_url("https://h.example");
  CHECK(bare.host == "h.example");
  CHECK(bare.path.empty());
  CHECK(parse_url("https://h.example?x=/y").path.empty());
  CHECK(parse_url("https://h.example#/y").path.empty());
  CHECK(parse_url("https://h.example?x=@evil.example").host == "h.example");
  CHECK(parse_url("https://u:p@h.example:8443").host == "h.example");

  auto message = [](std::string_view url) {
    return std::string(expect_throw<std::invalid_argument>([&] { parse_url(url); }).what());
  };
  CHECK(message("h.example/x") == "not an absolute URL (expected scheme://host/path)");
  CHECK(message("://h.example/x") == "not an absolute URL (expected scheme://host/path)");
  CHECK(message("") == "not an absolute URL (expected scheme://host/path)");
  CHECK(message("https:///x") == "no host in the URL");
  CHECK(message("https://user@/x") == "no host in the URL");
  CHECK(message("https://:443/x") == "no host in the URL");
  CHECK(message("https:/h.example/x") == "not an absolute URL (expected scheme://host/path)");
  CHECK(message("file:///tmp/b.tar.gz") == "no host in the URL");
  // Anything else libcurl's parser refuses, in its words: what it would not
  // fetch is refused before any download.
  CHECK(message("http://[::1/x") == "Bad IPv6 address");
  CHECK(message("http://[]/x") == "Bad IPv6 address");
  CHECK(message("https://a@b@h.example/x") == "Bad hostname");
  CHECK(message("https://h.example:99999/x") ==
        "Port number was not a decimal number between 0 and 65535");
  CHECK(message("https://h.example/a b") == "Bad path");
}
