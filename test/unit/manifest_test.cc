#include "manifest.h"

#include <sys/utsname.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "fakes.h"

using namespace whiskey;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;
using whiskey::testing::expect_throw;

namespace {

const std::string kShaA = std::string(64, 'a');
const std::string kShaB = std::string(64, 'b');
const std::string kShaC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

json entry(const std::string& stack, const std::string& arch, const std::string& apache,
           const std::string& sha = kShaA) {
  return {{"key", "whiskey-" + stack + "-" + arch + "-apache-" + apache + ".tar.gz"},
          {"stack", stack},
          {"arch", arch},
          {"apache", apache},
          {"size", 1000},
          {"sha256", sha}};
}

json manifest_json(json bundles) {
  return {{"schema", 1}, {"bundles", std::move(bundles)}};
}

/// A manifest with two stacks, two arches and several Apache versions, in no
/// particular order.
json several() {
  json j = manifest_json({
      entry("heroku-24", "amd64", "2.4.9", kShaA),
      entry("heroku-22", "amd64", "2.4.68", kShaB),
      entry("heroku-24", "arm64", "2.4.68", kShaC),
      entry("heroku-24", "amd64", "2.4.10", kShaB),
      entry("heroku-24", "amd64", "2.4.2", kShaC),
  });
  j["bundles"][1]["published_at"] = "2026-11-23T20:00:00Z";
  j["bundles"][1]["size"] = 2234217;
  return j;
}

ManifestEntry make_entry(const std::string& stack, const std::string& arch,
                         const std::string& apache, const std::string& sha = kShaA) {
  return ManifestEntry{.key = "whiskey-" + stack + "-" + arch + "-apache-" + apache + ".tar.gz",
                       .stack = stack,
                       .arch = arch,
                       .apache = apache,
                       .size = 1000,
                       .sha256 = Sha256Digest::parse(sha),
                       .published_at = {}};
}

std::string parse_error(const json& j) {
  return expect_throw<std::runtime_error>([&] { parse_manifest(j.dump()); }).what();
}

std::string parse_error(const std::string& text) {
  return expect_throw<std::runtime_error>([&] { parse_manifest(text); }).what();
}

std::vector<std::string> keys(const Manifest& m) {
  std::vector<std::string> out;
  for (const auto& e : m.bundles) out.push_back(e.key);
  return out;
}

void check_same(const ManifestEntry& a, const ManifestEntry& b) {
  CHECK(a.key == b.key);
  CHECK(a.stack == b.stack);
  CHECK(a.arch == b.arch);
  CHECK(a.apache == b.apache);
  CHECK(a.size == b.size);
  CHECK(a.sha256 == b.sha256);
  CHECK(a.published_at == b.published_at);
}

}  // namespace

TEST_CASE("parse_manifest: a manifest with several stacks and arches", "[manifest]") {
  Manifest m = parse_manifest(several().dump(2));

  CHECK(m.schema == 1);
  REQUIRE(m.bundles.size() == 5);
  // In the order the file lists them.
  CHECK(keys(m) == std::vector<std::string>{
                       "whiskey-heroku-24-amd64-apache-2.4.9.tar.gz",
                       "whiskey-heroku-22-amd64-apache-2.4.68.tar.gz",
                       "whiskey-heroku-24-arm64-apache-2.4.68.tar.gz",
                       "whiskey-heroku-24-amd64-apache-2.4.10.tar.gz",
                       "whiskey-heroku-24-amd64-apache-2.4.2.tar.gz",
                   });
  const ManifestEntry& e = m.bundles[1];
  CHECK(e.stack == "heroku-22");
  CHECK(e.arch == "amd64");
  CHECK(e.apache == "2.4.68");
  CHECK(e.size == 2234217);
  CHECK(e.sha256.hex() == kShaB);
  CHECK(e.published_at == "2026-11-23T20:00:00Z");
  CHECK(m.bundles[0].published_at.empty());
  CHECK(m.bundles[2].arch == "arm64");
  CHECK(m.bundles[2].sha256.hex() == kShaC);
}

