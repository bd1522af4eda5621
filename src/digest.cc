#include "digest.h"

#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

namespace whiskey {

Sha256Digest Sha256Digest::parse(std::string_view text) {
  std::string_view hex = text;
  if (hex.size() > 7) {
    std::string prefix(hex.substr(0, 7));
    for (auto& ch : prefix) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (prefix == "sha256:") hex.remove_prefix(7);
  }
  if (hex.size() != 64) {
    throw std::invalid_argument("expected 64 hexadecimal digits, got " +
                                std::to_string(hex.size()) + " characters");
  }
  std::string out;
  out.reserve(64);
  for (char ch : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) {
      throw std::invalid_argument(std::string("'") + ch + "' is not a hexadecimal digit");
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return Sha256Digest(std::move(out));
}

struct Sha256::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->ctx || EVP_DigestInit_ex(ctx_->ctx, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("cannot initialise SHA-256 (OpenSSL libcrypto)");
  }
}

Sha256::~Sha256() = default;

Sha256Digest sha256_of(std::string_view bytes) {
  Sha256 h;
  h.update({bytes.data(), bytes.size()});
  return h.finish();
}

void Sha256::update(std::span<const char> bytes) {
  if (EVP_DigestUpdate(ctx_->ctx, bytes.data(), bytes.size()) != 1) {
    throw std::runtime_error("SHA-256 update failed (OpenSSL libcrypto)");
  }
}

Sha256Digest Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->ctx, md, &len) != 1) {
    throw std::runtime_error("SHA-256 final failed (OpenSSL libcrypto)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 0xf];
  }
  return Sha256Digest(std::move(hex));
}

}  // namespace whiskey
