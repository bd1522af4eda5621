#include "fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include "errors.h"

namespace whiskey {
namespace {

std::string seconds(double s) {
  return std::to_string(static_cast<long>(std::lround(s))) + " s";
}

}  // namespace

RetryPolicy retry_policy(const Vars& vars) {
  RetryPolicy p;
  p.attempts = positive_var(vars, "WHISKEY_DOWNLOAD_ATTEMPTS", p.attempts);
  p.budget_s = positive_var(vars, "WHISKEY_DOWNLOAD_TIMEOUT", static_cast<int>(p.budget_s));
  p.connect_timeout_s =
      positive_var(vars, "WHISKEY_CONNECT_TIMEOUT", static_cast<int>(p.connect_timeout_s));
  p.stall_time_s = positive_var(vars, "WHISKEY_STALL_TIMEOUT", static_cast<int>(p.stall_time_s));
  return p;
}

bool FetchError::transient() const {
  return status ? is_transient(*status) : transport && is_transient(*transport);
}

bool is_transient(const HttpStatusError& e) {
  switch (e.status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

bool is_transient(const TransportError& e) {
  // A proxy that refuses the tunnel, or a proxy URL libcurl cannot use,
  // answers the same the next time.
  if (e.stage == TransportError::Stage::kProxyUrl) return false;
  if (e.proxy_status >= 400 && e.proxy_status < 500) return false;
  switch (e.code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::optional<double> retry_after(const HttpStatusError& e) {
  auto it = e.headers.find("retry-after");
  if (it == e.headers.end() || it->second.empty()) return std::nullopt;
  const std::string& v = it->second;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return v.size() > 6 ? 1e6 : std::stod(v);
  }
  std::time_t when = curl_getdate(v.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  return std::max(0.0, std::difftime(when, std::time(nullptr)));
}

RetryingStream::RetryingStream(HttpClient& http, std::string url, const RetryPolicy& policy,
                               Clock& clock, RetryNote note)
    : http_(http),
      url_(std::move(url)),
      policy_(policy),
      clock_(clock),
      note_(std::move(note)),
      start_(clock.now()) {
  open();
}

void RetryingStream::wait_or_rethrow(const std::string& what, std::optional<double> asked) {
  double backoff =
      std::min(policy_.max_backoff_s, policy_.first_backoff_s * std::pow(2, attempt_ - 1));
  double wait = asked ? std::min(*asked, policy_.max_backoff_s) : backoff;
  bool in_budget = clock_.now() + wait - start_ < policy_.budget_s;
  if (attempt_ >= policy_.attempts || !in_budget) throw;  // the exception being handled
  if (note_) {
    note_(what + "; trying again in " + seconds(wait) + " (attempt " +
          std::to_string(attempt_ + 1) + " of " + std::to_string(policy_.attempts) + ")");
  }
  clock_.sleep(wait);
}

void RetryingStream::open() {
  while (true) {
    ++attempt_;
    try {
      if (skip_ > 0) {
        inner_ = http_.get(url_);  // starting again: skip_ bytes to drop
      } else {
        try {
          inner_ = http_.get_from(url_, delivered_);
        } catch (const TransportError& e) {
          if (e.code != HttpClient::kCannotResume) throw;
          // No ranges here: start again, and drop what was already given.
          skip_ = delivered_;
          inner_ = http_.get(url_);
        }
      }
      if (!length_) {
        auto rest = inner_->content_length();
        if (rest) length_ = *rest + (skip_ > 0 ? 0 : delivered_);
      }
      return;
    } catch (const HttpStatusError& e) {
      if (!is_transient(e)) throw;
      wait_or_rethrow("The server answered " + std::to_string(e.status), retry_after(e));
    } catch (const TransportError& e) {
      if (!is_transient(e)) throw;
      wait_or_rethrow(std::string("The download failed (") + e.what() + ")", std::nullopt);
    }
  }
}

std::span<const char> RetryingStream::read() {
  while (true) {
    try {
      auto chunk = inner_->read();
      if (skip_ > 0 && !chunk.empty()) {
        auto drop = std::min<std::uint64_t>(skip_, chunk.size());
        skip_ -= drop;
        chunk = chunk.subspan(drop);
        if (chunk.empty()) continue;
      }
      delivered_ += chunk.size();
      return chunk;
    } catch (const TransportError& e) {
      bool resumable = is_transient(e) || e.code == HttpClient::kCannotResume;
      if (!resumable) throw;
      try {
        wait_or_rethrow("The download was cut after " + std::to_string(delivered_) + " bytes (" +
                            e.what() + ")",
                        std::nullopt);
      } catch (const TransportError&) {
        TransportError cut = e;
        cut.received = delivered_;
        throw cut;
      }
      if (e.code == HttpClient::kCannotResume) skip_ = delivered_;
      open();
    }
  }
}

}  // namespace whiskey
