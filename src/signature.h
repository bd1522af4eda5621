// Signed manifests: the publisher signs manifest.json's exact bytes with
// Ed25519 (OpenSSL's libcrypto) and puts a detached signature beside it,
// manifest.json.sig; compile checks it against the public keys it is given
// (buildpack.toml's [metadata] public-keys, WHISKEY_PUBLIC_KEYS).
//
// A public key is written "ed25519:" and the base64 of its 32 bytes; its id
// is the first 16 hex digits of the SHA-256 of those bytes. The signature
// file (schema 1):
//   {
//     "schema": 1,
//     "manifest_sha256": "<hex digest of the manifest it was made for>",
//     "signatures": [ { "key": "ed25519:<base64>", "signature": "<base64 of 64 bytes>" } ]
//   }
// Each signature is over kSignedPrefix followed by the manifest's bytes, so
// that a signing key cannot be made to vouch for anything but a manifest.
// Several signatures let a manifest be read by builds that pin an old key
// and by builds that pin its successor while keys are rotated.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "errors.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace whiskey {

inline constexpr const char* kSignatureName = "manifest.json.sig";
inline constexpr std::string_view kSignedPrefix = "mod_wsgi-heroku manifest, signature schema 1\n";

struct PublicKey {
  std::array<unsigned char, 32> raw{};
  std::string origin;  ///< where it was configured, for the log: "WHISKEY_PUBLIC_KEYS", ...

  /// "ed25519:<base64>", as keys are written.
  std::string text() const;
  /// The first 16 hex digits of the SHA-256 of the key's bytes.
  std::string id() const;
  bool operator==(const PublicKey& other) const { return raw == other.raw; }
};

/// Parses "ed25519:<base64 of 32 bytes>". Throws std::invalid_argument
/// saying what is wrong.
PublicKey parse_public_key(std::string_view text, std::string origin = {});

/// Keys separated by white space or commas; duplicates are dropped. Throws
/// std::invalid_argument naming the malformed one.
std::vector<PublicKey> parse_public_keys(std::string_view text, const std::string& origin);

/// An Ed25519 private key, for the publisher.
class SigningKey {
 public:
  /// A new, random key.
  static SigningKey generate();
  /// A PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----"), as
  /// to_pem writes it and `openssl genpkey -algorithm ed25519` makes it.
  /// Throws std::invalid_argument (never quoting the text).
  static SigningKey from_pem(std::string_view pem);

  std::string to_pem() const;
  PublicKey public_key() const;
  /// The 64-byte signature of `message`.
  std::string sign(std::string_view message) const;

 private:
  struct Free {
    void operator()(EVP_PKEY* key) const;
  };
  explicit SigningKey(EVP_PKEY* key) : key_(key) {}
  std::unique_ptr<EVP_PKEY, Free> key_;
};

/// The signature file for `manifest`, signed by each of `keys`.
std::string sign_manifest(std::string_view manifest, const std::vector<const SigningKey*>& keys);

/// The manifest cannot be trusted; nothing was installed.
class SignatureError : public Failure {
 public:
  enum class Kind {
    kUnsigned,      ///< keys are configured, and there is no signature (or no manifest)
    kMalformed,     ///< the signature file cannot be read (`detail` says why)
    kUntrustedKey,  ///< signed, but by none of the configured keys (`signers`)
    kTampered,      ///< the manifest is not the one the signature was made for
    kBadSignature,  ///< a configured key's signature does not verify
    kRollback,      ///< older than a manifest an earlier build trusted
  };
  SignatureError(Kind kind, std::string detail = {})
      : Failure(detail.empty() ? "the manifest's signature cannot be trusted" : detail),
        kind(kind),
        detail(std::move(detail)) {}
  Kind kind;
  std::string detail;
  std::string described;             ///< the manifest's URL, safe to print
  std::vector<std::string> trusted;  ///< the configured keys, "<id> (<origin>)"
  std::vector<std::string> signers;  ///< the keys that signed, "ed25519:..."
  std::uint64_t serial = 0;          ///< kRollback: the manifest's
  std::uint64_t trusted_serial = 0;  ///< kRollback: the one trusted before
};

/// The key among `trusted` that vouches for `manifest` by `signature` (the
/// signature file's text). Throws SignatureError: kMalformed, kTampered,
/// kUntrustedKey or kBadSignature.
PublicKey verify_manifest(std::string_view manifest, std::string_view signature,
                          const std::vector<PublicKey>& trusted);

/// Whether `signature` verifies `message` under `key`.
bool verify(const PublicKey& key, std::string_view message, std::string_view signature);

}  // namespace whiskey
