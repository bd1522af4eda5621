// Fetching with retries: the retry policy as data, which failures are worth
// another try, and a byte stream that retries and resumes under the archive
// reader, so that it never sees a cut transfer that could be mended.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "clock.h"
#include "config.h"
#include "errors.h"
#include "http.h"

namespace whiskey {

struct RetryPolicy {
  int attempts = 4;            ///< tries in all, the first included
  double first_backoff_s = 1;  ///< doubled after each try
  double max_backoff_s = 8;    ///< and capped here (Retry-After too)
  double budget_s = 60;        ///< no try starts after this long
  long connect_timeout_s = kConnectTimeoutS;
  long stall_bytes_per_s = kStallBytesPerS;  ///< a transfer slower than this...
  long stall_time_s = kStallTimeS;           ///< ...for this long is stalled
};

/// The policy from WHISKEY_DOWNLOAD_ATTEMPTS, WHISKEY_DOWNLOAD_TIMEOUT (the
/// budget, seconds), WHISKEY_CONNECT_TIMEOUT and WHISKEY_STALL_TIMEOUT.
/// Throws ConfigError for a value that is not a positive whole number.
RetryPolicy retry_policy(const Vars& vars);

/// A GET of a bundle or a manifest that failed for good: answered with a
/// status other than 2xx, or with no answer.
class FetchError : public Failure {
 public:
  /// `subject` is what was fetched ("Apache bundle", "bundle manifest");
  /// `described` says where, safe to print.
  FetchError(std::string subject, std::string described, HttpStatusError e)
      : Failure(described + ": " + e.what()),
        subject(std::move(subject)),
        described(std::move(described)),
        status(std::move(e)) {}
  FetchError(std::string subject, std::string described, TransportError e)
      : Failure(described + ": " + e.what()),
        subject(std::move(subject)),
        described(std::move(described)),
        transport(std::move(e)) {}
  std::string subject;
  std::string described;
  std::optional<HttpStatusError> status;    ///< when the server answered
  std::optional<TransportError> transport;  ///< when it did not
  /// Whether a later try could succeed (see is_transient).
  bool transient() const;
};

/// Whether another try may succeed: 408, 429, 500, 502, 503, 504.
bool is_transient(const HttpStatusError& e);
/// Connection refused or reset, DNS failure, timeouts, a transfer cut short
/// or stalled, an empty reply; not TLS verification failures, nor a proxy
/// that refused the tunnel (4xx) or whose URL libcurl cannot use.
bool is_transient(const TransportError& e);

/// Seconds to wait from a Retry-After header (seconds or an HTTP date);
/// nullopt when absent or unreadable.
std::optional<double> retry_after(const HttpStatusError& e);

/// Reports a retry, for the build log ("... retrying in 2 s").
using RetryNote = std::function<void(const std::string&)>;

/// A ByteStream over a GET that retries transient failures before the body
/// starts, and, when the transfer is cut midway, asks for the rest with a
/// Range request (or, when the server cannot, starts again and skips what
/// it already gave), so its bytes are the whole body exactly once. Final
/// failures, and transient ones once the tries or the budget are spent,
/// are thrown as they came (HttpStatusError, TransportError).
class RetryingStream : public ByteStream {
 public:
  RetryingStream(HttpClient& http, std::string url, const RetryPolicy& policy, Clock& clock,
                 RetryNote note = {});
  std::span<const char> read() override;
  std::optional<std::uint64_t> content_length() const override { return length_; }
  int attempts() const { return attempt_; }

 private:
  /// Opens the transfer at `delivered_`, retrying transient failures.
  void open();
  /// Waits before the next try, or rethrows when no try is left.
  void wait_or_rethrow(const std::string& what, std::optional<double> asked);

  HttpClient& http_;
  std::string url_;
  RetryPolicy policy_;
  Clock& clock_;
  RetryNote note_;
  double start_;
  int attempt_ = 0;
  std::unique_ptr<ByteStream> inner_;
  std::uint64_t delivered_ = 0;  ///< bytes handed to our reader
  std::uint64_t skip_ = 0;       ///< bytes of a restarted body to drop
  std::optional<std::uint64_t> length_;
};

}  // namespace whiskey
