#include "curl_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <exception>
#include <vector>

#include "curl_handles.h"

extern char** environ;

namespace whiskey {
namespace {

constexpr std::size_t kErrorBodyLimit = 64 * 1024;

/// The SHA-256 of an empty body: the signed payload hash of a GET.
constexpr const char* kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// One GET in flight. Immovable: libcurl holds pointers to it and to its
/// error buffer.
class CurlStream : public ByteStream {
 public:
  CurlStream(const std::string& url, const CurlOptions& options, std::uint64_t offset = 0);
  ~CurlStream() override;
  CurlStream(const CurlStream&) = delete;
  CurlStream& operator=(const CurlStream&) = delete;

  /// Pumps the transfer until the status is known; throws for non-2xx.
  void start();
  std::span<const char> read() override;
  std::optional<std::uint64_t> content_length() const override { return content_length_; }

 private:
  /// Signs the request with the configured AWS credentials.
  void sign(const AwsSigning& aws);
  static size_t on_body(char* data, size_t size, size_t n, void* self);
  static size_t on_header(char* data, size_t size, size_t n, void* self);
  /// Runs the transfer once; returns false when it has ended.
  bool pump();
  void fail_if_transfer_failed();

  std::string url_;
  CurlMulti multi_;
  CurlEasy easy_;
  std::unique_ptr<char[]> errbuf_ = std::make_unique<char[]>(CURL_ERROR_SIZE);
  CurlSlist headers_out_;
  std::string sigv4_;
  std::string userpwd_;
  std::string pending_;  // received, not yet handed out
  std::string current_;  // handed out by the last read()
  std::string error_body_;
  std::map<std::string, std::string> headers_;
  long status_ = 0;  // of the final response, once its body starts
  bool done_ = false;
  CURLcode result_ = CURLE_OK;
  std::uint64_t received_ = 0;
  std::optional<std::uint64_t> content_length_;
  std::exception_ptr failure_;  // thrown in a callback, rethrown out of libcurl
};

CurlStream::CurlStream(const std::string& url, const CurlOptions& options, std::uint64_t offset)
    : url_(url), multi_(curl_multi_init()), easy_(curl_easy_init()) {
  if (!multi_ || !easy_) throw TransportError("cannot initialise libcurl", 0, 0);
  CURL* h = easy_.get();
  errbuf_[0] = '\0';
  apply_transfer_defaults(h, url_, options);
  set_option(h, CURLOPT_ERRORBUFFER, errbuf_.get());
  set_option(h, CURLOPT_WRITEFUNCTION, &CurlStream::on_body);
  set_option(h, CURLOPT_WRITEDATA, static_cast<void*>(this));
  set_option(h, CURLOPT_HEADERFUNCTION, &CurlStream::on_header);
  set_option(h, CURLOPT_HEADERDATA, static_cast<void*>(this));
  set_option(h, CURLOPT_FOLLOWLOCATION, 1L);
  set_option(h, CURLOPT_MAXREDIRS, 5L);
  // A Range request; libcurl fails with CURLE_RANGE_ERROR when the answer
  // is the whole body.
  if (offset > 0) set_option(h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
  set_option(h, CURLOPT_BUFFERSIZE, 256L * 1024);
  if (options.aws && url.rfind(options.aws->url_prefix, 0) == 0) sign(*options.aws);
  if (curl_multi_add_handle(multi_.get(), h) != CURLM_OK) {
    throw TransportError("cannot start the transfer (libcurl)", 0, 0);
  }
}

void CurlStream::sign(const AwsSigning& aws) {
  CURL* h = easy_.get();
  sigv4_ = "aws:amz:" + aws.region + ":s3";
  userpwd_ = aws.access_key_id + ":" + aws.secret_access_key;
  set_option(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
  set_option(h, CURLOPT_USERPWD, userpwd_.c_str());
  std::vector<std::string> lines = {std::string("x-amz-content-sha256: ") + kEmptyPayloadSha256};
  if (!aws.session_token.empty()) lines.push_back("x-amz-security-token: " + aws.session_token);
  for (const auto& line : lines) append_header(headers_out_, line);
  set_option(h, CURLOPT_HTTPHEADER, headers_out_.get());
}

CurlStream::~CurlStream() {
  (void)curl_multi_remove_handle(multi_.get(), easy_.get());  // nothing to do if it fails
}

size_t CurlStream::on_header(char* data, size_t size, size_t n, void* p) {
  auto* self = static_cast<CurlStream*>(p);
  try {
    record_header_line({data, size * n}, self->headers_);
    return size * n;
  } catch (...) {
    self->failure_ = std::current_exception();
    return 0;  // ends the transfer
  }
}

size_t CurlStream::on_body(char* data, size_t size, size_t n, void* p) {
  auto* self = static_cast<CurlStream*>(p);
  size_t len = size * n;
  try {
    if (self->status_ == 0) self->status_ = response_code(self->easy_.get());
    if (self->status_ >= 200 && self->status_ < 300) {
      self->pending_.append(data, len);
      self->received_ += len;
    } else if (self->error_body_.size() < kErrorBodyLimit) {
      self->error_body_.append(data, std::min(len, kErrorBodyLimit - self->error_body_.size()));
    }
    return len;
  } catch (...) {
    self->failure_ = std::current_exception();
    return 0;  // ends the transfer
  }
}

bool CurlStream::pump() {
  if (done_) return false;
  int running = 0;
  CURLMcode mc = curl_multi_perform(multi_.get(), &running);
  if (mc != CURLM_OK) throw TransportError(curl_multi_strerror(mc), 0, received_);
  if (running == 0) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
      if (msg->msg == CURLMSG_DONE) result_ = msg->data.result;
    }
    done_ = true;
    if (failure_) std::rethrow_exception(failure_);
    if (status_ == 0) status_ = response_code(easy_.get());
    return false;
  }
  if (pending_.empty()) {
    mc = curl_multi_poll(multi_.get(), nullptr, 0, 1000, nullptr);
    if (mc != CURLM_OK) throw TransportError(curl_multi_strerror(mc), 0, received_);
  }
  return true;
}

void CurlStream::fail_if_transfer_failed() {
  if (result_ == CURLE_OK) return;
  throw transfer_error(easy_.get(), result_, errbuf_.get(), received_, environ);
}

void CurlStream::start() {
  while (status_ == 0 && pump()) {
  }
  if (status_ == 0) {
    fail_if_transfer_failed();
    throw TransportError("no response from the server", 0, 0);
  }
  if (status_ >= 200 && status_ < 300) {
    content_length_ = whiskey::content_length(easy_.get());
    return;  // a failure later in the transfer surfaces in read()
  }
  // Not 2xx: collect the start of the body for the message, then report.
  while (pump()) {
  }
  throw HttpStatusError(status_, url_, error_body_, headers_);
}

std::span<const char> CurlStream::read() {
  while (pending_.empty() && pump()) {
  }
  if (pending_.empty()) {
    fail_if_transfer_failed();
    return {};
  }
  current_.swap(pending_);
  pending_.clear();
  return {current_.data(), current_.size()};
}

}  // namespace

CurlHttpClient::CurlHttpClient(CurlOptions options) : options_(std::move(options)) {
  curl_global_init_once();
}

std::unique_ptr<ByteStream> CurlHttpClient::get(const std::string& url) {
  return get_from(url, 0);
}

std::unique_ptr<ByteStream> CurlHttpClient::get_from(const std::string& url, std::uint64_t offset) {
  auto stream = std::make_unique<CurlStream>(url, options_, offset);
  stream->start();
  return stream;
}

}  // namespace whiskey
