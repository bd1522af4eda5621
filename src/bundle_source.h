// Where the Apache bundle comes from: WHISKEY_URL, or an S3 object named by
// WHISKEY_BUCKET and WHISKEY_PACKAGE, with the transport policy applied.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config.h"
#include "digest.h"

namespace whiskey {

struct BundleSource {
  std::string url;                     ///< what is fetched (may carry a signed query)
  std::optional<Sha256Digest> sha256;  ///< the expected digest, when configured
  std::string name;                    ///< the bundle's file name, for the log
  std::string described;               ///< where it comes from, safe to print
  /// The expected digest of its bill of materials (the manifest's), if any.
  std::optional<Sha256Digest> sbom_sha256 = std::nullopt;
};

/// Resolves the configured bundle. Throws ConfigError when nothing is
/// configured, when the configuration is contradictory or incomplete, or
/// when the URL's scheme or host is not allowed (plain http only to a
/// loopback host or with WHISKEY_ALLOW_HTTP=1).
BundleSource resolve_bundle(const Config& config);

/// The S3 URL of an object: path-style under `endpoint` when one is given,
/// else AWS's virtual-hosted style (path-style for bucket names with dots).
/// `bucket` may carry a prefix ("my-bucket/bundles"): the key is under it.
std::string s3_object_url(const std::string& bucket, const std::string& key,
                          const std::string& region, const std::string& endpoint);

/// The URL without credentials or query string, for logs and messages.
std::string redact_url(std::string_view url);

/// Checks the transport policy for `url`, read from `variable`: https, or
/// http to a loopback host or with `allow_http`. Throws ConfigError.
void check_url_policy(const std::string& url, const std::string& variable, bool allow_http);

/// Whether `host` is a loopback name or address (localhost, 127.0.0.0/8, ::1).
bool is_loopback_host(std::string_view host);

/// The parts of an absolute URL that the policy looks at.
struct UrlParts {
  std::string scheme;  ///< lower case
  std::string host;    ///< without brackets for IPv6
  std::string path;    ///< from the first '/' up to '?' or '#'
};
/// Throws std::invalid_argument for text that is not an absolute URL.
UrlParts parse_url(std::string_view url);

}  // namespace whiskey
