// The build cache's copies of verified bundles, each named by its SHA-256
// in CACHE_DIR/whiskey-bundles/, so that a build that expects a digest the
// cache holds makes no request at all. An entry is hashed again as it is
// used; a damaged one is discarded before anything it held is installed.
// The cache is a help, never a cause of failure: when it cannot be written,
// the build goes on without it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "digest.h"
#include "http.h"

namespace whiskey {

class BundleCache {
 public:
  /// `dir` is CACHE_DIR/whiskey-bundles; it is created when first written.
  explicit BundleCache(std::filesystem::path dir) : dir_(std::move(dir)) {}
  const std::filesystem::path& dir() const { return dir_; }

  /// Where the entry for `digest` lives (whether or not it is there).
  std::filesystem::path path_for(const Sha256Digest& digest) const;

  /// The entry for `digest`, when there is one. Its bytes are not read here:
  /// the caller hashes them as it uses them, and discards the entry (and what
  /// it made of it) when they no longer have that digest.
  std::optional<std::filesystem::path> entry(const Sha256Digest& digest) const;

  /// Removes the entry for `digest`, if any.
  void discard(const Sha256Digest& digest) const noexcept;

  /// Removes every bundle but `keep`'s, and unfinished writes; returns how
  /// many bundles went. Other files in the folder are left alone.
  int prune(const Sha256Digest& keep) const noexcept;

  /// A new entry, written as the download goes and visible only once
  /// committed under the digest it turned out to have. Removed otherwise.
  class Writer {
   public:
    explicit Writer(const std::filesystem::path& dir);  ///< throws std::system_error
    ~Writer();
    Writer(const Writer&) = delete;
    Writer& operator=(const Writer&) = delete;
    void write(std::span<const char> bytes);  ///< throws std::system_error
    /// Flushes, then renames the entry into place as `dest`. No fsync: an
    /// entry is hashed again whenever it is used, so one that a crash left
    /// torn is found out and discarded then.
    void commit(const std::filesystem::path& dest);

   private:
    struct Close {
      void operator()(std::FILE* f) const { std::fclose(f); }
    };
    std::filesystem::path path_;
    std::unique_ptr<std::FILE, Close> file_;
  };

 private:
  std::filesystem::path dir_;
};

/// The bytes of a file, in chunks.
class FileStream : public ByteStream {
 public:
  explicit FileStream(const std::filesystem::path& path);  ///< throws std::system_error
  ~FileStream() override;
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;
  std::span<const char> read() override;
  std::optional<std::uint64_t> content_length() const override { return size_; }

 private:
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::string buffer_;
};

/// Passes another stream's bytes on and copies them into a cache writer.
/// When writing fails, it stops copying and remembers why: the download
/// goes on.
class TeeStream : public ByteStream {
 public:
  TeeStream(std::unique_ptr<ByteStream> inner, std::unique_ptr<BundleCache::Writer> writer)
      : inner_(std::move(inner)), writer_(std::move(writer)) {}
  std::span<const char> read() override;
  std::optional<std::uint64_t> content_length() const override { return inner_->content_length(); }
  /// The writer, when every byte read so far went into it.
  std::unique_ptr<BundleCache::Writer> release() { return std::move(writer_); }
  const std::string& failure() const { return failure_; }

 private:
  std::unique_ptr<ByteStream> inner_;
  std::unique_ptr<BundleCache::Writer> writer_;
  std::string failure_;
};

}  // namespace whiskey
