#include "decompress.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

namespace whiskey {
namespace {

using Kind = StreamError::Kind;

constexpr std::size_t kOutput = 128 * 1024;  ///< decompressed bytes handed out at a time

bool is_zstd_magic(std::string_view b) {
  return b.size() >= 4 && std::memcmp(b.data(), "\x28\xb5\x2f\xfd", 4) == 0;
}
bool is_skippable_magic(std::string_view b) {
  return b.size() >= 4 && (static_cast<unsigned char>(b[0]) & 0xf0) == 0x50 &&
         std::memcmp(b.data() + 1, "\x2a\x4d\x18", 3) == 0;
}
/// Whether `b` can be the start of a zstd frame or of a skippable one.
bool could_be_frame(std::string_view b) {
  if (b.size() >= 4) return is_zstd_magic(b) || is_skippable_magic(b);
  if (b.empty()) return true;
  if (std::string_view("\x28\xb5\x2f\xfd", 4).substr(0, b.size()) == b) return true;
  if ((static_cast<unsigned char>(b[0]) & 0xf0) != 0x50) return false;
  return std::string_view("\x2a\x4d\x18", 3).substr(0, b.size() - 1) == b.substr(1);
}

std::string at_byte(std::uint64_t offset) {
  return "at byte " + std::to_string(offset) + " of the compressed stream";
}

}  // namespace

/// One compression's decoder, fed by DecompressStream.
class DecompressStream::Decoder {
 public:
  virtual ~Decoder() = default;
  /// Decodes what it can of `in` (advancing it); returns what it decoded,
  /// valid until the next call, possibly empty.
  virtual std::span<const char> step(std::span<const char>& in) = 0;
  /// Whether decoded bytes may be waiting without more input.
  bool pending() const { return pending_; }
  /// At the end of the input: throws StreamError unless the stream ended.
  virtual void end() = 0;

 protected:
  std::vector<char> out_ = std::vector<char>(kOutput);
  bool pending_ = false;
  std::uint64_t consumed_ = 0;  ///< compressed bytes decoded so far
};

namespace {

/// gzip through zlib's inflate, which checks each member's CRC-32 and
/// length. A member may be followed by another (gzip's concatenation), and
/// by nothing else.
class GzipDecoder final : public DecompressStream::Decoder {
 public:
  GzipDecoder() {
    if (int r = ::inflateInit2(&z_, 16 + MAX_WBITS); r != Z_OK) {
      if (r == Z_MEM_ERROR) throw std::bad_alloc();
      throw std::runtime_error("cannot initialise zlib's inflate");
    }
  }
  ~GzipDecoder() override { ::inflateEnd(&z_); }
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  std::span<const char> step(std::span<const char>& in) override {
    if (between_) {
      // After a member: the next two bytes are another member's magic, or the
      // stream is over.
      // (counted in consumed_ once inflated).
      while (!in.empty() && magic_.size() < 2) {
        magic_ += in.front();
        in = in.subspan(1);
      }
      if (magic_.size() < 2) return {};
      if (magic_ != "\x1f\x8b") throw trailing(consumed_);
      if (::inflateReset(&z_) != Z_OK) throw std::runtime_error("zlib's inflateReset failed");
      between_ = false;
      ++members_;
      std::span<const char> magic(magic_.data(), magic_.size());
      inflate_from(magic);  // the header's first bytes: nothing comes out yet
      magic_.clear();
    }
    return inflate_from(in);
  }

  void end() override {
    if (!between_) {
      throw StreamError(Kind::kTruncated, "the gzip stream ends early, inside member " +
                                              std::to_string(members_) + " (after " +
                                              std::to_string(consumed_) + " compressed bytes)");
    }
    if (!magic_.empty()) throw trailing(consumed_);
  }

 private:
  StreamError trailing(std::uint64_t at) const {
    return StreamError(Kind::kTrailingData,
                       "data after the end of the gzip stream (" + at_byte(at) + ")");
  }

