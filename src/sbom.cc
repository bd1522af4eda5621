#include "sbom.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "unpack.h"

namespace whiskey {
namespace {

using nlohmann::json;

/// A component of the bundle, from the Apache Software Foundation.
json apache_component(const std::string& type, const std::string& name,
                      const std::string& cpe_product, const std::string& version) {
  std::string purl = "pkg:generic/apache/" + name + "@" + version;
  return {{"type", type},
          {"bom-ref", purl},
          {"supplier", {{"name", "The Apache Software Foundation"}}},
          {"name", name},
          {"version", version},
          {"licenses", json::array({{{"license", {{"id", "Apache-2.0"}}}}})},
          {"cpe", "cpe:2.3:a:apache:" + cpe_product + ":" + version + ":*:*:*:*:*:*:*"},
          {"purl", purl}};
}

}  // namespace

std::string apache_sbom(const BundleInfo& info, const std::string& bundle_name,
                        const std::string& sha256) {
  const std::string bundle_ref = "apache-bundle";
  json httpd = apache_component("application", "httpd", "http_server", info.apache);
  json components = json::array({httpd});
  json httpd_needs = json::array();
  json dependencies = json::array();
  json apr_needs = json::array();  // what APR-util needs: APR, when the bundle names it
  if (!info.apr.empty()) {
    json apr = apache_component("library", "apr", "portable_runtime", info.apr);
    components.push_back(apr);
    httpd_needs.push_back(apr["bom-ref"]);
    apr_needs.push_back(apr["bom-ref"]);
    dependencies.push_back({{"ref", apr["bom-ref"]}, {"dependsOn", json::array()}});
  }
  if (!info.apr_util.empty()) {
    json apr_util = apache_component("library", "apr-util", "apr-util", info.apr_util);
    components.push_back(apr_util);
    httpd_needs.push_back(apr_util["bom-ref"]);
    dependencies.push_back({{"ref", apr_util["bom-ref"]}, {"dependsOn", apr_needs}});
  }
  dependencies.push_back({{"ref", httpd["bom-ref"]}, {"dependsOn", httpd_needs}});
  json everything = json::array();
  for (const auto& c : components) everything.push_back(c["bom-ref"]);
  dependencies.push_back({{"ref", bundle_ref}, {"dependsOn", everything}});

  json bom = {
      {"$schema", "http://cyclonedx.org/schema/bom-1.5.schema.json"},
      {"bomFormat", "CycloneDX"},
      {"specVersion", "1.5"},
      {"version", 1},
      {"metadata",
       {{"tools",
         {{"components", json::array({{{"type", "application"}, {"name", "mod_wsgi-heroku"}}})}}},
        {"component",
         {{"type", "file"},
          {"bom-ref", bundle_ref},
          {"name", bundle_name},
          {"version", info.apache},
          {"hashes", json::array({{{"alg", "SHA-256"}, {"content", sha256}}})},
          {"properties",
           json::array({{{"name", "mod_wsgi-heroku:stack"}, {"value", info.stack}},
                        {{"name", "mod_wsgi-heroku:arch"}, {"value", info.arch}}})}}}}},
      {"components", components},
      {"dependencies", dependencies}};
  return bom.dump(2) + "\n";
}

std::string layer_sbom(const std::string& bundle_sbom, const std::string& bundle_name,
                       const std::string& sha256) {
  // In the order written: the document reads as the recipe wrote it.
  nlohmann::ordered_json bom;
  try {
    bom = nlohmann::ordered_json::parse(bundle_sbom);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error(std::string("not JSON: ") + e.what());
  }
  if (!bom.is_object() || !bom.contains("bomFormat") || bom["bomFormat"] != "CycloneDX" ||
      !bom.contains("metadata") || !bom["metadata"].is_object() ||
      !bom["metadata"].contains("component") || !bom["metadata"]["component"].is_object()) {
    throw std::runtime_error("not a CycloneDX document with a metadata.component");
  }
  auto& component = bom["metadata"]["component"];
  component["type"] = "file";
  component["name"] = bundle_name;
  component["hashes"] = nlohmann::ordered_json::array({{{"alg", "SHA-256"}, {"content", sha256}}});
  return bom.dump(2) + "\n";
}

void check_bundle_sbom(const Disk& disk, const std::filesystem::path& tree,
                       const Sha256Digest& expected) {
  auto text = disk.read_file(tree / kBundleSbomPath, 16 << 20);
  if (!text) {
    throw BundleError(BundleError::Kind::kSbomMismatch,
                      "the manifest records the SHA-256 " + expected.hex() +
                          " for the bundle's bill of materials, and the bundle has no .whiskey/" +
                          kBundleSbomPath,
                      kBundleSbomPath);
  }
  Sha256Digest actual = sha256_of(*text);
  if (actual != expected) {
    throw BundleError(BundleError::Kind::kSbomMismatch,
                      "the bundle's .whiskey/" + std::string(kBundleSbomPath) +
                          " is not the one the manifest records:\n  expected: " + expected.hex() +
                          "\n  actual:   " + actual.hex(),
                      kBundleSbomPath);
  }
}

}  // namespace whiskey
