// Installing the bundle: download, digest and unpack in one pass into a
// staging folder beside .whiskey, then swap it into place. Every failure of
// that path is turned into its user-facing message here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "bundle_cache.h"
#include "bundle_source.h"
#include "clock.h"
#include "digest.h"
#include "errors.h"
#include "fetch.h"
#include "http.h"
#include "unpack.h"

namespace whiskey {

/// How far the download is, handed to the caller to show as it likes.
struct Progress {
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> total;
  double seconds = 0;
};
using ProgressFn = std::function<void(const Progress&)>;

/// Runs on the verified tree in `staging` before it is swapped into place as
/// `target`; a throw abandons the install as any other failure does.
using PrepareFn =
    std::function<void(const std::filesystem::path& staging, const std::filesystem::path& target)>;

/// How the bundle came, as far as the build cache goes.
enum class CacheUse {
  kNone,        ///< no cache, or the bundle could not be kept in it
  kReused,      ///< installed from the cache: no request made
  kStored,      ///< downloaded, verified, and kept for the next build
  kUnverified,  ///< downloaded but not kept: without a digest it cannot be checked later
};

struct InstallOptions {
  ProgressFn progress{};
  UnpackLimits limits{};
  PrepareFn prepare{};
  RetryPolicy policy{};
  RetryNote note{};  ///< lines for the build log: retries, cache entries discarded
  /// When set, a bundle with the expected digest is taken from it (no
  /// request), and a verified download is kept in it.
  const BundleCache* cache = nullptr;
};

struct InstallResult {
  Sha256Digest digest;      ///< of every byte installed
  bool verified = false;    ///< digest compared with the expected one
  std::uint64_t bytes = 0;  ///< downloaded, or read from the cache
  double seconds = 0;       ///< download (or cache read) and unpack
  UnpackStats unpacked;
  std::vector<std::string> kept;  ///< the app's own .whiskey entries carried over
  CacheUse cache = CacheUse::kNone;
  std::string cache_failure;  ///< why a verified download was not kept
  int pruned = 0;             ///< stale cache entries removed
};

/// Installs the bundle into `build_dir`/.whiskey. Entries the bundle brings
/// replace those of the same name; the app's other .whiskey entries (user_vars,
/// action_hooks, ...) are kept. `options.prepare` runs on the verified tree
/// before the swap. Throws UserError on any failure, and then leaves
/// `build_dir` as it was.
InstallResult install_bundle(HttpClient& http, const BundleSource& source,
                             const std::filesystem::path& build_dir, Clock& clock,
                             const InstallOptions& options = {});

/// The same into the folder `target` (a layer, say): staged beside it,
/// entries of `target` the bundle does not bring are kept.
InstallResult install_bundle_into(HttpClient& http, const BundleSource& source,
                                  const std::filesystem::path& target, Clock& clock,
                                  const InstallOptions& options = {});

/// The user-facing error for a GET of `what` ("Apache bundle", "bundle
/// manifest") that was answered with a non-2xx status, or that failed.
/// `described` says where it was, safe to print.
UserError http_status_error(const HttpStatusError& e, const std::string& what,
                            const std::string& described);
UserError http_transport_error(const TransportError& e, const std::string& what,
                               const std::string& described);

}  // namespace whiskey
