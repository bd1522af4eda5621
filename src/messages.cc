#include "messages.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "apache_build.h"
#include "compile.h"
#include "config.h"
#include "curl_handles.h"
#include "fetch.h"
#include "install.h"
#include "mod_wsgi_build.h"
#include "output.h"
#include "publish.h"
#include "resolve.h"
#include "signature.h"
#include "stack.h"

namespace whiskey {
namespace {

// ---- Config vars --------------------------------------------------------

const char* kConfigureHelp =
    "Name the bundle with its bucket and key:\n"
    "  heroku config:set WHISKEY_BUCKET=my-bucket "
    "WHISKEY_PACKAGE=whiskey-heroku-24-amd64-apache-2.4.68.tar.zst\n"
    "or with its full URL and digest:\n"
    "  heroku config:set WHISKEY_URL=https://... WHISKEY_SHA256=<sha256 of the bundle>";

UserMessage config_message(const ConfigError& e) {
  const std::string& name = e.variable;
  using K = ConfigError::Kind;
  switch (e.kind) {
    case K::kNotFlag:
      return {"Invalid " + name + " value",
              name + " is set to '" + e.value + "', which is neither on nor off.",
              "Set it to 1 to turn it on, or unset it:\n  heroku config:unset " + name};
    case K::kNotPositive:
      return {
          "Invalid " + name + " value", name + " is '" + e.value + "'.",
          "Set it to a whole number of at least 1, or unset it:\n  heroku config:unset " + name};
    case K::kNotDigest:
      return {"Invalid WHISKEY_SHA256 value",
              "WHISKEY_SHA256 must be the bundle's SHA-256 digest: 64 hexadecimal "
              "digits,\noptionally written as sha256:<digits>.",
              "Compute it with `sha256sum BUNDLE.tar.zst` and set it:\n"
              "  heroku config:set WHISKEY_SHA256=<digest>",
              e.detail};
    case K::kNotRegion:
      return {"Invalid WHISKEY_REGION value",
              "WHISKEY_REGION is '" + e.value + "', which is not an AWS region name.",
              "Set it to the region of your bucket, for example:\n"
              "  heroku config:set WHISKEY_REGION=eu-west-1"};
    case K::kUrlAndBucket:
      return {"Both WHISKEY_URL and WHISKEY_BUCKET/WHISKEY_PACKAGE are set",
              "The bundle can come from a URL or from a bucket, not both.",
              "Unset the one you do not use, for example:\n"
              "  heroku config:unset WHISKEY_BUCKET WHISKEY_PACKAGE"};
    case K::kNoPackage:
      return {"WHISKEY_PACKAGE is not set",
              "WHISKEY_BUCKET is set to '" + e.value + "', but no bundle in it is named.",
              "Set WHISKEY_PACKAGE to the key of the bundle in the bucket:\n"
              "  heroku config:set "
              "WHISKEY_PACKAGE=whiskey-heroku-24-amd64-apache-2.4.68.tar.zst"};
    case K::kNoBucket:
      return {"WHISKEY_BUCKET is not set",
              "WHISKEY_PACKAGE names '" + e.value + "', but not the bucket it is in.",
              "Set WHISKEY_BUCKET to the bucket's name:\n"
              "  heroku config:set WHISKEY_BUCKET=my-bucket"};
    case K::kNothingConfigured:
      return {"No Apache bundle is configured",
              "This buildpack installs a prebuilt Apache bundle, and none of "
              "WHISKEY_URL,\nWHISKEY_BUCKET or WHISKEY_PACKAGE is set.",
              kConfigureHelp};
    case K::kNotUrl:
      return {"Invalid " + name, "'" + e.value + "' is not a URL the bundle can be fetched from.",
              "Give a full https:// URL.", e.detail};
    case K::kPlainHttp:
      if (name == "WHISKEY_APACHE_MIRROR") {
        return {"Apache's sources would be fetched over plain http",
                "WHISKEY_APACHE_MIRROR is '" + e.value + "', which is not encrypted.",
                "Name an https:// mirror. The sources are checked against the recipe's\n"
                "SHA-256 pins either way; to use this mirror, allow http:\n"
                "  heroku config:set WHISKEY_ALLOW_HTTP=1"};
      }
      return {"The bundle would be fetched over plain http",
              "'" + e.value +
                  "' is not encrypted, so the bundle could be\n"
                  "tampered with on the way.",
              "Use an https:// URL. If you must use http (for example on a private\n"
              "network) and have set WHISKEY_SHA256, allow it:\n"
              "  heroku config:set WHISKEY_ALLOW_HTTP=1"};
    case K::kScheme:
      return {"Unsupported URL scheme '" + e.detail + "'",
              "'" + e.value + "' cannot be fetched by this buildpack.",
              "Give an https:// URL for the bundle."};
    case K::kNotKey:
      return {"Invalid WHISKEY_PUBLIC_KEYS value",
              "WHISKEY_PUBLIC_KEYS lists the public keys a bucket's manifest must be\n"
              "signed by, separated by spaces or commas, and one of them is malformed.",
              "Set it to the keys the publisher's keygen printed, for example:\n"
              "  heroku config:set WHISKEY_PUBLIC_KEYS=\"ed25519:<44 characters> "
              "ed25519:<44 characters>\"",
              e.detail};
  }
  return {};
}

// ---- Stacks --------------------------------------------------------------

UserMessage stack_message(const StackError& e) {
  switch (e.kind) {
    case StackError::Kind::kNotLinux:
      return {"The run image is not Linux",
              "The platform builds for the target OS '" + e.value +
                  "', and Apache bundles are built for Linux only.",
              "Build with a Linux run image, such as heroku/heroku:24's."};
    case StackError::Kind::kEndOfLife:
      return {"The " + e.value + " stack is no longer supported",
              e.value + " has reached its end of life, and no Apache bundle is built for it.",
              "Upgrade the app to a current stack, then build again:\n"
              "  heroku stack:set heroku-24"};
    case StackError::Kind::kUnknown:
      return {"The stack '" + (e.value.empty() ? std::string("(unset)") : e.value) +
                  "' is not recognised",
              "This buildpack installs Apache bundles built for heroku-22, heroku-24 and "
              "heroku-26\n(and debian-12 for local builds).",
              "Build on one of those stacks, for example:\n  heroku stack:set heroku-24"};
  }
  return {};
}

// ---- Downloads ------------------------------------------------------------

std::string describe_status(long status) {
  switch (status) {
    case 400:
      return "400 Bad Request";
    case 401:
      return "401 Unauthorized";
    case 403:
      return "403 Forbidden";
    case 404:
      return "404 Not Found";
    case 407:
      return "407 Proxy Authentication Required";
    case 500:
      return "500 Internal Server Error";
    case 502:
      return "502 Bad Gateway";
    case 503:
      return "503 Service Unavailable";
    case 504:
      return "504 Gateway Timeout";
    default:
      return std::to_string(status);
  }
}

/// What the body of a failed response says about itself, in a sentence.
std::string describe_body(const std::string& body, const std::string& content_type) {
  std::string code = xml_field(body, "Code");
  if (!code.empty()) {
    std::string message = xml_field(body, "Message");
    return "The storage service says: " + code + (message.empty() ? "" : " (" + message + ")");
  }
  std::string head = body.substr(0, 512);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (content_type.find("html") != std::string::npos || head.find("<html") != std::string::npos ||
      head.find("<!doctype html") != std::string::npos) {
    return "The server sent an HTML page, not a bundle.";
  }
  return {};
}

UserMessage status_message(const HttpStatusError& e, const std::string& what,
                           const std::string& described) {
  auto ct = e.headers.count("content-type") ? e.headers.at("content-type") : std::string();
  std::string said = describe_body(e.body, ct);
  std::string happened = "The request for " + described + "\nwas answered " +
                         describe_status(e.status) + "." + (said.empty() ? "" : "\n" + said);
  if (e.status == 404) {
    return {"The " + what + " was not found", happened,
            "Check that WHISKEY_PACKAGE (or WHISKEY_URL) names a bundle that is "
            "published,\nand that WHISKEY_BUCKET and WHISKEY_REGION name its bucket."};
  }
  if (e.status == 403 || e.status == 401) {
    std::string code = xml_field(e.body, "Code");
    if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "InvalidToken" ||
        code == "ExpiredToken") {
      return {"Access to the " + what + " was denied", happened,
              "The bucket refused the AWS credentials in the config vars. Check\n"
              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for\n"
              "temporary credentials):\n"
              "  heroku config:set AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=..."};
    }
    return {"Access to the " + what + " was denied", happened,
            "The bucket or the object is private, or a signed URL has expired.\n"
            "Give the build credentials that may read it:\n"
            "  heroku config:set AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...\n"
            "or make it readable by everyone, for example:\n"
            "  aws s3api put-object-acl --acl public-read --bucket BUCKET --key KEY\n"
            "or set WHISKEY_URL to a freshly signed URL."};
  }
  if (e.status == 407) {
    return {"The proxy refused the build", happened,
            "The proxy named by http_proxy or HTTPS_PROXY wants other credentials.\n"
            "Check the user and password in that URL (http://USER:PASSWORD@HOST:PORT)."};
  }
  if (e.status == 301) {
    std::string region = e.headers.count("x-amz-bucket-region")
                             ? e.headers.at("x-amz-bucket-region")
                             : std::string();
    return {"The bucket is in another region", happened,
            region.empty() ? "Set WHISKEY_REGION to the region the bucket lives in."
                           : "The bucket lives in " + region +
                                 ". Set:\n"
                                 "  heroku config:set WHISKEY_REGION=" +
                                 region};
  }
  if (e.status >= 500) {
    return {"The bundle's server failed", happened,
            "This is usually temporary: build again in a few minutes."};
  }
  return {"The " + what + " could not be downloaded", happened,
          "Check WHISKEY_URL, or WHISKEY_BUCKET and WHISKEY_PACKAGE."};
}

UserMessage transport_message(const TransportError& e, const std::string& what,
                              const std::string& described) {
  std::string happened = "Downloading " + described + " failed";
  if (e.received > 0) happened += " after " + human_bytes(e.received);
  happened += ".";
  if (e.proxy_status == 407) {
    return {"The proxy refused the build", happened,
            "The proxy named by HTTPS_PROXY wants other credentials. Check the user\n"
            "and password in that URL (http://USER:PASSWORD@HOST:PORT).",
            e.what()};
  }
  if (e.stage != TransportError::Stage::kServer) {
    return {"The " + what + " could not be downloaded through the proxy", happened,
            "Check the proxy URL in http_proxy or HTTPS_PROXY, and that the proxy is\n"
            "reachable.",
            e.what()};
  }
  return {"The " + what + " could not be downloaded", happened,
          "Check that the URL is right and its server reachable (and the proxy, when\n"
          "http_proxy or HTTPS_PROXY names one), then build again.",
          e.what()};
}

UserMessage fetch_message(const FetchError& e) {
  return e.status ? status_message(*e.status, e.subject, e.described)
                  : transport_message(*e.transport, e.subject, e.described);
}

// ---- The bundle ------------------------------------------------------------

UserMessage bundle_message(const BundleInvalid& b) {
  const BundleError& e = b.error;
  switch (e.kind) {
    case BundleError::Kind::kNotArchive: {
      std::string said =
          b.head.empty() ? "The download is empty (0 bytes)." : describe_body(b.head, {});
      return {"The download is not an Apache bundle",
              b.described + " is not a tar archive." + (said.empty() ? "" : "\n" + said),
              "Check that the URL names a bundle made by this buildpack's recipe\n"
              "(whiskey-<stack>-<arch>-apache-<version>.tar.zst or .tar.gz).",
              e.what()};
    }
    case BundleError::Kind::kCorrupt:
      return {"The Apache bundle is damaged",
              "The archive from " + b.described +
                  "\ncannot be read: its compressed data or its tar headers are corrupt.\n"
                  "Nothing was installed.",
              "Publish the bundle again, then build again.", e.what()};
    case BundleError::Kind::kChecksum:
      return {"The Apache bundle failed its compressor's check",
              "The archive from " + b.described +
                  "\nis damaged: its compressor's own check failed, so its files are not the\n"
                  "files that were packed. Nothing was installed.",
              "Publish the bundle again from the build that made it, record its new\n"
              "SHA-256 (WHISKEY_SHA256, or the publisher's manifest), then build again.",
              e.what()};
    case BundleError::Kind::kTruncated:
      return {"The Apache bundle is cut short",
              "The archive from " + b.described +
                  "\nends early: it was cut short when it was copied or uploaded.\n"
                  "Nothing was installed.",
              "Publish the bundle again, then build again.", e.what()};
    case BundleError::Kind::kTrailingData:
      return {"The Apache bundle has data after its end",
              "The archive from " + b.described +
                  "\nholds bytes after the end of its archive, which other tools may ignore\n"
                  "without a word. Nothing was installed.",
              "Publish the bundle as the recipe packs it (a .tar.zst or .tar.gz with\n"
              "nothing appended), then build again.",
              e.what()};
    case BundleError::Kind::kUnsupported:
      return {"The Apache bundle's compression is not supported",
              "The archive from " + b.described +
                  "\nis not compressed with zstd or gzip. Nothing was installed.",
              "Repack it as .tar.zst, publish it, then build again:\n"
              "  tar -xf BUNDLE && tar --zstd -cf BUNDLE.tar.zst .whiskey",
              e.what()};
    case BundleError::Kind::kUnsafeEntry:
      return {"The Apache bundle holds an unsafe entry",
              "Nothing was installed: " + std::string(e.what()) + ".",
              "Bundles may hold only files, folders and links under .whiskey/.\n"
              "Rebuild the bundle with this buildpack's recipe."};
    case BundleError::Kind::kTooLarge:
      return {"The Apache bundle is too large",
              "Nothing was installed: the archive " + std::string(e.what()) + ".",
              "Check that the URL names an Apache bundle."};
    case BundleError::Kind::kEmpty:
      return {"The Apache bundle is empty", std::string(e.what()) + ".",
              "Rebuild the bundle with this buildpack's recipe."};
    case BundleError::Kind::kSbomMismatch:
      return {"The Apache bundle's bill of materials is not the published one",
              "Nothing was installed from " + b.described + ": " + e.what(),
              "The bundle was altered or replaced after it was published. Publish it again\n"
              "(mod_wsgi-heroku publish records its bill of materials' digest), then build\n"
              "again."};
  }
  return {"The Apache bundle cannot be installed", e.what(), kReportBugs};
}

UserMessage mismatch_message(const DigestMismatch& e) {
  return {"The Apache bundle failed verification",
          "The SHA-256 of " + e.described +
              " is not the expected one:\n"
              "  expected: " +
              e.expected.hex() + "\n  actual:   " + e.actual.hex() + "\nNothing was installed.",
          "If you published a new bundle on purpose, set its digest:\n"
          "  heroku config:set WHISKEY_SHA256=" +
              e.actual.hex() + "\nOtherwise the bundle was altered or damaged: publish it again.",
          e.also};
}

UserMessage install_message(const InstallError& e) {
  switch (e.kind) {
    case InstallError::Kind::kAppWhiskeyNotFolder:
      return {".whiskey is not a folder",
              "The app has a .whiskey that is a file or a link; the bundle installs into a\n"
              ".whiskey folder.",
              "Remove it, or make it a folder (it may hold user_vars/ and action_hooks/)."};
    case InstallError::Kind::kTargetNotFolder:
      return {e.path.filename().string() + " is not a folder",
              e.path.string() + " is a file or a link; the bundle installs into a folder.",
              "Remove it, then build again."};
    case InstallError::Kind::kWriteFailed:
      return {"The Apache bundle could not be installed",
              "Writing into " + e.path.string() + " failed; it was left as it was.",
              "Check the free space and permissions of the build folder.", e.detail};
    case InstallError::Kind::kNotReplaced:
      return {"The " + e.path.filename().string() + " layer cannot be replaced",
              "Removing " + e.path.string() + " failed: " + e.detail + ".", kReportBugs};
  }
  return {};
}

// ---- Choosing the bundle ---------------------------------------------------

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

UserMessage resolve_message(const ResolveError& e) {
  const Target& t = e.target;
  using K = ResolveError::Kind;
  switch (e.kind) {
    case K::kNoDefault:
      return {"No Apache bundle is configured",
              "None of WHISKEY_URL, WHISKEY_BUCKET or WHISKEY_PACKAGE is set, and this "
              "release of the\nbuildpack has no default bundle for " +
                  e.wanted +
                  (e.offered.empty() ? " (it records none)." : ". Its defaults are:" + e.offered),
              "Publish a bundle for " + t.stack + "/" + t.arch +
                  " (vendor/apache/build.sh, then the publisher)\nand point the build at "
                  "its bucket:\n  heroku config:set WHISKEY_BUCKET=my-bucket\nor name one "
                  "by its URL and digest:\n  heroku config:set WHISKEY_URL=https://... "
                  "WHISKEY_SHA256=<sha256 of the bundle>"};
    case K::kNoManifest:
      return {"The bucket has no bundle manifest",
              "WHISKEY_BUCKET names " + e.bucket + ", and " + e.described +
                  "\nwas not found, so there is no list of bundles to choose from.",
              publish_help(t)};
    case K::kManifestTooLarge:
      return {"The bundle manifest is too large",
              e.described + " is over " + std::to_string(e.limit >> 20) + " MiB.",
              "Check that it is the manifest the publisher wrote."};
    case K::kManifestMalformed:
      return {"The bucket's manifest.json is malformed",
              e.described + " cannot be read as a bundle manifest.",
              "Publish a bundle again with the publisher to rewrite it.", e.detail};
    case K::kPackageNotListed:
      return {
          "WHISKEY_PACKAGE is not in the bucket's manifest",
          e.package + " is not listed in " + e.described + ".\nThe manifest offers:\n" + e.offered,
          "Set WHISKEY_PACKAGE to one of those keys, or unset it to use the newest\n"
          "bundle for " +
              t.stack + "."};
    case K::kNoMatch:
      return {"No bundle for " + e.wanted + " in the bucket",
              "The manifest at " + e.described + " offers:\n" + e.offered, publish_help(t)};
  }
  return {};
}

// ---- Signed manifests ------------------------------------------------------

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += "\n  " + i;
  return out;
}

