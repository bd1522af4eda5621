#include "decompress.h"

#include <catch2/catch.hpp>

#include "compress.h"
#include "fakes.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;

namespace {

using Kind = StreamError::Kind;

/// Everything `bytes` decompresses to, read in chunks of `chunk` bytes.
std::string decompress(const std::string& bytes, std::size_t chunk = 4096) {
  StringStream src(bytes, chunk);
  DecompressStream in(src);
  std::string out;
  for (auto c = in.read(); !c.empty(); c = in.read()) out.append(c.data(), c.size());
  CHECK(in.read().empty());  // the end stays the end
  CHECK(src.position() == bytes.size());
  return out;
}

StreamError refused(const std::string& bytes, std::size_t chunk = 4096) {
  return expect_throw<StreamError>([&] { decompress(bytes, chunk); });
}

/// `bytes` with the little-endian 32-bit word at `at` changed.
std::string with_word_flipped(std::string bytes, std::size_t at) {
  for (std::size_t i = at; i < at + 4; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  return bytes;
}

std::string flipped(std::string bytes, std::size_t at) {
  bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
  return bytes;
}

const std::string kText = [] {
  std::string t;
  for (int i = 0; i < 4000; ++i)
    t += "LoadModule wsgi_module modules/mod_wsgi.so " + std::to_string(i) + "\n";
  return t;
}();
const std::string kNoise = noise(200 * 1024, 9);

/// `packed` (kText compressed) with one byte flipped, every `step` bytes from
/// `first` up to its last `tail`: each refused as damage (never as not an
/// archive), or decoded to kText when the flip changed nothing decoded.
void check_flips(const std::string& packed, std::size_t first, std::size_t tail, std::size_t step) {
  for (std::size_t at = first; at < packed.size() - tail; at += step) {
    INFO("flipped at " << at << " of " << packed.size());
    std::string out;
    try {
      out = decompress(flipped(packed, at));
    } catch (const StreamError& e) {
      CHECK(e.kind != Kind::kNotArchive);
      continue;
    }
    CHECK(out == kText);
  }
}

}  // namespace

TEST_CASE("sniff_compression", "[decompress]") {
  std::string tar = make_tar({File(".whiskey/x", "x")}, TarCompression::kNone);
  CHECK(sniff_compression("") == Compression::kNone);
  CHECK(sniff_compression(tar.substr(0, kSniffBytes)) == Compression::kNone);
  CHECK(sniff_compression(gzip("x")) == Compression::kGzip);
  CHECK(sniff_compression(zstd("x")) == Compression::kZstd);
  CHECK(sniff_compression(zstd_skippable("meta", 3) + zstd("x")) == Compression::kZstd);
  CHECK(sniff_compression("BZh91AY&SY") == Compression::kBzip2);
  CHECK(sniff_compression(std::string("\xfd"
                                      "7zXZ\0\0",
                                      7)) == Compression::kXz);
  CHECK(sniff_compression("<html>") == Compression::kUnknown);
  CHECK(sniff_compression(tar.substr(0, 100)) == Compression::kUnknown);
}

TEST_CASE("DecompressStream: good streams", "[decompress]") {
  SECTION("gzip, in chunks of every size") {
    std::string gz = gzip(kText);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, gz.size()}) {
      INFO("chunk " << chunk);
      CHECK(decompress(gz, chunk) == kText);
    }
  }
  SECTION("gzip members one after another are one stream") {
    CHECK(decompress(gzip("first ") + gzip("") + gzip(kText) + gzip(kNoise), 5) ==
          "first " + kText + kNoise);
  }
  SECTION("zstd, with and without a checksum") {
    for (bool checksum : {true, false}) {
      std::string z = zstd(kText, checksum);
      CHECK(decompress(z, 1) == kText);
      CHECK(decompress(z) == kText);
    }
  }
  SECTION("zstd frames one after another, and skippable frames between them") {
    std::string z = zstd_skippable("made by", 0) + zstd("a ") + zstd(kNoise, false) +
                    zstd_skippable("", 15) + zstd(kText) + zstd_skippable("end", 7);
    CHECK(decompress(z, 3) == "a " + kNoise + kText);
    CHECK(decompress(z) == "a " + kNoise + kText);
  }
  SECTION("a plain tar archive passes through") {
    std::string tar = make_tar({File(".whiskey/x", kNoise)}, TarCompression::kNone);
    CHECK(decompress(tar, 100) == tar);
  }
  SECTION("an empty stream is empty") {
    CHECK(decompress("").empty());
  }
  SECTION("what it is") {
    StringStream src(zstd("x"));
    DecompressStream in(src);
    CHECK(in.compression() == Compression::kUnknown);
    in.read();
    CHECK(in.compression() == Compression::kZstd);
  }
}

