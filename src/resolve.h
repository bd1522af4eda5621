// Resolving which bundle to install: from WHISKEY_URL, or from a bucket,
// where manifest.json names the bundles published for each stack and arch
// and their digests.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bundle_source.h"
#include "config.h"
#include "disk.h"
#include "errors.h"
#include "fetch.h"
#include "http.h"
#include "signature.h"

namespace whiskey {

struct Target {
  std::string stack;
  std::string arch;
};

/// No bundle can be chosen for the target.
class ResolveError : public Failure {
 public:
  enum class Kind {
    kNoDefault,          ///< nothing configured, and no default for `wanted`
    kNoManifest,         ///< WHISKEY_BUCKET's bucket has no manifest.json
    kManifestTooLarge,   ///< over `limit` bytes
    kManifestMalformed,  ///< cannot be read as a manifest (`detail` says why)
    kPackageNotListed,   ///< WHISKEY_PACKAGE (`package`) is not in the manifest
    kNoMatch,            ///< the manifest has nothing for `wanted`
  };
  ResolveError(Kind kind, Target target, std::string detail = {})
      : Failure(detail.empty() ? "no bundle for " + target.stack + "/" + target.arch : detail),
        kind(kind),
        target(std::move(target)),
        detail(std::move(detail)) {}
  Kind kind;
  Target target;
  std::string wanted;     ///< "heroku-24/amd64", with " Apache 2.4.x" when one was asked for
  std::string offered;    ///< what the defaults or the manifest offer, one per line
  std::string described;  ///< the manifest's URL, safe to print
  std::string bucket;     ///< WHISKEY_BUCKET
  std::string package;    ///< WHISKEY_PACKAGE
  std::string detail;
  std::size_t limit = 0;  ///< kManifestTooLarge's bound, in bytes
};

/// Something the build log warns about, having chosen a bundle.
struct ResolveWarning {
  enum class Kind {
    kStaleManifest,      ///< the bucket could not be reached: the cached copy is used
    kUnverifiedPackage,  ///< the bucket has no manifest to give `package`'s digest
  };
  Kind kind;
  std::string package;
  std::optional<FetchError> cause;  ///< kStaleManifest: why the bucket was not read
};

/// Where the copies of bucket manifests are kept.
struct ManifestCopies {
  Disk& disk;
  std::filesystem::path dir;
};

/// The key whose signature made the manifest trusted.
struct Vouched {
  PublicKey key;
  std::uint64_t serial = 0;  ///< the manifest's
};

struct Resolved {
  BundleSource source;
  std::string how;                       ///< how it was chosen, for the log
  std::vector<ResolveWarning> warnings;  ///< to show
  std::optional<Vouched> vouched;        ///< when keys are configured and the manifest is used
};

/// The bundle to install for `target`:
/// - WHISKEY_URL (with WHISKEY_SHA256): that URL;
/// - WHISKEY_BUCKET + WHISKEY_PACKAGE + WHISKEY_SHA256: that object;
/// - WHISKEY_BUCKET + WHISKEY_PACKAGE: that object, its digest from the
///   bucket's manifest.json (without a manifest: unverified, with a warning);
/// - WHISKEY_BUCKET alone: the newest bundle for the stack and arch in the
///   manifest (or WHISKEY_APACHE_VERSION's).
/// Throws ResolveError when nothing fits, saying what the manifest offers and
/// what to publish.
/// With a clock, the manifest's download is retried as `policy` says.
/// With `copies` (a folder in the build cache, on its disk), each manifest
/// read is kept there (manifest-<digest of its URL>.json), and when the
/// bucket cannot be reached (no answer, or 5xx and 429 once the tries are
/// spent) that copy is used instead, with a warning: an app whose bundle is
/// cached builds without the network.
/// With public keys configured, the manifest must be signed by one of them
/// (manifest.json.sig beside it), and not older than the one a build with
/// the same `copies` trusted last (its serial and digest are kept there):
/// SignatureError otherwise.
Resolved resolve(const Config& config, const Target& target, HttpClient& http,
                 Clock* clock = nullptr, const RetryPolicy& policy = {}, const RetryNote& note = {},
                 const ManifestCopies* copies = nullptr);

}  // namespace whiskey
