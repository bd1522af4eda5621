// The maintainer's side: publish a bundle to S3 and record it in the
// bucket's manifest.json.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "config.h"
#include "errors.h"
#include "manifest.h"
#include "output.h"
#include "relocate.h"
#include "s3_client.h"
#include "signature.h"

namespace whiskey {

/// Publishing could not be done; the manifest was left as it was.
class PublishError : public Failure {
 public:
  enum class Kind {
    kMissingValue,       ///< the option `subject` has no value
    kUnknownOption,      ///< `subject` is not an option
    kTwoBundles,         ///< `subject` and `other` were both given
    kNoBundle,           ///< no bundle was named
    kNoBucket,           ///< neither --bucket nor WHISKEY_BUCKET
    kNoCredentials,      ///< AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set
    kUnreadable,         ///< the file `subject` cannot be opened
    kNotBundle,          ///< the file `subject` is not a bundle (`detail` says why)
    kRefused,            ///< `subject` ("Uploading KEY") was answered `status`, `detail`
    kUnreachable,        ///< the storage service did not answer (`detail`)
    kReadBackMismatch,   ///< reading `subject` back gave other bytes
    kManifestMalformed,  ///< the manifest at `subject` cannot be read (`detail`)
    kDefaultsUnusable,   ///< the buildpack.toml `subject` cannot be read or changed (`detail`)
    kNotPublic,          ///< the object at `subject` was answered `status` without credentials
    kNotRecorded,        ///< published, but writing buildpack.toml `subject` failed (`detail`)
    kSigningKey,         ///< the signing key `subject` cannot be used (`detail`)
    kManifestUntrusted,  ///< the bucket's manifest at `subject` fails its signature (`detail`)
    kNotSigned,          ///< the manifest was written, its signature was not (`detail`)
    kKeyNotWritten,      ///< keygen: the file `subject` cannot be made (`detail`)
  };
  PublishError(Kind kind, std::string subject = {}, std::string detail = {})
      : Failure(subject + (detail.empty() ? "" : ": " + detail)),
        kind(kind),
        subject(std::move(subject)),
        detail(std::move(detail)) {}
  Kind kind;
  std::string subject;
  std::string detail;
  std::string other;
  long status = 0;
  std::string bucket;
  std::string region;
  std::uint64_t size = 0, back_size = 0;
  std::string digest, back_digest;  ///< "sha256:<hex>"
};

struct PublishArgs {
  std::filesystem::path bundle;  ///< whiskey-<stack>-<arch>-apache-<version>.tar.gz
  std::string key;               ///< the object's key; default: the file's name
  S3Target target;
  S3Credentials credentials;
  /// --record-default: the buildpack.toml that records the published bundle
  /// as the default for its stack and arch (replaced whole), once it is
  /// downloaded back without credentials and matches.
  std::filesystem::path record_default;
  /// --manifest-copy: where to write manifest.json as this publish left it.
  std::filesystem::path manifest_copy;
  /// --signing-key FILE (repeatable), and WHISKEY_SIGNING_KEY (the PEM
  /// text itself, for CI secrets): the manifest is signed with each.
  std::vector<std::filesystem::path> signing_key_files;
  std::string signing_key_pem;
  /// --trust KEY (repeatable) and WHISKEY_PUBLIC_KEYS: besides the signing
  /// keys' own, the keys the bucket's manifest may be signed by already.
  std::vector<PublicKey> trust;
};

/// The publisher's settings from its command line and environment:
/// BUNDLE [--bucket B] [--region R] [--endpoint URL] [--key K]
/// [--record-default BUILDPACK_TOML] [--manifest-copy FILE]
/// [--signing-key FILE]... [--trust KEY]..., with WHISKEY_BUCKET,
/// WHISKEY_REGION, WHISKEY_S3_ENDPOINT, WHISKEY_SIGNING_KEY,
/// WHISKEY_PUBLIC_KEYS and the AWS_* keys.
/// Throws PublishError for what is missing.
PublishArgs parse_publish_args(const std::vector<std::string>& argv, const Vars& vars);

/// What whiskey-bundle.json inside the bundle file says. Throws PublishError
/// when the file is not a bundle made by the recipe. With `sbom_sha256`,
/// sets it to the digest of the bundle's bill of materials
/// (.whiskey/apache/sbom.cdx.json), nullopt when the bundle has none.
BundleInfo read_bundle_info(const std::filesystem::path& bundle,
                            std::optional<Sha256Digest>* sbom_sha256 = nullptr);

/// Uploads the bundle, reads it back to verify it, then adds it to the
/// manifest without losing any other entry (conditional writes, retried).
/// Prints the config vars an app needs. With `record_default`, then
/// downloads the bundle as apps will (no credentials) and records it in that
/// buildpack.toml, which is checked before anything is uploaded. Throws
/// PublishError.
/// With signing keys, the manifest is signed as it is written, once the
/// signature already on it (if any) is checked against the signing keys'
/// public keys and `trust`: a manifest someone else changed is not signed
/// over.
void publish(const PublishArgs& args, Output& out);

/// `mod_wsgi-heroku keygen [--out DIR] [--name NAME]`: makes a signing key
/// pair, DIR/NAME.key (the private key, mode 0600, never overwritten) and
/// DIR/NAME.pub, and says where to keep the one and how to pin the other.
/// Throws PublishError.
void keygen(const std::vector<std::string>& argv, Output& out);

}  // namespace whiskey
