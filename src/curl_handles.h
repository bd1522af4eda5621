// What the libcurl users share: owners for curl's C handles, checked calls
// into libcurl, the settings every transfer starts from, the facts of a
// failed transfer, and the reading of response header lines.
#pragma once

#include <curl/curl.h>

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "http.h"

namespace whiskey {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

/// Initialises libcurl once for the process. Throws std::runtime_error when
/// it cannot.
void curl_global_init_once();

/// The value types curl_easy_setopt takes: long, curl_off_t, or a pointer
/// (strings, callbacks, callback data). An int would be read as a long.
template <typename T>
concept CurlOptionValue =
    std::same_as<T, long> || std::same_as<T, curl_off_t> || std::is_pointer_v<T>;

/// Throws std::runtime_error for `option`, refused by libcurl with `code`:
/// "libcurl refused CURLOPT_<NAME>: <curl_easy_strerror>".
[[noreturn]] void throw_option_refused(CURLoption option, CURLcode code);

/// Sets `option` on `h`. Throws std::runtime_error naming the option, with
/// libcurl's text, when libcurl refuses it (an unknown option, a bad value,
/// a feature this libcurl lacks).
template <CurlOptionValue T>
void set_option(CURL* h, CURLoption option, T value) {
  CURLcode code = curl_easy_setopt(h, option, value);
  if (code != CURLE_OK) throw_option_refused(option, code);
}

/// What the transfer on `h` knows (curl_easy_getinfo). Each throws
/// std::runtime_error naming the CURLINFO when libcurl cannot tell.
/// The status of the last response, 0 before one came.
long response_code(CURL* h);
/// The proxy's answer to the last CONNECT, 0 when none was made.
long connect_code(CURL* h);
/// The announced length of the body, when the server gave one.
std::optional<std::uint64_t> content_length(CURL* h);
/// The last URL the transfer used (after redirects).
std::string effective_url(CURL* h);

/// Appends a header line to `list`, keeping ownership. Throws
/// std::bad_alloc when curl cannot.
void append_header(CurlSlist& list, const std::string& line);

/// The URL's parser rejected it: `code` is libcurl's CURLUcode, what() its
/// text ("Bad hostname").
class UrlError : public std::invalid_argument {
 public:
  explicit UrlError(CURLUcode code) : std::invalid_argument(curl_url_strerror(code)), code(code) {}
  CURLUcode code;
};

/// A URL parsed by libcurl's own parser, the one every transfer goes
/// through, so that what is checked is what is fetched.
class CurlUrl {
 public:
  /// Parses `url` (any scheme, by default). Throws UrlError.
  explicit CurlUrl(const std::string& url, unsigned int flags = CURLU_NON_SUPPORT_SCHEME);
  /// The part (CURLUPART_HOST, ...) as written, or nullopt when the URL has
  /// none (no user, no query...). libcurl gives a URL without a path the
  /// path "/". Throws UrlError for anything else.
  std::optional<std::string> get(CURLUPart part) const;
  /// Sets `part` to `value`, or removes it with nullptr. Throws UrlError.
  void set(CURLUPart part, const char* value);
  /// The whole URL, as libcurl writes it.
  std::string str() const;

 private:
  std::unique_ptr<CURLU, CurlUrlDeleter> url_;
};

/// The settings every transfer starts from, downloads and the publisher's
/// requests alike. Proxies are libcurl's: from http_proxy, HTTPS_PROXY,
/// all_proxy and no_proxy in the environment.
struct TransferDefaults {
  long connect_timeout_s = kConnectTimeoutS;
  long low_speed_limit = kStallBytesPerS;  ///< bytes/s below which a transfer is stalled
  long low_speed_time_s = kStallTimeS;     ///< how long a stall may last
  long max_time_s = 0;                     ///< the longest one transfer may take; 0: no limit
  std::string ca_bundle;                   ///< a CA file to trust instead of the system's
  std::string user_agent = "mod_wsgi-heroku";
};

/// Points `h` at `url` with `defaults` applied: no signals, the timeouts
/// and stall limits, certificates and host names verified, the user agent,
/// and http and https only, or https only for an https URL, for the first
/// request and every redirect, so that a redirect from https never goes
/// down to plain http. Throws std::runtime_error when libcurl refuses any of
/// it: no guard may silently go.
void apply_transfer_defaults(CURL* h, const std::string& url, const TransferDefaults& defaults);

/// Limits the transfer `h` to https, or to http and https (see
/// apply_transfer_defaults). On libcurl 7.85 and newer through the _STR
/// options, on older ones (Ubuntu 22.04 has 7.81) through the bit masks.
/// Throws std::runtime_error when libcurl refuses.
void restrict_protocols(CURL* h, bool https_only);

/// The TransportError for the transfer on `h`, ended by `code`: libcurl's
/// message (`errbuf` when it holds one), after `prefix` and without the
/// credentials of any proxy in `envp`, with where it failed (the proxy or
/// the server) and the proxy's answer to CONNECT.
TransportError transfer_error(CURL* h, CURLcode code, const char* errbuf, std::uint64_t received,
                              char** envp, const std::string& prefix = "");

/// The proxy URL libcurl takes from `envp` for a transfer of `scheme`
/// ("http", "https"): <scheme>_proxy (for https also HTTPS_PROXY), then
/// all_proxy, then ALL_PROXY; empty ones do not count. "" when none.
std::string proxy_from_environment(std::string_view scheme, char** envp);

/// Whether libcurl can use `proxy` as a proxy URL (its parser takes it).
bool usable_proxy_url(const std::string& proxy);

/// Records one header line of a response into `headers` (lower-case
/// names); a status line starts a new response (after a redirect), so it
/// clears them.
void record_header_line(std::string_view line, std::map<std::string, std::string>& headers);

/// libcurl's error text for a transfer, without the credentials of any
/// proxy variable in `envp` (http_proxy, HTTPS_PROXY, ...): libcurl quotes a
/// proxy URL it cannot use whole, password and all ("Unsupported proxy
/// syntax in 'http://user:secret@...'"). Such a URL is one libcurl's parser
/// rejects, so it is taken apart here by its text.
std::string redact_proxy_credentials(std::string message, char** envp);

/// The text of `<tag>...</tag>` in an S3 XML error body, or "" (at most 200
/// characters: bodies are the server's, not ours).
std::string xml_field(std::string_view body, std::string_view tag);

}  // namespace whiskey