TEST_CASE("parse_manifest: an empty list, keys in folders, sizes beyond 4 GiB", "[manifest]") {
  CHECK(parse_manifest(R"({"schema": 1, "bundles": []})").bundles.empty());

  json j = manifest_json({entry("heroku-24", "amd64", "2.4.68")});
  j["bundles"][0]["key"] = "v1/heroku-24/bundle.tar.gz";
  j["bundles"][0]["size"] = 5000000000ULL;
  j["bundles"][0]["sha256"] = "sha256:" + std::string(64, 'F');
  Manifest m = parse_manifest(j.dump());
  REQUIRE(m.bundles.size() == 1);
  CHECK(m.bundles[0].key == "v1/heroku-24/bundle.tar.gz");
  CHECK(m.bundles[0].size == 5000000000ULL);
  CHECK(m.bundles[0].sha256.hex() == std::string(64, 'f'));
}

TEST_CASE("parse_manifest: malformed documents", "[manifest]") {
  CHECK_THAT(parse_error(std::string("{\"schema\": 1, \"bundles\": [")),
             StartsWith("not valid JSON: "));
  CHECK_THAT(parse_error(std::string("")), StartsWith("not valid JSON: "));
  CHECK_THAT(parse_error(std::string("<Error><Code>NoSuchKey</Code></Error>")),
             StartsWith("not valid JSON: "));

  CHECK(parse_error(json::array({1, 2})) == "not a JSON object");
  CHECK(parse_error(json("manifest")) == "not a JSON object");
  CHECK(parse_error(json(nullptr)) == "not a JSON object");
}

TEST_CASE("parse_manifest: the schema version", "[manifest]") {
  const std::string no_schema = "no \"schema\" version number";
  CHECK(parse_error(json{{"bundles", json::array()}}) == no_schema);
  CHECK(parse_error(json{{"schema", "1"}, {"bundles", json::array()}}) == no_schema);
  CHECK(parse_error(json{{"schema", 1.5}, {"bundles", json::array()}}) == no_schema);
  CHECK(parse_error(json{{"schema", nullptr}, {"bundles", json::array()}}) == no_schema);
  CHECK(parse_error(json{{"schema", true}, {"bundles", json::array()}}) == no_schema);

  CHECK(parse_error(json{{"schema", 2}, {"bundles", json::array()}}) ==
        "schema 2 is not one this buildpack reads (it reads schema 1)");
  CHECK(parse_error(json{{"schema", 0}, {"bundles", json::array()}}) ==
        "schema 0 is not one this buildpack reads (it reads schema 1)");
}

TEST_CASE("parse_manifest: the bundles list", "[manifest]") {
  CHECK(parse_error(json{{"schema", 1}}) == "no \"bundles\" list");
  CHECK(parse_error(json{{"schema", 1}, {"bundles", json::object()}}) == "no \"bundles\" list");
  CHECK(parse_error(json{{"schema", 1}, {"bundles", "x.tar.gz"}}) == "no \"bundles\" list");
  CHECK(parse_error(manifest_json({entry("heroku-24", "amd64", "2.4.68"), 7})) ==
        "bundles[1] is not an object");
}

TEST_CASE("parse_manifest: each text field of an entry", "[manifest]") {
  // The first entry is fine; the second is broken, and named by its index.
  for (const char* field : {"key", "stack", "arch", "apache", "sha256"}) {
    const std::string expected = std::string("bundles[1] has no \"") + field + "\" text";
    auto broken = [&](const json& value) {
      json j = manifest_json(
          {entry("heroku-24", "amd64", "2.4.68"), entry("heroku-22", "amd64", "2.4.68")});
      if (value.is_discarded()) {
        j["bundles"][1].erase(field);
      } else {
        j["bundles"][1][field] = value;
      }
      return parse_error(j);
    };
    INFO(field);
    CHECK(broken(json(json::value_t::discarded)) == expected);
    CHECK(broken(json(42)) == expected);
    CHECK(broken(json(nullptr)) == expected);
    CHECK(broken(json::array({"a"})) == expected);
    CHECK(broken(json("")) == expected);
  }
}

