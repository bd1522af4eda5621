#include "config.h"

#include <catch2/catch.hpp>

#include "errors.h"
#include "fakes.h"
#include "memory_disk.h"

using namespace whiskey;
using Catch::Matchers::Contains;
using whiskey::testing::expect_message;
using whiskey::testing::expect_throw;

namespace {

constexpr const char* kHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

}  // namespace

TEST_CASE("load_vars: ENV_DIR overrides the process environment", "[config]") {
  MemoryDisk disk;
  disk.add_file("/env/WHISKEY_URL", "https://from-env-dir.example/b.tar.gz");
  disk.add_file("/env/WHISKEY_REGION", "eu-west-1");
  std::string a = "WHISKEY_URL=https://from-environment.example/b.tar.gz";
  std::string b = "STACK=heroku-24";
  std::string c = "ODD=a=b=c";
  std::string d = "NO_EQUALS_SIGN";
  char* envp[] = {a.data(), b.data(), c.data(), d.data(), nullptr};

  Vars vars = load_vars(disk, "/env", envp);

  CHECK(vars.at("WHISKEY_URL") == "https://from-env-dir.example/b.tar.gz");
  CHECK(vars.at("WHISKEY_REGION") == "eu-west-1");
  CHECK(vars.at("STACK") == "heroku-24");
  CHECK(vars.at("ODD") == "a=b=c");
  CHECK(vars.count("NO_EQUALS_SIGN") == 0);
  CHECK(vars.size() == 4);
}

TEST_CASE("load_vars: trailing newlines of ENV_DIR files are stripped", "[config]") {
  MemoryDisk disk;
  disk.add_file("/env/ONE", "value\n");
  disk.add_file("/env/CRLF", "value\r\n");
  disk.add_file("/env/MANY", "value\n\n\n");
  disk.add_file("/env/INNER", "line one\nline two\n");
  disk.add_file("/env/EMPTY", "");
  disk.add_file("/env/SPACES", "  value  ");

  Vars vars = load_vars(disk, "/env", nullptr);

  CHECK(vars.at("ONE") == "value");
  CHECK(vars.at("CRLF") == "value");
  CHECK(vars.at("MANY") == "value");
  CHECK(vars.at("INNER") == "line one\nline two");
  CHECK(vars.at("EMPTY").empty());
  CHECK(vars.at("SPACES") == "  value  ");
}

TEST_CASE("load_vars: no ENV_DIR, a missing one, and folders inside it", "[config]") {
  MemoryDisk disk;
  disk.add_file("/env/sub/NESTED", "x");
  std::string a = "HOME=/app";
  char* envp[] = {a.data(), nullptr};

  CHECK(load_vars(disk, "", envp) == Vars{{"HOME", "/app"}});
  CHECK(load_vars(disk, "/does-not-exist", envp) == Vars{{"HOME", "/app"}});
  // A folder in ENV_DIR is not a variable, and nothing below it is read.
  CHECK(load_vars(disk, "/env", envp) == Vars{{"HOME", "/app"}});
  CHECK(load_vars(disk, "", nullptr).empty());
}

TEST_CASE("var_or: unset and empty fall back", "[config]") {
  Vars vars{{"SET", "x"}, {"EMPTY", ""}};
  CHECK(var_or(vars, "SET", "f") == "x");
  CHECK(var_or(vars, "EMPTY", "f") == "f");
  CHECK(var_or(vars, "UNSET", "f") == "f");
  CHECK(var_or(vars, "UNSET").empty());
}

TEST_CASE("parse_config: defaults and trimmed values", "[config]") {
  Config c = parse_config({});
  CHECK(c.url.empty());
  CHECK_FALSE(c.sha256.has_value());
  CHECK(c.bucket.empty());
  CHECK(c.package.empty());
  CHECK(c.region == "us-east-1");
  CHECK(c.s3_endpoint.empty());
  CHECK_FALSE(c.allow_http);
  CHECK(c.stack.empty());

  Config d = parse_config({
      {"WHISKEY_URL", " https://example.com/b.tar.gz \n"},
      {"WHISKEY_SHA256", std::string("  sha256:") + kHex + "\t"},
      {"WHISKEY_BUCKET", " my-bucket "},
      {"WHISKEY_PACKAGE", "whiskey.tar.gz\n"},
      {"WHISKEY_REGION", " eu-west-1 "},
      {"WHISKEY_S3_ENDPOINT", "http://127.0.0.1:4568 "},
      {"STACK", "heroku-24\n"},
  });
  CHECK(d.url == "https://example.com/b.tar.gz");
  REQUIRE(d.sha256.has_value());
  CHECK(d.sha256->hex() == kHex);
  CHECK(d.bucket == "my-bucket");
  CHECK(d.package == "whiskey.tar.gz");
  CHECK(d.region == "eu-west-1");
  CHECK(d.s3_endpoint == "http://127.0.0.1:4568");
  CHECK(d.stack == "heroku-24");
}

