#include "install.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <optional>
#include <system_error>

#include "curl_handles.h"
#include "errors.h"
#include "output.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

/// Hashes and counts every byte that passes through, and reports progress.
class HashingStream : public ByteStream {
 public:
  HashingStream(ByteStream& inner, Clock& clock, const ProgressFn& progress)
      : inner_(inner), clock_(clock), progress_(progress), start_(clock.now()) {}

  std::span<const char> read() override {
    auto chunk = inner_.read();
    hash_.update(chunk);
    if (head_.size() < kHeadSize)
      head_.append(chunk.data(), std::min(chunk.size(), kHeadSize - head_.size()));
    bytes_ += chunk.size();
    if (progress_) progress_(Progress{bytes_, inner_.content_length(), clock_.now() - start_});
    return chunk;
  }
  std::optional<std::uint64_t> content_length() const override { return inner_.content_length(); }

  /// Reads what the archive reader left (tar padding, trailing bytes), so the
  /// digest covers the whole download.
  void drain() {
    while (!read().empty()) {
    }
  }
  Sha256Digest finish() { return hash_.finish(); }
  std::uint64_t bytes() const { return bytes_; }
  /// The first bytes of the download, to say what it was when not a bundle.
  const std::string& head() const { return head_; }

 private:
  static constexpr std::size_t kHeadSize = 512;
  std::string head_;
  ByteStream& inner_;
  Clock& clock_;
  const ProgressFn& progress_;
  double start_;
  Sha256 hash_;
  std::uint64_t bytes_ = 0;
};

/// A staging folder beside the target, removed unless released.
class Staging {
 public:
  explicit Staging(const fs::path& target) {
    std::string templ = target.string() + ".partial-XXXXXX";
    if (!::mkdtemp(templ.data())) {
      throw std::system_error(
          errno, std::generic_category(),
          "creating a staging folder in '" + target.parent_path().string() + "'");
    }
    path_ = templ;
  }
  ~Staging() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string describe_status(long status) {
  switch (status) {
    case 400:
      return "400 Bad Request";
    case 401:
      return "401 Unauthorized";
    case 403:
      return "403 Forbidden";
    case 404:
      return "404 Not Found";
    case 407:
      return "407 Proxy Authentication Required";
    case 500:
      return "500 Internal Server Error";
    case 502:
      return "502 Bad Gateway";
    case 503:
      return "503 Service Unavailable";
    case 504:
      return "504 Gateway Timeout";
    default:
      return std::to_string(status);
  }
}

/// What the body of a failed response says about itself, in a sentence.
std::string describe_body(const std::string& body, const std::string& content_type) {
  std::string code = xml_field(body, "Code");
  if (!code.empty()) {
    std::string message = xml_field(body, "Message");
    return "The storage service says: " + code + (message.empty() ? "" : " (" + message + ")");
  }
  std::string head = body.substr(0, 512);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (content_type.find("html") != std::string::npos || head.find("<html") != std::string::npos ||
      head.find("<!doctype html") != std::string::npos) {
    return "The server sent an HTML page, not a bundle.";
  }
  return {};
}

}  // namespace