TEST_CASE("parse_manifest: the size of an entry", "[manifest]") {
  const std::string key = "whiskey-heroku-22-amd64-apache-2.4.68.tar.gz";
  const std::string expected = "bundles[1] (" + key + ") has no \"size\" in bytes";
  auto broken = [&](const json& value) {
    json j = manifest_json(
        {entry("heroku-24", "amd64", "2.4.68"), entry("heroku-22", "amd64", "2.4.68")});
    if (value.is_discarded()) {
      j["bundles"][1].erase("size");
    } else {
      j["bundles"][1]["size"] = value;
    }
    return parse_error(j);
  };
  CHECK(broken(json(json::value_t::discarded)) == expected);
  CHECK(broken(json("1000")) == expected);
  CHECK(broken(json(-1)) == expected);
  CHECK(broken(json(10.5)) == expected);
  CHECK(broken(json(nullptr)) == expected);
}

TEST_CASE("parse_manifest: a malformed sha256", "[manifest]") {
  const std::string key = "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz";
  for (const std::string& bad :
       std::vector<std::string>{"abc", std::string(63, 'a'), std::string(65, 'a'),
                                std::string(63, 'a') + "g", "md5:" + std::string(64, 'a')}) {
    json j = manifest_json({entry("heroku-24", "amd64", "2.4.68", bad)});
    INFO(bad);
    CHECK_THAT(parse_error(j), StartsWith("bundles[0] (" + key + ") has a malformed \"sha256\": "));
  }
}

TEST_CASE("parse_manifest: a key must stay in the manifest's folder", "[manifest]") {
  for (const std::string& bad :
       std::vector<std::string>{"../other/bundle.tar.gz", "v1/../../bundle.tar.gz", "..",
                                "/etc/bundle.tar.gz", "/bundle.tar.gz"}) {
    json j = manifest_json(
        {entry("heroku-24", "amd64", "2.4.68"), entry("heroku-22", "amd64", "2.4.68")});
    j["bundles"][1]["key"] = bad;
    INFO(bad);
    CHECK(parse_error(j) == "bundles[1] has a key that leaves the manifest's folder: " + bad);
  }
}

TEST_CASE("select_bundle: the newest for the stack and arch, by number", "[manifest]") {
  Manifest m = parse_manifest(several().dump());

  auto newest = select_bundle(m, "heroku-24", "amd64");
  REQUIRE(newest);
  CHECK(newest->apache == "2.4.10");  // not 2.4.9, nor 2.4.2
  CHECK(newest->sha256.hex() == kShaB);
  CHECK(newest->key == "whiskey-heroku-24-amd64-apache-2.4.10.tar.gz");

  auto arm = select_bundle(m, "heroku-24", "arm64");
  REQUIRE(arm);
  CHECK(arm->apache == "2.4.68");
  CHECK(arm->sha256.hex() == kShaC);

  auto older_stack = select_bundle(m, "heroku-22", "amd64");
  REQUIRE(older_stack);
  CHECK(older_stack->key == "whiskey-heroku-22-amd64-apache-2.4.68.tar.gz");

  // The order of the file does not matter.
  Manifest reversed = m;
  std::reverse(reversed.bundles.begin(), reversed.bundles.end());
  CHECK(select_bundle(reversed, "heroku-24", "amd64")->apache == "2.4.10");
}

TEST_CASE("select_bundle: an explicit version, and nothing that fits", "[manifest]") {
  Manifest m = parse_manifest(several().dump());

  auto pinned = select_bundle(m, "heroku-24", "amd64", "2.4.9");
  REQUIRE(pinned);
  CHECK(pinned->key == "whiskey-heroku-24-amd64-apache-2.4.9.tar.gz");
  CHECK(pinned->sha256.hex() == kShaA);
  CHECK(select_bundle(m, "heroku-24", "amd64", "2.4.2")->sha256.hex() == kShaC);

  CHECK_FALSE(select_bundle(m, "heroku-24", "amd64", "2.4.68"));  // only for arm64
  CHECK_FALSE(select_bundle(m, "heroku-22", "amd64", "2.4.10"));
  CHECK_FALSE(select_bundle(m, "heroku-22", "arm64"));
  CHECK_FALSE(select_bundle(m, "heroku-26", "amd64"));
  CHECK_FALSE(select_bundle(m, "HEROKU-24", "amd64"));
  CHECK_FALSE(select_bundle(Manifest{}, "heroku-24", "amd64"));
}

