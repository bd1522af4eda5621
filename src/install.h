// Installing the bundle, in two pieces: open_cached and open_download give
// its bytes as a stream hashed as it is read (from the build cache, or
// downloaded with retries and resumes), and install_stream unpacks such a stream into a
// staging folder beside the target, verifies it, prepares it (relocation)
// and swaps it into place. install_bundle_into puts the two together with
// the cache's rules: a damaged cache entry is discarded and downloaded
// again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
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

/// The archive is not a bundle that can be installed (see BundleError's
/// kinds); nothing was installed.
class BundleInvalid : public Failure {
 public:
  /// `described` says where the bundle came from; `head` is its first bytes.
  BundleInvalid(BundleError error, std::string described, std::string head)
      : Failure(error.what()),
        error(std::move(error)),
        described(std::move(described)),
        head(std::move(head)) {}
  BundleError error;
  std::string described;
  std::string head;
};

/// The bundle's bytes do not have the expected SHA-256; nothing was
/// installed.
class DigestMismatch : public Failure {
 public:
  DigestMismatch(Sha256Digest expected, Sha256Digest actual, std::string described,
                 std::string also = {})
      : Failure("SHA-256 mismatch: expected " + expected.hex() + ", got " + actual.hex()),
        expected(expected),
        actual(actual),
        described(std::move(described)),
        also(std::move(also)) {}
  Sha256Digest expected;
  Sha256Digest actual;
  std::string described;
  std::string also;  ///< what else went wrong (the archive's breakage), if anything
};

/// The install target cannot take the bundle; it was left as it was.
class InstallError : public Failure {
 public:
  enum class Kind {
    kAppWhiskeyNotFolder,  ///< the app's .whiskey is a file or a link
    kTargetNotFolder,      ///< `path` is a file or a link
    kWriteFailed,          ///< writing under `path` failed (`detail` says how)
    kNotReplaced,          ///< the old tree at `path` could not be removed
  };
  InstallError(Kind kind, std::filesystem::path path, std::string detail = {})
      : Failure(path.string() + (detail.empty() ? "" : ": " + detail)),
        kind(kind),
        path(std::move(path)),
        detail(std::move(detail)) {}
  Kind kind;
  std::filesystem::path path;
  std::string detail;
};

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

/// The cache entry could not be read; the caller discards it.
class CacheReadError : public Failure {
 public:
  using Failure::Failure;
};

/// A bundle's bytes as they are read, hashed and counted on the way, with
/// progress reported.
class BundleStream : public ByteStream {
 public:
  /// `described` says where the bytes come from, for errors.
  BundleStream(std::unique_ptr<ByteStream> inner, std::string described, bool from_cache,
               Clock& clock, ProgressFn progress);
  std::span<const char> read() override;
  std::optional<std::uint64_t> content_length() const override { return inner_->content_length(); }

  /// Reads what the archive reader left (tar padding, trailing bytes), so
  /// the digest covers every byte.
  void drain();
  /// The digest of every byte read; call once, at the end.
  Sha256Digest finish() { return hash_.finish(); }
  std::uint64_t bytes() const { return bytes_; }
  /// The first bytes, to say what the download was when not a bundle.
  const std::string& head() const { return head_; }
  bool from_cache() const { return from_cache_; }

  /// The bytes are also copied into a new cache entry (by `tee`, inside this
  /// stream), or not, for the reason `failure`.
  void copying_to(TeeStream* tee, std::string failure);
  /// Keeps the copy as `cache`'s entry for `digest`; call once the bundle is
  /// verified and installed. Returns why it was not kept, "" when it was,
  /// and nullopt when no copy was made.
  std::optional<std::string> keep(const BundleCache& cache, const Sha256Digest& digest);

 private:
  static constexpr std::size_t kHeadSize = 512;
  std::unique_ptr<ByteStream> inner_;
  std::string described_;
  bool from_cache_;
  Clock& clock_;
  ProgressFn progress_;
  double start_;
  Sha256 hash_;
  std::uint64_t bytes_ = 0;
  std::string head_;
  TeeStream* tee_ = nullptr;
  std::optional<std::string> copy_failure_;
};

/// The cache's entry for `src.sha256` as a stream, or nullptr when it has
/// none (or `src` has no digest). Reading it throws CacheReadError when the
/// file cannot be read.
std::unique_ptr<BundleStream> open_cached(const BundleCache& cache, const BundleSource& src,
                                          Clock& clock, const ProgressFn& progress);

/// A GET of `src.url` with `options.policy`'s retries and resumes, copied
/// into a new entry of `options.cache` when there is one and `src` has a
/// digest to check it by. Failures come as FetchError, at once or as the
/// stream is read.
std::unique_ptr<BundleStream> open_download(HttpClient& http, const BundleSource& src, Clock& clock,
                                            const InstallOptions& options);

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

/// Installs the bundle read from `stream` into the folder `target`: unpacks
/// it into a staging folder beside `target`, checks its digest against
/// `src.sha256`, runs `options.prepare`, carries over the entries of
/// `target` the bundle does not bring, and swaps the staging folder into
/// place. Throws BundleInvalid, DigestMismatch, InstallError, or what
/// `stream` or `prepare` threw; `target` is then as it was.
InstallResult install_stream(BundleStream& stream, const BundleSource& src,
                             const std::filesystem::path& target, const InstallOptions& options);

/// Installs the bundle into `build_dir`/.whiskey. Entries the bundle brings
/// replace those of the same name; the app's other .whiskey entries (user_vars,
/// action_hooks, ...) are kept. `options.prepare` runs on the verified tree
/// before the swap. On any failure `build_dir` is left as it was.
InstallResult install_bundle(HttpClient& http, const BundleSource& source,
                             const std::filesystem::path& build_dir, Clock& clock,
                             const InstallOptions& options = {});

/// The same into the folder `target` (a layer, say), with the cache's rules:
/// an entry that cannot be read, or whose bytes lost their digest, is
/// discarded (with a note) and the bundle downloaded again; a verified
/// download is kept, and entries for other digests pruned.
InstallResult install_bundle_into(HttpClient& http, const BundleSource& source,
                                  const std::filesystem::path& target, Clock& clock,
                                  const InstallOptions& options = {});

}  // namespace whiskey