UserError http_status_error(const HttpStatusError& e, const std::string& what,
                            const std::string& described) {
  auto ct = e.headers.count("content-type") ? e.headers.at("content-type") : std::string();
  std::string said = describe_body(e.body, ct);
  std::string happened = "The request for " + described + "\nwas answered " +
                         describe_status(e.status) + "." + (said.empty() ? "" : "\n" + said);
  if (e.status == 404) {
    return UserError("The " + what + " was not found", happened,
                     "Check that WHISKEY_PACKAGE (or WHISKEY_URL) names a bundle that is "
                     "published,\nand that WHISKEY_BUCKET and WHISKEY_REGION name its bucket.");
  }
  if (e.status == 403 || e.status == 401) {
    std::string code = xml_field(e.body, "Code");
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "InvalidToken" ||
        code == "ExpiredToken") {
      return UserError("Access to the " + what + " was denied", happened,
                       "The bucket refused the AWS credentials in the config vars. Check\n"
                       "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for\n"
                       "temporary credentials):\n"
                       "  heroku config:set AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...");
    }
    return UserError("Access to the " + what + " was denied", happened,
                     "The bucket or the object is private, or a signed URL has expired.\n"
                     "Give the build credentials that may read it:\n"
                     "  heroku config:set AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...\n"
                     "or make it readable by everyone, for example:\n"
                     "  aws s3api put-object-acl --acl public-read --bucket BUCKET --key KEY\n"
                     "or set WHISKEY_URL to a freshly signed URL.");
  }
  if (e.status == 407) {
    return UserError("The proxy refused the build", happened,
                     "The proxy named by http_proxy or HTTPS_PROXY wants other credentials.\n"
                     "Check the user and password in that URL (http://USER:PASSWORD@HOST:PORT).");
  }
  if (e.status == 301) {
    std::string region = e.headers.count("x-amz-bucket-region")
                             ? e.headers.at("x-amz-bucket-region")
                             : std::string();
    return UserError("The bucket is in another region", happened,
                     region.empty() ? "Set WHISKEY_REGION to the region the bucket lives in."
                                    : "The bucket lives in " + region +
                                          ". Set:\n"
                                          "  heroku config:set WHISKEY_REGION=" +
                                          region);
  }
  if (e.status >= 500) {
    return UserError("The bundle's server failed", happened,
                     "This is usually temporary: build again in a few minutes.");
  }
  return UserError("The " + what + " could not be downloaded", happened,
                   "Check WHISKEY_URL, or WHISKEY_BUCKET and WHISKEY_PACKAGE.");
}

UserError http_transport_error(const TransportError& e, const std::string& what,
                               const std::string& described) {
  std::string happened = "Downloading " + described + " failed";
  if (e.received > 0) happened += " after " + human_bytes(e.received);
  happened += ".";
  if (e.proxy_status == 407) {
    return UserError("The proxy refused the build", happened,
                     "The proxy named by HTTPS_PROXY wants other credentials. Check the user\n"
                     "and password in that URL (http://USER:PASSWORD@HOST:PORT).",
                     e.what());
  }
  if (e.stage != TransportError::Stage::kServer) {
    return UserError("The " + what + " could not be downloaded through the proxy", happened,
                     "Check the proxy URL in http_proxy or HTTPS_PROXY, and that the proxy is\n"
                     "reachable.",
                     e.what());
  }
  return UserError("The " + what + " could not be downloaded", happened,
                   "Check that the URL is right and its server reachable (and the proxy, when\n"
                   "http_proxy or HTTPS_PROXY names one), then build again.",
                   e.what());
}

