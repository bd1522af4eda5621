// The network seam: a pull-based byte stream over an HTTP GET, so the
// archive reader can consume the download as it arrives (no temporary copy).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace whiskey {

/// A source of bytes read in chunks.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// The next chunk; an empty span at the end. The span stays valid until the
  /// next call. Throws TransportError when the transfer fails midway.
  virtual std::span<const char> read() = 0;
  /// The announced length of the body, when the server gave one.
  virtual std::optional<std::uint64_t> content_length() const { return std::nullopt; }
};

/// The server answered, but not with 2xx.
class HttpStatusError : public std::runtime_error {
 public:
  HttpStatusError(long status, std::string url, std::string body,
                  std::map<std::string, std::string> headers)
      : std::runtime_error("HTTP " + std::to_string(status)),
        status(status),
        url(std::move(url)),
        body(std::move(body)),
        headers(std::move(headers)) {}
  long status;
  std::string url;                             ///< as requested (may hold secrets: redact)
  std::string body;                            ///< the first bytes of the body
  std::map<std::string, std::string> headers;  ///< lower-case names
};

/// The limits every transfer starts from, downloads and the publisher's
/// requests alike; WHISKEY_CONNECT_TIMEOUT and WHISKEY_STALL_TIMEOUT change
/// them for downloads (see retry_policy).
inline constexpr long kConnectTimeoutS = 5;
inline constexpr long kStallBytesPerS = 1024;  ///< a transfer slower than this...
inline constexpr long kStallTimeS = 15;        ///< ...for this long is stalled

/// The transfer could not be made or was cut (DNS, connect, TLS, reset,
/// short body, stall).
class TransportError : public std::runtime_error {
 public:
  /// Where the transfer failed.
  enum class Stage {
    kServer,    ///< on the way to the server or at it
    kProxy,     ///< at the proxy: its name did not resolve, it refused the
                ///< tunnel (proxy_status), or it failed otherwise
    kProxyUrl,  ///< before any connection: libcurl cannot use the proxy's URL
  };
  TransportError(std::string message, int code, std::uint64_t received,
                 Stage stage = Stage::kServer, long proxy_status = 0)
      : std::runtime_error(std::move(message)),
        code(code),
        received(received),
        stage(stage),
        proxy_status(proxy_status) {}
  int code;                ///< libcurl's CURLcode, or 0
  std::uint64_t received;  ///< body bytes received before the failure
  Stage stage;
  long proxy_status;  ///< the proxy's answer to CONNECT (407...), 0 when none came
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  /// Starts a GET and returns once the response is known to be 2xx. Throws
  /// HttpStatusError for any other status and TransportError when no answer
  /// comes.
  virtual std::unique_ptr<ByteStream> get(const std::string& url) = 0;
  /// The same from byte `offset` on (a Range request). Throws
  /// TransportError with code 33 (as libcurl's "cannot resume") when the
  /// server answers with the whole body instead.
  virtual std::unique_ptr<ByteStream> get_from(const std::string& url, std::uint64_t offset) {
    if (offset == 0) return get(url);
    throw TransportError("the server does not resume downloads", kCannotResume, 0);
  }
  static constexpr int kCannotResume = 33;
};

}  // namespace whiskey
