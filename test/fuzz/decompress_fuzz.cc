// libFuzzer target for the decoder alone: the input is a compressed stream
// as downloaded. DecompressStream may refuse it with a StreamError; anything
// else that escapes is a bug, and so is an outcome that depends on how the
// input is cut into chunks (the same bytes, or the same refusal, whether
// they come 1000 at a time or a few).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>

#include "decompress.h"

namespace {

class BytesStream : public whiskey::ByteStream {
 public:
  BytesStream(const char* data, std::size_t size, std::size_t chunk)
      : data_(data), size_(size), chunk_(chunk) {}
  std::span<const char> read() override {
    std::size_t n = std::min(chunk_, size_ - pos_);
    std::span<const char> out(data_ + pos_, n);
    pos_ += n;
    return out;
  }
  std::size_t position() const { return pos_; }

 private:
  const char* data_;
  std::size_t size_;
  std::size_t chunk_;
  std::size_t pos_ = 0;
};

/// The decompressed bytes are hashed, not kept: a small input may expand a lot.
constexpr std::uint64_t kMaxOutput = 64 << 20;

struct Outcome {
  std::uint64_t size = 0;
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  std::optional<whiskey::StreamError::Kind> refused;
  bool cut = false;  ///< stopped at kMaxOutput
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "decompress_fuzz: %s\n", what.c_str());
  std::abort();
}

Outcome run(const char* data, std::size_t size, std::size_t chunk) {
  BytesStream src(data, size, chunk);
  whiskey::DecompressStream in(src);
  Outcome o;
  try {
    for (auto c = in.read(); !c.empty(); c = in.read()) {
      for (char ch : c) o.hash = (o.hash ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
      o.size += c.size();
      if (o.size > kMaxOutput) {
        o.cut = true;
        return o;
      }
    }
    if (src.position() != size) fail("the end came before the whole input was read");
    if (!in.read().empty()) fail("data after the end");
  } catch (const whiskey::StreamError& e) {
    o.refused = e.kind;
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  Outcome whole = run(bytes, size, 1000);
  if (whole.cut) return 0;
  Outcome bits = run(bytes, size, 1 + size % 7);
  if (bits.cut) return 0;
  if (whole.refused != bits.refused) fail("refused in one chunking and not the other");
  if (!whole.refused && (whole.size != bits.size || whole.hash != bits.hash)) {
    fail("different bytes in different chunkings");
  }
  return 0;
}
