#include "resolve.h"

#include "defaults.h"
#include "digest.h"
#include "disk.h"
#include "manifest.h"

namespace whiskey {
namespace {

constexpr std::size_t kManifestLimit = 4 << 20;

constexpr const char* kManifest = "bundle manifest";

std::string wanted_text(const Target& target, const Config& c) {
  return target.stack + "/" + target.arch +
         (c.apache_version.empty() ? "" : " Apache " + c.apache_version);
}

/// The manifest's text, or nullopt when the bucket has none (404).
std::optional<std::string> fetch_manifest(HttpClient& http, const std::string& url,
                                          const std::string& described, const Target& target,
                                          Clock* clock, const RetryPolicy& policy,
                                          const RetryNote& note) {
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
    throw FetchError(kManifest, described, e);
  } catch (const TransportError& e) {
    throw FetchError(kManifest, described, e);
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
  Resolved r{resolve_bundle(named), {}, {}};
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

}  // namespace

Resolved resolve(const Config& c, const Target& target, HttpClient& http, Clock* clock,
                 const RetryPolicy& policy, const RetryNote& note, const ManifestCopies* copies) {
  if (c.url.empty() && c.bucket.empty() && c.package.empty()) return resolve_default(c, target);
  // Everything named outright needs no manifest.
  if (!c.url.empty() || c.bucket.empty() || (!c.package.empty() && c.sha256)) {
    Resolved r{resolve_bundle(c), {}, {}};
    r.how = c.url.empty() ? "WHISKEY_PACKAGE" : "WHISKEY_URL";
    return r;
  }

  std::string url = s3_object_url(c.bucket, kManifestName, c.region, c.s3_endpoint);
  check_url_policy(url, c.s3_endpoint.empty() ? "WHISKEY_BUCKET" : "WHISKEY_S3_ENDPOINT",
                   c.allow_http);
  std::string described = redact_url(url);
  std::filesystem::path manifest_copy;
  if (copies && !copies->dir.empty()) {
    Sha256 h;
    h.update({url.data(), url.size()});
    manifest_copy = copies->dir / ("manifest-" + h.finish().hex().substr(0, 16) + ".json");
  }
  std::optional<std::string> text;
  std::vector<ResolveWarning> warnings;
  try {
    text = fetch_manifest(http, url, described, target, clock, policy, note);
  } catch (const FetchError& e) {
    // The bucket could not be reached (no answer, or a transient status once
    // the tries were spent): the copy the last build kept, if it is readable.
    if (!e.transient()) throw;
    auto copy = manifest_copy.empty() ? std::nullopt
                                      : copies->disk.read_file(manifest_copy, kManifestLimit);
    if (!copy || !parses(*copy)) throw;
    text = copy;
    warnings.push_back({ResolveWarning::Kind::kStaleManifest, {}, e});
  }
  if (!text) {
    if (!c.package.empty()) {
      Resolved r{resolve_bundle(c), "WHISKEY_PACKAGE", {}};
      r.warnings.push_back({ResolveWarning::Kind::kUnverifiedPackage, c.package, std::nullopt});
      return r;
    }
    ResolveError e(ResolveError::Kind::kNoManifest, target);
    e.bucket = c.bucket;
    e.described = described;
    throw e;
  }

  Manifest manifest;
  try {
    manifest = parse_manifest(*text);
  } catch (const std::exception& ex) {
    ResolveError e(ResolveError::Kind::kManifestMalformed, target, ex.what());
    e.described = described;
    throw e;
  }
  if (warnings.empty() && !manifest_copy.empty()) {
    try {
      copies->disk.write_file(manifest_copy, *text);
    } catch (const std::exception&) {
      // The copy only helps a later build that cannot reach the bucket.
    }
  }

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
  Resolved r{resolve_bundle(named), {}, std::move(warnings)};
  r.source.sbom_sha256 = entry->sbom_sha256;
  std::string chosen = c.apache_version.empty() ? "the newest" : "Apache " + c.apache_version;
  r.how = c.package.empty()
              ? chosen + " for " + target.stack + "/" + target.arch + " in manifest.json"
              : "manifest.json";
  if (!c.package.empty() && c.package != entry->key) r.how += " (" + entry->key + ")";
  return r;
}

}  // namespace whiskey
