// manifest.json: the index of the bundles published in a bucket (or under a
// prefix of it), read by compile to find and verify a bundle, and updated by
// the publisher.
//
// Schema 1:
//   {
//     "schema": 1,
//     "serial": 7,
//     "bundles": [
//       { "key": "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz",
//         "stack": "heroku-24", "arch": "amd64", "apache": "2.4.68",
//         "size": 2234217, "sha256": "<64 hex digits>",
//         "published_at": "2026-11-23T20:00:00Z",
//         "sbom_sha256": "<64 hex digits>" }
// sbom_sha256, when there, is the digest of the bundle's bill of materials
// (.whiskey/apache/sbom.cdx.json); compile refuses a bundle whose own differs.
//     ]
//   }
// Keys are relative to the folder holding manifest.json. Unknown fields are
// kept when the publisher rewrites the manifest. "serial" goes up by one at
// each rewrite (absent: 0), so that a build that trusted a signed manifest
// refuses an older one played back to it (see signature.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "digest.h"

namespace whiskey {

inline constexpr const char* kManifestName = "manifest.json";
inline constexpr int kManifestSchema = 1;

struct ManifestEntry {
  std::string key;
  std::string stack;
  std::string arch;
  std::string apache;
  std::uint64_t size = 0;
  Sha256Digest sha256;
  std::string published_at;
  std::optional<Sha256Digest> sbom_sha256 = std::nullopt;  ///< of its bill of materials
};

struct Manifest {
  int schema = kManifestSchema;
  std::uint64_t serial = 0;
  std::vector<ManifestEntry> bundles;
};

/// Parses manifest.json. Throws std::runtime_error naming the field and the
/// entry that is missing or malformed, a key listed twice, or the unknown
/// schema version.
Manifest parse_manifest(std::string_view json);

/// The manifest as JSON. `previous`, when given, is the text it was read
/// from: fields this version does not know are carried over.
std::string serialize_manifest(const Manifest& manifest, std::string_view previous = {});

/// Adds `entry`, replacing the entry with the same key; keeps every other
/// entry. Entries stay sorted by stack, arch, then Apache version.
void upsert(Manifest& manifest, ManifestEntry entry);

/// The newest bundle for `stack` and `arch`, or the one of `apache_version`
/// when given; nullopt when there is none.
std::optional<ManifestEntry> select_bundle(const Manifest& manifest, const std::string& stack,
                                           const std::string& arch,
                                           const std::string& apache_version = {});

/// The entry whose key is `key`.
std::optional<ManifestEntry> find_key(const Manifest& manifest, const std::string& key);

/// What the manifest offers, a line per bundle:
/// "heroku-24/amd64 Apache 2.4.68: whiskey-heroku-24-amd64-apache-2.4.68.tar.gz".
std::string describe_offer(const Manifest& manifest);

/// Compares dotted versions numerically ("2.4.10" > "2.4.9"); a numeric
/// part sorts before a non-numeric one; <0, 0, >0.
int compare_versions(std::string_view a, std::string_view b);

/// This machine's architecture in the bundles' terms: amd64, arm64, ...
std::string machine_arch();

}  // namespace whiskey