TEST_CASE("parse_config: WHISKEY_SHA256 must be a digest", "[config]") {
  SECTION("too short") {
    auto e = expect_message<Failure>([] {
      parse_config({{"WHISKEY_SHA256", std::string(kHex).substr(1)}});
    });
    CHECK(e.headline == "Invalid WHISKEY_SHA256 value");
    auto typed = expect_throw<ConfigError>([] {
      parse_config({{"WHISKEY_SHA256", std::string(kHex).substr(1)}});
    });
    CHECK(typed.kind == ConfigError::Kind::kNotDigest);
    CHECK(typed.variable == "WHISKEY_SHA256");
    CHECK_THAT(e.what_happened, Contains("64 hexadecimal digits"));
    CHECK_THAT(e.what_happened, Contains("sha256:<digits>"));
    CHECK_THAT(e.what_to_do, Contains("sha256sum BUNDLE.tar.zst"));
    CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_SHA256=<digest>"));
    CHECK(e.details == "expected 64 hexadecimal digits, got 63 characters");
  }
  SECTION("not hexadecimal") {
    std::string bad(kHex);
    bad[10] = 'z';
    auto e = expect_message<Failure>([&] { parse_config({{"WHISKEY_SHA256", bad}}); });
    CHECK(e.headline == "Invalid WHISKEY_SHA256 value");
    CHECK(e.details == "'z' is not a hexadecimal digit");
  }
  SECTION("another algorithm's prefix") {
    auto e = expect_message<Failure>([] {
      parse_config({{"WHISKEY_SHA256", std::string("sha512:") + kHex}});
    });
    CHECK(e.headline == "Invalid WHISKEY_SHA256 value");
  }
  SECTION("blank counts as unset") {
    CHECK_FALSE(parse_config({{"WHISKEY_SHA256", "  \n"}}).sha256.has_value());
  }
}

TEST_CASE("parse_config: WHISKEY_REGION must look like a region", "[config]") {
  for (const char* bad : {"eu_west_1", "eu-west-1.evil.com", "eu west 1", "us-east-1/x"}) {
    INFO(bad);
    auto e = expect_message<Failure>([&] { parse_config({{"WHISKEY_REGION", bad}}); });
    CHECK(e.headline == "Invalid WHISKEY_REGION value");
    CHECK(e.what_happened ==
          "WHISKEY_REGION is '" + std::string(bad) + "', which is not an AWS region name.");
    CHECK_THAT(e.what_to_do, Contains("heroku config:set WHISKEY_REGION=eu-west-1"));
  }
  CHECK(parse_config({{"WHISKEY_REGION", "ap-southeast-2"}}).region == "ap-southeast-2");
  CHECK(parse_config({{"WHISKEY_REGION", ""}}).region == "us-east-1");
}

TEST_CASE("parse_config: a blank WHISKEY_REGION means the default", "[config]") {
  CHECK(parse_config({{"WHISKEY_REGION", "   "}}).region == "us-east-1");
  CHECK(parse_config({{"WHISKEY_REGION", " eu-west-1\n"}}).region == "eu-west-1");
}

TEST_CASE("parse_config: WHISKEY_ALLOW_HTTP is a flag", "[config]") {
  for (const char* on : {"1", "true", "yes", "on", "TRUE", " 1\n"}) {
    INFO(on);
    CHECK(parse_config({{"WHISKEY_ALLOW_HTTP", on}}).allow_http);
  }
  for (const char* off : {"", "0", "false", "no", "off", "No"}) {
    INFO(off);
    CHECK_FALSE(parse_config({{"WHISKEY_ALLOW_HTTP", off}}).allow_http);
  }
  for (const char* bad : {"maybe", "2", "onn"}) {
    INFO(bad);
    auto e = expect_message<Failure>([&] { parse_config({{"WHISKEY_ALLOW_HTTP", bad}}); });
    CHECK(e.headline == "Invalid WHISKEY_ALLOW_HTTP value");
    CHECK(e.what_happened ==
          "WHISKEY_ALLOW_HTTP is set to '" + std::string(bad) + "', which is neither on nor off.");
    CHECK_THAT(e.what_to_do, Contains("heroku config:unset WHISKEY_ALLOW_HTTP"));
  }
}

TEST_CASE("positive_var: whole numbers of at least 1, else the fallback or an error", "[config]") {
  CHECK(positive_var({}, "WHISKEY_MAX_UNPACKED_MB", 4096) == 4096);
  CHECK(positive_var({{"WHISKEY_MAX_UNPACKED_MB", ""}}, "WHISKEY_MAX_UNPACKED_MB", 7) == 7);
  CHECK(positive_var({{"WHISKEY_MAX_UNPACKED_MB", " 12\n"}}, "WHISKEY_MAX_UNPACKED_MB", 7) == 12);
  for (const char* bad : {"0", "-3", "1.5", "lots", "99999999"}) {
    INFO(bad);
    auto e = expect_message<Failure>([&] {
      positive_var({{"WHISKEY_MAX_UNPACKED_MB", bad}}, "WHISKEY_MAX_UNPACKED_MB", 7);
    });
    CHECK(e.headline == "Invalid WHISKEY_MAX_UNPACKED_MB value");
  }
}
