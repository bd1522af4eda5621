// What a user reads for each failure: every kind of every step's Failure
// has a message of the one shape, and anything else asks for a bug report.
#include "messages.h"

#include <catch2/catch.hpp>
#include <stdexcept>

#include "compile.h"
#include "config.h"
#include "fetch.h"
#include "install.h"
#include "mod_wsgi_build.h"
#include "publish.h"
#include "relocate.h"
#include "resolve.h"
#include "stack.h"

using namespace whiskey;
using Catch::Matchers::Contains;

namespace {

/// Checks the shape every error has: a one-line headline, and something to
/// do (except the publisher's usage errors, whose advice is the usage).
void check_shape(const UserMessage& m) {
  INFO(m.headline);
  CHECK_FALSE(m.headline.empty());
  CHECK(m.headline.find('\n') == std::string::npos);
  CHECK_FALSE(m.what_to_do.empty());
}

template <typename Kind, typename Make>
void each_kind(int count, Make make) {
  for (int k = 0; k < count; ++k) check_shape(message(make(static_cast<Kind>(k)), "unexpected"));
}

}  // namespace

TEST_CASE("every kind of every step's failure has a message", "[messages]") {
  each_kind<ConfigError::Kind>(11, [](auto k) { return ConfigError(k, "WHISKEY_URL", "x", "y"); });
  each_kind<StackError::Kind>(3, [](auto k) { return StackError(k, "heroku-18"); });
  each_kind<ResolveError::Kind>(6, [](auto k) {
    return ResolveError(k, Target{"heroku-24", "amd64"}, "detail");
  });
  each_kind<InstallError::Kind>(4, [](auto k) { return InstallError(k, "/app/.whiskey", "d"); });
  each_kind<RelocationError::Kind>(4, [](auto k) { return RelocationError(k, "/app", "d"); });
  each_kind<BuildError::Kind>(5, [](auto k) { return BuildError(k, "/app/x", "d", 3); });
  each_kind<ModWsgiError::Kind>(5, [](auto k) { return ModWsgiError(k, "6.1.1", "python", "o"); });
  each_kind<PublishError::Kind>(12, [](auto k) { return PublishError(k, "x", "d"); });
  for (auto kind : {BundleError::Kind::kNotArchive, BundleError::Kind::kCorrupt,
                    BundleError::Kind::kUnsafeEntry, BundleError::Kind::kTooLarge,
                    BundleError::Kind::kEmpty, BundleError::Kind::kUnsupported,
                    BundleError::Kind::kChecksum, BundleError::Kind::kTruncated,
                    BundleError::Kind::kTrailingData, BundleError::Kind::kSbomMismatch}) {
    check_shape(message(BundleInvalid(BundleError(kind, "m"), "s3://b/k", "head"), "unexpected"));
  }
}

TEST_CASE("a failure's context reaches its message", "[messages]") {
  auto m = message(ConfigError(ConfigError::Kind::kNotPositive, "WHISKEY_DOWNLOAD_ATTEMPTS", "0"),
                   "unexpected");
  CHECK(m.headline == "Invalid WHISKEY_DOWNLOAD_ATTEMPTS value");
  CHECK(m.what_happened == "WHISKEY_DOWNLOAD_ATTEMPTS is '0'.");
  CHECK_THAT(m.what_to_do, Contains("heroku config:unset WHISKEY_DOWNLOAD_ATTEMPTS"));

  auto expected = Sha256Digest::parse(std::string(64, 'a'));
  auto actual = Sha256Digest::parse(std::string(64, 'b'));
  auto d = message(DigestMismatch(expected, actual, "s3://b/k (us-east-1)", "truncated"), "");
  CHECK_THAT(d.what_happened, Contains("expected: " + expected.hex()));
  CHECK_THAT(d.what_happened, Contains("actual:   " + actual.hex()));
  CHECK_THAT(d.what_to_do, Contains("WHISKEY_SHA256=" + actual.hex()));
  CHECK(d.details == "truncated");

  auto f = message(
      FetchError("bundle manifest", "https://b.example.com/manifest.json",
                 HttpStatusError(404, "https://b.example.com/manifest.json?X-Amz=s", "", {})),
      "");
  CHECK(f.headline == "The bundle manifest was not found");
  CHECK_THAT(f.what_happened, Contains("https://b.example.com/manifest.json\nwas answered 404"));
  CHECK_THAT(f.what_happened, !Contains("X-Amz"));

  auto t = message(FetchError("Apache bundle", "https://b.example.com/b.tar.zst",
                              TransportError("Connection refused", 7, 2048)),
                   "");
  CHECK(t.headline == "The Apache bundle could not be downloaded");
  CHECK_THAT(t.what_happened, Contains("failed after 2.0 KiB."));
  CHECK(t.details == "Connection refused");
}

TEST_CASE("anything but a step's failure is a bug to report", "[messages]") {
  auto m = message(std::runtime_error("basic_string::_M_create"), "The build failed unexpectedly");
  CHECK(m.headline == "The build failed unexpectedly");
  CHECK(m.what_happened == "basic_string::_M_create");
  CHECK(m.what_to_do == kReportBugs);
}
