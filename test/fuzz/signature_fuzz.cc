// libFuzzer target for signed manifests: the input is manifest.json, a NUL
// byte, then manifest.json.sig, as compile reads them from a bucket.
// verify_manifest may refuse them only with a SignatureError; a signature
// it accepts is one the trusted key made over these very bytes. Whatever
// the manifest, signing it and checking it again must agree, and one byte
// more must be refused. Its seeds (corpus/signature_fuzz) are a manifest
// signed with kKeyPem by sign_manifest, the same unsigned, and the same with
// a byte added.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "signature.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "signature_fuzz: %s\n", what.c_str());
  std::abort();
}

// RFC 8032, section 7.1, test 1, as a PKCS#8 PEM key: the corpus's
// signatures are made with it.
constexpr const char* kKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

const whiskey::SigningKey& key() {
  static const whiskey::SigningKey k = whiskey::SigningKey::from_pem(kKeyPem);
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto nul = input.find('\0');
  std::string_view manifest = input.substr(0, nul);
  std::string_view signature = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  const whiskey::PublicKey trusted = key().public_key();

  try {
    whiskey::PublicKey by = whiskey::verify_manifest(manifest, signature, {trusted});
    if (!(by == trusted)) fail("a key that is not trusted vouched");
    try {
      whiskey::verify_manifest(manifest, signature, {});
      fail("accepted with no trusted key");
    } catch (const whiskey::SignatureError&) {
    }
    std::string longer(manifest);
    longer += ' ';
    try {
      whiskey::verify_manifest(longer, signature, {trusted});
      fail("the same signature vouched for another manifest");
    } catch (const whiskey::SignatureError&) {
    }
  } catch (const whiskey::SignatureError&) {
    // refused, with a message for the user
  }

  std::string made = whiskey::sign_manifest(manifest, {&key()});
  try {
    whiskey::verify_manifest(manifest, made, {trusted});
  } catch (const whiskey::SignatureError& e) {
    fail(std::string("a fresh signature is refused: ") + e.what());
  }
  std::string changed(manifest);
  changed += '\n';
  try {
    whiskey::verify_manifest(changed, made, {trusted});
    fail("a fresh signature vouched for another manifest");
  } catch (const whiskey::SignatureError& e) {
    if (e.kind != whiskey::SignatureError::Kind::kTampered) fail("a change is not told as such");
  }
  return 0;
}
