#include "install.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr const char* kBundle = "Apache bundle";

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

/// The status of `target`, which must be a folder or nothing.
fs::file_status checked_target(const fs::path& target) {
  std::error_code ec;
  auto status = fs::symlink_status(target, ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw InstallError(InstallError::Kind::kTargetNotFolder, target);
  }
  return status;
}

}  // namespace

BundleStream::BundleStream(std::unique_ptr<ByteStream> inner, std::string described,
                           bool from_cache, Clock& clock, ProgressFn progress)
    : inner_(std::move(inner)),
      described_(std::move(described)),
      from_cache_(from_cache),
      clock_(clock),
      progress_(std::move(progress)),
      start_(clock.now()) {}

std::span<const char> BundleStream::read() {
  std::span<const char> chunk;
  try {
    chunk = inner_->read();
  } catch (const HttpStatusError& e) {  // answered so when resuming
    throw FetchError(kBundle, described_, e);
  } catch (const TransportError& e) {
    throw FetchError(kBundle, described_, e);
  } catch (const std::system_error& e) {
    if (!from_cache_) throw;
    throw CacheReadError(e.what());
  }
  hash_.update(chunk);
  if (head_.size() < kHeadSize)
    head_.append(chunk.data(), std::min(chunk.size(), kHeadSize - head_.size()));
  bytes_ += chunk.size();
  if (progress_) progress_(Progress{bytes_, inner_->content_length(), clock_.now() - start_});
  return chunk;
}

void BundleStream::drain() {
  while (!read().empty()) {
  }
}

void BundleStream::copying_to(TeeStream* tee, std::string failure) {
  tee_ = tee;
  copy_failure_ = std::move(failure);
}

