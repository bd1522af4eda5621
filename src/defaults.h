// The default Apache bundles a release of the buildpack records in its
// buildpack.toml, so that a build with no WHISKEY_* config vars still installs
// a verified bundle. One entry per stack and architecture, as Paketo records
// its dependencies:
//
//   [[metadata.dependencies]]
//   id = "apache"
//   version = "2.4.68"
//   uri = "https://example-bucket.s3.amazonaws.com/whiskey-heroku-24-amd64-apache-2.4.68.tar.gz"
//   checksum = "sha256:<64 hex digits>"
//   stacks = ["heroku-24"]
//   arch = "amd64"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "digest.h"
#include "signature.h"

namespace whiskey {

inline constexpr const char* kDefaultBundleId = "apache";

struct DefaultBundle {
  std::string version;  ///< Apache's
  std::string uri;
  Sha256Digest sha256;
  std::vector<std::string> stacks;
  std::string arch;
};

/// The [[metadata.dependencies]] entries with id "apache" in `buildpack_toml`
/// (others are ignored). Throws std::runtime_error naming the entry and field
/// that is missing or malformed; an entry without a checksum is malformed.
std::vector<DefaultBundle> parse_default_bundles(std::string_view buildpack_toml);

/// The newest default for `stack` and `arch` (or the one of `version` when
/// given).
std::optional<DefaultBundle> select_default(const std::vector<DefaultBundle>& defaults,
                                            const std::string& stack, const std::string& arch,
                                            const std::string& version = {});

/// The entry as buildpack.toml holds it, for the publisher to print.
std::string default_bundle_toml(const DefaultBundle& bundle);

/// `buildpack_toml` with `bundle` recorded as the default for its stacks and
/// architecture: the apache entries for the same architecture and those
/// stacks are taken out, and `bundle`'s entry (as default_bundle_toml writes
/// it) is added at the end. Every other byte (tables, values, comments,
/// other dependencies) is kept as it is. Throws std::runtime_error when the
/// file is malformed, or when an entry to replace also names other stacks.
std::string record_default_bundle(std::string_view buildpack_toml, const DefaultBundle& bundle);

/// The public keys `buildpack_toml` pins for signed manifests:
///   [metadata]
///   public-keys = ["ed25519:<base64>", ...]
/// (none when absent). Throws std::runtime_error when the file is malformed
/// or a key is not a public key.
std::vector<PublicKey> pinned_public_keys(std::string_view buildpack_toml);

/// The buildpack's version, [buildpack] version in `buildpack_toml`, or
/// nullopt when there is none. Throws std::runtime_error when the file is
/// malformed or the version is not a text.
std::optional<std::string> buildpack_version(std::string_view buildpack_toml);

}  // namespace whiskey
