#include "resolve.h"

#include <nlohmann/json.hpp>

#include "defaults.h"
#include "digest.h"
#include "disk.h"
#include "manifest.h"

namespace whiskey {
namespace {

constexpr std::size_t kManifestLimit = 4 << 20;

constexpr const char* kManifest = "bundle manifest";
constexpr const char* kSignature = "bundle manifest's signature";

std::string wanted_text(const Target& target, const Config& c) {
  return target.stack + "/" + target.arch +
         (c.apache_version.empty() ? "" : " Apache " + c.apache_version);
}

/// The manifest's text, or nullopt when the bucket has none (404).
std::optional<std::string> fetch_manifest(HttpClient& http, const std::string& url,
                                          const std::string& described, const Target& target,
                                          Clock* clock, const RetryPolicy& policy,
                                          const RetryNote& note, const char* what = kManifest) {
  std::string text;
  try {
    std::unique_ptr<ByteStream> body;
    if (clock) {
      body = std::make_unique<RetryingStream>(http, url, policy, *clock, note);
    } else {
      body = http.get(url);
    }
    for (auto chunk = body->read(); !chunk.empty(); chunk = body->read()) {
      text.append(chunk.data(), chunk.size());
      if (text.size() > kManifestLimit) {
        ResolveError e(ResolveError::Kind::kManifestTooLarge, target);
        e.described = described;
        e.limit = kManifestLimit;
        throw e;
      }
    }
  } catch (const HttpStatusError& e) {
    if (e.status == 404) return std::nullopt;
    throw FetchError(what, described, e);
  } catch (const TransportError& e) {
    throw FetchError(what, described, e);
  }
  return text;
}

/// The buildpack's default bundle for `target`, when nothing is configured.
Resolved resolve_default(const Config& c, const Target& target) {
  auto chosen = select_default(c.defaults, target.stack, target.arch, c.apache_version);
  if (!chosen) {
    ResolveError e(ResolveError::Kind::kNoDefault, target);
    e.wanted = wanted_text(target, c);
    for (const auto& d : c.defaults) {
      for (const auto& s : d.stacks)
        e.offered += "\n  " + s + "/" + d.arch + " Apache " + d.version;
    }
    throw e;
  }
  Config named = c;
  named.url = chosen->uri;
  named.sha256 = chosen->sha256;
  Resolved r{resolve_bundle(named), {}, {}, {}};
  r.how = "the buildpack's default for " + target.stack + "/" + target.arch + " (buildpack.toml)";
  return r;
}

bool parses(const std::string& text) {
  try {
    parse_manifest(text);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

/// Where a bucket's manifest is, and where a build keeps what it read of it.
struct ManifestPlace {
  std::string url;
  std::string signature_url;
  std::string described;                 ///< the manifest's URL, safe to print
  std::filesystem::path copy;            ///< the last manifest read ("" without copies)
  std::filesystem::path signature_copy;  ///< its signature
  std::filesystem::path trusted;         ///< the serial and digest of the newest one trusted
};

struct ManifestRead {
  std::optional<std::string> text;       ///< nullopt: the bucket has none
  std::optional<std::string> signature;  ///< read when keys are configured; nullopt: none
  std::optional<FetchError> stale;       ///< why the copies were read instead of the bucket
};

/// Reads a bucket's manifest (and, with keys configured, its signature),
/// checks the signature and the serial, and keeps copies for the next build.
struct ManifestReader {
  const Config& c;
  const Target& target;
  HttpClient& http;
  Clock* clock;
  const RetryPolicy& policy;
  const RetryNote& note;
  const ManifestCopies* copies;
  const ManifestPlace& place;

  bool signed_wanted() const { return !c.public_keys.empty(); }

  ManifestRead read() const {
    ManifestRead r;
    try {
      r.text = fetch_manifest(http, place.url, place.described, target, clock, policy, note);
      if (r.text && signed_wanted()) {
        r.signature = fetch_manifest(http, place.signature_url, redact_url(place.signature_url),
                                     target, clock, policy, note, kSignature);
      }
    } catch (const FetchError& e) {
      // The bucket could not be reached (no answer, or a transient status
      // once the tries were spent): the copy the last build kept, if it is
      // readable.
      if (!e.transient()) throw;
      auto copy =
          place.copy.empty() ? std::nullopt : copies->disk.read_file(place.copy, kManifestLimit);
      if (!copy || !parses(*copy)) throw;
      r.text = copy;
      if (signed_wanted()) {
        r.signature = copies->disk.read_file(place.signature_copy, kManifestLimit);
      }
      r.stale = e;
    }
    return r;
  }

  SignatureError failure(SignatureError e) const {
    e.described = place.described;
    if (e.trusted.empty()) {
      for (const auto& k : c.public_keys) e.trusted.push_back(k.id() + " (" + k.origin + ")");
    }
    return e;
  }

  /// The key that vouches for the manifest read. A manifest that does not
  /// match its signature is read once more: a publisher may have been
  /// between writing the one and the other.
  Vouched vouch(ManifestRead& r) const {
    for (int attempt = 1;; ++attempt) {
      try {
        if (!r.text) {
          throw SignatureError(SignatureError::Kind::kUnsigned,
                               "the bucket has no " + std::string(kManifestName));
        }
        if (!r.signature) {
          throw SignatureError(SignatureError::Kind::kUnsigned,
                               std::string(kSignatureName) + " was not found");
        }
        return Vouched{verify_manifest(*r.text, *r.signature, c.public_keys), 0};
      } catch (const SignatureError& e) {
        bool crossed = e.kind == SignatureError::Kind::kTampered ||
                       e.kind == SignatureError::Kind::kBadSignature;
        if (!crossed || r.stale || attempt > 1) throw failure(e);
        if (clock) clock->sleep(1);
        r = read();
      }
    }
  }

  /// Refuses a manifest older than the newest one a signature made trusted
  /// here, and records this one when it is newer.
  void check_not_older(const Manifest& m, const std::string& text) const {
    if (place.trusted.empty()) return;
    std::string digest = sha256_of(text).hex();
    std::optional<std::uint64_t> trusted_serial;
    std::string trusted_digest;
    if (auto record = copies->disk.read_file(place.trusted, 4096)) {
      auto j = nlohmann::json::parse(*record, nullptr, false);
      if (j.is_object() && j.contains("serial") && j["serial"].is_number_unsigned() &&
          j.contains("manifest_sha256") && j["manifest_sha256"].is_string()) {
        trusted_serial = j["serial"].get<std::uint64_t>();
        trusted_digest = j["manifest_sha256"].get<std::string>();
      }
    }
    if (trusted_serial &&
        (m.serial < *trusted_serial || (m.serial == *trusted_serial && digest != trusted_digest))) {
      SignatureError e(SignatureError::Kind::kRollback,
                       "serial " + std::to_string(m.serial) + ", and serial " +
                           std::to_string(*trusted_serial) + " was trusted before");
      e.serial = m.serial;
      e.trusted_serial = *trusted_serial;
      throw failure(e);
    }
    if (trusted_serial && m.serial == *trusted_serial) return;
    try {
      nlohmann::json record = {{"serial", m.serial}, {"manifest_sha256", digest}};
      copies->disk.write_file(place.trusted, record.dump() + "\n");
    } catch (const std::exception&) {
      // Without the record a later build cannot tell an older manifest;
      // this one is still trusted.
    }
  }

  /// Keeps the manifest (and its signature) for a build that cannot reach
  /// the bucket.
  void keep(const ManifestRead& r) const {
    if (place.copy.empty() || !r.text) return;
    try {
      copies->disk.write_file(place.copy, *r.text);
      if (r.signature) copies->disk.write_file(place.signature_copy, *r.signature);
    } catch (const std::exception&) {
      // The copy only helps a later build that cannot reach the bucket.
    }
  }
};

}  // namespace

Resolved resolve(const Config& c, const Target& target, HttpClient& http, Clock* clock,
                 const RetryPolicy& policy, const RetryNote& note, const ManifestCopies* copies) {
  if (c.url.empty() && c.bucket.empty() && c.package.empty()) return resolve_default(c, target);
  // Everything named outright needs no manifest.
  if (!c.url.empty() || c.bucket.empty() || (!c.package.empty() && c.sha256)) {
    Resolved r{resolve_bundle(c), {}, {}, {}};
    r.how = c.url.empty() ? "WHISKEY_PACKAGE" : "WHISKEY_URL";
    return r;
  }

  ManifestPlace place;
  place.url = s3_object_url(c.bucket, kManifestName, c.region, c.s3_endpoint);
  check_url_policy(place.url, c.s3_endpoint.empty() ? "WHISKEY_BUCKET" : "WHISKEY_S3_ENDPOINT",
                   c.allow_http);
  place.signature_url = s3_object_url(c.bucket, kSignatureName, c.region, c.s3_endpoint);
  place.described = redact_url(place.url);
  if (copies && !copies->dir.empty()) {
    std::string name = "manifest-" + sha256_of(place.url).hex().substr(0, 16);
    place.copy = copies->dir / (name + ".json");
    place.signature_copy = copies->dir / (name + ".json.sig");
    place.trusted = copies->dir / (name + ".trusted.json");
  }
  const std::string& described = place.described;
  ManifestReader reader{c, target, http, clock, policy, note, copies, place};
  ManifestRead read = reader.read();
  std::vector<ResolveWarning> warnings;
  if (read.stale) warnings.push_back({ResolveWarning::Kind::kStaleManifest, {}, *read.stale});
  if (!read.text && c.public_keys.empty()) {
    if (!c.package.empty()) {
      Resolved r{resolve_bundle(c), "WHISKEY_PACKAGE", {}, {}};
      r.warnings.push_back({ResolveWarning::Kind::kUnverifiedPackage, c.package, std::nullopt});
      return r;
    }
    ResolveError e(ResolveError::Kind::kNoManifest, target);
    e.bucket = c.bucket;
    e.described = described;
    throw e;
  }
  std::optional<Vouched> vouched;
  if (!c.public_keys.empty()) vouched = reader.vouch(read);

  Manifest manifest;
  try {
    manifest = parse_manifest(*read.text);
  } catch (const std::exception& ex) {
    ResolveError e(ResolveError::Kind::kManifestMalformed, target, ex.what());
    e.described = described;
    throw e;
  }
  if (vouched) {
    vouched->serial = manifest.serial;
    reader.check_not_older(manifest, *read.text);
  }
  if (!read.stale) reader.keep(read);

  std::optional<ManifestEntry> entry;
  if (!c.package.empty()) {
    entry = find_key(manifest, c.package);
    if (!entry) {
      ResolveError e(ResolveError::Kind::kPackageNotListed, target);
      e.package = c.package;
      e.described = described;
      e.offered = describe_offer(manifest);
      throw e;
    }
  } else {
    entry = select_bundle(manifest, target.stack, target.arch, c.apache_version);
    if (!entry) {
      ResolveError e(ResolveError::Kind::kNoMatch, target);
      e.wanted = wanted_text(target, c);
      e.described = described;
      e.offered = describe_offer(manifest);
      throw e;
    }
  }

  Config named = c;
  named.package = entry->key;
  named.sha256 = entry->sha256;
  Resolved r{resolve_bundle(named), {}, std::move(warnings), vouched};
  r.source.sbom_sha256 = entry->sbom_sha256;
  std::string chosen = c.apache_version.empty() ? "the newest" : "Apache " + c.apache_version;
  r.how = c.package.empty()
              ? chosen + " for " + target.stack + "/" + target.arch + " in manifest.json"
              : "manifest.json";
  if (!c.package.empty() && c.package != entry->key) r.how += " (" + entry->key + ")";
  return r;
}

}  // namespace whiskey
