// HttpClient over libcurl's multi interface, pulled one chunk at a time.
#pragma once

#include <optional>
#include <string>

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

struct CurlOptions {
  long connect_timeout_s = 10;
  long low_speed_limit = 1024;  ///< bytes/s below which a transfer is stalled
  long low_speed_time_s = 15;   ///< how long a stall may last
  long max_time_s = 60;         ///< the longest one transfer may take
  std::string ca_bundle;        ///< a CA file to trust instead of the system's
  std::string user_agent = "mod_wsgi-heroku";
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