TEST_CASE("DecompressStream: damaged gzip", "[decompress]") {
  const std::string gz = gzip(kText);
  const std::size_t n = gz.size();
  SECTION("its CRC-32 rewritten") {
    auto e = refused(with_word_flipped(gz, n - 8));
    CHECK(e.kind == Kind::kChecksum);
    CHECK_THAT(e.what(), Contains("the gzip CRC-32 does not match the data"));
  }
  SECTION("its length rewritten") {
    auto e = refused(with_word_flipped(gz, n - 4));
    CHECK(e.kind == Kind::kChecksum);
    CHECK_THAT(e.what(), Contains("the gzip length does not match the data"));
  }
  SECTION("a byte flipped in stored (incompressible) data: only the CRC-32 sees it") {
    std::string noisy = gzip(kNoise);
    auto e = refused(flipped(noisy, noisy.size() / 2));
    CHECK(e.kind == Kind::kChecksum);
    CHECK_THAT(e.what(), Contains("CRC-32"));
  }
  SECTION("a byte flipped in compressed data: refused, whatever it broke, or harmless") {
    check_flips(gz, 20, 8, 37);
  }
  SECTION("its last 4 bytes missing") {
    auto e = refused(gz.substr(0, n - 4));
    CHECK(e.kind == Kind::kTruncated);
    CHECK_THAT(e.what(), Contains("the gzip stream ends early"));
  }
  SECTION("cut in the middle, and after its header") {
    CHECK(refused(gz.substr(0, n / 2)).kind == Kind::kTruncated);
    CHECK(refused(gz.substr(0, 12), 1).kind == Kind::kTruncated);
    CHECK(refused(gz.substr(0, 2)).kind == Kind::kTruncated);
  }
  SECTION("data after its end") {
    for (std::string after : {std::string("garbage"), std::string("\x1f"), std::string(1, '\0'),
                              std::string(512, '\0'), std::string("\x1f\x8c")}) {
      INFO("after: " << after.size() << " bytes");
      auto e = refused(gz + after, 3);
      CHECK(e.kind == Kind::kTrailingData);
      CHECK(std::string(e.what()) == "data after the end of the gzip stream (at byte " +
                                         std::to_string(n) + " of the compressed stream)");
    }
  }
  SECTION("data after a second member") {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{4096}}) {
      auto e = refused(gz + gz + "x", chunk);
      CHECK(e.kind == Kind::kTrailingData);
      CHECK(std::string(e.what()) == "data after the end of the gzip stream (at byte " +
                                         std::to_string(2 * n) + " of the compressed stream)");
    }
  }
  SECTION("a second member cut short") {
    CHECK(refused(gz + gzip(kText).substr(0, 30)).kind == Kind::kTruncated);
  }
}

TEST_CASE("DecompressStream: damaged zstd", "[decompress]") {
  const std::string z = zstd(kText);
  const std::size_t n = z.size();
  SECTION("its checksum rewritten") {
    auto e = refused(with_word_flipped(z, n - 4));
    CHECK(e.kind == Kind::kChecksum);
    CHECK_THAT(e.what(), Contains("the zstd frame checksum does not match the data (frame 1"));
  }
  SECTION("a byte flipped in raw (incompressible) data: only the checksum sees it") {
    std::string noisy = zstd(kNoise);
    auto e = refused(flipped(noisy, noisy.size() / 2));
    CHECK(e.kind == Kind::kChecksum);
  }
  SECTION("a byte flipped in compressed data: refused, whatever it broke, or harmless") {
    check_flips(z, 6, 4, 29);
  }
  SECTION("its last 4 bytes missing") {
    auto e = refused(z.substr(0, n - 4));
    CHECK(e.kind == Kind::kTruncated);
    CHECK_THAT(e.what(), Contains("the zstd stream ends early, inside frame 1"));
  }
  SECTION("cut in the middle") {
    CHECK(refused(z.substr(0, n / 2)).kind == Kind::kTruncated);
    CHECK(refused(z.substr(0, n / 2), 1).kind == Kind::kTruncated);
    CHECK(refused(z + zstd(kText).substr(0, 10)).kind == Kind::kTruncated);
  }
  SECTION("data after its end") {
    for (std::string after :
         {std::string("garbage and more"), std::string("\x01"), std::string(4, '\0'),
          std::string(600, '\0'), std::string("\x28\xb5\x2f\xfe", 4)}) {
      INFO("after: " << after.size() << " bytes");
      auto e = refused(z + after, 3);
      CHECK(e.kind == Kind::kTrailingData);
      CHECK(std::string(e.what()) == "data after the end of the zstd stream (at byte " +
                                         std::to_string(n) + " of the compressed stream)");
    }
  }
}

TEST_CASE("DecompressStream: what it does not read", "[decompress]") {
  SECTION("bzip2 and xz") {
    auto bz = refused("BZh91AY&SY" + noise(300));
    CHECK(bz.kind == Kind::kUnsupported);
    CHECK(std::string(bz.what()) == "the archive is compressed with bzip2, not gzip or zstd");
    CHECK(refused(std::string("\xfd"
                              "7zXZ\0",
                              6) +
                  noise(300))
              .kind == Kind::kUnsupported);
  }
  SECTION("neither compressed nor a tar archive") {
    auto e = refused("<html><body>Welcome to nginx!</body></html>\n");
    CHECK(e.kind == Kind::kNotArchive);
    CHECK(std::string(e.what()) == "not a tar archive, and not compressed with gzip or zstd");
    CHECK(refused(noise(5000)).kind == Kind::kNotArchive);
  }
  SECTION("the source's own errors pass through") {
    std::string gz = gzip(kNoise);
    StringStream src(gz, 100, gz.size() / 2);
    DecompressStream in(src);
    CHECK_THROWS_AS(
        [&] {
          while (!in.read().empty()) {
          }
        }(),
        TransportError);
  }
}