const char* kCompromised =
    "Nothing was installed. If nobody published to the bucket just now, treat it\n"
    "as compromised: check who can write to it and its access logs. A maintainer\n"
    "who holds the signing key can publish again to sign the manifest afresh.";

UserMessage signature_message(const SignatureError& e) {
  using K = SignatureError::Kind;
  std::string trusted = "The keys trusted here:" + lines(e.trusted);
  switch (e.kind) {
    case K::kUnsigned:
      return {"The bucket's manifest is not signed",
              "Public keys are configured, so " + e.described +
                  "\nmust be signed by one of them, and " + e.detail + ".\n" + trusted,
              "Publish with a signing key (mod_wsgi-heroku keygen makes one, publish\n"
              "--signing-key uses it), or, if this bucket is not signed, stop requiring it:\n"
              "  heroku config:unset WHISKEY_PUBLIC_KEYS"};
    case K::kMalformed:
      return {"The manifest's signature cannot be read",
              "The signature beside " + e.described + " is not one this buildpack reads.",
              "Publish again with the signing key to write it afresh.", e.detail};
    case K::kUntrustedKey:
      return {"The manifest is signed by a key this app does not trust",
              e.described + " is signed by:" + lines(e.signers) + "\n" + trusted,
              "If the bucket's maintainers rotated their key, add the new public key\n"
              "beside the old one:\n"
              "  heroku config:set WHISKEY_PUBLIC_KEYS=\"<old key> <new key>\"\n"
              "Otherwise someone else signed it: do not add their key."};
    case K::kTampered:
      return {"The bucket's manifest was changed after it was signed",
              e.described +
                  "\nis not the manifest its signature was made for: someone changed it, or a\n"
                  "publish was cut short between the manifest and its signature.",
              kCompromised};
    case K::kBadSignature:
      return {"The manifest's signature is not valid",
              "The signature on " + e.described +
                  "\nby a trusted key does not match it: the manifest or the signature was\n"
                  "changed after signing.\n" +
                  trusted,
              kCompromised};
    case K::kRollback:
      return {"The bucket's manifest is older than one this app already trusted",
              e.described + " has serial " + std::to_string(e.serial) +
                  ", and an earlier build\nof this app trusted " +
                  (e.serial == e.trusted_serial ? "another manifest with that serial"
                                                : "serial " + std::to_string(e.trusted_serial)) +
                  ". An older manifest played back\ncould install an older, vulnerable Apache.",
              "Nothing was installed. If the bucket was restored on purpose, clear the\n"
              "build cache (heroku builds:cache:purge, from the heroku-builds plugin) and\n"
              "build again. Otherwise treat the bucket as compromised."};
  }
  return {};
}

