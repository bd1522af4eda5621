#include "sbom.h"

#include <nlohmann/json.hpp>

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

}  // namespace whiskey