  /// Inflates `in` (advancing it) into out_.
  std::span<const char> inflate_from(std::span<const char>& in) {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), 1u << 30));
    z_.next_out = reinterpret_cast<Bytef*>(out_.data());
    z_.avail_out = static_cast<uInt>(out_.size());
    int r = ::inflate(&z_, Z_NO_FLUSH);
    std::size_t used = std::min<std::size_t>(in.size(), 1u << 30) - z_.avail_in;
    in = in.subspan(used);
    consumed_ += used;
    std::size_t made = out_.size() - z_.avail_out;
    pending_ = z_.avail_out == 0;
    switch (r) {
      case Z_OK:
      case Z_BUF_ERROR:  // no progress without more input: not an error here
        break;
      case Z_STREAM_END:
        between_ = true;
        pending_ = false;
        break;
      case Z_MEM_ERROR:
        throw std::bad_alloc();
      case Z_DATA_ERROR: {
        std::string msg = z_.msg ? z_.msg : "invalid data";
        if (msg == "incorrect data check") {
          throw StreamError(Kind::kChecksum, "the gzip CRC-32 does not match the data (member " +
                                                 std::to_string(members_) + ", " +
                                                 at_byte(consumed_) + ")");
        }
        if (msg == "incorrect length check") {
          throw StreamError(Kind::kChecksum, "the gzip length does not match the data (member " +
                                                 std::to_string(members_) + ", " +
                                                 at_byte(consumed_) + ")");
        }
        throw StreamError(Kind::kCorrupt,
                          "the gzip data is damaged (" + at_byte(consumed_) + "): " + msg);
      }
      default:
        throw StreamError(Kind::kCorrupt, "the gzip data cannot be decoded (" + at_byte(consumed_) +
                                              "): zlib error " + std::to_string(r));
    }
    return {out_.data(), made};
  }

  z_stream z_{};
  bool between_ = false;  ///< a member ended; the next may start
  std::string magic_;     ///< bytes read after a member's end, up to 2
  std::uint64_t members_ = 1;
};

struct FreeDCtx {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

/// zstd through libzstd's streaming decoder, which checks each frame's
/// checksum when the frame has one. Frames and skippable frames may follow
/// one another; nothing else may follow the last.
class ZstdDecoder final : public DecompressStream::Decoder {
 public:
  ZstdDecoder() : d_(ZSTD_createDCtx()) {
    if (!d_) throw std::bad_alloc();
  }

  std::span<const char> step(std::span<const char>& in) override {
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    ZSTD_outBuffer ob{out_.data(), out_.size(), 0};
    std::size_t r = ZSTD_decompressStream(d_.get(), &ob, &ib);
    if (boundary_ && since_.size() < 4) {
      since_.append(in.data(), std::min<std::size_t>(ib.pos, 4 - since_.size()));
    }
    in = in.subspan(ib.pos);
    consumed_ += ib.pos;
    if (ZSTD_isError(r)) {
      auto code = ZSTD_getErrorCode(r);
      // After a frame: whether the bytes that follow (read, or refused
      // unread) can start another.
      std::string next = since_;
      next.append(in.data(),
                  std::min<std::size_t>(in.size(), 4 - std::min<std::size_t>(4, next.size())));
      if (boundary_ && frames_ > 0 && !could_be_frame(next)) throw trailing();
      if (code == ZSTD_error_checksum_wrong) {
        throw StreamError(Kind::kChecksum,
                          "the zstd frame checksum does not match the data "
                          "(frame " +
                              std::to_string(frames_ + 1) + ", " + at_byte(consumed_) + ")");
      }
      throw StreamError(Kind::kCorrupt, "the zstd data is damaged (frame " +
                                            std::to_string(frames_ + 1) + ", " +
                                            at_byte(consumed_) + "): " + ZSTD_getErrorName(r));
    }
    pending_ = ob.pos == ob.size;
    if (r == 0) {
      ++frames_;
      frame_end_ = consumed_;
      boundary_ = true;
      since_.clear();
    } else if (since_.size() == 4) {
      boundary_ = false;
    }
    return {out_.data(), ob.pos};
  }

