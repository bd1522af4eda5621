#include "curl_handles.h"

#include <algorithm>
#include <cctype>

namespace whiskey {

void restrict_protocols(CURL* h, bool https_only) {
#if LIBCURL_VERSION_NUM >= 0x075500
  const char* protocols = https_only ? "https" : "http,https";
  CURLcode first = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
  CURLcode redirects = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
  long protocols = https_only ? CURLPROTO_HTTPS : (CURLPROTO_HTTP | CURLPROTO_HTTPS);
  CURLcode first = curl_easy_setopt(h, CURLOPT_PROTOCOLS, protocols);
  CURLcode redirects = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, protocols);
#endif
  if (first != CURLE_OK || redirects != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl refused to limit the protocols of a transfer: ") +
                             curl_easy_strerror(first != CURLE_OK ? first : redirects));
  }
}

void record_header_line(std::string_view line, std::map<std::string, std::string>& headers) {
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  auto first = value.find_first_not_of(" \t");
  auto last = value.find_last_not_of(" \t\r\n");
  headers[name] =
      first == std::string_view::npos ? "" : std::string(value.substr(first, last - first + 1));
}

std::string redact_proxy_credentials(std::string message, char** envp) {
  for (char** e = envp; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(entry.substr(0, eq));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.size() < 6 || name.compare(name.size() - 6, 6, "_proxy") != 0 || name == "no_proxy") {
      continue;
    }
    std::string_view value = entry.substr(eq + 1);
    // The user information runs from the scheme (if any) to the last '@'.
    auto scheme = value.find("://");
    auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
    auto at = value.rfind('@');
    if (at == std::string_view::npos || at < start) continue;
    std::string shown = std::string(value.substr(0, start)) + std::string(value.substr(at + 1));
    for (auto pos = message.find(value); pos != std::string::npos;
         pos = message.find(value, pos + shown.size())) {
      message.replace(pos, value.size(), shown);
    }
  }
  return message;
}

std::string xml_field(std::string_view body, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  auto start = body.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  auto end = body.find("</" + std::string(tag) + ">", start);
  if (end == std::string_view::npos) return {};
  return std::string(body.substr(start, std::min<std::size_t>(end - start, 200)));
}

}  // namespace whiskey
