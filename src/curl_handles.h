// What the libcurl users share: owners for curl's C handles, and the
// reading of response header lines.
#pragma once

#include <curl/curl.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

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
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlist = std::unique_ptr<curl_slist, CurlSlistDeleter>;

/// Appends a header line to `list`, keeping ownership. Throws
/// std::bad_alloc when curl cannot.
inline void append_header(CurlSlist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (!next) throw std::bad_alloc();
  (void)list.release();
  list.reset(next);
}

/// Limits the transfer `h` to https, or to http and https, for the first
/// request and every redirect, so that a redirect from https never goes
/// down to plain http. On libcurl 7.85 and newer through the _STR options,
/// on older ones (Ubuntu 22.04 has 7.81) through the bit masks. Throws
/// std::runtime_error when libcurl refuses: the guard must not silently go.
void restrict_protocols(CURL* h, bool https_only);

/// Records one header line of a response into `headers` (lower-case
/// names); a status line starts a new response (after a redirect), so it
/// clears them.
void record_header_line(std::string_view line, std::map<std::string, std::string>& headers);

/// libcurl's error text for a transfer, without the credentials of any
/// proxy variable in `envp` (http_proxy, HTTPS_PROXY, ...): libcurl quotes a
/// proxy URL it cannot use whole, password and all ("Unsupported proxy
/// syntax in 'http://user:secret@...'").
std::string redact_proxy_credentials(std::string message, char** envp);

/// The text of `<tag>...</tag>` in an S3 XML error body, or "" (at most 200
/// characters: bodies are the server's, not ours).
std::string xml_field(std::string_view body, std::string_view tag);

}  // namespace whiskey
