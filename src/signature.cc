#include "signature.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "digest.h"

namespace whiskey {
namespace {

using nlohmann::json;

constexpr std::string_view kKeyPrefix = "ed25519:";
constexpr std::size_t kSignatureSize = 64;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  if (n < 0) throw std::runtime_error("base64 encoding failed (OpenSSL libcrypto)");
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// The bytes of strict base64 `text` (padded, no white space); nullopt when
/// it is not that.
std::optional<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  bool alphabet = std::all_of(text.begin(), text.end() - static_cast<long>(pad), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
  });
  if (!alphabet) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
  out.resize(out.size() - pad);
  return out;
}

std::string signed_message(std::string_view manifest) {
  std::string m(kSignedPrefix);
  m.append(manifest);
  return m;
}

}  // namespace

std::string PublicKey::text() const {
  return std::string(kKeyPrefix) + base64({reinterpret_cast<const char*>(raw.data()), raw.size()});
}

std::string PublicKey::id() const {
  return sha256_of({reinterpret_cast<const char*>(raw.data()), raw.size()}).hex().substr(0, 16);
}

PublicKey parse_public_key(std::string_view text, std::string origin) {
  if (!text.starts_with(kKeyPrefix)) {
    throw std::invalid_argument(
        "a key is written ed25519:<base64>, and this one does not start "
        "with ed25519:");
  }
  auto bytes = unbase64(text.substr(kKeyPrefix.size()));
  if (!bytes || bytes->size() != 32) {
    throw std::invalid_argument(
        "after ed25519: comes the base64 of the key's 32 bytes (44 "
        "characters, ending in =)");
  }
  PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.raw.begin());
  key.origin = std::move(origin);
  return key;
}

std::vector<PublicKey> parse_public_keys(std::string_view text, const std::string& origin) {
  std::vector<PublicKey> keys;
  auto separator = [](char c) { return c == ',' || std::isspace(static_cast<unsigned char>(c)); };
  for (std::size_t i = 0; i < text.size();) {
    if (separator(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && !separator(text[end])) ++end;
    std::string_view one = text.substr(i, end - i);
    PublicKey key;
    try {
      key = parse_public_key(one, origin);
    } catch (const std::invalid_argument& e) {
      std::string shown(one.substr(0, 60));
      throw std::invalid_argument("'" + shown + "': " + e.what());
    }
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    i = end;
  }
  return keys;
}

void SigningKey::Free::operator()(EVP_PKEY* key) const {
  EVP_PKEY_free(key);
}

SigningKey SigningKey::generate() {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1 ||
      !key) {
    throw std::runtime_error("cannot make an Ed25519 key (OpenSSL libcrypto)");
  }
  return SigningKey(key);
}

SigningKey SigningKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("cannot read the key (OpenSSL libcrypto)");
  // No passphrase callback: an encrypted key is refused rather than prompted for.
  EVP_PKEY* key = PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  if (!key) throw std::invalid_argument("it is not an unencrypted PEM private key");
  SigningKey k(key);
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    throw std::invalid_argument("it is a private key, but not an Ed25519 one");
  }
  return k;
}

std::string SigningKey::to_pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("cannot write the key (OpenSSL libcrypto)");
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0 || !data) throw std::runtime_error("cannot write the key (OpenSSL libcrypto)");
  return std::string(data, static_cast<std::size_t>(n));
}

PublicKey SigningKey::public_key() const {
  PublicKey pub;
  std::size_t n = pub.raw.size();
  if (EVP_PKEY_get_raw_public_key(key_.get(), pub.raw.data(), &n) != 1 || n != pub.raw.size()) {
    throw std::runtime_error("cannot read the public key (OpenSSL libcrypto)");
  }
  return pub;
}

std::string SigningKey::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  std::string sig(kSignatureSize, '\0');
  std::size_t n = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &n,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      n != kSignatureSize) {
    throw std::runtime_error("signing failed (OpenSSL libcrypto)");
  }
  return sig;
}

bool verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  if (signature.size() != kSignatureSize) return false;
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.raw.data(), key.raw.size()),
            EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!pkey || !ctx ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    throw std::runtime_error("cannot check an Ed25519 signature (OpenSSL libcrypto)");
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string sign_manifest(std::string_view manifest, const std::vector<const SigningKey*>& keys) {
  std::string message = signed_message(manifest);
  json signatures = json::array();
  for (const SigningKey* key : keys) {
    signatures.push_back(
        {{"key", key->public_key().text()}, {"signature", base64(key->sign(message))}});
  }
  json doc = {
      {"schema", 1}, {"manifest_sha256", sha256_of(manifest).hex()}, {"signatures", signatures}};
  return doc.dump(2) + "\n";
}

PublicKey verify_manifest(std::string_view manifest, std::string_view signature,
                          const std::vector<PublicKey>& trusted) {
  auto malformed = [](const std::string& why) {
    return SignatureError(SignatureError::Kind::kMalformed, why);
  };
  json doc = json::parse(signature, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) throw malformed("it is not a JSON object");
  if (!doc.contains("schema") || doc["schema"] != 1) throw malformed("its \"schema\" is not 1");
  if (!doc.contains("signatures") || !doc["signatures"].is_array()) {
    throw malformed("it has no \"signatures\" list");
  }
  // What the signer signed, when it says: a manifest changed since is told
  // apart from a signature that is wrong.
  if (doc.contains("manifest_sha256") && (!doc["manifest_sha256"].is_string() ||
                                          doc["manifest_sha256"] != sha256_of(manifest).hex())) {
    throw SignatureError(SignatureError::Kind::kTampered,
                         "manifest.json is not the manifest its signature was made for");
  }
  std::string message = signed_message(manifest);
  std::vector<std::string> signers;
  std::vector<std::string> failed;
  for (const auto& entry : doc["signatures"]) {
    if (!entry.is_object() || !entry.contains("key") || !entry["key"].is_string() ||
        !entry.contains("signature") || !entry["signature"].is_string()) {
      throw malformed("a signature has no \"key\" or \"signature\" text");
    }
    PublicKey key;
    try {
      key = parse_public_key(entry["key"].get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw malformed(std::string("a signature's key is malformed: ") + e.what());
    }
    auto bytes = unbase64(entry["signature"].get<std::string>());
    if (!bytes || bytes->size() != kSignatureSize) {
      throw malformed("a signature is not the base64 of 64 bytes");
    }
    signers.push_back(key.text());
    auto known = std::find(trusted.begin(), trusted.end(), key);
    if (known == trusted.end()) continue;
    if (verify(*known, message, *bytes)) return *known;
    failed.push_back(known->id());
  }
  SignatureError e(signers.empty()  ? SignatureError::Kind::kUnsigned
                   : failed.empty() ? SignatureError::Kind::kUntrustedKey
                                    : SignatureError::Kind::kBadSignature);
  e.signers = signers;
  for (const auto& k : trusted) e.trusted.push_back(k.id() + " (" + k.origin + ")");
  throw e;
}

}  // namespace whiskey
