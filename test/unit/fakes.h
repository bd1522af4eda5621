// Test doubles and helpers shared by the unit tests: a temporary folder that
// removes itself, an in-memory byte stream, a fake HTTP client and clock, and
// a few assertions on exceptions and folder trees.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "clock.h"
#include "http.h"
#include "messages.h"
#include "process.h"

namespace whiskey::testing {

namespace fs = std::filesystem;

/// A fresh folder under the system's temporary folder, removed with
/// everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::temp_directory_path() / "whiskey-unit-XXXXXX").string();
    if (!::mkdtemp(templ.data())) {
      throw std::system_error(errno, std::generic_category(), "creating a temporary folder");
    }
    path_ = fs::canonical(templ);
  }
  ~TempDir() {
    std::error_code ec;
    // Anything left read-only inside must not stop the removal.
    for (auto it = fs::recursive_directory_iterator(path_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
      }
    }
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const fs::path& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

/// Writes `contents` to `path`, creating the parent folders.
inline void write_text(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

/// The contents of `path`, or "<missing>".
inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "<missing>";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Every entry under `root` with its type, permissions and contents or link
/// target, to compare a tree before and after.
inline std::map<std::string, std::string> snapshot_tree(const fs::path& root) {
  std::map<std::string, std::string> tree;
  if (!fs::exists(fs::symlink_status(root))) return tree;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(entry.path(), root).string();
    auto st = fs::symlink_status(entry.path());
    auto perms = std::to_string(static_cast<unsigned>(st.permissions()));
    if (fs::is_symlink(st)) {
      tree[rel] = "link -> " + fs::read_symlink(entry.path()).string();
    } else if (fs::is_directory(st)) {
      tree[rel] = "dir " + perms;
    } else {
      tree[rel] = "file " + perms + " " + read_text(entry.path());
    }
  }
  return tree;
}

/// Names in `dir` that start with `prefix`.
inline std::vector<std::string> names_starting_with(const fs::path& dir,
                                                    const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) names.push_back(name);
  }
  return names;
}

/// Runs `f`, which must throw an `E`, and returns what it threw. Any other
/// exception fails the test as it propagates.
template <typename E, typename F>
E expect_throw(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  }
  FAIL("the expected exception was not thrown");
  throw std::logic_error("unreachable");
}

/// Runs `f`, which must throw an `E` (a step's Failure type), and returns
/// what the user reads about it. A failure messages.cc does not know fails
/// the test.
template <typename E, typename F>
UserMessage expect_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    UserMessage m = message(e, "(a failure with no message)");
    CHECK(m.headline != "(a failure with no message)");
    return m;
  }
  FAIL("the expected exception was not thrown");
  throw std::logic_error("unreachable");
}

/// A clock that moves only when told to.
class FakeClock : public Clock {
 public:
  double now() override { return now_; }
  void sleep(double seconds) override {
    slept.push_back(seconds);
    now_ += seconds;
  }
  void advance(double seconds) { now_ += seconds; }
  std::vector<double> slept;  ///< every sleep asked for

 private:
  double now_ = 1000.0;
};

/// A ByteStream over a string, handed out `chunk` bytes at a time. It can cut
/// the transfer with a TransportError once `fail_after` bytes were read, and
/// advance a FakeClock for every chunk it delivers.
class StringStream : public ByteStream {
 public:
  explicit StringStream(std::string data, std::size_t chunk = 16 * 1024,
                        std::optional<std::uint64_t> fail_after = std::nullopt,
                        std::optional<std::uint64_t> content_length = std::nullopt,
                        FakeClock* clock = nullptr, double seconds_per_chunk = 0)
      : data_(std::move(data)),
        chunk_(chunk),
        fail_after_(fail_after),
        content_length_(content_length),
        clock_(clock),
        seconds_per_chunk_(seconds_per_chunk) {}

  std::span<const char> read() override {
    if (fail_after_ && pos_ >= *fail_after_) {
      failed_ = true;
      throw TransportError("Recv failure: Connection reset by peer", 56, pos_);
    }
    std::size_t end = std::min(data_.size(), pos_ + chunk_);
    if (fail_after_) end = std::min<std::size_t>(end, *fail_after_);
    std::span<const char> out(data_.data() + pos_, end - pos_);
    pos_ = end;
    if (!out.empty() && clock_) clock_->advance(seconds_per_chunk_);
    return out;
  }
  std::optional<std::uint64_t> content_length() const override { return content_length_; }

  /// Whether the stream threw its TransportError.
  bool failed() const { return failed_; }
  std::size_t position() const { return pos_; }

