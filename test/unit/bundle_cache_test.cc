#include "bundle_cache.h"

#include <catch2/catch.hpp>

#include "errors.h"
#include "fakes.h"
#include "install.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

const std::string kUrl = "https://bundles.example.com/whiskey-heroku-24-amd64-apache-2.4.68.tar.gz";

std::string bundle_bytes(const std::string& httpd = "httpd\n") {
  return make_tar_gz({
      Dir(".whiskey/"),
      File(".whiskey/apache/bin/httpd", httpd, 0755),
      File(".whiskey/apache/lib/libapr-1.so.0", noise(30000, 7)),
  });
}

std::string sha256_hex(const std::string& bytes) {
  Sha256 h;
  h.update(std::span<const char>(bytes));
  return h.finish().hex();
}

BundleSource source(std::optional<std::string> sha256) {
  Config c;
  c.url = kUrl;
  if (sha256) c.sha256 = Sha256Digest::parse(*sha256);
  return resolve_bundle(c);
}

/// An install of what `http` serves into a fresh build folder under `root`,
/// with the cache in root/cache; `notes` collects the build log's lines.
struct CachedBuild {
  TempDir root;
  FakeClock clock;
  FakeHttpClient http{&clock};
  BundleCache cache{root / "cache/whiskey-bundles"};
  std::vector<std::string> notes;
  int builds = 0;

  InstallResult install(const BundleSource& src, const RetryPolicy& policy = {}) {
    fs::path build = root / ("build" + std::to_string(++builds));
    fs::create_directories(build);
    return install_bundle(http, src, build, clock,
                          {.policy = policy,
                           .note = [this](const std::string& line) { notes.push_back(line); },
                           .cache = &cache});
  }
  fs::path last_build() const { return root / ("build" + std::to_string(builds)); }
  std::vector<std::string> cached_names() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache.dir(), ec)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

}  // namespace

TEST_CASE("bundle cache: a verified download is kept, and the next build makes no request") {
  CachedBuild b;
  const std::string bytes = bundle_bytes();
  const auto digest = Sha256Digest::parse(sha256_hex(bytes));
  b.http.add(kUrl, {.body = bytes, .chunk = 4096});

  InstallResult first = b.install(source(digest.hex()));
  CHECK(first.cache == CacheUse::kStored);
  CHECK(first.cache_failure.empty());
  CHECK(b.cached_names() == std::vector<std::string>{digest.hex() + ".bundle"});
  CHECK(read_text(b.cache.path_for(digest)) == bytes);

  InstallResult second = b.install(source(digest.hex()));
  CHECK(second.cache == CacheUse::kReused);
  CHECK(second.verified);
  CHECK(second.digest == digest);
  CHECK(second.bytes == bytes.size());
  CHECK(b.http.requests.size() == 1);  // the first build's only
  CHECK(read_text(b.last_build() / ".whiskey/apache/bin/httpd") == "httpd\n");
  CHECK(b.notes.empty());
}

TEST_CASE("bundle cache: a damaged entry is discarded, said so, and fetched again") {
  CachedBuild b;
  const std::string bytes = bundle_bytes();
  const auto digest = Sha256Digest::parse(sha256_hex(bytes));
  b.http.add(kUrl, {.body = bytes});

  SECTION("bytes flipped") {
    std::string damaged = bytes;
    damaged[damaged.size() / 2] ^= 0x20;
    write_text(b.cache.path_for(digest), damaged);
  }
  SECTION("cut short") {
    write_text(b.cache.path_for(digest), bytes.substr(0, 1000));
  }
  SECTION("another bundle, whole and valid, under this digest's name") {
    write_text(b.cache.path_for(digest), bundle_bytes("an impostor\n"));
  }

  InstallResult r = b.install(source(digest.hex()));
  CHECK(r.cache == CacheUse::kStored);
  CHECK(b.http.requests == std::vector<std::string>{kUrl});
  REQUIRE(b.notes.size() == 1);
  CHECK_THAT(b.notes[0], Contains("Discarded the cached bundle: its SHA-256 is now sha256:"));
  CHECK_THAT(b.notes[0], Contains("it was damaged; downloading it again"));
  // What is installed, and what the cache now holds, are the published bytes.
  CHECK(read_text(b.last_build() / ".whiskey/apache/bin/httpd") == "httpd\n");
  CHECK(read_text(b.cache.path_for(digest)) == bytes);
}

