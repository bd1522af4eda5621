// HttpClient over libcurl's multi interface, pulled one chunk at a time.
#pragma once

#include <optional>
#include <string>

#include "curl_handles.h"
#include "http.h"

namespace whiskey {

/// AWS SigV4 signing (libcurl's own) for requests under `url_prefix`: the
/// configured bucket, never any other host.
struct AwsSigning {
  std::string url_prefix;
  std::string region;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
};

/// The transfer settings of every download, and the signing.
struct CurlOptions : TransferDefaults {
  std::optional<AwsSigning> aws;
};

class CurlHttpClient : public HttpClient {
 public:
  explicit CurlHttpClient(CurlOptions options = {});
  std::unique_ptr<ByteStream> get(const std::string& url) override;
  std::unique_ptr<ByteStream> get_from(const std::string& url, std::uint64_t offset) override;

 private:
  CurlOptions options_;
};

}  // namespace whiskey
