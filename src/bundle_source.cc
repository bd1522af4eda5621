#include "bundle_source.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

#include "curl_handles.h"

namespace whiskey {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// Percent-encodes an S3 key, keeping '/' and the unreserved characters.
std::string encode_key(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : key) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

/// Whether a bucket name can be a host label (virtual-hosted style over TLS).
bool virtual_host_safe(std::string_view bucket) {
  return std::all_of(bucket.begin(), bucket.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-';
  });
}

/// The path of `parsed`, parsed from `url`, as written there: "" where
/// libcurl gives a URL without one the path "/".
std::string written_path(const CurlUrl& parsed, std::string_view url) {
  std::string path = parsed.get(CURLUPART_PATH).value_or("");
  std::string_view base = url.substr(0, url.find_first_of("?#"));
  if (path == "/" && (base.empty() || base.back() != '/')) return "";
  return path;
}

std::string file_name(std::string_view path) {
  auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

UrlParts parse_url(std::string_view url) {
  constexpr const char* kNotAbsolute = "not an absolute URL (expected scheme://host/path)";
  std::optional<CurlUrl> parsed;
  try {
    parsed.emplace(std::string(url));
  } catch (const UrlError& e) {
    switch (e.code) {
      case CURLUE_BAD_SCHEME:
      case CURLUE_BAD_SLASHES:
      case CURLUE_MALFORMED_INPUT:
        throw std::invalid_argument(kNotAbsolute);
      case CURLUE_NO_HOST:
        throw std::invalid_argument("no host in the URL");
      default:
        throw std::invalid_argument(e.what());
    }
  }
  UrlParts parts;
  parts.scheme = parsed->get(CURLUPART_SCHEME).value_or("");
  // libcurl also takes one or three slashes after the scheme ("https:/h",
  // "https:///h"), and takes what follows for the host; only two name one.
  if (url.substr(parts.scheme.size(), 3) != "://") throw std::invalid_argument(kNotAbsolute);
  auto host = parsed->get(CURLUPART_HOST);
  if (!host || host->empty() || url.substr(parts.scheme.size() + 3, 1) == "/") {
    throw std::invalid_argument("no host in the URL");
  }
  if (host->front() == '[') *host = host->substr(1, host->size() - 2);  // IPv6
  parts.host = lower(*host);
  parts.path = written_path(*parsed, url);
  return parts;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  if (host.rfind("127.", 0) != 0) return false;
  // 127.a.b.c with numeric parts only.
  return std::all_of(host.begin(), host.end(),
                     [](unsigned char c) { return std::isdigit(c) || c == '.'; });
}

std::string redact_url(std::string_view url) {
  try {
    CurlUrl parsed{std::string(url)};
    bool query = parsed.get(CURLUPART_QUERY).has_value();
    for (CURLUPart part : {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS, CURLUPART_QUERY,
                           CURLUPART_FRAGMENT}) {
      parsed.set(part, nullptr);
    }
    std::string out = parsed.str();
    if (written_path(parsed, url).empty()) out.pop_back();  // libcurl's "/"
    return query ? out + "?…" : out;
  } catch (const UrlError&) {
    // Not a URL libcurl takes, but it may still hold secrets: drop the
    // query, and all before the authority's last '@'.
    std::string_view base = url.substr(0, url.find_first_of("?#"));
    std::string out(base);
    if (auto scheme_end = base.find("://"); scheme_end != std::string_view::npos) {
      auto authority_start = scheme_end + 3;
      auto at = base.substr(0, base.find('/', authority_start)).rfind('@');
      if (at != std::string_view::npos && at > authority_start) {
        out = std::string(base.substr(0, authority_start)) + std::string(base.substr(at + 1));
      }
    }
    if (base.size() < url.size() && url[base.size()] == '?') out += "?…";
    return out;
  }
}

std::string s3_object_url(const std::string& bucket, const std::string& key,
                          const std::string& region, const std::string& endpoint) {
  std::string k = key;
  while (!k.empty() && k.front() == '/') k.erase(0, 1);
  if (auto slash = bucket.find('/'); slash != std::string::npos) {
    std::string prefix = bucket.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    return s3_object_url(bucket.substr(0, slash), prefix.empty() ? k : prefix + "/" + k, region,
                         endpoint);
  }
  if (!endpoint.empty()) {
    std::string path = "/" + bucket + "/" + encode_key(k);
    try {
      CurlUrl base(endpoint);
      std::string prefix = written_path(base, endpoint);
      while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
      base.set(CURLUPART_PATH, (prefix + path).c_str());
      return base.str();
    } catch (const UrlError&) {
      return endpoint + path;  // which check_url_policy refuses
    }
  }
  if (virtual_host_safe(bucket)) {
    return "https://" + bucket + ".s3." + region + ".amazonaws.com/" + encode_key(k);
  }
  return "https://s3." + region + ".amazonaws.com/" + bucket + "/" + encode_key(k);
}

void check_url_policy(const std::string& url, const std::string& variable, bool allow_http) {
  UrlParts parts;
  try {
    parts = parse_url(url);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(ConfigError::Kind::kNotUrl, variable, redact_url(url), e.what());
  }
  if (parts.scheme == "http") {
    if (!is_loopback_host(parts.host) && !allow_http) {
      throw ConfigError(ConfigError::Kind::kPlainHttp, variable, redact_url(url));
    }
  } else if (parts.scheme != "https") {
    throw ConfigError(ConfigError::Kind::kScheme, variable, redact_url(url), parts.scheme);
  }
}

BundleSource resolve_bundle(const Config& c) {
  BundleSource src;
  src.sha256 = c.sha256;
  if (!c.url.empty()) {
    if (!c.bucket.empty() || !c.package.empty()) {
      throw ConfigError(ConfigError::Kind::kUrlAndBucket, "WHISKEY_URL");
    }
    src.url = c.url;
  } else if (!c.bucket.empty() && !c.package.empty()) {
    src.url = s3_object_url(c.bucket, c.package, c.region, c.s3_endpoint);
  } else if (!c.bucket.empty()) {
    throw ConfigError(ConfigError::Kind::kNoPackage, "WHISKEY_PACKAGE", c.bucket);
  } else if (!c.package.empty()) {
    throw ConfigError(ConfigError::Kind::kNoBucket, "WHISKEY_BUCKET", c.package);
  } else {
    throw ConfigError(ConfigError::Kind::kNothingConfigured, "WHISKEY_URL");
  }

  check_url_policy(src.url, c.url.empty() ? "WHISKEY_S3_ENDPOINT" : "WHISKEY_URL", c.allow_http);
  UrlParts parts = parse_url(src.url);
  src.name = file_name(parts.path);
  if (src.name.empty()) src.name = "bundle";
  src.described = c.url.empty() && c.s3_endpoint.empty()
                      ? "s3://" + c.bucket + "/" + c.package + " (" + c.region + ")"
                      : redact_url(src.url);
  return src;
}

}  // namespace whiskey
