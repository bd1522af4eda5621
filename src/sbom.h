// The Cloud Native build's bill of materials for the apache layer: a
// CycloneDX 1.5 JSON document (<layers>/apache.sbom.cdx.json, declared by
// sbom-formats in buildpack.toml) that the lifecycle puts in the image.
#pragma once

#include <string>

#include "relocate.h"

namespace whiskey {

/// The media type of the document, as buildpack.toml's sbom-formats names it.
inline constexpr const char* kCycloneDxMediaType = "application/vnd.cyclonedx+json";

/// The CycloneDX document for the bundle that `info` describes, installed
/// from the file `bundle_name` whose SHA-256 is `sha256` (hex): the bundle
/// as the described component (with its digest, stack and architecture),
/// httpd, APR and APR-util as components (with CPE and purl, for scanners),
/// and how they depend on one another. APR and APR-util are left out when
/// the bundle does not say their versions. The same input gives the same
/// bytes.
std::string apache_sbom(const BundleInfo& info, const std::string& bundle_name,
                        const std::string& sha256);

}  // namespace whiskey
