// Bills of materials. The recipe writes each bundle's own (a CycloneDX 1.5
// JSON document at .whiskey/apache/sbom.cdx.json: the sources, their pins,
// the patches, the stack, arch and compiler); the manifest may record its
// digest, which compile checks. The Cloud Native build's bill of materials
// for the apache layer (<layers>/apache.sbom.cdx.json, declared by
// sbom-formats in buildpack.toml, put in the image by the lifecycle) is that
// document naming the installed archive and its digest, or, for a bundle
// without one, a document made from whiskey-bundle.json.
#pragma once

#include <filesystem>
#include <string>

#include "digest.h"
#include "disk.h"
#include "relocate.h"

namespace whiskey {

/// The media type of the document, as buildpack.toml's sbom-formats names it.
inline constexpr const char* kCycloneDxMediaType = "application/vnd.cyclonedx+json";

/// Where a bundle's own bill of materials is, under its .whiskey folder.
inline constexpr const char* kBundleSbomPath = "apache/sbom.cdx.json";

/// The CycloneDX document for the bundle that `info` describes, installed
/// from the file `bundle_name` whose SHA-256 is `sha256` (hex): the bundle
/// as the described component (with its digest, stack and architecture),
/// httpd, APR and APR-util as components (with CPE and purl, for scanners),
/// and how they depend on one another. APR and APR-util are left out when
/// the bundle does not say their versions. The same input gives the same
/// bytes.
std::string apache_sbom(const BundleInfo& info, const std::string& bundle_name,
                        const std::string& sha256);

/// The layer's document made from the bundle's own, `bundle_sbom`: its
/// described component (metadata.component) becomes the installed file
/// `bundle_name` with the SHA-256 `sha256` (hex); everything else is kept.
/// Throws std::runtime_error when `bundle_sbom` is not a CycloneDX JSON
/// document with a metadata.component.
std::string layer_sbom(const std::string& bundle_sbom, const std::string& bundle_name,
                       const std::string& sha256);

/// Checks that the bill of materials of the bundle unpacked in `tree` (its
/// .whiskey folder) has the SHA-256 `expected`. Throws
/// BundleError(kSbomMismatch) when it differs or is missing.
void check_bundle_sbom(const Disk& disk, const std::filesystem::path& tree,
                       const Sha256Digest& expected);

}  // namespace whiskey