// ---- Relocation and the build's own steps --------------------------------------

UserMessage relocation_message(const RelocationError& e) {
  switch (e.kind) {
    case RelocationError::Kind::kNoRoom:
    case RelocationError::Kind::kPathTooLong:
      return {"The build folder's path is too long for the bundle",
              "The bundle's files can name paths of limited length, and\n" + e.to + " is longer.",
              "Build in a folder with a shorter path.", e.detail};
    case RelocationError::Kind::kUnreadable:
      return {"The Apache bundle cannot be relocated",
              "The bundle's description of itself is unusable.",
              "Rebuild the bundle with this buildpack's recipe (vendor/apache).", e.detail};
    case RelocationError::Kind::kWrongArch:
      return {"The Apache bundle is for another architecture",
              "The bundle holds Apache " + e.info.apache + " for " + e.info.stack + "/" +
                  e.info.arch + ", and this build runs on " + e.target_arch + ".",
              "Publish a bundle built for " + e.target_stack + "/" + e.target_arch + "."};
  }
  return {};
}

UserMessage build_message(const BuildError& e) {
  switch (e.kind) {
    case BuildError::Kind::kNoBuildFolder:
      return {"The build folder does not exist", "'" + e.path.string() + "' is not a folder.",
              "Pass the app's folder as the first argument."};
    case BuildError::Kind::kBuildpackToml:
      return {"The buildpack's buildpack.toml is malformed",
              "Its default Apache bundles cannot be read.", kReportBugs, e.detail};
    case BuildError::Kind::kLauncherMissing:
      return {"The buildpack is incomplete", "Its launcher, " + e.path.string() + ", is missing.",
              kReportBugs};
    case BuildError::Kind::kHookFailed:
      return {"The build action hook failed",
              ".whiskey/action_hooks/build exited with status " + std::to_string(e.status) + ".",
              "Fix the hook (its output is above), then build again."};
    case BuildError::Kind::kNoBundleInfo:
      return {"The Apache bundle does not describe itself",
              "The " + e.path.parent_path().parent_path().filename().string() + " layer has no " +
                  kBundleInfoPath + ", so its bill of materials cannot be written.",
              "Rebuild the bundle with this buildpack's recipe (vendor/apache)."};
  }
  return {};
}