std::optional<std::string> BundleStream::keep(const BundleCache& cache,
                                              const Sha256Digest& digest) {
  if (!copy_failure_) return std::nullopt;
  if (!tee_) return copy_failure_;
  auto writer = tee_->release();
  if (!writer) return tee_->failure();
  try {
    writer->commit(cache.path_for(digest));
    return std::string();
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}

std::unique_ptr<BundleStream> open_cached(const BundleCache& cache, const BundleSource& src,
                                          Clock& clock, const ProgressFn& progress) {
  if (!src.sha256) return nullptr;
  auto file = cache.entry(*src.sha256);
  if (!file) return nullptr;
  std::unique_ptr<ByteStream> stream;
  try {
    stream = std::make_unique<FileStream>(*file);
  } catch (const std::system_error& e) {
    throw CacheReadError(e.what());
  }
  return std::make_unique<BundleStream>(std::move(stream), src.described, true, clock, progress);
}

std::unique_ptr<BundleStream> open_download(HttpClient& http, const BundleSource& src, Clock& clock,
                                            const InstallOptions& options) {
  std::unique_ptr<ByteStream> body;
  try {
    body = std::make_unique<RetryingStream>(http, src.url, options.policy, clock, options.note);
  } catch (const HttpStatusError& e) {
    throw FetchError(kBundle, src.described, e);
  } catch (const TransportError& e) {
    throw FetchError(kBundle, src.described, e);
  }
  if (!options.cache || !src.sha256) {
    return std::make_unique<BundleStream>(std::move(body), src.described, false, clock,
                                          options.progress);
  }
  TeeStream* tee = nullptr;
  std::string failure;
  try {
    auto writer = std::make_unique<BundleCache::Writer>(options.cache->dir());
    auto owned = std::make_unique<TeeStream>(std::move(body), std::move(writer));
    tee = owned.get();
    body = std::move(owned);
  } catch (const std::system_error& e) {
    failure = e.what();
  }
  auto stream = std::make_unique<BundleStream>(std::move(body), src.described, false, clock,
                                               options.progress);
  stream->copying_to(tee, failure);
  return stream;
}

InstallResult install_stream(BundleStream& stream, const BundleSource& src, const fs::path& target,
                             const InstallOptions& options) {
  auto target_status = checked_target(target);
  UnpackStats unpacked;
  std::vector<std::string> kept;
  std::optional<Sha256Digest> digest;
  try {
    Staging staging(target);
    try {
      unpacked = unpack_bundle(stream, staging.path(), options.limits);
      stream.drain();
    } catch (const BundleError& e) {
      // A wrong digest explains a broken archive better than the breakage:
      // read the rest and compare before blaming the archive.
      if (src.sha256) {
        try {
          stream.drain();
        } catch (const FetchError&) {
          throw BundleInvalid(e, src.described, stream.head());
        }
        auto actual = stream.finish();
        if (actual != *src.sha256)
          throw DigestMismatch(*src.sha256, actual, src.described, e.what());
      }
      throw BundleInvalid(e, src.described, stream.head());
    }
    digest = stream.finish();
    if (src.sha256 && *digest != *src.sha256) {
      throw DigestMismatch(*src.sha256, *digest, src.described);
    }
    if (options.prepare) options.prepare(staging.path(), target);

    // Carry the target's other entries (the app's own .whiskey files) over,
    // then swap.
    if (fs::is_directory(target_status)) {
      for (const auto& entry : fs::directory_iterator(target)) {
        auto name = entry.path().filename();
        if (fs::exists(fs::symlink_status(staging.path() / name))) continue;
        fs::copy(entry.path(), staging.path() / name,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        kept.push_back(name.string());
      }
      std::sort(kept.begin(), kept.end());
    }
    ::chmod(staging.path().c_str(), 0755);
    swap_into_place(staging.path(), target);
  } catch (const Failure&) {
    throw;
  } catch (const std::exception& e) {
    throw InstallError(InstallError::Kind::kWriteFailed, target, e.what());
  }
  return InstallResult{.digest = *digest,
                       .verified = src.sha256.has_value(),
                       .bytes = stream.bytes(),
                       .unpacked = std::move(unpacked),
                       .kept = std::move(kept),
                       .cache = CacheUse::kNone,
                       .cache_failure = {},
                       .pruned = 0};
}

InstallResult install_bundle(HttpClient& http, const BundleSource& src, const fs::path& build_dir,
                             Clock& clock, const InstallOptions& options) {
  std::error_code ec;
  auto status = fs::symlink_status(build_dir / ".whiskey", ec);
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw InstallError(InstallError::Kind::kAppWhiskeyNotFolder, build_dir / ".whiskey");
  }
  return install_bundle_into(http, src, build_dir / ".whiskey", clock, options);
}

InstallResult install_bundle_into(HttpClient& http, const BundleSource& src, const fs::path& target,
                                  Clock& clock, const InstallOptions& options) {
  checked_target(target);  // before any request
  const BundleCache* cache = options.cache;
  double start = clock.now();
  std::optional<InstallResult> r;
  if (cache) {
    // One pass: the entry is hashed as it is unpacked, and what it made is
    // thrown away unless its bytes still have the digest.
    std::string discarded;
    try {
      if (auto cached = open_cached(*cache, src, clock, options.progress)) {
        r = install_stream(*cached, src, target, options);
        r->cache = CacheUse::kReused;
      }
    } catch (const CacheReadError& e) {
      discarded = std::string("it could not be read (") + e.what() + ")";
    } catch (const DigestMismatch& e) {
      discarded = "its SHA-256 is now " + e.actual.str() + ": it was damaged";
    }
    if (!discarded.empty()) {
      if (options.note) {
        options.note("Discarded the cached bundle: " + discarded + "; downloading it again");
      }
      cache->discard(*src.sha256);
    }
  }
  std::unique_ptr<BundleStream> download;
  if (!r) {
    download = open_download(http, src, clock, options);
    r = install_stream(*download, src, target, options);
    if (cache) r->cache = src.sha256 ? CacheUse::kNone : CacheUse::kUnverified;
  }
  r->seconds = clock.now() - start;
  // Installed: keep the verified download for the next build, and let
  // entries for other digests go.
  if (cache && src.sha256) {
    if (download) {
      auto failure = download->keep(*cache, r->digest);
      if (failure && failure->empty()) r->cache = CacheUse::kStored;
      if (failure) r->cache_failure = *failure;
    }
    r->pruned = cache->prune(r->digest);
  }
  return std::move(*r);
}

}  // namespace whiskey