namespace {

constexpr const char* kBundle = "Apache bundle";

UserError bundle_error(const BundleError& e, const BundleSource& src, const std::string& head) {
  switch (e.kind) {
    case BundleError::Kind::kNotArchive: {
      std::string said =
          head.empty() ? "The download is empty (0 bytes)." : describe_body(head, {});
      return UserError("The download is not an Apache bundle",
                       src.described + " is not a tar archive." + (said.empty() ? "" : "\n" + said),
                       "Check that the URL names a bundle made by this buildpack's recipe\n"
                       "(whiskey-<stack>-<arch>-apache-<version>.tar.zst or .tar.gz).",
                       e.what());
    }
    case BundleError::Kind::kCorrupt:
      return UserError("The Apache bundle is truncated or damaged",
                       "The archive from " + src.described + "\nends early or is corrupt.",
                       "Publish the bundle again, then build again.", e.what());
    case BundleError::Kind::kUnsafeEntry:
      return UserError("The Apache bundle holds an unsafe entry",
                       "Nothing was installed: " + std::string(e.what()) + ".",
                       "Bundles may hold only files, folders and links under .whiskey/.\n"
                       "Rebuild the bundle with this buildpack's recipe.");
    case BundleError::Kind::kTooLarge:
      return UserError("The Apache bundle is too large",
                       "Nothing was installed: the archive " + std::string(e.what()) + ".",
                       "Check that the URL names an Apache bundle.");
    case BundleError::Kind::kEmpty:
      return UserError("The Apache bundle is empty", std::string(e.what()) + ".",
                       "Rebuild the bundle with this buildpack's recipe.");
  }
  return UserError("The Apache bundle cannot be installed", e.what(), kReportBugs);
}

UserError mismatch_error(const Sha256Digest& expected, const Sha256Digest& actual,
                         const BundleSource& src, const std::string& also) {
  return UserError(
      "The Apache bundle failed verification",
      "The SHA-256 of " + src.described +
          " is not the expected one:\n"
          "  expected: " +
          expected.hex() + "\n  actual:   " + actual.hex() + "\nNothing was installed.",
      "If you published a new bundle on purpose, set its digest:\n"
      "  heroku config:set WHISKEY_SHA256=" +
          actual.hex() + "\nOtherwise the bundle was altered or damaged: publish it again.",
      also);
}

/// Moves `staging` into place as `target`, atomically when the kernel can
/// exchange the two. On failure `target` is as it was.
void swap_into_place(const fs::path& staging, const fs::path& target) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(target, ec))) {
    fs::rename(staging, target);
    return;
  }
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) == 0) {
    return;  // the old tree is now at `staging`, removed with it
  }
  if (errno != EINVAL && errno != ENOSYS) {
    throw std::system_error(errno, std::generic_category(), "replacing '" + target.string() + "'");
  }
  // No exchange on this file system: move the old tree aside, then back on failure.
  fs::path aside = staging;
  aside += ".old";
  fs::rename(target, aside);
  try {
    fs::rename(staging, target);
  } catch (...) {
    fs::rename(aside, target, ec);
    throw;
  }
  fs::rename(aside, staging);  // removed with the staging folder
}

}  // namespace

InstallResult install_bundle(HttpClient& http, const BundleSource& src, const fs::path& build_dir,
                             Clock& clock, const InstallOptions& options) {
  std::error_code ec;
  auto status = fs::symlink_status(build_dir / ".whiskey", ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw UserError(".whiskey is not a folder",
                    "The app has a .whiskey that is a file or a link; the bundle installs into a\n"
                    ".whiskey folder.",
                    "Remove it, or make it a folder (it may hold user_vars/ and action_hooks/).");
  }
  return install_bundle_into(http, src, build_dir / ".whiskey", clock, options);
}