// ---- mod_wsgi ----------------------------------------------------------------

UserMessage mod_wsgi_message(const ModWsgiError& e) {
  switch (e.kind) {
    case ModWsgiError::Kind::kNoPython:
      return {"No Python to build mod_wsgi with",
              "The app has no .heroku/python (the Python buildpack has not run before this "
              "one),\nand none of its dependency files names mod_wsgi, so no buildpack "
              "will build it.",
              "Either add mod_wsgi to requirements.txt and run this buildpack first:\n"
              "  heroku buildpacks:add --index 1 <this buildpack>\n"
              "or run heroku/python before this buildpack:\n"
              "  heroku buildpacks:add --index 1 heroku/python"};
    case ModWsgiError::Kind::kPythonFails:
      return {"The app's Python does not run", e.python + " failed to start.",
              "Check the Python buildpack's output above.", e.output};
    case ModWsgiError::Kind::kBuildFailed:
      return {"mod_wsgi " + e.version + " could not be built",
              "pip wheel mod_wsgi==" + e.version + " against this Apache failed.",
              "Check MOD_WSGI_VERSION, and that the Python buildpack installed a Python\n"
              "with its headers. The end of pip's output is below.",
              e.output};
    case ModWsgiError::Kind::kNoWheel:
      return {"mod_wsgi " + e.version + " could not be built", "pip made no wheel.", kReportBugs,
              e.output};
    case ModWsgiError::Kind::kInstallFailed:
      return {"mod_wsgi could not be installed",
              "pip install of the mod_wsgi wheel into .heroku/python failed.",
              "Build again; if it keeps failing, clear the build cache:\n"
              "  heroku builds:cache:purge",
              e.output};
  }
  return {};
}

