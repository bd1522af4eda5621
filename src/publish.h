// The maintainer's side: publish a bundle to S3 and record it in the
// bucket's manifest.json.
#pragma once

#include <filesystem>
#include <string>

#include "config.h"
#include "manifest.h"
#include "output.h"
#include "relocate.h"
#include "s3_client.h"

namespace whiskey {

struct PublishArgs {
  std::filesystem::path bundle;  ///< whiskey-<stack>-<arch>-apache-<version>.tar.gz
  std::string key;               ///< the object's key; default: the file's name
  S3Target target;
  S3Credentials credentials;
};

/// The publisher's settings from its command line and environment:
/// BUNDLE [--bucket B] [--region R] [--endpoint URL] [--key K], with
/// WHISKEY_BUCKET, WHISKEY_REGION, WHISKEY_S3_ENDPOINT and the AWS_* keys.
/// Throws UserError for what is missing.
PublishArgs parse_publish_args(const std::vector<std::string>& argv, const Vars& vars);

/// What whiskey-bundle.json inside the bundle file says. Throws UserError
/// when the file is not a bundle made by the recipe.
BundleInfo read_bundle_info(const std::filesystem::path& bundle);

/// Uploads the bundle, reads it back to verify it, then adds it to the
/// manifest without losing any other entry (conditional writes, retried).
/// Prints the config vars an app needs. Throws UserError.
void publish(const PublishArgs& args, Output& out);

}  // namespace whiskey
