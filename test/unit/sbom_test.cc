#include "sbom.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "memory_disk.h"
#include "unpack.h"

using namespace whiskey;
using nlohmann::json;

namespace {

BundleInfo info() {
  BundleInfo i;
  i.schema = 1;
  i.stack = "heroku-24";
  i.arch = "arm64";
  i.apache = "2.4.68";
  i.apr = "1.7.2";
  i.apr_util = "1.6.3";
  return i;
}

const std::string kSha = std::string(64, 'a');

const json& component(const json& bom, const std::string& name) {
  for (const auto& c : bom["components"]) {
    if (c["name"] == name) return c;
  }
  FAIL("no component " << name);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("apache_sbom: CycloneDX 1.5 naming the bundle and what it holds", "[sbom]") {
  json bom = json::parse(apache_sbom(info(), "whiskey-heroku-24-arm64-apache-2.4.68.tar.gz", kSha));
  CHECK(bom["bomFormat"] == "CycloneDX");
  CHECK(bom["specVersion"] == "1.5");
  CHECK(bom["version"] == 1);

  const json& bundle = bom["metadata"]["component"];
  CHECK(bundle["type"] == "file");
  CHECK(bundle["name"] == "whiskey-heroku-24-arm64-apache-2.4.68.tar.gz");
  CHECK(bundle["hashes"] == json::array({{{"alg", "SHA-256"}, {"content", kSha}}}));
  CHECK(bundle["properties"][0]["value"] == "heroku-24");
  CHECK(bundle["properties"][1]["value"] == "arm64");

  REQUIRE(bom["components"].size() == 3);
  CHECK(component(bom, "httpd")["version"] == "2.4.68");
  CHECK(component(bom, "httpd")["cpe"] == "cpe:2.3:a:apache:http_server:2.4.68:*:*:*:*:*:*:*");
  CHECK(component(bom, "httpd")["purl"] == "pkg:generic/apache/httpd@2.4.68");
  CHECK(component(bom, "apr")["version"] == "1.7.2");
  CHECK(component(bom, "apr-util")["version"] == "1.6.3");
  CHECK(component(bom, "apr-util")["licenses"][0]["license"]["id"] == "Apache-2.0");

  // Every reference resolves.
  std::set<std::string> refs = {bundle["bom-ref"].get<std::string>()};
  for (const auto& c : bom["components"]) refs.insert(c["bom-ref"].get<std::string>());
  for (const auto& d : bom["dependencies"]) {
    CHECK(refs.count(d["ref"].get<std::string>()) == 1);
    for (const auto& on : d["dependsOn"]) CHECK(refs.count(on.get<std::string>()) == 1);
  }
}

TEST_CASE("apache_sbom: a bundle that does not name APR's versions", "[sbom]") {
  BundleInfo older = info();
  older.apr.clear();
  older.apr_util.clear();
  json bom = json::parse(apache_sbom(older, "b.tar.gz", kSha));
  REQUIRE(bom["components"].size() == 1);
  CHECK(bom["components"][0]["name"] == "httpd");
}

TEST_CASE("apache_sbom: the same input gives the same bytes", "[sbom]") {
  CHECK(apache_sbom(info(), "b.tar.gz", kSha) == apache_sbom(info(), "b.tar.gz", kSha));
}

TEST_CASE("layer_sbom: the bundle's own document, naming the installed file", "[sbom]") {
  const std::string own = R"({
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "version": 1,
  "metadata": {"component": {"type": "application", "bom-ref": "apache-bundle",
    "name": "whiskey-heroku-24-arm64-apache-2.4.68", "version": "2.4.68",
    "properties": [{"name": "mod_wsgi-heroku:compiler", "value": "cc 13"}]}},
  "components": [{"type": "application", "bom-ref": "httpd", "name": "httpd", "version": "2.4.68"}],
  "dependencies": [{"ref": "apache-bundle", "dependsOn": ["httpd"]}]
})";
  std::string text = layer_sbom(own, "whiskey-heroku-24-arm64-apache-2.4.68.tar.zst", kSha);
  json bom = json::parse(text);
  const json& bundle = bom["metadata"]["component"];
  CHECK(bundle["type"] == "file");
  CHECK(bundle["name"] == "whiskey-heroku-24-arm64-apache-2.4.68.tar.zst");
  CHECK(bundle["hashes"] == json::array({{{"alg", "SHA-256"}, {"content", kSha}}}));
  CHECK(bundle["properties"][0]["value"] == "cc 13");
  CHECK(bom["components"] == json::parse(own)["components"]);
  CHECK(bom["dependencies"] == json::parse(own)["dependencies"]);
  // In the order it was written.
  CHECK(text.find("\"bomFormat\"") < text.find("\"metadata\""));
  CHECK(text.find("\"metadata\"") < text.find("\"components\""));
  CHECK(text == layer_sbom(own, "whiskey-heroku-24-arm64-apache-2.4.68.tar.zst", kSha));

  CHECK_THROWS_WITH(layer_sbom("not json", "b", kSha), Catch::Matchers::Contains("not JSON"));
  CHECK_THROWS_WITH(layer_sbom(R"({"bomFormat": "CycloneDX"})", "b", kSha),
                    Catch::Matchers::Contains("metadata.component"));
  CHECK_THROWS(layer_sbom(R"({"bomFormat": "SPDX", "metadata": {"component": {}}})", "b", kSha));
  CHECK_THROWS_AS(layer_sbom(R"({"bomFormat": 1, "metadata": {"component": {}}})", "b", kSha),
                  std::runtime_error);
  CHECK_THROWS_AS(layer_sbom("[]", "b", kSha), std::runtime_error);
}

TEST_CASE("check_bundle_sbom: the digest the manifest records", "[sbom]") {
  MemoryDisk disk;
  const std::string doc = "{\"bomFormat\": \"CycloneDX\"}\n";
  disk.add_file("/stage/apache/sbom.cdx.json", doc);
  Sha256 h;
  h.update(doc);
  const Sha256Digest digest = h.finish();
  CHECK_NOTHROW(check_bundle_sbom(disk, "/stage", digest));

  auto kind_of = [&](const std::filesystem::path& tree, const Sha256Digest& expected) {
    try {
      check_bundle_sbom(disk, tree, expected);
    } catch (const BundleError& e) {
      CHECK(e.entry == "apache/sbom.cdx.json");
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto other = Sha256Digest::parse(std::string(64, 'c'));
  CHECK_THAT(kind_of("/stage", other), Catch::Matchers::Contains("actual:   " + digest.hex()));
  CHECK_THAT(kind_of("/elsewhere", digest), Catch::Matchers::Contains("has no .whiskey/"));
}