InstallResult install_bundle_into(HttpClient& http, const BundleSource& src, const fs::path& target,
                                  Clock& clock, const InstallOptions& options) {
  const auto& [progress, limits, prepare, policy, note, cache] = options;
  std::error_code ec;
  auto target_status = fs::symlink_status(target, ec);
  if (fs::exists(target_status) && !fs::is_directory(target_status)) {
    throw UserError(target.filename().string() + " is not a folder",
                    target.string() + " is a file or a link; the bundle installs into a folder.",
                    "Remove it, then build again.");
  }

  double start = clock.now();
  UnpackStats unpacked;
  std::vector<std::string> kept;
  std::optional<Sha256Digest> digest;
  std::uint64_t bytes = 0;
  CacheUse use = CacheUse::kNone;
  std::string cache_failure;
  std::unique_ptr<BundleCache::Writer> entry;
  try {
    std::optional<Staging> staging;
    if (cache && src.sha256) {
      if (auto file = cache->entry(*src.sha256)) {
        // One pass: the entry is hashed as it is unpacked, and what it made
        // is thrown away unless its bytes still have the digest.
        staging.emplace(target);
        std::string discarded;
        std::exception_ptr failed;
        std::optional<Sha256Digest> actual;
        std::string head;
        try {
          FileStream stream(*file);
          HashingStream hashed(stream, clock, progress);
          try {
            unpacked = unpack_bundle(hashed, staging->path(), limits);
          } catch (const std::exception&) {
            failed = std::current_exception();  // blamed on the entry if its digest is wrong
          }
          hashed.drain();
          actual = hashed.finish();
          bytes = hashed.bytes();
          head = hashed.head();
        } catch (const std::system_error& e) {
          discarded = std::string("it could not be read (") + e.what() + ")";
        }
        if (actual && *actual != *src.sha256) {
          discarded = "its SHA-256 is now " + actual->str() + ": it was damaged";
        }
        if (discarded.empty()) {
          if (failed) {
            try {
              std::rethrow_exception(failed);
            } catch (const BundleError& e) {
              throw bundle_error(e, src, head);
            }
          }
          digest = actual;
          use = CacheUse::kReused;
        } else {
          if (note) note("Discarded the cached bundle: " + discarded + "; downloading it again");
          cache->discard(*src.sha256);
          staging.reset();
          unpacked = {};
          bytes = 0;
        }
      }
    }
    if (use != CacheUse::kReused) {
      staging.emplace(target);
      std::unique_ptr<ByteStream> body;
      TeeStream* tee = nullptr;
      try {
        body = std::make_unique<RetryingStream>(http, src.url, policy, clock, note);
      } catch (const HttpStatusError& e) {
        throw http_status_error(e, kBundle, src.described);
      } catch (const TransportError& e) {
        throw http_transport_error(e, kBundle, src.described);
      }
      if (cache && src.sha256) {
        try {
          auto writer = std::make_unique<BundleCache::Writer>(cache->dir());
          auto owned = std::make_unique<TeeStream>(std::move(body), std::move(writer));
          tee = owned.get();
          body = std::move(owned);
        } catch (const std::system_error& e) {
          cache_failure = e.what();
        }
      } else if (cache) {
        use = CacheUse::kUnverified;
      }

      HashingStream hashed(*body, clock, progress);
      try {
        unpacked = unpack_bundle(hashed, staging->path(), limits);
        hashed.drain();
      } catch (const TransportError& e) {
        throw http_transport_error(e, kBundle, src.described);
      } catch (const HttpStatusError& e) {  // answered so when resuming
        throw http_status_error(e, kBundle, src.described);
      } catch (const BundleError& e) {
        // A wrong digest explains a broken archive better than the breakage:
        // read the rest and compare before blaming the archive.
        if (src.sha256) {
          try {
            hashed.drain();
          } catch (const TransportError&) {
            throw bundle_error(e, src, hashed.head());
          }
          auto actual = hashed.finish();
          if (actual != *src.sha256) throw mismatch_error(*src.sha256, actual, src, e.what());
        }
        throw bundle_error(e, src, hashed.head());
      }
      digest = hashed.finish();
      bytes = hashed.bytes();
      if (src.sha256 && *digest != *src.sha256) throw mismatch_error(*src.sha256, *digest, src, {});
      if (tee) {
        entry = tee->release();
        if (!entry) cache_failure = tee->failure();
      }
    }
    if (prepare) prepare(staging->path(), target);

    // Carry the target's other entries (the app's own .whiskey files) over,
    // then swap.
    if (fs::is_directory(target_status)) {
      for (const auto& entry : fs::directory_iterator(target)) {
        auto name = entry.path().filename();
        if (fs::exists(fs::symlink_status(staging->path() / name))) continue;
        fs::copy(entry.path(), staging->path() / name,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        kept.push_back(name.string());
      }
      std::sort(kept.begin(), kept.end());
    }
    ::chmod(staging->path().c_str(), 0755);
    swap_into_place(staging->path(), target);
  } catch (const UserError&) {
    throw;
  } catch (const std::exception& e) {
    throw UserError("The Apache bundle could not be installed",
                    "Writing into " + target.string() + " failed; it was left as it was.",
                    "Check the free space and permissions of the build folder.", e.what());
  }
  // Installed: keep the verified download for the next build, and let
  // entries for other digests go.
  int pruned = 0;
  if (cache && src.sha256) {
    if (entry) {
      try {
        entry->commit(cache->path_for(*digest));
        use = CacheUse::kStored;
      } catch (const std::exception& e) {
        cache_failure = e.what();
      }
    }
    pruned = cache->prune(*digest);
  }
  return InstallResult{.digest = *digest,
                       .verified = src.sha256.has_value(),
                       .bytes = bytes,
                       .seconds = clock.now() - start,
                       .unpacked = std::move(unpacked),
                       .kept = std::move(kept),
                       .cache = use,
                       .cache_failure = std::move(cache_failure),
                       .pruned = pruned};
}

}  // namespace whiskey
