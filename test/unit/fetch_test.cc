#include "fetch.h"

#include <curl/curl.h>

#include <catch2/catch.hpp>
#include <string>

#include "errors.h"
#include "fakes.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;

namespace {

const std::string kUrl = "https://bundles.example/b.tar.gz";

std::string body_of(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

std::string read_all(ByteStream& s) {
  std::string out;
  for (auto c = s.read(); !c.empty(); c = s.read()) out.append(c.data(), c.size());
  return out;
}

struct Fetch {
  FakeClock clock;
  FakeHttpClient http{&clock};
  RetryPolicy policy;
  std::vector<std::string> notes;
  RetryNote note = [this](const std::string& line) { notes.push_back(line); };

  std::string run() {
    RetryingStream s(http, kUrl, policy, clock, note);
    return read_all(s);
  }
};

}  // namespace

TEST_CASE("fetch: a 503 is tried again after a backoff", "[fetch]") {
  Fetch f;
  f.http.add_sequence(kUrl, {{.status = 503}, {.status = 503}, {.body = "bundle"}});
  CHECK(f.run() == "bundle");
  CHECK(f.clock.slept == std::vector<double>{1, 2});
  REQUIRE(f.notes.size() == 2);
  CHECK(f.notes[0] == "The server answered 503; trying again in 1 s (attempt 2 of 4)");
  CHECK(f.notes[1] == "The server answered 503; trying again in 2 s (attempt 3 of 4)");
}

TEST_CASE("fetch: Retry-After is honoured, within the backoff cap", "[fetch]") {
  Fetch f;
  f.http.add_sequence(kUrl, {{.status = 429, .headers = {{"retry-after", "3"}}},
                             {.status = 503, .headers = {{"retry-after", "120"}}},
                             {.body = "ok"}});
  CHECK(f.run() == "ok");
  CHECK(f.clock.slept == std::vector<double>{3, 8});
}

TEST_CASE("fetch: final answers are not tried again", "[fetch]") {
  for (long status : {400L, 401L, 403L, 404L, 301L}) {
    INFO(status);
    Fetch f;
    f.http.add_sequence(kUrl, {{.status = status}, {.body = "never"}});
    auto e = expect_throw<HttpStatusError>([&] { f.run(); });
    CHECK(e.status == status);
    CHECK(f.http.requests.size() == 1);
    CHECK(f.clock.slept.empty());
  }
}

TEST_CASE("fetch: the tries and the budget are bounded", "[fetch]") {
  SECTION("four tries in all") {
    Fetch f;
    f.http.add(kUrl, {.status = 503});
    auto e = expect_throw<HttpStatusError>([&] { f.run(); });
    CHECK(e.status == 503);
    CHECK(f.http.requests.size() == 4);
    CHECK(f.clock.slept == std::vector<double>{1, 2, 4});
  }
  SECTION("no try starts after the budget") {
    Fetch f;
    f.policy.budget_s = 5;
    f.http.add(kUrl, {.status = 502});
    expect_throw<HttpStatusError>([&] { f.run(); });
    CHECK(f.clock.slept == std::vector<double>{1, 2});  // the third wait would end after 5 s
  }
  SECTION("a host that does not resolve") {
    Fetch f;
    f.policy.attempts = 2;
    auto e = expect_throw<TransportError>([&] { f.run(); });  // no response registered
    CHECK(e.code == 6);
    CHECK(f.http.requests.size() == 2);
  }
}

TEST_CASE("fetch: a cut transfer resumes with a Range request", "[fetch]") {
  Fetch f;
  std::string body = body_of(100000);
  f.http.add_sequence(kUrl, {{.body = body, .chunk = 4096, .fail_after = 30000},
                             {.body = body, .chunk = 4096, .fail_after = 70000},
                             {.body = body, .chunk = 4096}});
  CHECK(f.run() == body);
  // Whole chunks before each cut: 7 * 4096 and then up to 70000 again.
  CHECK(f.http.requests == std::vector<std::string>{kUrl, kUrl + " @30000", kUrl + " @70000"});
  REQUIRE(f.notes.size() == 2);
  CHECK_THAT(f.notes[0], Contains("The download was cut after 30000 bytes"));
}

TEST_CASE("fetch: without ranges, starts again and skips what it had", "[fetch]") {
  Fetch f;
  std::string body = body_of(50000);
  f.http.add_sequence(kUrl, {{.body = body, .chunk = 3000, .fail_after = 20000, .ranges = false},
                             {.body = body, .chunk = 3000, .ranges = false}});
  CHECK(f.run() == body);
  CHECK(f.http.requests == std::vector<std::string>{kUrl, kUrl + " @20000", kUrl});
}

TEST_CASE("fetch: a cut that cannot be mended in time reports every byte it had", "[fetch]") {
  Fetch f;
  f.policy.attempts = 2;
  f.http.add(kUrl, {.body = body_of(10000), .chunk = 1000, .fail_after = 4000});
  RetryingStream s(f.http, kUrl, f.policy, f.clock, f.note);
  std::uint64_t got = 0;
  try {
    for (auto c = s.read(); !c.empty(); c = s.read()) got += c.size();
    FAIL("no error");
  } catch (const TransportError& e) {
    CHECK(e.received == 4000);  // all of it from the first try; the second gave none
    CHECK(e.code == 56);
  }
  CHECK(got == 4000);
}

TEST_CASE("fetch: which failures are transient", "[fetch]") {
  for (int code : {6, 7, 18, 28, 52, 55, 56}) {
    INFO(code);
    CHECK(is_transient(TransportError("x", code, 0)));
  }
  for (int code : {1, 3, 35, 60, 77}) {  // protocol, URL, TLS handshake, certificate, CA file
    INFO(code);
    CHECK_FALSE(is_transient(TransportError("x", code, 0)));
  }
  for (long status : {408L, 429L, 500L, 502L, 503L, 504L}) {
    CHECK(is_transient(HttpStatusError(status, kUrl, "", {})));
  }
  for (long status : {301L, 400L, 403L, 404L, 416L, 501L}) {
    CHECK_FALSE(is_transient(HttpStatusError(status, kUrl, "", {})));
  }
}

TEST_CASE("fetch: proxy failures are told apart by libcurl's facts, not its words", "[fetch]") {
  using Stage = TransportError::Stage;
  // A proxy that refuses the tunnel (4xx) answers the same the next time;
  // one that cannot reach the server (5xx) may not.
  CHECK_FALSE(is_transient(TransportError("x", CURLE_RECV_ERROR, 0, Stage::kProxy, 407)));
  CHECK_FALSE(is_transient(TransportError("x", CURLE_RECV_ERROR, 0, Stage::kProxy, 403)));
  CHECK(is_transient(TransportError("x", CURLE_RECV_ERROR, 0, Stage::kProxy, 502)));
  // A proxy URL libcurl cannot use stays so; a proxy name that did not
  // resolve may resolve next time.
  CHECK_FALSE(is_transient(TransportError("x", CURLE_COULDNT_RESOLVE_PROXY, 0, Stage::kProxyUrl)));
  CHECK(is_transient(TransportError("x", CURLE_COULDNT_RESOLVE_PROXY, 0, Stage::kProxy)));
  // The message plays no part.
  CHECK(is_transient(TransportError("CONNECT tunnel failed, response 407", CURLE_RECV_ERROR, 0)));
  CHECK(is_transient(TransportError("Unsupported proxy syntax in 'x'", CURLE_COULDNT_RESOLVE_PROXY,
                                    0, Stage::kProxy)));
  // A tunnel that was opened (200) is no proxy failure.
  CHECK(is_transient(TransportError("x", CURLE_RECV_ERROR, 0, Stage::kServer, 200)));
}

TEST_CASE("fetch: Retry-After as seconds or as a date", "[fetch]") {
  auto with = [](const std::string& v) {
    return HttpStatusError(503, kUrl, "", {{"retry-after", v}});
  };
  CHECK(retry_after(with("5")) == 5.0);
  CHECK(retry_after(with("Wed, 21 Oct 2015 07:28:00 GMT")) == 0.0);  // in the past
  CHECK_FALSE(retry_after(with("soon")));
  CHECK_FALSE(retry_after(HttpStatusError(503, kUrl, "", {})));
}

TEST_CASE("fetch: the policy from config vars", "[fetch]") {
  RetryPolicy d = retry_policy({});
  CHECK(d.attempts == 4);
  CHECK(d.budget_s == 60);
  CHECK(d.connect_timeout_s == 5);
  RetryPolicy p = retry_policy({{"WHISKEY_DOWNLOAD_ATTEMPTS", "2"},
                                {"WHISKEY_DOWNLOAD_TIMEOUT", "300"},
                                {"WHISKEY_CONNECT_TIMEOUT", "3"},
                                {"WHISKEY_STALL_TIMEOUT", "30"}});
  CHECK(p.attempts == 2);
  CHECK(p.budget_s == 300);
  CHECK(p.connect_timeout_s == 3);
  CHECK(p.stall_time_s == 30);
  auto e = expect_message<Failure>([] { retry_policy({{"WHISKEY_DOWNLOAD_ATTEMPTS", "0"}}); });
  CHECK(e.headline == "Invalid WHISKEY_DOWNLOAD_ATTEMPTS value");
}
