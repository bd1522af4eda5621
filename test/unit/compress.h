// gzip members and zstd frames made in memory with zlib and libzstd, so
// tests can build streams of known shape and damage them on purpose.
#pragma once

#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace whiskey::testing {

/// `data` as one gzip member (no time in its header).
inline std::string gzip(const std::string& data, int level = 6) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int r = deflate(&z, Z_FINISH);
  deflateEnd(&z);
  if (r != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  return out;
}

/// `data` as one zstd frame, with its checksum unless `checksum` is false.
inline std::string zstd(const std::string& data, bool checksum = true) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  if (!c) throw std::runtime_error("ZSTD_createCCtx");
  if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum ? 1 : 0))) {
    ZSTD_freeCCtx(c);
    throw std::runtime_error("ZSTD_c_checksumFlag");
  }
  std::string out(ZSTD_compressBound(data.size()), '\0');
  std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

/// A zstd skippable frame holding `payload`.
inline std::string zstd_skippable(const std::string& payload, unsigned char variant = 0) {
  std::string out("\x50\x2a\x4d\x18", 4);
  out[0] = static_cast<char>(0x50 | (variant & 0x0f));
  auto n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + payload;
}

}  // namespace whiskey::testing