// ---- Building Apache from the recipe ---------------------------------------

const char* kPublishInstead =
    "Or skip this build: publish a bundle for the stack and set WHISKEY_BUCKET\n"
    "(README, \"Where Apache comes from\").";

UserMessage apache_build_message(const ApacheBuildError& e) {
  using K = ApacheBuildError::Kind;
  const std::string what = "Apache " + e.apache_version + " could not be built";
  const std::string on = e.target.stack + "/" + e.target.arch;
  switch (e.kind) {
    case K::kMissingTools: {
      std::string list;
      for (const auto& m : e.missing) list += "\n  " + m;
      return {what,
              "No bundle is configured or published for " + on +
                  ", so the build compiles Apache,\nbut this machine lacks what that needs:" + list,
              "Build on Heroku's build image for the stack (heroku-22, heroku-24 or\n"
              "heroku-26 have all of it), or install what is listed.\n" +
                  std::string(kPublishInstead)};
    }
    case K::kSourceUnavailable: {
      UserMessage fetched = fetch_message(*e.fetch);
      return {what + ": its sources could not be downloaded", fetched.what_happened,
              e.mirror ? "WHISKEY_APACHE_MIRROR names a mirror without " + e.file +
                             " (or that failed).\nCheck the mirror, or unset it to use the "
                             "Apache archive:\n  heroku config:unset WHISKEY_APACHE_MIRROR\n" +
                             kPublishInstead
                       : "Build again later, or name a mirror of the Apache archive that the "
                         "build can\nreach (it holds apr/ and httpd/ as archive.apache.org/dist/ "
                         "does):\n  heroku config:set WHISKEY_APACHE_MIRROR=https://...\n" +
                             std::string(kPublishInstead),
              fetched.details};
    }
    case K::kSourceOffPin:
      return {what + ": a source does not match its pin",
              e.file + " from " + e.url + "\nhas SHA-256 " + e.actual->hex() +
                  ",\nbut the recipe pins " + e.expected->hex() +
                  ".\nIt was altered or damaged: nothing was compiled.",
              e.mirror ? "Check that WHISKEY_APACHE_MIRROR is a true mirror of the Apache "
                         "archive,\nor unset it:\n  heroku config:unset WHISKEY_APACHE_MIRROR"
                       : "Build again; if it happens again, the download is being tampered "
                         "with:\nbuild somewhere else, or publish a bundle and set "
                         "WHISKEY_BUCKET."};
    case K::kSourceUnreadable:
      return {what + ": a source cannot be unpacked",
              e.file + " matches its pin but could not be unpacked.", kReportBugs, e.detail};
    case K::kStepsFailed:
      return {what,
              "The recipe's build stopped at \"" + e.step + "\" (exit status " +
                  std::to_string(e.status) + ").\nNothing was kept: the next build starts afresh.",
              "Its log ends below. A compiler or a library of the build image is\n"
              "usually the cause: check CC and CFLAGS among the config vars, and that\n"
              "the stack is one this buildpack supports.\n" +
                  std::string(kPublishInstead),
              e.detail};
    case K::kTimedOut:
      return {what + " in time",
              "The recipe's build ran past WHISKEY_APACHE_BUILD_TIMEOUT (" +
                  std::to_string(e.limit_s) + " s) during \"" + e.step +
                  "\",\nand was stopped. Nothing was kept: the next build starts afresh.",
              "Allow it longer:\n  heroku config:set WHISKEY_APACHE_BUILD_TIMEOUT=3600\n" +
                  std::string(kPublishInstead),
              e.detail};
    case K::kNotKept:
      return {what, "The built Apache could not be packed or kept in the build cache.",
              "Check the free space of the build machine, then build again.", e.detail};
  }
  return {};
}

