// A small S3 client for the publisher: signed GET and PUT of whole objects,
// signed by libcurl's own AWS SigV4 support.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>

namespace whiskey {

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< optional (temporary credentials)
};

struct S3Target {
  std::string bucket;  ///< may carry a key prefix: "my-bucket/bundles"
  std::string region = "us-east-1";
  std::string endpoint;  ///< S3-compatible endpoint, path-style; empty for AWS
};

struct S3Response {
  long status = 0;
  std::string body;                            ///< at most the first 64 KiB unless a sink took it
  std::map<std::string, std::string> headers;  ///< lower-case names
  bool ok() const { return status >= 200 && status < 300; }
};

class S3Client {
 public:
  S3Client(S3Target target, S3Credentials credentials);

  /// The object's URL (no credentials in it).
  std::string url(const std::string& key) const;

  /// GET; the body goes to `sink` when the answer is 2xx, else into the
  /// response. Throws TransportError when no answer comes (as do the PUTs).
  S3Response get(const std::string& key,
                 const std::function<void(std::span<const char>)>& sink = {});

  /// PUT of bytes in memory. `headers` are added and signed ("If-Match: ...").
  S3Response put(const std::string& key, const std::string& body, const std::string& content_type,
                 const std::map<std::string, std::string>& headers = {});

  /// PUT of a file's contents, with its SHA-256 as the signed payload hash.
  S3Response put_file(const std::filesystem::path& file, const std::string& key,
                      const std::string& sha256_hex, const std::string& content_type);

 private:
  S3Target target_;
  S3Credentials credentials_;
};

/// The "Code: Message" of an S3 XML error body, or "HTTP <status>"; never
/// the parts of the body that echo the request (string to sign, key id).
std::string s3_error_text(const S3Response& response);

}  // namespace whiskey