TEST_CASE("bundle cache: entries for other digests and unfinished writes are pruned") {
  CachedBuild b;
  const std::string bytes = bundle_bytes();
  const auto digest = Sha256Digest::parse(sha256_hex(bytes));
  b.http.add(kUrl, {.body = bytes});
  const std::string old = sha256_hex("an older bundle");
  write_text(b.cache.dir() / (old + ".bundle"), "an older bundle");
  write_text(b.cache.dir() / ".partial-abc123", "left by a build that was killed");

  InstallResult r = b.install(source(digest.hex()));
  CHECK(r.pruned == 1);
  CHECK(b.cached_names() == std::vector<std::string>{digest.hex() + ".bundle"});

  SECTION("a reused entry prunes the others too") {
    write_text(b.cache.dir() / (old + ".bundle"), "an older bundle");
    InstallResult again = b.install(source(digest.hex()));
    CHECK(again.cache == CacheUse::kReused);
    CHECK(again.pruned == 1);
    CHECK(b.cached_names() == std::vector<std::string>{digest.hex() + ".bundle"});
  }
}

TEST_CASE("bundle cache: an unverified download is not kept") {
  CachedBuild b;
  const std::string bytes = bundle_bytes();
  b.http.add(kUrl, {.body = bytes});

  InstallResult r = b.install(source(std::nullopt));
  CHECK(r.cache == CacheUse::kUnverified);
  CHECK_FALSE(r.verified);
  CHECK(b.cached_names().empty());
}

TEST_CASE("bundle cache: a failed install leaves no entry and no partial write") {
  CachedBuild b;
  const std::string bytes = bundle_bytes();
  std::string expected = sha256_hex(bytes);

  SECTION("digest mismatch") {
    b.http.add(kUrl, {.body = bundle_bytes("tampered\n")});
  }
  SECTION("cut short, and no retry left") {
    b.http.add(kUrl, {.body = bytes, .fail_after = bytes.size() / 2});
  }
  SECTION("not found") {
    b.http.add(kUrl, {.status = 404});
  }

  expect_message<Failure>([&] { b.install(source(expected), RetryPolicy{.attempts = 1}); });
  CHECK(b.cached_names().empty());
}

TEST_CASE("bundle cache: a cache that cannot be written does not fail the build") {
  CachedBuild b;
  const std::string bytes = bundle_bytes();
  b.http.add(kUrl, {.body = bytes});
  write_text(b.root / "cache/whiskey-bundles", "a file where the cache's folder should be");

  InstallResult r = b.install(source(sha256_hex(bytes)));
  CHECK(r.cache == CacheUse::kNone);
  CHECK_FALSE(r.cache_failure.empty());
  CHECK(read_text(b.last_build() / ".whiskey/apache/bin/httpd") == "httpd\n");
}

TEST_CASE("bundle cache: FileStream reads a file whole, in chunks") {
  TempDir dir;
  const std::string bytes = noise(600000, 3);
  write_text(dir / "f", bytes);
  FileStream f(dir / "f");
  CHECK(f.content_length() == bytes.size());
  std::string read;
  int chunks = 0;
  for (auto c = f.read(); !c.empty(); c = f.read(), ++chunks) read.append(c.data(), c.size());
  CHECK(read == bytes);
  CHECK(chunks > 1);
  CHECK_THROWS_AS(FileStream(dir / "missing"), std::system_error);
}