UserMessage recipe_message(const RecipeError& e) {
  return {"The buildpack's Apache recipe is missing or broken",
          "No bundle is configured or published for this stack, so the build compiles\n"
          "Apache from " +
              std::string(kRecipeDir) + ", but " + e.path.string() + " is " +
              (e.detail == "missing" ? "missing." : "unreadable: " + e.detail + "."),
          "Use a complete checkout or release of the buildpack.\n" + std::string(kPublishInstead)};
}

// ---- Publishing ------------------------------------------------------------------

constexpr const char* kPublishUsage =
    "Usage: mod_wsgi-heroku publish BUNDLE [--bucket B] [--region R] "
    "[--endpoint URL] [--key K]\n"
    "       [--record-default BUILDPACK_TOML] [--manifest-copy FILE]\n"
    "       [--signing-key FILE]... [--trust KEY]...";
constexpr const char* kKeygenUsage = "Usage: mod_wsgi-heroku keygen [--out DIR] [--name NAME]";

UserMessage publish_message(const PublishError& e) {
  using K = PublishError::Kind;
  switch (e.kind) {
    case K::kMissingValue:
      return {e.subject + " needs a value", "",
              "See: mod_wsgi-heroku " + (e.other.empty() ? std::string("publish") : e.other) +
                  " --help"};
    case K::kUnknownOption:
      return {"Unknown option " + e.subject, "",
              e.other == "keygen" ? kKeygenUsage : kPublishUsage};
    case K::kTwoBundles:
      return {"Publish one bundle at a time",
              "Both " + e.subject + " and " + e.other + " were given.",
              "Run the publisher once for each bundle."};
    case K::kNoBundle:
      return {"No bundle to publish", "", kPublishUsage};
    case K::kNoBucket:
      return {"No bucket to publish to", "Neither --bucket nor WHISKEY_BUCKET is set.",
              "Name the bucket: --bucket my-bucket (or WHISKEY_BUCKET=my-bucket)."};
    case K::kNoCredentials:
      return {"No AWS credentials",
              "Publishing writes to the bucket, and AWS_ACCESS_KEY_ID and\n"
              "AWS_SECRET_ACCESS_KEY are not both set.",
              "Export them (and AWS_SESSION_TOKEN for temporary credentials), for example\n"
              "  docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY ..."};
    case K::kUnreadable:
      return {"Cannot read the bundle", "'" + e.subject + "' cannot be opened.", "Check the path."};
    case K::kSigningKey:
      return {"Cannot use the signing key " + e.subject,
              e.subject + ": " + e.detail + ". Nothing was published.",
              "Give the private key file mod_wsgi-heroku keygen made (or its text in\n"
              "WHISKEY_SIGNING_KEY); public keys are written ed25519:<base64>."};
    case K::kManifestUntrusted:
      return {"The bucket's manifest does not carry a signature this publisher trusts",
              e.subject + ": " + e.detail +
                  ".\nSigning it now would vouch for entries someone else may have written, so\n"
                  "the bundle was uploaded and the manifest left alone.",
              "If the manifest was signed with an older key of yours, name that key:\n"
              "  --trust ed25519:<the old public key>\n"
              "Otherwise find out who changed the bucket before publishing to it."};
    case K::kNotSigned:
      return {"The manifest was updated but not signed",
              "Writing " + e.subject + " failed: " + e.detail +
                  ".\nBuilds that check signatures refuse the bucket until it is signed.",
              "Publish again: the manifest is signed as it is written."};
    case K::kKeyNotWritten:
      return {"Cannot write " + e.subject, e.detail + ". No key was made.",
              "Choose a folder you can write (--out DIR) and a name no key has yet\n"
              "(--name NAME): an existing key is never overwritten."};
    case K::kNotBundle:
      return {"Not an Apache bundle", "'" + e.subject + "' " + e.detail + ".",
              "Publish a bundle made by vendor/apache/build.sh."};
    case K::kRefused: {
      std::string todo =
          "Check the bucket's name and region, and that the credentials may write it.";
      if (e.status == 403) {
        todo =
            "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for\n"
            "temporary credentials), and that they may read and write the bucket.";
      } else if (e.status == 404) {
        todo = "Check that the bucket '" + e.bucket + "' exists in " + e.region + ".";
      } else if (e.status == 301) {
        todo = "Set WHISKEY_REGION to the bucket's region.";
      }
      return {"Publishing failed", e.subject + " was answered " + e.detail + ".", todo};
    }
    case K::kUnreachable:
      return {"Cannot reach the bucket",
              "The request to the storage service failed; the manifest was not changed.",
              "Check --endpoint (WHISKEY_S3_ENDPOINT), the network, and try again.", e.detail};
    case K::kReadBackMismatch:
      return {"The uploaded bundle does not match the file",
              "Reading " + e.subject + " back gave " + std::to_string(e.back_size) +
                  " bytes with " + e.back_digest + ",\nnot " + std::to_string(e.size) +
                  " bytes with " + e.digest + ". The manifest was not changed.",
              "Publish again; if it persists, check the bucket's settings (encryption,\n"
              "transformations) and the endpoint."};
    case K::kManifestMalformed:
      return {"The bucket's manifest.json is malformed",
              "Adding to it could lose the bundles it lists, so it was left alone.",
              "Fix or remove " + e.subject + ", then publish again.", e.detail};
    case K::kDefaultsUnusable:
      return {"Cannot record the default bundle",
              "'" + e.subject + "' " + e.detail + ". Nothing was published.",
              "Give --record-default the buildpack.toml to change, with its\n"
              "[[metadata.dependencies]] entries as buildpack.toml's comment describes them."};
    case K::kNotPublic:
      if (!e.digest.empty()) {
        return {"The bundle downloaded without credentials does not match",
                "Downloading " + e.subject + " gave " + std::to_string(e.back_size) +
                    " bytes with " + e.back_digest + ",\nnot " + std::to_string(e.size) +
                    " bytes with " + e.digest +
                    ". It was published, and not recorded\nas a default.",
                "Check the endpoint, and whatever serves the bucket's objects in its place."};
      }
      return {"The bundle cannot be downloaded without credentials",
              "A default bundle is downloaded by builds that have no credentials, and\n" +
                  e.subject + " was answered " + e.detail +
                  ". It was published (the manifest lists it), and\nnot recorded as a default.",
              "Make the bucket's objects public: give it a bucket policy that allows\n"
              "s3:GetObject to everyone (\"Principal\": \"*\") on arn:aws:s3:::" +
                  e.bucket.substr(0, e.bucket.find('/')) +
                  "/*,\nand turn off its Block Public Access settings for policies; then "
                  "publish again."};
    case K::kNotRecorded:
      return {"Cannot record the default bundle",
              "The bundle was published (the manifest lists it), but '" + e.subject +
                  "'\nwas not written: " + e.detail + ".",
              "Fix what stopped it, then publish again."};
  }
  return {};
}
}  // namespace

