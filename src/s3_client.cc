#include "s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <stdexcept>

#include "bundle_source.h"
#include "curl_handles.h"
#include "digest.h"
#include "http.h"

extern char** environ;

namespace whiskey {
namespace {

constexpr std::size_t kBodyLimit = 64 * 1024;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct Transfer {
  S3Response response;
  const std::function<void(std::span<const char>)>* sink = nullptr;
  CURL* handle = nullptr;
  std::exception_ptr failure;  // thrown in a callback, rethrown out of libcurl
};

size_t on_body(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  size_t len = size * n;
  try {
    long status = response_code(t->handle);
    if (status >= 200 && status < 300 && t->sink && *t->sink) {
      (*t->sink)({data, len});
    } else if (t->response.body.size() < kBodyLimit) {
      t->response.body.append(data, std::min(len, kBodyLimit - t->response.body.size()));
    }
    return len;
  } catch (...) {
    t->failure = std::current_exception();
    return 0;  // ends the transfer
  }
}

size_t on_header(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  try {
    record_header_line({data, size * n}, t->response.headers);
    return size * n;
  } catch (...) {
    t->failure = std::current_exception();
    return 0;  // ends the transfer
  }
}

std::string sha256_hex(const std::string& bytes) {
  return sha256_of(bytes).hex();
}

}  // namespace

S3Client::S3Client(S3Target target, S3Credentials credentials)
    : target_(std::move(target)), credentials_(std::move(credentials)) {
  curl_global_init_once();
}

std::string S3Client::url(const std::string& key) const {
  return s3_object_url(target_.bucket, key, target_.region, target_.endpoint);
}

namespace {

/// Performs one signed request. `setup` sets the method and the body.
S3Response perform(const S3Target& target, const S3Credentials& creds, const std::string& url,
                   const std::map<std::string, std::string>& headers,
                   const std::function<void(CURL*)>& setup,
                   const std::function<void(std::span<const char>)>* sink) {
  CurlEasy easy(curl_easy_init());
  if (!easy) throw std::runtime_error("cannot initialise libcurl");
  CURL* h = easy.get();
  Transfer t;
  t.sink = sink;
  t.handle = h;
  auto errbuf = std::make_unique<char[]>(CURL_ERROR_SIZE);
  errbuf[0] = '\0';
  std::string sigv4 = "aws:amz:" + target.region + ":s3";
  std::string userpwd = creds.access_key_id + ":" + creds.secret_access_key;

  CurlSlist list;
  for (const auto& [name, value] : headers) append_header(list, name + ": " + value);
  if (!creds.session_token.empty())
    append_header(list, "x-amz-security-token: " + creds.session_token);

  TransferDefaults defaults;
  defaults.low_speed_time_s = 30;  // the publisher's requests may stall longer than downloads
  defaults.user_agent = "mod_wsgi-heroku publish";
  apply_transfer_defaults(h, url, defaults);
  set_option(h, CURLOPT_ERRORBUFFER, errbuf.get());
  set_option(h, CURLOPT_WRITEFUNCTION, &on_body);
  set_option(h, CURLOPT_WRITEDATA, static_cast<void*>(&t));
  set_option(h, CURLOPT_HEADERFUNCTION, &on_header);
  set_option(h, CURLOPT_HEADERDATA, static_cast<void*>(&t));
  if (!creds.access_key_id.empty()) {
    set_option(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
    set_option(h, CURLOPT_USERPWD, userpwd.c_str());
  }
  if (list) set_option(h, CURLOPT_HTTPHEADER, list.get());
  setup(h);
  CURLcode rc = curl_easy_perform(h);
  if (t.failure) std::rethrow_exception(t.failure);
  if (rc != CURLE_OK) throw transfer_error(h, rc, errbuf.get(), 0, environ, redact_url(url) + ": ");
  t.response.status = response_code(h);
  return std::move(t.response);
}

}  // namespace

S3Response S3Client::get(const std::string& key,
                         const std::function<void(std::span<const char>)>& sink) {
  std::map<std::string, std::string> headers{{"x-amz-content-sha256", sha256_hex("")}};
  return perform(
      target_, credentials_, url(key), headers, [](CURL* h) { set_option(h, CURLOPT_HTTPGET, 1L); },
      &sink);
}

S3Response S3Client::put(const std::string& key, const std::string& body,
                         const std::string& content_type,
                         const std::map<std::string, std::string>& extra) {
  auto headers = extra;
  headers["Content-Type"] = content_type;
  headers["x-amz-content-sha256"] = sha256_hex(body);
  return perform(
      target_, credentials_, url(key), headers,
      [&body](CURL* h) {
        set_option(h, CURLOPT_CUSTOMREQUEST, "PUT");
        set_option(h, CURLOPT_POSTFIELDS, body.data());
        set_option(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      },
      nullptr);
}

S3Response S3Client::put_file(const std::filesystem::path& file, const std::string& key,
                              const std::string& sha256_hex_value,
                              const std::string& content_type) {
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(file.c_str(), "rb"));
  if (!in) throw std::runtime_error("cannot open '" + file.string() + "'");
  auto size = static_cast<curl_off_t>(std::filesystem::file_size(file));
  std::map<std::string, std::string> headers{{"Content-Type", content_type},
                                             {"x-amz-content-sha256", sha256_hex_value}};
  return perform(
      target_, credentials_, url(key), headers,
      [&](CURL* h) {
        set_option(h, CURLOPT_UPLOAD, 1L);
        set_option(h, CURLOPT_READDATA, static_cast<void*>(in.get()));
        set_option(h, CURLOPT_INFILESIZE_LARGE, size);
      },
      nullptr);
}

std::string s3_error_text(const S3Response& r) {
  std::string code = xml_field(r.body, "Code"), message = xml_field(r.body, "Message");
  std::string text = "HTTP " + std::to_string(r.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  return text;
}

}  // namespace whiskey
