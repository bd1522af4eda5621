#include "digest.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "fakes.h"

using namespace whiskey;
using whiskey::testing::expect_throw;

namespace {

constexpr const char* kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr const char* kAbc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

}  // namespace

TEST_CASE("Sha256: known vectors", "[digest]") {
  CHECK(sha256_of("").hex() == kEmpty);
  CHECK(sha256_of("abc").hex() == kAbc);
  CHECK(sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").hex() ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

  Sha256 nothing;
  CHECK(nothing.finish().str() == std::string("sha256:") + kEmpty);
}

TEST_CASE("Sha256: 1 MiB fed in uneven chunks", "[digest]") {
  std::string data(1 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<char>(((i * 31 + 7) & 0xff) ^ ((i >> 10) & 0xff));
  }
  const std::string expected = "e33e2d1ec74c913935d267fc47976c3db66360d2ee4ac78a65a1d92ec42dee35";

  CHECK(sha256_of(data).hex() == expected);

  Sha256 h;
  std::size_t pos = 0;
  std::size_t sizes[] = {0, 1, 63, 64, 65, 7, 4096, 100000, 3, 0, 55, 56};
  for (std::size_t i = 0; pos < data.size(); ++i) {
    std::size_t n = std::min(sizes[i % std::size(sizes)] + i, data.size() - pos);
    h.update(std::span<const char>(data.data() + pos, n));
    pos += n;
  }
  CHECK(h.finish().hex() == expected);

  Sha256 a;
  a.update(std::span<const char>(std::string(1 << 20, 'a')));
  CHECK(a.finish().hex() == "9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360");
}

TEST_CASE("Sha256Digest::parse accepts hex, a sha256: prefix and upper case", "[digest]") {
  const std::string hex = kAbc;
  std::string upper = hex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  for (const std::string& text :
       {hex, "sha256:" + hex, upper, "sha256:" + upper, "SHA256:" + hex, "Sha256:" + upper}) {
    INFO(text);
    auto d = Sha256Digest::parse(text);
    CHECK(d.hex() == hex);
    CHECK(d.str() == "sha256:" + hex);
  }
  CHECK(Sha256Digest::parse(upper) == Sha256Digest::parse("sha256:" + hex));
  CHECK_FALSE(Sha256Digest::parse(hex) == Sha256Digest::parse(kEmpty));

  Sha256 h;
  h.update(std::span<const char>("abc", 3));
  CHECK(h.finish() == Sha256Digest::parse(upper));
}

TEST_CASE("Sha256Digest::parse rejects the wrong length and non-hex digits", "[digest]") {
  const std::string hex = kAbc;
  auto message = [](const std::string& text) {
    return std::string(
        expect_throw<std::invalid_argument>([&] { Sha256Digest::parse(text); }).what());
  };
  CHECK(message("") == "expected 64 hexadecimal digits, got 0 characters");
  CHECK(message(hex.substr(0, 63)) == "expected 64 hexadecimal digits, got 63 characters");
  CHECK(message(hex + "0") == "expected 64 hexadecimal digits, got 65 characters");
  CHECK(message("sha256:" + hex.substr(0, 40)) ==
        "expected 64 hexadecimal digits, got 40 characters");
  CHECK(message("sha256:") == "expected 64 hexadecimal digits, got 7 characters");
  CHECK(message("md5:" + hex) == "expected 64 hexadecimal digits, got 68 characters");
  CHECK(message(" " + hex.substr(1)) == "' ' is not a hexadecimal digit");
  CHECK(message(hex.substr(0, 63) + "g") == "'g' is not a hexadecimal digit");
  CHECK(message("sha256:" + hex.substr(0, 32) + "-" + hex.substr(33)) ==
        "'-' is not a hexadecimal digit");
}
