#include "curl_handles.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

using namespace whiskey;

namespace {

/// A proxy on 127.0.0.1 that answers every request with `answer` and then
/// closes the connection; one connection at a time, until destroyed.
class AnsweringProxy {
 public:
  explicit AnsweringProxy(std::string answer) : answer_(std::move(answer)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(listener_, 4) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~AnsweringProxy() {
    shutdown(listener_, SHUT_RDWR);
    thread_.join();
    close(listener_);
  }
  AnsweringProxy(const AnsweringProxy&) = delete;
  AnsweringProxy& operator=(const AnsweringProxy&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    while (true) {
      int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::string request;
      char buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      (void)send(fd, answer_.data(), answer_.size(), MSG_NOSIGNAL);
      close(fd);
    }
  }

  std::string answer_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

/// Runs a GET of `url` through `proxy` (empty: none) and returns the
/// TransportError transfer_error makes of its failure, with `envp` as the
/// environment.
TransportError failed_transfer(const std::string& url, const std::string& proxy, char** envp,
                               const std::string& prefix = "") {
  CurlEasy easy(curl_easy_init());
  REQUIRE(easy);
  CURL* h = easy.get();
  char errbuf[CURL_ERROR_SIZE] = "";
  apply_transfer_defaults(h, url, TransferDefaults{});
  set_option(h, CURLOPT_ERRORBUFFER, static_cast<char*>(errbuf));
  set_option(h, CURLOPT_PROXY, proxy.c_str());
  CURLcode code = curl_easy_perform(h);
  REQUIRE(code != CURLE_OK);
  return transfer_error(h, code, errbuf, 0, envp, prefix);
}

}  // namespace

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
  set_option(h, CURLOPT_URL, "file:///dev/null");
  set_option(h, CURLOPT_NOSIGNAL, 1L);