UserMessage warning_message(const ResolveWarning& w) {
  switch (w.kind) {
    case ResolveWarning::Kind::kStaleManifest: {
      UserMessage why = w.cause ? fetch_message(*w.cause) : UserMessage{};
      return {"The bundle manifest could not be read",
              why.headline + ": " + why.what_happened +
                  "\nThe copy of the manifest kept by the last build is used instead; it "
                  "does not\nlist bundles published since."};
    }
    case ResolveWarning::Kind::kUnverifiedPackage:
      return {"The bucket has no manifest.json",
              "Nothing says what " + w.package +
                  "'s digest should be, so it is installed\nunverified. Publish it with "
                  "the publisher, which writes the manifest, or set\nWHISKEY_SHA256."};
  }
  return {};
}

UserMessage unverified_warning() {
  return {"The Apache bundle will not be verified",
          "WHISKEY_SHA256 is not set, so nothing checks that the bundle downloaded\n"
          "is the one you published. Set its SHA-256 digest:\n"
          "  heroku config:set WHISKEY_SHA256=$(sha256sum BUNDLE.tar.zst | cut -d' ' -f1)"};
}

UserMessage other_stack_warning(const BundleInfo& info, const Target& target) {
  return {"The Apache bundle was built for another stack",
          "The bundle holds Apache " + info.apache + " built for " + info.stack +
              ", and this app builds\non " + target.stack +
              ". It may not find the system libraries it was built against.\n"
              "Publish a bundle built for " +
              target.stack + "."};
}

