// SHA-256: a streaming hasher over OpenSSL's libcrypto, and the parsed digest
// type that config and manifests carry.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace whiskey {

/// A SHA-256 digest as 64 lowercase hex digits.
class Sha256Digest {
 public:
  /// Accepts "<64 hex>" or "sha256:<64 hex>", any case. Throws
  /// std::invalid_argument saying what is wrong.
  static Sha256Digest parse(std::string_view text);
  const std::string& hex() const { return hex_; }
  /// "sha256:<hex>".
  std::string str() const { return "sha256:" + hex_; }
  bool operator==(const Sha256Digest&) const = default;

 private:
  explicit Sha256Digest(std::string hex) : hex_(std::move(hex)) {}
  std::string hex_;
  friend class Sha256;
};

/// The digest of `bytes`, all in memory.
Sha256Digest sha256_of(std::string_view bytes);

/// Incremental SHA-256; owns its EVP_MD_CTX.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const char> bytes);
  /// The digest of everything updated so far. Call once.
  Sha256Digest finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace whiskey
