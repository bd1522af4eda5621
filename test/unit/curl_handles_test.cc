#include "curl_handles.h"

#include <catch2/catch.hpp>

using namespace whiskey;

TEST_CASE("curl handles: proxy credentials are taken out of libcurl's messages") {
  std::string http = "http_proxy=http://user:s3cret@127.0.0.1:99999";
  std::string https = "HTTPS_PROXY=user2:p@ss@proxy.example.com:8080";
  std::string none = "no_proxy=a:b@c";
  std::string other = "PASSWORD=s3cret";
  char* env[] = {http.data(), https.data(), none.data(), other.data(), nullptr};

  CHECK(redact_proxy_credentials("Unsupported proxy syntax in 'http://user:s3cret@127.0.0.1:99999'",
                                 env) == "Unsupported proxy syntax in 'http://127.0.0.1:99999'");
  // The user information runs to the last '@'; a scheme may be missing.
  CHECK(redact_proxy_credentials("bad 'user2:p@ss@proxy.example.com:8080' twice: "
                                 "'user2:p@ss@proxy.example.com:8080'",
                                 env) ==
        "bad 'proxy.example.com:8080' twice: 'proxy.example.com:8080'");
  // Only *_proxy variables other than no_proxy are proxies.
  CHECK(redact_proxy_credentials("a:b@c and s3cret", env) == "a:b@c and s3cret");
  CHECK(redact_proxy_credentials("nothing to hide", nullptr) == "nothing to hide");
}

TEST_CASE("curl handles: S3 error fields and header lines") {
  CHECK(xml_field("<Error><Code>NoSuchKey</Code></Error>", "Code") == "NoSuchKey");
  CHECK(xml_field("<Error></Error>", "Code").empty());
  std::map<std::string, std::string> headers;
  record_header_line("HTTP/1.1 200 OK\r\n", headers);
  record_header_line("Content-Type:  text/html \r\n", headers);
  CHECK(headers.at("content-type") == "text/html");
}

TEST_CASE("curl handles: a transfer limited to http and https refuses any other protocol") {
  CurlEasy easy(curl_easy_init());
  REQUIRE(easy);
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, "file:///dev/null");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);

  SECTION("without the limit, libcurl reads the file") {
    CHECK(curl_easy_perform(h) == CURLE_OK);
  }
  SECTION("http and https only") {
    REQUIRE_NOTHROW(restrict_protocols(h, false));
    CHECK(curl_easy_perform(h) == CURLE_UNSUPPORTED_PROTOCOL);
  }
  SECTION("https only refuses plain http") {
    REQUIRE_NOTHROW(restrict_protocols(h, true));
    curl_easy_setopt(h, CURLOPT_URL, "http://127.0.0.1:1/");
    CHECK(curl_easy_perform(h) == CURLE_UNSUPPORTED_PROTOCOL);
  }
}
