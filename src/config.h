// Configuration: config vars from ENV_DIR (one file per variable, as Heroku
// writes them) over the process environment (for local use).
#pragma once

#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "defaults.h"
#include "digest.h"
#include "disk.h"
#include "errors.h"
#include "signature.h"
#include "vars.h"

namespace whiskey {

/// The process environment `envp` overlaid with the files of `env_dir`
/// (ENV_DIR wins). A missing or empty env_dir adds nothing.
Vars load_vars(const Disk& disk, const std::filesystem::path& env_dir, char** envp);

/// A config var whose value the build cannot use, or a combination of them
/// that does not name a bundle.
class ConfigError : public Failure {
 public:
  enum class Kind {
    kNotFlag,            ///< neither on nor off
    kNotPositive,        ///< not a whole number of at least 1
    kNotDigest,          ///< WHISKEY_SHA256 is not a SHA-256 digest
    kNotRegion,          ///< WHISKEY_REGION is not a region name
    kUrlAndBucket,       ///< WHISKEY_URL with WHISKEY_BUCKET or WHISKEY_PACKAGE
    kNoPackage,          ///< WHISKEY_BUCKET without WHISKEY_PACKAGE
    kNoBucket,           ///< WHISKEY_PACKAGE without WHISKEY_BUCKET
    kNothingConfigured,  ///< none of WHISKEY_URL, WHISKEY_BUCKET, WHISKEY_PACKAGE
    kNotUrl,             ///< `value` is not an absolute URL
    kPlainHttp,          ///< http to a host that is not loopback, unallowed
    kScheme,             ///< a scheme other than https and http
    kNotKey,             ///< WHISKEY_PUBLIC_KEYS holds something that is not a public key
  };
  /// `value` is safe to print (a URL is given redacted); `detail` is the
  /// parser's complaint, or for kScheme the scheme.
  ConfigError(Kind kind, std::string variable, std::string value = {}, std::string detail = {})
      : Failure(variable + ": " + (detail.empty() ? value : detail)),
        kind(kind),
        variable(std::move(variable)),
        value(std::move(value)),
        detail(std::move(detail)) {}
  Kind kind;
  std::string variable;
  std::string value;
  std::string detail;
};

/// What compile needs to know, parsed and validated.
struct Config {
  std::string url;                     ///< WHISKEY_URL
  std::optional<Sha256Digest> sha256;  ///< WHISKEY_SHA256
  std::string bucket;                  ///< WHISKEY_BUCKET
  std::string package;                 ///< WHISKEY_PACKAGE
  std::string region = "us-east-1";    ///< WHISKEY_REGION
  std::string s3_endpoint;             ///< WHISKEY_S3_ENDPOINT
  std::string apache_version;          ///< WHISKEY_APACHE_VERSION
  bool allow_http = false;             ///< WHISKEY_ALLOW_HTTP=1
  std::string stack;                   ///< STACK (empty when unset)
  /// The buildpack's default bundles (buildpack.toml), used when none of
  /// WHISKEY_URL, WHISKEY_BUCKET and WHISKEY_PACKAGE is set.
  std::vector<DefaultBundle> defaults;
  /// The keys a bucket's manifest must be signed by: WHISKEY_PUBLIC_KEYS's,
  /// then those buildpack.toml pins. None: manifests are not checked.
  std::vector<PublicKey> public_keys;
};

/// Parses the WHISKEY_* variables. Throws ConfigError naming the variable and
/// the accepted forms when a value is malformed.
Config parse_config(const Vars& vars);

/// `name` as a whole number of at least 1, or `fallback` when unset or
/// empty. Throws ConfigError naming the variable otherwise.
int positive_var(const Vars& vars, const std::string& name, int fallback);

}  // namespace whiskey