UserMessage no_entry_warning() {
  return {"No WSGI script found",
          "The app has no Procfile web process, and none of wsgi.py, app.py or a\n"
          "Django project's <project>/wsgi.py, so no web process was set up.\n"
          "Add a Procfile naming your WSGI script, for example:\n"
          "  web: mod_wsgi-heroku-start myapp/wsgi.py"};
}

UserMessage django_settings_warning(const std::string& settings, const std::string& details) {
  return {"Django's static files are left to the app",
          "Apache serves a Django app's static files when the build can read STATIC_URL and "
          "STATIC_ROOT from its settings, but " +
              (settings.empty() ? std::string("they") : settings) + " did not load: " + details,
          "Make the settings load at build time, as collectstatic needs them to: read config "
          "vars with a default, for example os.environ.get(\"SECRET_KEY\", \"build\"). Or "
          "leave it: the app then serves its static files, if it does."};
}

UserMessage message(const std::exception& e, std::string_view unexpected) {
  if (auto* c = dynamic_cast<const ConfigError*>(&e)) return config_message(*c);
  if (auto* s = dynamic_cast<const StackError*>(&e)) return stack_message(*s);
  if (auto* f = dynamic_cast<const FetchError*>(&e)) return fetch_message(*f);
  if (auto* b = dynamic_cast<const BundleInvalid*>(&e)) return bundle_message(*b);
  if (auto* d = dynamic_cast<const DigestMismatch*>(&e)) return mismatch_message(*d);
  if (auto* i = dynamic_cast<const InstallError*>(&e)) return install_message(*i);
  if (auto* r = dynamic_cast<const ResolveError*>(&e)) return resolve_message(*r);
  if (auto* r = dynamic_cast<const RelocationError*>(&e)) return relocation_message(*r);
  if (auto* b = dynamic_cast<const BuildError*>(&e)) return build_message(*b);
  if (auto* m = dynamic_cast<const ModWsgiError*>(&e)) return mod_wsgi_message(*m);
  if (auto* p = dynamic_cast<const PublishError*>(&e)) return publish_message(*p);
  if (auto* a = dynamic_cast<const ApacheBuildError*>(&e)) return apache_build_message(*a);
  if (auto* r = dynamic_cast<const RecipeError*>(&e)) return recipe_message(*r);
  if (auto* s = dynamic_cast<const SignatureError*>(&e)) return signature_message(*s);
  return {std::string(unexpected), e.what(), kReportBugs};
}

}  // namespace whiskey