TEST_CASE("find_key: the entry with exactly that key", "[manifest]") {
  Manifest m = parse_manifest(several().dump());
  auto e = find_key(m, "whiskey-heroku-22-amd64-apache-2.4.68.tar.gz");
  REQUIRE(e);
  CHECK(e->stack == "heroku-22");
  CHECK(e->sha256.hex() == kShaB);
  CHECK_FALSE(find_key(m, "whiskey-heroku-22-amd64-apache-2.4.68"));
  CHECK_FALSE(find_key(m, "/whiskey-heroku-22-amd64-apache-2.4.68.tar.gz"));
  CHECK_FALSE(find_key(m, ""));
  CHECK_FALSE(find_key(Manifest{}, "whiskey-heroku-22-amd64-apache-2.4.68.tar.gz"));
}

TEST_CASE("describe_offer: one line per bundle", "[manifest]") {
  CHECK(describe_offer(Manifest{}) == "no bundles at all");

  Manifest m = parse_manifest(
      manifest_json({entry("heroku-24", "amd64", "2.4.68"), entry("heroku-22", "arm64", "2.4.62")})
          .dump());
  CHECK(describe_offer(m) ==
        "heroku-24/amd64 Apache 2.4.68: whiskey-heroku-24-amd64-apache-2.4.68.tar.gz\n"
        "heroku-22/arm64 Apache 2.4.62: whiskey-heroku-22-arm64-apache-2.4.62.tar.gz");
}

TEST_CASE("compare_versions: numbers of any length, as the manifest may hold", "[manifest]") {
  CHECK(compare_versions("2.4.99999999999999999999999", "2.4.68") > 0);
  CHECK(compare_versions("2.4.99999999999999999999999", "2.4.100000000000000000000000") < 0);
  CHECK(compare_versions("2.4.0099999999999999999999", "2.4.99999999999999999999") == 0);
  Manifest m = parse_manifest(
      R"({"schema": 1, "bundles": [
        {"key": "a", "stack": "heroku-24", "arch": "amd64", "apache": "2.4.99999999999999999999999",
         "size": 1, "sha256": ")" +
      std::string(64, 'a') + R"("},
        {"key": "b", "stack": "heroku-24", "arch": "amd64", "apache": "2.4.68", "size": 1,
         "sha256": ")" +
      std::string(64, 'b') + R"("}]})");
  auto chosen = select_bundle(m, "heroku-24", "amd64");
  REQUIRE(chosen);
  CHECK(chosen->key == "a");
}

TEST_CASE("compare_versions: numeric parts compare as numbers", "[manifest]") {
  CHECK(compare_versions("2.4.10", "2.4.9") > 0);
  CHECK(compare_versions("2.4.9", "2.4.10") < 0);
  CHECK(compare_versions("2.4.68", "2.4.68") == 0);
  CHECK(compare_versions("10.0", "9.99") > 0);
  CHECK(compare_versions("2.4", "2.4.1") < 0);
  CHECK(compare_versions("2.4.1", "2.4") > 0);
  CHECK(compare_versions("2.04.1", "2.4.1") == 0);
  CHECK(compare_versions("", "") == 0);
  CHECK(compare_versions("", "1") < 0);
  CHECK(compare_versions("2.5.0", "2.4.99") > 0);
  // Non-numeric parts compare as text.
  CHECK(compare_versions("2.4.x", "2.4.y") < 0);
  CHECK(compare_versions("2.4.rc1", "2.4.rc1") == 0);
  // Always the sign only.
  CHECK(compare_versions("2.4.100", "2.4.1") == 1);
  CHECK(compare_versions("2.4.1", "2.4.100") == -1);
}