  void end() override {
    if (boundary_ && since_.empty()) return;
    if (boundary_ && frames_ > 0 && !could_be_frame(since_)) throw trailing();
    throw StreamError(Kind::kTruncated, "the zstd stream ends early, inside frame " +
                                            std::to_string(frames_ + 1) + " (after " +
                                            std::to_string(consumed_) + " compressed bytes)");
  }

 private:
  StreamError trailing() const {
    return StreamError(Kind::kTrailingData,
                       "data after the end of the zstd stream (" + at_byte(frame_end_) + ")");
  }

  std::unique_ptr<ZSTD_DCtx, FreeDCtx> d_;
  bool boundary_ = true;  ///< at the start of the stream or after a frame
  std::string since_;     ///< up to 4 bytes read since then
  std::uint64_t frames_ = 0;
  std::uint64_t frame_end_ = 0;  ///< where the last frame ended
};

}  // namespace

Compression sniff_compression(std::string_view head) {
  auto starts = [&](std::string_view magic) {
    return head.size() >= magic.size() && head.substr(0, magic.size()) == magic;
  };
  if (head.empty()) return Compression::kNone;
  if (starts(std::string_view("\x1f\x8b", 2))) return Compression::kGzip;
  if (is_zstd_magic(head) || is_skippable_magic(head)) return Compression::kZstd;
  if (starts(std::string_view("\xfd"
                              "7zXZ\0",
                              6)))
    return Compression::kXz;
  if (starts("BZh") && head.size() >= 4 && head[3] >= '1' && head[3] <= '9') {
    return Compression::kBzip2;
  }
  if (head.size() >= 262 && head.substr(257, 5) == "ustar") return Compression::kNone;
  return Compression::kUnknown;
}

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
    case Compression::kBzip2:
      return "bzip2";
    case Compression::kXz:
      return "xz";
    case Compression::kUnknown:
      break;
  }
  return "unknown";
}

DecompressStream::DecompressStream(ByteStream& src) : src_(src) {}
DecompressStream::~DecompressStream() = default;

std::span<const char> DecompressStream::next_input() {
  if (!head_fed_) {
    head_fed_ = true;  // the sniffed bytes first; head_ stays as it is
    if (!head_.empty()) return {head_.data(), head_.size()};
  }
  if (src_done_) return {};
  auto chunk = src_.read();
  in_bytes_ += chunk.size();
  if (chunk.empty()) src_done_ = true;
  return chunk;
}

void DecompressStream::sniff() {
  while (head_.size() < kSniffBytes) {
    auto chunk = src_.read();
    in_bytes_ += chunk.size();
    if (chunk.empty()) {
      src_done_ = true;
      break;
    }
    head_.append(chunk.data(), chunk.size());
  }
  compression_ = sniff_compression(head_);
  switch (compression_) {
    case Compression::kGzip:
      decoder_ = std::make_unique<GzipDecoder>();
      break;
    case Compression::kZstd:
      decoder_ = std::make_unique<ZstdDecoder>();
      break;
    case Compression::kNone:
      break;
    case Compression::kBzip2:
    case Compression::kXz:
      throw StreamError(Kind::kUnsupported, std::string("the archive is compressed with ") +
                                                compression_name(compression_) +
                                                ", not gzip or zstd");
    case Compression::kUnknown:
      throw StreamError(Kind::kNotArchive,
                        "not a tar archive, and not compressed with gzip or zstd");
  }
}

std::span<const char> DecompressStream::read() {
  if (done_) return {};
  if (compression_ == Compression::kUnknown) sniff();
  if (!decoder_) {
    auto chunk = next_input();
    if (chunk.empty()) done_ = true;
    return chunk;
  }
  while (true) {
    if (input_.empty() && !decoder_->pending()) {
      input_ = next_input();
      if (input_.empty()) {
        decoder_->end();
        done_ = true;
        return {};
      }
    }
    auto out = decoder_->step(input_);
    if (!out.empty()) return out;
  }
}

}  // namespace whiskey
