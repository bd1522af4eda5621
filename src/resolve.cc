#include "resolve.h"

#include "defaults.h"
#include "digest.h"
#include "disk.h"
#include "errors.h"
#include "install.h"
#include "manifest.h"

namespace whiskey {
namespace {

constexpr std::size_t kManifestLimit = 4 << 20;

std::string publish_help(const Target& t) {
  return "Build and publish a bundle for " + t.stack + "/" + t.arch +
         " with this buildpack's recipe:\n"
         "  vendor/apache/build.sh --stack " +
         t.stack +
         " --out dist\n"
         "  mod_wsgi-heroku publish dist/whiskey-" +
         t.stack + "-" + t.arch +
         "-apache-<version>.tar.zst --bucket BUCKET\n"
         "or name a bundle and its digest with WHISKEY_PACKAGE and WHISKEY_SHA256.";
}

/// The bucket could not be reached for the manifest: no answer, or a
/// transient status once the tries were spent.
class ManifestUnreachable : public UserError {
 public:
  explicit ManifestUnreachable(UserError e) : UserError(std::move(e)) {}
};

/// The manifest's text, or nullopt when the bucket has none (404).
std::optional<std::string> fetch_manifest(HttpClient& http, const std::string& url,
                                          const std::string& described, Clock* clock,
                                          const RetryPolicy& policy, const RetryNote& note) {
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
        throw UserError("The bundle manifest is too large",
                        described + " is over " + std::to_string(kManifestLimit >> 20) + " MiB.",
                        "Check that it is the manifest the publisher wrote.");
      }
    }
  } catch (const HttpStatusError& e) {
    if (e.status == 404) return std::nullopt;
    if (is_transient(e))
      throw ManifestUnreachable(http_status_error(e, "bundle manifest", described));
    throw http_status_error(e, "bundle manifest", described);
  } catch (const TransportError& e) {
    if (is_transient(e)) {
      throw ManifestUnreachable(http_transport_error(e, "bundle manifest", described));
    }
    throw http_transport_error(e, "bundle manifest", described);
  }
  return text;
}

/// The buildpack's default bundle for `target`, when nothing is configured.
Resolved resolve_default(const Config& c, const Target& target) {
  auto chosen = select_default(c.defaults, target.stack, target.arch, c.apache_version);
  if (!chosen) {
    std::string wanted = target.stack + "/" + target.arch +
                         (c.apache_version.empty() ? "" : " Apache " + c.apache_version);
    std::string offered;
    for (const auto& d : c.defaults) {
      for (const auto& s : d.stacks) offered += "\n  " + s + "/" + d.arch + " Apache " + d.version;
    }
    throw UserError("No Apache bundle is configured",
                    "None of WHISKEY_URL, WHISKEY_BUCKET or WHISKEY_PACKAGE is set, and this "
                    "release of the\nbuildpack has no default bundle for " +
                        wanted +
                        (offered.empty() ? " (it records none)." : ". Its defaults are:" + offered),
                    "Publish a bundle for " + target.stack + "/" + target.arch +
                        " (vendor/apache/build.sh, then the publisher)\nand point the build at "
                        "its bucket:\n  heroku config:set WHISKEY_BUCKET=my-bucket\nor name one "
                        "by its URL and digest:\n  heroku config:set WHISKEY_URL=https://... "
                        "WHISKEY_SHA256=<sha256 of the bundle>");
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
                 const RetryPolicy& policy, const RetryNote& note,
                 const std::filesystem::path& copies) {
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
  if (!copies.empty()) {
    Sha256 h;
    h.update({url.data(), url.size()});
    manifest_copy = copies / ("manifest-" + h.finish().hex().substr(0, 16) + ".json");
  }
  std::optional<std::string> text;
  std::vector<std::string> warnings;
  RealDisk disk;
  try {
    text = fetch_manifest(http, url, described, clock, policy, note);
  } catch (const ManifestUnreachable& e) {
    // The copy the last build kept, if it is readable.
    auto copy =
        manifest_copy.empty() ? std::nullopt : disk.read_file(manifest_copy, kManifestLimit);
    if (!copy || !parses(*copy)) throw;
    text = copy;
    warnings = {"The bundle manifest could not be read",
                e.headline() + ": " + e.what_happened() +
                    "\nThe copy of the manifest kept by the last build is used instead; it "
                    "does not\nlist bundles published since."};
  }
  if (!text) {
    if (!c.package.empty()) {
      Resolved r{resolve_bundle(c), "WHISKEY_PACKAGE", {}};
      r.warnings = {"The bucket has no manifest.json",
                    "Nothing says what " + c.package +
                        "'s digest should be, so it is installed\nunverified. Publish it with "
                        "the publisher, which writes the manifest, or set\nWHISKEY_SHA256."};
      return r;
    }
    throw UserError("The bucket has no bundle manifest",
                    "WHISKEY_BUCKET names " + c.bucket + ", and " + described +
                        "\nwas not found, so there is no list of bundles to choose from.",
                    publish_help(target));
  }

  Manifest manifest;
  try {
    manifest = parse_manifest(*text);
  } catch (const std::exception& e) {
    throw UserError("The bucket's manifest.json is malformed",
                    described + " cannot be read as a bundle manifest.",
                    "Publish a bundle again with the publisher to rewrite it.", e.what());
  }
  if (warnings.empty() && !manifest_copy.empty()) {
    try {
      disk.write_file(manifest_copy, *text);
    } catch (const std::exception&) {
      // The copy only helps a later build that cannot reach the bucket.
    }
  }

  std::optional<ManifestEntry> entry;
  if (!c.package.empty()) {
    entry = find_key(manifest, c.package);
    if (!entry) {
      throw UserError("WHISKEY_PACKAGE is not in the bucket's manifest",
                      c.package + " is not listed in " + described + ".\nThe manifest offers:\n" +
                          describe_offer(manifest),
                      "Set WHISKEY_PACKAGE to one of those keys, or unset it to use the newest\n"
                      "bundle for " +
                          target.stack + ".");
    }
  } else {
    entry = select_bundle(manifest, target.stack, target.arch, c.apache_version);
    if (!entry) {
      std::string wanted = target.stack + "/" + target.arch +
                           (c.apache_version.empty() ? "" : " Apache " + c.apache_version);
      throw UserError("No bundle for " + wanted + " in the bucket",
                      "The manifest at " + described + " offers:\n" + describe_offer(manifest),
                      publish_help(target));
    }
  }

  Config named = c;
  named.package = entry->key;
  named.sha256 = entry->sha256;
  Resolved r{resolve_bundle(named), {}, std::move(warnings)};
  std::string chosen = c.apache_version.empty() ? "the newest" : "Apache " + c.apache_version;
  r.how = c.package.empty()
              ? chosen + " for " + target.stack + "/" + target.arch + " in manifest.json"
              : "manifest.json";
  if (!c.package.empty() && c.package != entry->key) r.how += " (" + entry->key + ")";
  return r;
}

}  // namespace whiskey