TEST_CASE("upsert: adds in order and replaces the same key", "[manifest]") {
  Manifest m = parse_manifest(several().dump());
  const auto sorted = std::vector<std::string>{
      "whiskey-heroku-22-amd64-apache-2.4.68.tar.gz",
      "whiskey-heroku-24-amd64-apache-2.4.2.tar.gz",
      "whiskey-heroku-24-amd64-apache-2.4.9.tar.gz",
      "whiskey-heroku-24-amd64-apache-2.4.10.tar.gz",
      "whiskey-heroku-24-arm64-apache-2.4.68.tar.gz",
  };

  SECTION("a new key is added, and every entry kept, sorted") {
    upsert(m, make_entry("heroku-24", "amd64", "2.4.66"));
    auto expected = sorted;
    expected.insert(expected.begin() + 4, "whiskey-heroku-24-amd64-apache-2.4.66.tar.gz");
    CHECK(keys(m) == expected);

    upsert(m, make_entry("heroku-22", "arm64", "2.4.1"));
    CHECK(m.bundles.size() == 7);
    CHECK(m.bundles[1].key == "whiskey-heroku-22-arm64-apache-2.4.1.tar.gz");
  }
  SECTION("the same key is replaced, the others untouched") {
    Manifest before = m;
    ManifestEntry again = make_entry("heroku-24", "amd64", "2.4.9", kShaC);
    again.size = 42;
    again.published_at = "2027-01-01T00:00:00Z";
    upsert(m, again);
    CHECK(keys(m) == sorted);
    check_same(*find_key(m, again.key), again);
    for (const auto& e : before.bundles) {
      if (e.key != again.key) check_same(*find_key(m, e.key), e);
    }
  }
  SECTION("into an empty manifest") {
    Manifest empty;
    upsert(empty, make_entry("heroku-24", "amd64", "2.4.68"));
    CHECK(keys(empty) == std::vector<std::string>{"whiskey-heroku-24-amd64-apache-2.4.68.tar.gz"});
    CHECK(empty.schema == 1);
  }
}

TEST_CASE("serialize_manifest: round-trips through parse_manifest", "[manifest]") {
  Manifest m = parse_manifest(several().dump());
  upsert(m, make_entry("heroku-24", "arm64", "2.4.69", kShaB));

  std::string text = serialize_manifest(m);
  CHECK_THAT(text, StartsWith("{"));
  CHECK(text.back() == '\n');
  Manifest again = parse_manifest(text);
  CHECK(again.schema == 1);
  REQUIRE(again.bundles.size() == m.bundles.size());
  for (std::size_t i = 0; i < m.bundles.size(); ++i) check_same(again.bundles[i], m.bundles[i]);

  // Without entries, it is still a manifest.
  CHECK(parse_manifest(serialize_manifest(Manifest{})).bundles.empty());
  // And no published_at is written for an entry without one.
  CHECK(json::parse(text)["bundles"][0].contains("published_at") ==
        !m.bundles[0].published_at.empty());
}

TEST_CASE("serialize_manifest: keeps the fields it does not know", "[manifest]") {
  json previous = several();
  previous["generator"] = "someone else's publisher 3.1";
  previous["mirrors"] = json::array({"https://mirror.example.com/"});
  const std::string kept_key = "whiskey-heroku-24-arm64-apache-2.4.68.tar.gz";
  const std::string replaced_key = "whiskey-heroku-24-amd64-apache-2.4.9.tar.gz";
  for (auto& b : previous["bundles"]) {
    if (b["key"] == kept_key) b["signature"] = "sig-of-arm64";
    if (b["key"] == replaced_key) {
      b["notes"] = "built with --enable-foo";
      b["published_at"] = "2025-01-01T00:00:00Z";
    }
  }
  const std::string previous_text = previous.dump(4);

  Manifest m = parse_manifest(previous_text);
  ManifestEntry replacement = make_entry("heroku-24", "amd64", "2.4.9", kShaC);
  replacement.size = 7;
  replacement.published_at = "2027-02-03T04:05:06Z";
  upsert(m, replacement);
  upsert(m, make_entry("heroku-26", "amd64", "2.4.70"));

  json out = json::parse(serialize_manifest(m, previous_text));
  CHECK(out["schema"] == 1);
  CHECK(out["generator"] == "someone else's publisher 3.1");
  CHECK(out["mirrors"] == json::array({"https://mirror.example.com/"}));
  REQUIRE(out["bundles"].size() == 6);
  for (const auto& b : out["bundles"]) {
    const std::string key = b["key"];
    INFO(key);
    if (key == kept_key) {
      CHECK(b["signature"] == "sig-of-arm64");
      CHECK(b["sha256"] == kShaC);
    } else if (key == replaced_key) {
      // The known fields are the new ones; the unknown ones carried over.
      CHECK(b["notes"] == "built with --enable-foo");
      CHECK(b["sha256"] == kShaC);
      CHECK(b["size"] == 7);
      CHECK(b["published_at"] == "2027-02-03T04:05:06Z");
    } else {
      CHECK_FALSE(b.contains("signature"));
      CHECK_FALSE(b.contains("notes"));
    }
  }

  // It still parses, in the order upsert left.
  Manifest again = parse_manifest(out.dump());
  CHECK(keys(again) == keys(m));

  // A previous text that is not a manifest object adds nothing.
  CHECK(json::parse(serialize_manifest(m, "not json")) == json::parse(serialize_manifest(m)));
  CHECK(json::parse(serialize_manifest(m, "[1, 2]")) == json::parse(serialize_manifest(m)));
}

