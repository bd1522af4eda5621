#include "signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "config.h"
#include "defaults.h"
#include "fakes.h"
#include "manifest.h"
#include "memory_disk.h"
#include "messages.h"
#include "resolve.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

SignatureError::Kind failure_kind(const std::string& manifest, const std::string& signature,
                                  const std::vector<PublicKey>& trusted) {
  try {
    verify_manifest(manifest, signature, trusted);
  } catch (const SignatureError& e) {
    return e.kind;
  }
  FAIL("the signature was accepted");
  throw std::logic_error("unreachable");
}

const std::string kManifest = R"({"schema": 1, "serial": 3, "bundles": []})";

}  // namespace

TEST_CASE("signature: public keys are written ed25519:<base64> and named by an id", "[signature]") {
  // RFC 8032, section 7.1, test 1.
  std::string raw = unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  PublicKey key = parse_public_key("ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "here");
  CHECK(std::string(key.raw.begin(), key.raw.end()) == raw);
  CHECK(key.text() == "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  CHECK(key.origin == "here");
  CHECK(key.id().size() == 16);
  CHECK(key.id() == parse_public_key(key.text()).id());

  SECTION("the RFC's signature of the empty message verifies, and nothing else does") {
    std::string sig = unhex(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
        "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    CHECK(verify(key, "", sig));
    CHECK_FALSE(verify(key, "x", sig));
    sig[10] ^= 1;
    CHECK_FALSE(verify(key, "", sig));
    CHECK_FALSE(verify(key, "", sig.substr(1)));
  }
  SECTION("malformed keys are refused, saying why") {
    for (const char* bad :
         {"", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
          "rsa:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
          "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHUR==",
          "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo",
          "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcH!Ro=", "ed25519:AAAA"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(parse_public_key(bad), std::invalid_argument);
    }
  }
  SECTION("a list: spaces, commas and new lines between keys; repeats dropped") {
    SigningKey other = SigningKey::generate();
    auto keys = parse_public_keys(
        " " + key.text() + ",\n" + other.public_key().text() + " , " + key.text() + "\n", "env");
    REQUIRE(keys.size() == 2);
    CHECK(keys[0] == key);
    CHECK(keys[1] == other.public_key());
    CHECK(keys[1].origin == "env");
    CHECK(parse_public_keys("  ", "env").empty());
    CHECK_THROWS_WITH(parse_public_keys(key.text() + " ed25519:x", "env"), Contains("'ed25519:x'"));
  }
}

TEST_CASE("signature: keys made, written and read back", "[signature]") {
  SigningKey key = SigningKey::generate();
  std::string pem = key.to_pem();
  CHECK_THAT(pem, Contains("-----BEGIN PRIVATE KEY-----"));
  SigningKey again = SigningKey::from_pem(pem);
  CHECK(again.public_key() == key.public_key());
  CHECK(verify(key.public_key(), "message", again.sign("message")));
  CHECK_FALSE(SigningKey::generate().public_key() == key.public_key());

  SECTION("what is not an Ed25519 private key is refused, without quoting it") {
    CHECK_THROWS_AS(SigningKey::from_pem("not a key"), std::invalid_argument);
    CHECK_THROWS_AS(SigningKey::from_pem(pem.substr(0, pem.size() / 2)), std::invalid_argument);
    EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    REQUIRE(ec);
    BIO* bio = BIO_new(BIO_s_mem());
    REQUIRE(PEM_write_bio_PrivateKey(bio, ec, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string ec_pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    EVP_PKEY_free(ec);
    CHECK_THROWS_WITH(SigningKey::from_pem(ec_pem), "it is a private key, but not an Ed25519 one");
  }
}

TEST_CASE("signature: a manifest's signature file", "[signature]") {
  SigningKey a = SigningKey::generate();
  SigningKey b = SigningKey::generate();
  PublicKey pa = a.public_key(), pb = b.public_key();
  pa.origin = "WHISKEY_PUBLIC_KEYS";
  std::string sig = sign_manifest(kManifest, {&a});

  SECTION("signed by a trusted key: that key vouches") {
    PublicKey k = verify_manifest(kManifest, sig, {pb, pa});
    CHECK(k == pa);
    CHECK(k.origin == "WHISKEY_PUBLIC_KEYS");
  }
  SECTION("the manifest changed after signing") {
    CHECK(failure_kind(kManifest + " ", sig, {pa}) == SignatureError::Kind::kTampered);
  }
  SECTION("the manifest changed, and the digest in the file with it") {
    json doc = json::parse(sig);
    std::string changed = R"({"schema": 1, "serial": 4, "bundles": []})";
    doc["manifest_sha256"] =
        json::parse(sign_manifest(changed, {&b}))["manifest_sha256"];  // its true digest
    CHECK(failure_kind(changed, doc.dump(), {pa}) == SignatureError::Kind::kBadSignature);
  }
  SECTION("a signature by a key that is not trusted") {
    try {
      verify_manifest(kManifest, sig, {pb});
      FAIL("accepted");
    } catch (const SignatureError& e) {
      CHECK(e.kind == SignatureError::Kind::kUntrustedKey);
      CHECK(e.signers == std::vector<std::string>{pa.text()});
      REQUIRE(e.trusted.size() == 1);
      CHECK_THAT(e.trusted[0], Contains(pb.id()));
    }
  }
  SECTION("several signatures: either key vouches (rotation)") {
    std::string both = sign_manifest(kManifest, {&a, &b});
    CHECK(verify_manifest(kManifest, both, {pa}) == pa);
    CHECK(verify_manifest(kManifest, both, {pb}) == pb);
  }
  SECTION("a signature is over the manifest's bytes with the prefix, not the bytes alone") {
    json doc = json::parse(sig);
    std::string bare = a.sign(kManifest);
    std::string b64(4 * ((bare.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                            reinterpret_cast<const unsigned char*>(bare.data()),
                            static_cast<int>(bare.size()));
    b64.resize(static_cast<std::size_t>(n));
    doc["signatures"][0]["signature"] = b64;
    CHECK(failure_kind(kManifest, doc.dump(), {pa}) == SignatureError::Kind::kBadSignature);
  }
  SECTION("no signatures at all") {
    json doc = json::parse(sig);
    doc["signatures"] = json::array();
    CHECK(failure_kind(kManifest, doc.dump(), {pa}) == SignatureError::Kind::kUnsigned);
  }
  SECTION("a file this buildpack cannot read") {
    json doc = json::parse(sig);
    for (std::string bad :
         {std::string("not json"), std::string("[]"), std::string(R"({"schema": 2})"),
          std::string(R"({"schema": 1})"),
          std::string(R"({"schema": 1, "signatures": [{"key": 1}]})"),
          std::string(R"({"schema": 1, "signatures": [{"key": "ed25519:x", "signature": ""}]})"),
          std::string(R"({"schema": 1, "signatures": [{"key": ")") + pa.text() +
              R"(", "signature": "AAAA"}]})"}) {
      CAPTURE(bad);
      CHECK(failure_kind(kManifest, bad, {pa}) == SignatureError::Kind::kMalformed);
    }
  }
}

TEST_CASE("signature: manifests carry a serial", "[signature][manifest]") {
  CHECK(parse_manifest(R"({"schema": 1, "bundles": []})").serial == 0);
  Manifest m = parse_manifest(kManifest);
  CHECK(m.serial == 3);
  ++m.serial;
  CHECK(parse_manifest(serialize_manifest(m, kManifest)).serial == 4);
  CHECK_THROWS_WITH(parse_manifest(R"({"schema": 1, "serial": -1, "bundles": []})"),
                    Contains("serial"));
  CHECK_THROWS_WITH(parse_manifest(R"({"schema": 1, "serial": "2", "bundles": []})"),
                    Contains("serial"));
}

TEST_CASE("signature: where keys are configured", "[signature][config]") {
  SigningKey a = SigningKey::generate();
  std::string text = a.public_key().text();

  SECTION("WHISKEY_PUBLIC_KEYS") {
    Config c = parse_config({{"WHISKEY_PUBLIC_KEYS", text}});
    REQUIRE(c.public_keys.size() == 1);
    CHECK(c.public_keys[0].origin == "WHISKEY_PUBLIC_KEYS");
    UserMessage m = expect_message<ConfigError>([&] {
      parse_config({{"WHISKEY_PUBLIC_KEYS", text + " ed25519:short"}});
    });
    CHECK(m.headline == "Invalid WHISKEY_PUBLIC_KEYS value");
    CHECK_THAT(m.details, Contains("ed25519:short"));
  }
  SECTION("buildpack.toml's [metadata] public-keys") {
    auto keys = pinned_public_keys("[metadata]\npublic-keys = [\"" + text + "\"]\n");
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].origin == "buildpack.toml");
    CHECK(pinned_public_keys("[buildpack]\nid = \"x\"\n").empty());
    CHECK_THROWS_WITH(pinned_public_keys("[metadata]\npublic-keys = [\"rsa:1\"]\n"),
                      Contains("metadata.public-keys"));
    CHECK_THROWS_WITH(pinned_public_keys("[metadata]\npublic-keys = \"" + text + "\"\n"),
                      Contains("not a list"));
  }
}

namespace {

const Target kTarget{"heroku-24", "amd64"};
const std::string kManifestUrl = "https://b.s3.us-east-1.amazonaws.com/manifest.json";
const std::string kSignatureUrl = "https://b.s3.us-east-1.amazonaws.com/manifest.json.sig";

std::string bucket_manifest(std::uint64_t serial, const std::string& sha = std::string(64, 'a')) {
  return json{{"schema", 1},
              {"serial", serial},
              {"bundles",
               {{{"key", "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz"},
                 {"stack", "heroku-24"},
                 {"arch", "amd64"},
                 {"apache", "2.4.68"},
                 {"size", 100},
                 {"sha256", sha}}}}}
      .dump(2);
}

struct SignedBucket {
  SigningKey key = SigningKey::generate();
  MemoryDisk disk;
  FakeClock clock;
  ManifestCopies copies{disk, "/cache/whiskey-bundles"};
  Config config;

  SignedBucket() {
    config.bucket = "b";
    PublicKey p = key.public_key();
    p.origin = "WHISKEY_PUBLIC_KEYS";
    config.public_keys = {p};
  }
  /// A bucket serving `manifest` and `signature` (none when nullopt).
  FakeHttpClient serving(const std::string& manifest, std::optional<std::string> signature) {
    FakeHttpClient http(&clock);
    http.add(kManifestUrl, {.body = manifest});
    if (signature) {
      http.add(kSignatureUrl, {.body = *signature});
    } else {
      http.add(kSignatureUrl, {.status = 404});
    }
    return http;
  }
  Resolved resolve_with(FakeHttpClient& http) {
    return resolve(config, kTarget, http, &clock, RetryPolicy{.attempts = 1}, {}, &copies);
  }
  UserMessage refused(FakeHttpClient& http) {
    return expect_message<SignatureError>([&] { resolve_with(http); });
  }
};

}  // namespace

TEST_CASE("signature: resolve checks a bucket's manifest against the configured keys",
          "[signature][resolve]") {
  SignedBucket b;
  std::string m5 = bucket_manifest(5);

  SECTION("signed by a configured key: the key and serial are named") {
    auto http = b.serving(m5, sign_manifest(m5, {&b.key}));
    Resolved r = b.resolve_with(http);
    REQUIRE(r.vouched);
    CHECK(r.vouched->key == b.key.public_key());
    CHECK(r.vouched->key.origin == "WHISKEY_PUBLIC_KEYS");
    CHECK(r.vouched->serial == 5);
    REQUIRE(r.source.sha256);
    CHECK(r.source.sha256->hex() == std::string(64, 'a'));
  }
  SECTION("without keys the signature is not even asked for") {
    b.config.public_keys.clear();
    auto http = b.serving(m5, std::nullopt);
    Resolved r = b.resolve_with(http);
    CHECK_FALSE(r.vouched);
    CHECK(http.requests == std::vector<std::string>{kManifestUrl});
  }
  SECTION("no signature") {
    auto http = b.serving(m5, std::nullopt);
    UserMessage m = b.refused(http);
    CHECK(m.headline == "The bucket's manifest is not signed");
    CHECK_THAT(m.what_happened, Contains("manifest.json.sig was not found"));
    CHECK_THAT(m.what_happened, Contains(b.key.public_key().id() + " (WHISKEY_PUBLIC_KEYS)"));
  }
  SECTION("no manifest at all, even with WHISKEY_PACKAGE") {
    b.config.package = "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz";
    FakeHttpClient http(&b.clock);
    http.add(kManifestUrl, {.status = 404});
    UserMessage m = b.refused(http);
    CHECK(m.headline == "The bucket's manifest is not signed");
    CHECK_THAT(m.what_happened, Contains("the bucket has no manifest.json"));
  }
  SECTION("signed by another key") {
    SigningKey other = SigningKey::generate();
    auto http = b.serving(m5, sign_manifest(m5, {&other}));
    UserMessage m = b.refused(http);
    CHECK(m.headline == "The manifest is signed by a key this app does not trust");
    CHECK_THAT(m.what_happened, Contains(other.public_key().text()));
  }
  SECTION("changed after signing: read once more, then refused") {
    std::string changed = bucket_manifest(5, std::string(64, 'e'));
    auto http = b.serving(changed, sign_manifest(m5, {&b.key}));
    UserMessage m = b.refused(http);
    CHECK(m.headline == "The bucket's manifest was changed after it was signed");
    CHECK(std::count(http.requests.begin(), http.requests.end(), kManifestUrl) == 2);
  }
  SECTION("a publisher between the manifest and its signature: the second read is right") {
    std::string m6 = bucket_manifest(6, std::string(64, 'e'));
    FakeHttpClient http(&b.clock);
    http.add_sequence(kManifestUrl, {{.body = m6}, {.body = m6}});
    http.add_sequence(kSignatureUrl, {{.body = sign_manifest(m5, {&b.key})},
                                      {.body = sign_manifest(m6, {&b.key})}});
    Resolved r = b.resolve_with(http);
    REQUIRE(r.vouched);
    CHECK(r.vouched->serial == 6);
    CHECK(r.source.sha256->hex() == std::string(64, 'e'));
  }
  SECTION("a signature file that cannot be read") {
    auto http = b.serving(m5, "{}");
    CHECK(b.refused(http).headline == "The manifest's signature cannot be read");
  }
}

TEST_CASE("signature: an older manifest than one trusted before is refused",
          "[signature][resolve]") {
  SignedBucket b;
  std::string m5 = bucket_manifest(5);
  {
    auto http = b.serving(m5, sign_manifest(m5, {&b.key}));
    b.resolve_with(http);
  }

  SECTION("older: refused, with both serials") {
    std::string m4 = bucket_manifest(4, std::string(64, 'd'));
    auto http = b.serving(m4, sign_manifest(m4, {&b.key}));
    UserMessage m = b.refused(http);
    CHECK(m.headline == "The bucket's manifest is older than one this app already trusted");
    CHECK_THAT(m.what_happened, Contains("has serial 4"));
    CHECK_THAT(m.what_happened, Contains("trusted serial 5"));
  }
  SECTION("another manifest with the same serial: refused") {
    std::string other5 = bucket_manifest(5, std::string(64, 'd'));
    auto http = b.serving(other5, sign_manifest(other5, {&b.key}));
    UserMessage m = b.refused(http);
    CHECK_THAT(m.what_happened, Contains("another manifest with that serial"));
  }
  SECTION("the same one again, and then a newer one, are trusted") {
    auto same = b.serving(m5, sign_manifest(m5, {&b.key}));
    CHECK(b.resolve_with(same).vouched->serial == 5);
    std::string m7 = bucket_manifest(7);
    auto newer = b.serving(m7, sign_manifest(m7, {&b.key}));
    CHECK(b.resolve_with(newer).vouched->serial == 7);
    auto back = b.serving(m5, sign_manifest(m5, {&b.key}));
    CHECK_THAT(b.refused(back).what_happened, Contains("trusted serial 7"));
  }
  SECTION("without the bucket, the kept copy is checked as well") {
    FakeHttpClient unreachable(&b.clock);
    Resolved r = b.resolve_with(unreachable);
    REQUIRE(r.vouched);
    CHECK(r.vouched->serial == 5);
    CHECK(r.warnings.size() == 1);
    SigningKey other = SigningKey::generate();
    PublicKey p = other.public_key();
    p.origin = "WHISKEY_PUBLIC_KEYS";
    b.config.public_keys = {p};
    CHECK(b.refused(unreachable).headline ==
          "The manifest is signed by a key this app does not trust");
  }
}