 private:
  std::string data_;
  std::size_t chunk_;
  std::optional<std::uint64_t> fail_after_;
  std::optional<std::uint64_t> content_length_;
  FakeClock* clock_;
  double seconds_per_chunk_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

/// What the fake server answers for one URL.
struct FakeResponse {
  long status = 200;
  std::string body = {};
  std::map<std::string, std::string> headers = {};  ///< lower-case names
  std::optional<std::uint64_t> content_length = std::nullopt;
  std::size_t chunk = 16 * 1024;
  std::optional<std::uint64_t> fail_after = std::nullopt;  ///< cut the body after this many bytes
  double seconds_per_chunk = 0;                            ///< how far each chunk moves the clock
  bool ranges = true;  ///< whether it answers a Range request with the rest of the body
};

/// An HttpClient that answers from a table of URLs; unknown URLs fail as a
/// DNS error would.
class FakeHttpClient : public HttpClient {
 public:
  explicit FakeHttpClient(FakeClock* clock = nullptr) : clock_(clock) {}

  void add(const std::string& url, FakeResponse response) {
    responses_[url] = {std::move(response)};
  }
  /// Answers in turn, the last one again and again.
  void add_sequence(const std::string& url, std::vector<FakeResponse> responses) {
    responses_[url] = std::move(responses);
  }

  std::unique_ptr<ByteStream> get(const std::string& url) override { return get_from(url, 0); }

  std::unique_ptr<ByteStream> get_from(const std::string& url, std::uint64_t offset) override {
    requests.push_back(offset == 0 ? url : url + " @" + std::to_string(offset));
    auto it = responses_.find(url);
    if (it == responses_.end() || it->second.empty()) {
      throw TransportError("Could not resolve host", 6, 0);
    }
    FakeResponse r = it->second.front();
    if (it->second.size() > 1) it->second.erase(it->second.begin());
    if (r.status < 200 || r.status > 299) {
      throw HttpStatusError(r.status, url, r.body.substr(0, 4096), r.headers);
    }
    if (offset > 0) {
      if (!r.ranges) throw TransportError("no ranges", HttpClient::kCannotResume, 0);
      r.body = r.body.substr(std::min<std::size_t>(offset, r.body.size()));
      // fail_after names a place in the whole body.
      if (r.fail_after) *r.fail_after = *r.fail_after > offset ? *r.fail_after - offset : 0;
      if (r.content_length) *r.content_length -= std::min(*r.content_length, offset);
    }
    return std::make_unique<StringStream>(r.body, r.chunk, r.fail_after, r.content_length, clock_,
                                          r.seconds_per_chunk);
  }

  std::vector<std::string> requests;  ///< every URL asked for, in order

 private:
  FakeClock* clock_;
  std::map<std::string, std::vector<FakeResponse>> responses_;
};

/// A Runner that runs nothing: it records each command line and answers
/// from `answers` (the first whose key occurs in the joined command line),
/// else exit 0 with no output.
class FakeRunner : public Runner {
 public:
  struct Answer {
    int status = 0;
    std::string output = {};
    std::function<void(const std::vector<std::string>&)> effect = {};  ///< e.g. files it makes
    bool timed_out = false;          ///< run_watched: as if stopped for its time limit
    std::vector<double> ticks = {};  ///< run_watched: the ticks it calls, in seconds
  };
  std::vector<std::vector<std::string>> calls;
  std::vector<std::map<std::string, std::string>> envs;
  std::vector<std::pair<std::string, Answer>> answers;

  int run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
          std::string* output = nullptr) override {
    calls.push_back(argv);
    envs.push_back(env);
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    for (const auto& [key, answer] : answers) {
      if (line.find(key) == std::string::npos) continue;
      if (output) *output += answer.output;
      if (answer.effect) answer.effect(argv);
      return answer.status;
    }
    return 0;
  }

  /// As run(), with the answer's output appended to the watch's log, then
  /// its ticks called.
  Watched run_watched(const std::vector<std::string>& argv,
                      const std::map<std::string, std::string>& env, const Watch& watch) override {
    calls.push_back(argv);
    envs.push_back(env);
    watches.push_back(watch);
    std::string line;
    for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
    for (const auto& [key, answer] : answers) {
      if (line.find(key) == std::string::npos) continue;
      if (!answer.output.empty()) {
        std::ofstream(watch.log, std::ios::app) << answer.output;
      }
      for (double t : answer.ticks) {
        if (watch.tick) watch.tick(t);
      }
      if (answer.effect) answer.effect(argv);
      return {answer.status, answer.timed_out, answer.ticks.empty() ? 1.0 : answer.ticks.back()};
    }
    return {0, false, 1.0};
  }
  std::vector<Watch> watches;
};

}  // namespace whiskey::testing
