// Resolving which bundle to install: from WHISKEY_URL, or from a bucket,
// where manifest.json names the bundles published for each stack and arch
// and their digests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "bundle_source.h"
#include "config.h"
#include "fetch.h"
#include "http.h"

namespace whiskey {

struct Target {
  std::string stack;
  std::string arch;
};

struct Resolved {
  BundleSource source;
  std::string how;                    ///< how it was chosen, for the log
  std::vector<std::string> warnings;  ///< headline + body pairs to show
};

/// The bundle to install for `target`:
/// - WHISKEY_URL (with WHISKEY_SHA256): that URL;
/// - WHISKEY_BUCKET + WHISKEY_PACKAGE + WHISKEY_SHA256: that object;
/// - WHISKEY_BUCKET + WHISKEY_PACKAGE: that object, its digest from the
///   bucket's manifest.json (without a manifest: unverified, with a warning);
/// - WHISKEY_BUCKET alone: the newest bundle for the stack and arch in the
///   manifest (or WHISKEY_APACHE_VERSION's).
/// Throws UserError when nothing fits, saying what the manifest offers and
/// what to publish.
/// With a clock, the manifest's download is retried as `policy` says.
/// With `copies` (a folder in the build cache), each manifest read is
/// kept there (manifest-<digest of its URL>.json), and when the bucket cannot be reached (no
/// answer, or 5xx and 429 once the tries are spent) that copy is used instead, with a warning: an
/// app whose bundle is cached builds without the network.
Resolved resolve(const Config& config, const Target& target, HttpClient& http,
                 Clock* clock = nullptr, const RetryPolicy& policy = {}, const RetryNote& note = {},
                 const std::filesystem::path& copies = {});

}  // namespace whiskey
