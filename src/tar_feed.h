// Feeding libarchive's tar reader from a stream of tar bytes (decompressed
// already), and reading what follows the tar archive's end: only the zero
// bytes of tar's padding may.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

#include "http.h"

struct archive;

namespace whiskey {

/// The most zero bytes accepted after a tar archive's end-of-archive block
/// (tar pads its output to whole records of up to this many bytes).
inline constexpr std::uint64_t kMaxTarPadding = 1 << 20;

/// A ByteStream as libarchive's input. The stream's own exceptions are
/// parked while libarchive unwinds (error()), for the caller to rethrow.
class TarFeed {
 public:
  explicit TarFeed(ByteStream& tar) : tar_(tar) {}
  TarFeed(const TarFeed&) = delete;
  TarFeed& operator=(const TarFeed&) = delete;

  /// Opens `a`, a reader with the tar format and no filter, on the stream:
  /// libarchive's result.
  int open(archive* a);
  /// What the stream threw while libarchive read it, if anything.
  std::exception_ptr error() const { return error_; }
  /// Bytes of the stream read so far.
  std::uint64_t pulled() const { return pulled_; }
  /// After `a` returned ARCHIVE_EOF: reads the rest of the stream, to its
  /// end. Throws StreamError: kTruncated when the archive stopped without its
  /// end-of-archive block, kTrailingData for a byte other than zero after it
  /// (or more than kMaxTarPadding zero bytes). The stream's errors pass
  /// through as thrown.
  void finish(archive* a);

 private:
  static long pull(archive* a, void* data, const void** buffer);

  ByteStream& tar_;
  std::exception_ptr error_;
  std::uint64_t pulled_ = 0;
  std::span<const char> current_;  ///< the chunk libarchive reads from
  std::string before_;             ///< the last bytes pulled before it
};

}  // namespace whiskey
