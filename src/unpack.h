// Unpacking a bundle with libarchive: every entry must live under .whiskey/,
// and nothing may be written outside the destination.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http.h"

namespace whiskey {

/// The archive cannot be installed. `kind` says why, for the message.
class BundleError : public std::runtime_error {
 public:
  enum class Kind {
    kNotArchive,    ///< not a (compressed) tar archive at all
    kCorrupt,       ///< damaged: the compressed data or the tar headers cannot be read
    kUnsafeEntry,   ///< an entry outside .whiskey, escaping it, or of a refused type
    kTooLarge,      ///< unpacks to more than the bound
    kEmpty,         ///< no entries under .whiskey
    kUnsupported,   ///< compressed with bzip2 or xz, not gzip or zstd
    kChecksum,      ///< the compressor's own check failed (gzip CRC-32 or length, zstd checksum)
    kTruncated,     ///< the compressed stream or the tar archive ends early
    kTrailingData,  ///< data after the end of the compressed stream or of the tar archive
    kSbomMismatch,  ///< its bill of materials is not the one the manifest records
  };
  BundleError(Kind kind, std::string message, std::string entry = {})
      : std::runtime_error(std::move(message)), kind(kind), entry(std::move(entry)) {}
  Kind kind;
  std::string entry;  ///< the offending entry's path, when there is one
};

struct UnpackLimits {
  std::uint64_t max_bytes = 4ull << 30;  ///< total size of the files unpacked
  std::uint64_t max_entries = 200000;
};

struct UnpackStats {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::vector<std::string> top_level;  ///< names directly under .whiskey, sorted
};

/// The entry's path below ".whiskey/" ("apache/bin/httpd"), "" for the
/// .whiskey directory itself. Throws BundleError(kUnsafeEntry) for an
/// absolute path, a ".." component, or a path outside .whiskey/.
std::string bundle_relative_path(std::string_view archive_path);

/// Whether a symlink at `link` (relative to .whiskey) pointing at `target`
/// stays inside .whiskey. Absolute targets never do, and ".." is accepted
/// only at the start of the target ("../lib/x", not "x/../..").
bool symlink_stays_inside(std::string_view link, std::string_view target);

/// Reads a tar archive (gzip or zstd compressed, or plain) from `src` and
/// writes its entries, with ".whiskey/" stripped, into `dest`, an existing,
/// empty directory (std::runtime_error when it is not empty). No entry is
/// written through a link the archive made. Returns only once the whole of
/// `src` was read: the compressed stream to its end, with the compressor's
/// own checks, and after the tar archive's end nothing but zero bytes.
/// Throws BundleError for what the archive holds (after reading the rest of
/// the stream: when the compressor's checks fail further on, that damage is
/// the BundleError; not for kTooLarge, which stops at once), and lets the
/// stream's own errors (TransportError) through unchanged. On a throw, `dest` may hold
/// part of the archive: the caller discards it.
UnpackStats unpack_bundle(ByteStream& src, const std::filesystem::path& dest,
                          const UnpackLimits& limits = {});

}  // namespace whiskey
