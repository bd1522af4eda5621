#include "curl_handles.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <vector>

namespace whiskey {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// curl_easy_getinfo, checked; `name` names `info` in the error.
template <typename T>
T info(CURL* h, CURLINFO info, const char* name) {
  T value{};
  CURLcode code = curl_easy_getinfo(h, info, &value);
  if (code != CURLE_OK) {
    throw std::runtime_error(std::string("libcurl cannot tell ") + name + ": " +
                             curl_easy_strerror(code));
  }
  return value;
}

/// The value of `name` in `envp` (as getenv would find it), or nullptr.
const char* env_value(char** envp, std::string_view name) {
  for (char** e = envp; e && *e; ++e) {
    std::string_view entry(*e);
    if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
        entry[name.size()] == '=') {
      return *e + name.size() + 1;
    }
  }
  return nullptr;
}

}  // namespace

void curl_global_init_once() {
  static std::once_flag once;
  static CURLcode code = CURLE_OK;
  std::call_once(once, [] { code = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (code != CURLE_OK) {
    throw std::runtime_error(std::string("cannot initialise libcurl: ") + curl_easy_strerror(code));
  }
}

void throw_option_refused(CURLoption option, CURLcode code) {
  const curl_easyoption* known = curl_easy_option_by_id(option);
  std::string name = known ? std::string("CURLOPT_") + known->name
                           : "libcurl option " + std::to_string(static_cast<int>(option));
  throw std::runtime_error("libcurl refused " + name + ": " + curl_easy_strerror(code));
}

long response_code(CURL* h) {
  return info<long>(h, CURLINFO_RESPONSE_CODE, "CURLINFO_RESPONSE_CODE");
}

long connect_code(CURL* h) {
  return info<long>(h, CURLINFO_HTTP_CONNECTCODE, "CURLINFO_HTTP_CONNECTCODE");
}

std::optional<std::uint64_t> content_length(CURL* h) {
  auto length =
      info<curl_off_t>(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, "CURLINFO_CONTENT_LENGTH_DOWNLOAD_T");
  if (length < 0) return std::nullopt;
  return static_cast<std::uint64_t>(length);
}

std::string effective_url(CURL* h) {
  const char* url = info<const char*>(h, CURLINFO_EFFECTIVE_URL, "CURLINFO_EFFECTIVE_URL");
  return url ? url : "";
}

void append_header(CurlSlist& list, const std::string& line) {
  curl_slist* next = curl_slist_append(list.get(), line.c_str());
  if (!next) throw std::bad_alloc();
  (void)list.release();
  list.reset(next);
}

CurlUrl::CurlUrl(const std::string& url, unsigned int flags) : url_(curl_url()) {
  if (!url_) throw std::bad_alloc();
  CURLUcode code = curl_url_set(url_.get(), CURLUPART_URL, url.c_str(), flags);
  if (code != CURLUE_OK) throw UrlError(code);
}

std::optional<std::string> CurlUrl::get(CURLUPart part) const {
  char* value = nullptr;
  CURLUcode code = curl_url_get(url_.get(), part, &value, 0);
  std::unique_ptr<char, decltype(&curl_free)> owned(value, &curl_free);
  switch (code) {
    case CURLUE_OK:
      return std::string(value);
    case CURLUE_NO_USER:
    case CURLUE_NO_PASSWORD:
    case CURLUE_NO_OPTIONS:
    case CURLUE_NO_HOST:
    case CURLUE_NO_PORT:
    case CURLUE_NO_QUERY:
    case CURLUE_NO_FRAGMENT:
    case CURLUE_NO_ZONEID:
      return std::nullopt;
    default:
      throw UrlError(code);
  }
}

void CurlUrl::set(CURLUPart part, const char* value) {
  CURLUcode code = curl_url_set(url_.get(), part, value, 0);
  if (code != CURLUE_OK) throw UrlError(code);
}

std::string CurlUrl::str() const {
  return get(CURLUPART_URL).value_or("");
}

void restrict_protocols(CURL* h, bool https_only) {
#if LIBCURL_VERSION_NUM >= 0x075500
  const char* protocols = https_only ? "https" : "http,https";
  set_option(h, CURLOPT_PROTOCOLS_STR, protocols);
  set_option(h, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
#else
  long protocols = https_only ? CURLPROTO_HTTPS : (CURLPROTO_HTTP | CURLPROTO_HTTPS);
  set_option(h, CURLOPT_PROTOCOLS, protocols);
  set_option(h, CURLOPT_REDIR_PROTOCOLS, protocols);
#endif
}

void apply_transfer_defaults(CURL* h, const std::string& url, const TransferDefaults& d) {
  set_option(h, CURLOPT_URL, url.c_str());
  set_option(h, CURLOPT_NOSIGNAL, 1L);
  set_option(h, CURLOPT_CONNECTTIMEOUT, d.connect_timeout_s);
  set_option(h, CURLOPT_LOW_SPEED_LIMIT, d.low_speed_limit);
  set_option(h, CURLOPT_LOW_SPEED_TIME, d.low_speed_time_s);
  set_option(h, CURLOPT_TIMEOUT, d.max_time_s);
  // A URL the parser rejects fails the transfer with libcurl's own error.
  bool https = false;
  try {
    https = CurlUrl(url).get(CURLUPART_SCHEME) == "https";
  } catch (const UrlError&) {
  }
  restrict_protocols(h, https);
  set_option(h, CURLOPT_SSL_VERIFYPEER, 1L);
  set_option(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!d.ca_bundle.empty()) set_option(h, CURLOPT_CAINFO, d.ca_bundle.c_str());
  set_option(h, CURLOPT_USERAGENT, d.user_agent.c_str());
}

std::string proxy_from_environment(std::string_view scheme, char** envp) {
  std::string name = lower(std::string(scheme)) + "_proxy";
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  // Never HTTP_PROXY: a CGI program gets a request's Proxy header there.
  std::vector<std::string> names = {name};
  if (name != "http_proxy") names.push_back(upper);
  names.insert(names.end(), {"all_proxy", "ALL_PROXY"});
  for (const auto& n : names) {
    const char* value = env_value(envp, n);
    if (value && *value) return value;
  }
  return "";
}

bool usable_proxy_url(const std::string& proxy) {
  try {
    CurlUrl parsed(proxy, CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME);
    return true;
  } catch (const UrlError&) {
    return false;
  }
}

TransportError transfer_error(CURL* h, CURLcode code, const char* errbuf, std::uint64_t received,
                              char** envp, const std::string& prefix) {
  std::string message = prefix + redact_proxy_credentials(
                                     errbuf && errbuf[0] ? errbuf : curl_easy_strerror(code), envp);
  long proxy_status = connect_code(h);
  auto stage = TransportError::Stage::kServer;
  if (proxy_status != 0 && proxy_status / 100 != 2) stage = TransportError::Stage::kProxy;
#if LIBCURL_VERSION_NUM >= 0x074900
  if (code == CURLE_PROXY) stage = TransportError::Stage::kProxy;
#endif
  if (code == CURLE_COULDNT_RESOLVE_PROXY) {
    // Both a proxy name that does not resolve and a proxy URL libcurl
    // cannot parse end so: ask the parser.
    std::string scheme = "http";
    try {
      scheme = CurlUrl(effective_url(h)).get(CURLUPART_SCHEME).value_or(scheme);
    } catch (const UrlError&) {
    }
    stage = usable_proxy_url(proxy_from_environment(scheme, envp))
                ? TransportError::Stage::kProxy
                : TransportError::Stage::kProxyUrl;
  }
  return TransportError(message, static_cast<int>(code), received, stage, proxy_status);
}

void record_header_line(std::string_view line, std::map<std::string, std::string>& headers) {
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string name = lower(std::string(line.substr(0, colon)));
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
    std::string name = lower(std::string(entry.substr(0, eq)));
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
