// Decompressing an archive's stream: gzip (zlib) or zstd (libzstd), named by
// the stream's first bytes, read to the end of the compressed stream with the
// compressor's own checks (gzip's CRC-32 and length, zstd's frame checksum
// when the frame has one). Bytes after the compressed stream's end, and a
// stream that ends inside it, are refused. A plain tar archive passes through
// as it is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http.h"

namespace whiskey {

/// The stream cannot be decompressed, or its tar archive does not end as a
/// tar archive should. `kind` says why; what() says where, in words.
class StreamError : public std::runtime_error {
 public:
  enum class Kind {
    kNotArchive,    ///< neither gzip, zstd nor a tar archive
    kUnsupported,   ///< a compression bundles are not made with (bzip2, xz)
    kCorrupt,       ///< the compressed data cannot be decoded
    kChecksum,      ///< decoded, but the compressor's own check failed
    kTruncated,     ///< the stream ends before its end
    kTrailingData,  ///< bytes after the end of the compressed stream or the tar archive
  };
  StreamError(Kind kind, std::string message)
      : std::runtime_error(std::move(message)), kind(kind) {}
  Kind kind;
};

/// What a stream's first bytes say it is.
enum class Compression { kNone, kGzip, kZstd, kBzip2, kXz, kUnknown };

/// The bytes at a stream's start that tell what it is: enough for every
/// check of sniff_compression (a tar header's "ustar" is at 257).
inline constexpr std::size_t kSniffBytes = 262;

/// What `head`, a stream's first bytes (kSniffBytes, or all of a shorter
/// stream), says the stream is: gzip (1f 8b), zstd (a frame or a skippable
/// frame), bzip2, xz, a plain tar archive ("ustar" at 257), else kUnknown.
/// kNone for an empty stream.
Compression sniff_compression(std::string_view head);

/// The name of `c` for messages ("gzip", "zstd", "bzip2", "xz", "none").
const char* compression_name(Compression c);

/// The decompressed bytes of `src`. read() throws StreamError: kNotArchive
/// for a stream that is neither gzip, zstd nor a tar archive, kUnsupported
/// for bzip2 and xz, kCorrupt, kChecksum, kTruncated, kTrailingData for a
/// damaged stream; the source's own errors pass through as thrown. The end
/// (an empty span) comes only once the whole of `src` was read and checked.
/// Concatenated gzip members, several zstd frames and zstd's skippable
/// frames are one stream.
class DecompressStream final : public ByteStream {
 public:
  explicit DecompressStream(ByteStream& src);
  ~DecompressStream() override;
  DecompressStream(const DecompressStream&) = delete;
  DecompressStream& operator=(const DecompressStream&) = delete;

  std::span<const char> read() override;
  /// What the stream turned out to be (kUnknown before the first read).
  Compression compression() const { return compression_; }
  /// Compressed bytes read from `src` so far.
  std::uint64_t compressed_bytes() const { return in_bytes_; }

  class Decoder;  ///< gzip or zstd

 private:
  std::span<const char> next_input();
  void sniff();

  ByteStream& src_;
  Compression compression_ = Compression::kUnknown;
  std::string head_;  ///< the sniffed bytes, fed first
  bool head_fed_ = false;
  std::span<const char> input_;  ///< input not yet decoded
  bool src_done_ = false;        ///< `src` returned its end
  bool done_ = false;            ///< the end was returned
  std::uint64_t in_bytes_ = 0;
  std::unique_ptr<Decoder> decoder_;
};

}  // namespace whiskey