TEST_CASE("machine_arch: the bundles' name for this machine", "[manifest]") {
  utsname u{};
  REQUIRE(::uname(&u) == 0);
  const std::string machine = u.machine;
  if (machine == "x86_64") {
    CHECK(machine_arch() == "amd64");
  } else if (machine == "aarch64") {
    CHECK(machine_arch() == "arm64");
  } else {
    CHECK(machine_arch() == machine);
  }
#if defined(__x86_64__)
  CHECK(machine_arch() == "amd64");
#endif
}

TEST_CASE("parse_manifest: a number too large for a double is refused as malformed JSON",
          "[manifest]") {
  CHECK_THROWS_AS(parse_manifest(R"({"schema": 1, "bundles": [], "generated": 1e400})"),
                  std::runtime_error);
  CHECK_THROWS_WITH(parse_manifest(R"({"schema": 1, "bundles": [], "generated": 1e400})"),
                    Catch::Contains("not valid JSON"));
}

TEST_CASE("parse_manifest: a key listed twice is malformed", "[manifest]") {
  std::string entry =
      R"({"key": "a.tar.gz", "stack": "heroku-24", "arch": "amd64", "apache": "2.4.68", "size": 1, "sha256": ")" +
      std::string(64, 'a') + R"("})";
  CHECK_THROWS_WITH(parse_manifest(R"({"schema": 1, "bundles": [)" + entry + ", " + entry + "]}"),
                    Catch::Contains("bundles[1] repeats the key a.tar.gz"));
}

TEST_CASE("compare_versions: a consistent order when parts are not all numbers", "[manifest]") {
  CHECK(compare_versions("9", "10") < 0);
  CHECK(compare_versions("10", "1a") < 0);
  CHECK(compare_versions("9", "1a") < 0);  // numbers first, so 9 < 10 < 1a
  CHECK(compare_versions("2.4.68", "2.4.68-rc1") < 0);
}

TEST_CASE("sbom_sha256: read, written, and dropped with the bundle it described", "[manifest]") {
  json j = manifest_json({entry("heroku-24", "amd64", "2.4.68")});
  j["bundles"][0]["sbom_sha256"] = kShaC;
  Manifest m = parse_manifest(j.dump());
  REQUIRE(m.bundles[0].sbom_sha256);
  CHECK(m.bundles[0].sbom_sha256->hex() == kShaC);
  CHECK_FALSE(parse_manifest(manifest_json({entry("heroku-24", "amd64", "2.4.68")}).dump())
                  .bundles[0]
                  .sbom_sha256);

  std::string text = serialize_manifest(m);
  CHECK(json::parse(text)["bundles"][0]["sbom_sha256"] == kShaC);
  CHECK(parse_manifest(text).bundles[0].sbom_sha256 == m.bundles[0].sbom_sha256);

  // A bundle published again without one: the old digest goes with the old bundle.
  upsert(m, make_entry("heroku-24", "amd64", "2.4.68", kShaB));
  CHECK_FALSE(json::parse(serialize_manifest(m, text))["bundles"][0].contains("sbom_sha256"));

  j["bundles"][0]["sbom_sha256"] = "not a digest";
  CHECK_THROWS_WITH(parse_manifest(j.dump()), Contains("malformed \"sbom_sha256\""));
  j["bundles"][0]["sbom_sha256"] = 12;
  CHECK_THROWS_WITH(parse_manifest(j.dump()), Contains("\"sbom_sha256\""));
}