  SECTION("without the limit, libcurl reads the file") {
    CHECK(curl_easy_perform(h) == CURLE_OK);
  }
  SECTION("http and https only") {
    REQUIRE_NOTHROW(restrict_protocols(h, false));
    CHECK(curl_easy_perform(h) == CURLE_UNSUPPORTED_PROTOCOL);
  }
  SECTION("https only refuses plain http") {
    REQUIRE_NOTHROW(restrict_protocols(h, true));
    set_option(h, CURLOPT_URL, "http://127.0.0.1:1/");
    CHECK(curl_easy_perform(h) == CURLE_UNSUPPORTED_PROTOCOL);
  }
}

TEST_CASE("curl handles: an option libcurl refuses throws with its name and libcurl's text") {
  CurlEasy easy(curl_easy_init());
  REQUIRE(easy);
  CHECK_THROWS_WITH(set_option(easy.get(), CURLOPT_CONNECTTIMEOUT, -1L),
                    "libcurl refused CURLOPT_CONNECTTIMEOUT: "
                    "A libcurl function was given a bad argument");
  CHECK_THROWS_WITH(set_option(easy.get(), CURLOPT_MAXREDIRS, -2L),
                    "libcurl refused CURLOPT_MAXREDIRS: "
                    "A libcurl function was given a bad argument");
  CHECK_NOTHROW(set_option(easy.get(), CURLOPT_CONNECTTIMEOUT, 5L));
}

TEST_CASE("curl handles: the transfer defaults") {
  CurlEasy easy(curl_easy_init());
  REQUIRE(easy);
  CURL* h = easy.get();
  TransferDefaults d;
  CHECK(d.connect_timeout_s == 5);  // WHISKEY_CONNECT_TIMEOUT's documented default
  CHECK(d.low_speed_limit == 1024);
  CHECK(d.low_speed_time_s == 15);

  SECTION("the URL is the transfer's") {
    apply_transfer_defaults(h, "http://127.0.0.1:1/x", d);
    CHECK(effective_url(h) == "http://127.0.0.1:1/x");
  }
  SECTION("an https URL is limited to https, however its scheme is written") {
    for (const char* url : {"https://127.0.0.1:1/x", "HTTPS://127.0.0.1:1/x"}) {
      apply_transfer_defaults(h, url, d);
      set_option(h, CURLOPT_URL, "http://127.0.0.1:1/");
      CHECK(curl_easy_perform(h) == CURLE_UNSUPPORTED_PROTOCOL);
    }
  }
  SECTION("an http URL is limited to http and https") {
    apply_transfer_defaults(h, "http://127.0.0.1:1/x", d);
    set_option(h, CURLOPT_URL, "file:///dev/null");
    CHECK(curl_easy_perform(h) == CURLE_UNSUPPORTED_PROTOCOL);
  }
  SECTION("a URL libcurl's parser refuses fails the transfer, not the setup") {
    REQUIRE_NOTHROW(apply_transfer_defaults(h, "https://a@b@h.example/x", d));
    CHECK(curl_easy_perform(h) == CURLE_URL_MALFORMAT);
  }
  SECTION("a value libcurl refuses is not ignored") {
    d.connect_timeout_s = -1;
    CHECK_THROWS_WITH(apply_transfer_defaults(h, "https://h.example/", d),
                      Catch::Matchers::StartsWith("libcurl refused CURLOPT_CONNECTTIMEOUT: "));
  }
}

TEST_CASE("curl handles: URLs through libcurl's parser") {
  CurlUrl url("HTTPS://User:Pw@Host.Example:8443/a/b.tar.gz?X-Amz-Signature=s#f");
  CHECK(url.get(CURLUPART_SCHEME) == "https");
  CHECK(url.get(CURLUPART_USER) == "User");
  CHECK(url.get(CURLUPART_PASSWORD) == "Pw");
  CHECK(url.get(CURLUPART_HOST) == "Host.Example");
  CHECK(url.get(CURLUPART_PORT) == "8443");
  CHECK(url.get(CURLUPART_PATH) == "/a/b.tar.gz");
  CHECK(url.get(CURLUPART_QUERY) == "X-Amz-Signature=s");
  CHECK(url.get(CURLUPART_FRAGMENT) == "f");
  url.set(CURLUPART_USER, nullptr);
  url.set(CURLUPART_PASSWORD, nullptr);
  url.set(CURLUPART_QUERY, nullptr);
  url.set(CURLUPART_FRAGMENT, nullptr);
  CHECK(url.str() == "https://Host.Example:8443/a/b.tar.gz");
  url.set(CURLUPART_PATH, "/c");
  CHECK(url.str() == "https://Host.Example:8443/c");

  // Parts the URL does not have.
  CurlUrl bare("https://h.example");
  CHECK_FALSE(bare.get(CURLUPART_USER));
  CHECK_FALSE(bare.get(CURLUPART_PASSWORD));
  CHECK_FALSE(bare.get(CURLUPART_PORT));
  CHECK_FALSE(bare.get(CURLUPART_QUERY));
  CHECK_FALSE(bare.get(CURLUPART_FRAGMENT));
  CHECK(bare.get(CURLUPART_PATH) == "/");
  CHECK_FALSE(CurlUrl("file:///tmp/x").get(CURLUPART_HOST));

  // What the parser refuses, with its code and text.
  auto refused = [](const std::string& text) {
    try {
      CurlUrl parsed(text);
    } catch (const UrlError& e) {
      return std::pair{e.code, std::string(e.what())};
    }
    FAIL("accepted: " << text);
    return std::pair{CURLUE_OK, std::string()};
  };
  CHECK(refused("h.example/x") == std::pair{CURLUE_BAD_SCHEME, std::string("Bad scheme")});
  CHECK(refused("https://a@b@h.example/") ==
        std::pair{CURLUE_BAD_HOSTNAME, std::string("Bad hostname")});
  CHECK(refused("https://user@/x").first == CURLUE_NO_HOST);
  // Any scheme by default; only libcurl's own with no flags.
  CHECK(CurlUrl("foo://h.example/x").get(CURLUPART_SCHEME) == "foo");
  CHECK_THROWS_AS(CurlUrl("foo://h.example/x", 0), UrlError);
}

TEST_CASE("curl handles: the proxy libcurl takes from the environment") {
  auto proxy = [](std::string_view scheme, std::vector<std::string> vars) {
    std::vector<char*> env;
    for (auto& v : vars) env.push_back(v.data());
    env.push_back(nullptr);
    return proxy_from_environment(scheme, env.data());
  };
  CHECK(proxy("http", {"http_proxy=http://a:1"}) == "http://a:1");
  // Never HTTP_PROXY, which a CGI program gets from a request's header.
  CHECK(proxy("http", {"HTTP_PROXY=http://a:1"}) == "");
  CHECK(proxy("http", {"HTTP_PROXY=http://a:1", "all_proxy=http://c:3"}) == "http://c:3");
  CHECK(proxy("https", {"HTTPS_PROXY=http://b:2"}) == "http://b:2");
  CHECK(proxy("https", {"HTTPS_PROXY=http://b:2", "https_proxy=http://a:1"}) == "http://a:1");
  CHECK(proxy("https", {"https_proxy=", "HTTPS_PROXY=http://b:2"}) == "http://b:2");
  CHECK(proxy("https", {"http_proxy=http://a:1"}) == "");
  CHECK(proxy("https", {"ALL_PROXY=http://d:4", "all_proxy=http://c:3"}) == "http://c:3");
  CHECK(proxy("https", {"ALL_PROXY=http://d:4"}) == "http://d:4");
  CHECK(proxy("http", {"no_proxy=*", "https_proxy_x=1"}) == "");
  CHECK(proxy_from_environment("http", nullptr) == "");

  CHECK(usable_proxy_url("http://user:pw@127.0.0.1:3128"));
  CHECK(usable_proxy_url("127.0.0.1:3128"));  // libcurl guesses the scheme
  CHECK(usable_proxy_url("socks5://proxy.example"));
  CHECK_FALSE(usable_proxy_url("http://user:pw@127.0.0.1:99999"));
  CHECK_FALSE(usable_proxy_url("http://a b"));
  CHECK_FALSE(usable_proxy_url("user2:p@ss@proxy.example.com:8080"));
}

TEST_CASE("curl handles: where a transfer failed, from libcurl's facts") {
  SECTION("the server: no proxy, nothing listening") {
    TransportError e = failed_transfer("http://127.0.0.1:1/x", "", nullptr);
    CHECK(e.code == CURLE_COULDNT_CONNECT);
    CHECK(e.stage == TransportError::Stage::kServer);
    CHECK(e.proxy_status == 0);
  }
  SECTION("a proxy URL libcurl cannot use, quoted without its password") {
    std::string var = "http_proxy=http://user:s3cret@127.0.0.1:99999";
    char* env[] = {var.data(), nullptr};
    TransportError e = failed_transfer("http://bundles.invalid/x", var.substr(11), env);
    CHECK(e.code == CURLE_COULDNT_RESOLVE_PROXY);
    CHECK(e.stage == TransportError::Stage::kProxyUrl);
    CHECK(std::string(e.what()) == "Unsupported proxy syntax in 'http://127.0.0.1:99999'");
  }
  SECTION("a proxy that refuses the tunnel") {
    AnsweringProxy proxy("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
    TransportError e = failed_transfer("https://bundles.invalid/x", proxy.url(), nullptr);
    CHECK(e.proxy_status == 407);
    CHECK(e.stage == TransportError::Stage::kProxy);
  }
  SECTION("a proxy that cannot reach the server") {
    AnsweringProxy proxy("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
    TransportError e = failed_transfer("https://bundles.invalid/x", proxy.url(), nullptr);
    CHECK(e.proxy_status == 502);
    CHECK(e.stage == TransportError::Stage::kProxy);
  }
  SECTION("the prefix goes before libcurl's message") {
    TransportError e =
        failed_transfer("http://127.0.0.1:1/x", "", nullptr, "http://127.0.0.1:1/x: ");
    CHECK_THAT(e.what(), Catch::Matchers::StartsWith(
                             "http://127.0.0.1:1/x: Failed to connect to 127.0.0.1 port 1 "));
  }
}
