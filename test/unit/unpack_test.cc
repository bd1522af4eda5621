#include "unpack.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "compress.h"
#include "fakes.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

using Kind = BundleError::Kind;

const std::string kHttpd = "#!/bin/sh\necho httpd\n";
const std::string kLib = noise(3000, 7);

/// A small bundle with the usual shapes: folders, an executable, a library
/// and its versioned link, a hard link and a link climbing out of bin/.
std::vector<TarEntry> good_entries() {
  return {
      Dir(".whiskey/"),
      Dir(".whiskey/apache/"),
      Dir(".whiskey/apache/bin/"),
      File(".whiskey/apache/bin/httpd", kHttpd, 0755),
      Hardlink(".whiskey/apache/bin/httpd.hard", ".whiskey/apache/bin/httpd"),
      Dir(".whiskey/apache/lib/", 0555),
      File(".whiskey/apache/lib/libapr-1.so.0.7.0", kLib),
      Symlink(".whiskey/apache/lib/libapr-1.so.0", "libapr-1.so.0.7.0"),
      Symlink(".whiskey/apache/bin/libapr.so", "../lib/libapr-1.so.0.7.0"),
      File(".whiskey/bin/mod_wsgi-heroku-start", "#!/bin/sh\n", 0700),
      File(".whiskey/VERSION", "2.4.68\n", 0444),
  };
}

BundleError unpack_error(const std::string& bytes, const fs::path& dest,
                         const UnpackLimits& limits = {}) {
  StringStream in(bytes);
  return expect_throw<BundleError>([&] { unpack_bundle(in, dest, limits); });
}

BundleError unsafe_error(const std::vector<TarEntry>& entries, const fs::path& dest) {
  auto e = unpack_error(make_tar_gz(entries), dest);
  CHECK(e.kind == Kind::kUnsafeEntry);
  return e;
}

void check_good_tree(const fs::path& d) {
  CHECK(read_text(d / "apache/bin/httpd") == kHttpd);
  CHECK((fs::status(d / "apache/bin/httpd").permissions() & fs::perms::all) == fs::perms(0755));
  CHECK(fs::equivalent(d / "apache/bin/httpd.hard", d / "apache/bin/httpd"));
  CHECK(read_text(d / "apache/lib/libapr-1.so.0.7.0") == kLib);
  CHECK(fs::read_symlink(d / "apache/lib/libapr-1.so.0") == "libapr-1.so.0.7.0");
  CHECK(read_text(d / "apache/lib/libapr-1.so.0") == kLib);
  CHECK(fs::read_symlink(d / "apache/bin/libapr.so") == "../lib/libapr-1.so.0.7.0");
  CHECK(read_text(d / "apache/bin/libapr.so") == kLib);
  CHECK(read_text(d / "bin/mod_wsgi-heroku-start") == "#!/bin/sh\n");
  CHECK(read_text(d / "VERSION") == "2.4.68\n");
  // The owner can always read and remove what was unpacked.
  CHECK((fs::status(d / "VERSION").permissions() & fs::perms::all) == fs::perms(0644));
  CHECK((fs::status(d / "apache/lib").permissions() & fs::perms::all) == fs::perms(0755));
  CHECK_FALSE(fs::exists(d / ".whiskey"));
}

}  // namespace

TEST_CASE("bundle_relative_path", "[unpack]") {
  CHECK(bundle_relative_path(".whiskey") == "");
  CHECK(bundle_relative_path(".whiskey/") == "");
  CHECK(bundle_relative_path("./.whiskey/") == "");
  CHECK(bundle_relative_path(".whiskey/apache/bin/httpd") == "apache/bin/httpd");
  CHECK(bundle_relative_path("./.whiskey/apache/") == "apache");
  CHECK(bundle_relative_path(".whiskey//apache/./bin//httpd") == "apache/bin/httpd");
  CHECK(bundle_relative_path(".whiskey/..data") == "..data");
  CHECK(bundle_relative_path(".whiskey/a..b/c") == "a..b/c");

  struct Bad {
    const char* path;
    const char* message;
  };
  for (auto [path, message] : {
           Bad{"", "'' has an empty name"},
           Bad{"/.whiskey/x", "'/.whiskey/x' is an absolute path"},
           Bad{"/etc/passwd", "'/etc/passwd' is an absolute path"},
           Bad{".whiskey/../x", "'.whiskey/../x' climbs out of its folder with '..'"},
           Bad{".whiskey/d/..", "'.whiskey/d/..' climbs out of its folder with '..'"},
           Bad{".whiskey/d/../e", "'.whiskey/d/../e' climbs out of its folder with '..'"},
           Bad{"../.whiskey/x", "'../.whiskey/x' climbs out of its folder with '..'"},
           Bad{"app.py", "'app.py' is not under .whiskey/"},
           Bad{".whiskeyx/bin", "'.whiskeyx/bin' is not under .whiskey/"},
           Bad{"x/.whiskey/bin", "'x/.whiskey/bin' is not under .whiskey/"},
           Bad{".", "'.' is not under .whiskey/"},
           Bad{"./", "'./' is not under .whiskey/"},
       }) {
    INFO(path);
    auto e = expect_throw<BundleError>([&] { bundle_relative_path(path); });
    CHECK(e.kind == Kind::kUnsafeEntry);
    CHECK(std::string(e.what()) == message);
    CHECK(e.entry == path);
  }
}

TEST_CASE("symlink_stays_inside", "[unpack]") {
  // Beside the link, below it, and up no further than .whiskey.
  CHECK(symlink_stays_inside("apache/lib/libapr.so", "libapr-1.so.0"));
  CHECK(symlink_stays_inside("apache/lib/libapr.so", "./libapr-1.so.0"));
  CHECK(symlink_stays_inside("apache/lib/x", "sub/dir/y"));
  CHECK(symlink_stays_inside("apache/bin/apxs", "../lib/x"));
  CHECK(symlink_stays_inside("a/b/c/link", "../../../top"));
  CHECK(symlink_stays_inside("a/b/link", "../.."));
  CHECK(symlink_stays_inside("a/link", ".."));
  CHECK(symlink_stays_inside("top", "bin/httpd"));

  // Above .whiskey, absolute, empty, or ".." after a name.
  CHECK_FALSE(symlink_stays_inside("top", "../x"));
  CHECK_FALSE(symlink_stays_inside("top", ".."));
  CHECK_FALSE(symlink_stays_inside("a/link", "../../x"));
  CHECK_FALSE(symlink_stays_inside("a/b/link", "../../../etc/passwd"));
  CHECK_FALSE(symlink_stays_inside("a/link", "/etc/passwd"));
  CHECK_FALSE(symlink_stays_inside("a/link", "/"));
  CHECK_FALSE(symlink_stays_inside("a/link", ""));
  CHECK_FALSE(symlink_stays_inside("a/b/link", "d/.."));
  CHECK_FALSE(symlink_stays_inside("a/b/link", "d/../x"));
  CHECK_FALSE(symlink_stays_inside("a/b/link", "../d/../x"));
  CHECK_FALSE(symlink_stays_inside("a/b/link", "./../x/.."));
}

TEST_CASE("unpack_bundle: a good tree", "[unpack]") {
  TempDir dir;
  StringStream in(make_tar_gz(good_entries()));
  UnpackStats stats = unpack_bundle(in, dir.path());

  CHECK(stats.entries == good_entries().size());
  CHECK(stats.bytes == kHttpd.size() + kLib.size() + 10 + 7);
  CHECK(stats.top_level == std::vector<std::string>{"VERSION", "apache", "bin"});
  check_good_tree(dir.path());
}

TEST_CASE("unpack_bundle: the stream in tiny 7-byte chunks", "[unpack]") {
  TempDir dir;
  std::string bytes = make_tar_gz(good_entries());
  StringStream in(bytes, 7);
  UnpackStats stats = unpack_bundle(in, dir.path());
  CHECK(stats.entries == good_entries().size());
  CHECK(stats.top_level == std::vector<std::string>{"VERSION", "apache", "bin"});
  check_good_tree(dir.path());
}

TEST_CASE("unpack_bundle: a zstd-compressed tree", "[unpack]") {
  TempDir dir;
  std::string bytes = make_tar_zst(good_entries());
  REQUIRE(bytes.substr(0, 4) == std::string("\x28\xb5\x2f\xfd", 4));  // zstd's magic number
  StringStream in(bytes, 4096);
  UnpackStats stats = unpack_bundle(in, dir.path());
  CHECK(stats.entries == good_entries().size());
  CHECK(stats.top_level == std::vector<std::string>{"VERSION", "apache", "bin"});
  check_good_tree(dir.path());
}

TEST_CASE("unpack_bundle: a tree without the .whiskey/ entry itself", "[unpack]") {
  TempDir dir;
  StringStream in(make_tar_gz({File(".whiskey/bin/run", "x", 0755), File("./.whiskey/y", "yy")}));
  UnpackStats stats = unpack_bundle(in, dir.path());
  CHECK(stats.entries == 2);
  CHECK(stats.bytes == 3);
  CHECK(stats.top_level == std::vector<std::string>{"bin", "y"});
  CHECK(read_text(dir / "bin/run") == "x");
  CHECK(read_text(dir / "y") == "yy");
}

TEST_CASE("unpack_bundle: unsafe entries", "[unpack]") {
  TempDir dir;
  TempDir outside;
  const std::string out = outside.path().string();

  SECTION("a '..' entry") {
    auto e = unsafe_error({Dir(".whiskey/"), File(".whiskey/../escaped", "x")}, dir.path());
    CHECK(e.entry == ".whiskey/../escaped");
    CHECK_THAT(e.what(), Contains("climbs out of its folder"));
  }
  SECTION("an absolute entry") {
    auto e = unsafe_error({File(out + "/abs", "x")}, dir.path());
    CHECK(e.entry == out + "/abs");
    CHECK_THAT(e.what(), Contains("is an absolute path"));
  }
  SECTION("an entry outside .whiskey") {
    auto e = unsafe_error({File(".whiskey/ok", "x"), File("app.py", "print()")}, dir.path());
    CHECK(e.entry == "app.py");
    CHECK_THAT(e.what(), Contains("is not under .whiskey/"));
    CHECK_FALSE(fs::exists(dir / "app.py"));
  }
  SECTION("a symlink out by '..'") {
    auto e = unsafe_error({Symlink(".whiskey/apache/up", "../../etc")}, dir.path());
    CHECK(e.entry == ".whiskey/apache/up");
    CHECK(std::string(e.what()) ==
          "'.whiskey/apache/up' is a link that points outside .whiskey (to '../../etc')");
  }
  SECTION("a symlink out by an absolute target") {
    auto e = unsafe_error({Symlink(".whiskey/etc", out)}, dir.path());
    CHECK_THAT(e.what(), Contains("is a link that points outside .whiskey"));
  }
  SECTION("a symlink then a file through it") {
    // Refused at the link, so nothing can be written through it.
    unsafe_error({Symlink(".whiskey/evil", out), File(".whiskey/evil/planted", "x")}, dir.path());
  }
  SECTION("links inside, then entries through them") {
    // Each link stays inside on its own; together they would not.
    auto chain = unsafe_error({Symlink(".whiskey/d1/l", ".."), Symlink(".whiskey/d1/l/l2", "..")},
                              dir.path());
    CHECK(chain.entry == ".whiskey/d1/l/l2");
    CHECK(std::string(chain.what()) == "'.whiskey/d1/l/l2' is inside '.whiskey/d1/l', a link");
  }
  SECTION("a file through a link to a folder") {
    auto e = unsafe_error(
        {Dir(".whiskey/apache/"), Symlink(".whiskey/lib", "apache"), File(".whiskey/lib/x", "x")},
        dir.path());
    CHECK(std::string(e.what()) == "'.whiskey/lib/x' is inside '.whiskey/lib', a link");
    CHECK_FALSE(fs::exists(dir / "apache/x"));
  }
  SECTION("a folder in place of a link") {
    auto e = unsafe_error({Symlink(".whiskey/lib", "apache"), Dir(".whiskey/lib/")}, dir.path());
    CHECK(std::string(e.what()) == "'.whiskey/lib/' replaces the link '.whiskey/lib'");
  }
  SECTION("a hard link to a link") {
    auto e = unsafe_error(
        {Symlink(".whiskey/a/b/up", "../.."), Hardlink(".whiskey/h", ".whiskey/a/b/up")},
        dir.path());
    CHECK(std::string(e.what()) ==
          "'.whiskey/h' is a hard link to '.whiskey/a/b/up', which is a link");
  }
  SECTION("a hard link out") {
    write_text(outside / "secret", "s");
    auto abs = unsafe_error({Hardlink(".whiskey/h", out + "/secret")}, dir.path());
    CHECK(abs.entry == ".whiskey/h");
    CHECK(std::string(abs.what()) ==
          "'.whiskey/h' is a hard link to '" + out + "/secret', which is an absolute path");
    auto up = unsafe_error({Hardlink(".whiskey/h", ".whiskey/../../secret")}, dir.path());
    CHECK_THAT(up.what(), Contains("climbs out"));
    auto other = unsafe_error({Hardlink(".whiskey/h", "app/secret")}, dir.path());
    CHECK_THAT(other.what(), Contains("is not under .whiskey/"));
    auto self = unsafe_error({Hardlink(".whiskey/h", ".whiskey/")}, dir.path());
    CHECK(std::string(self.what()) == "'.whiskey/h' is a hard link to the .whiskey folder itself");
    CHECK_FALSE(fs::exists(dir / "h"));
  }
  SECTION("a fifo") {
    auto e = unsafe_error({Dir(".whiskey/"), Fifo(".whiskey/pipe")}, dir.path());
    CHECK(e.entry == ".whiskey/pipe");
    CHECK_THAT(e.what(), Contains("is a device, FIFO or socket"));
    CHECK_FALSE(fs::exists(fs::symlink_status(dir / "pipe")));
  }
  SECTION("setuid and setgid") {
    auto e = unsafe_error({File(".whiskey/bin/su", "x", 04755)}, dir.path());
    CHECK(std::string(e.what()) == "'.whiskey/bin/su' has the setuid or setgid bit");
    unsafe_error({Dir(".whiskey/shared", 02775)}, dir.path());
    CHECK_FALSE(fs::exists(dir / "bin/su"));
  }
  // Nothing was written outside.
  CHECK(names_starting_with(outside.path(), "").size() <= 1);
  CHECK(read_text(outside / "secret") == (fs::exists(outside / "secret") ? "s" : "<missing>"));
  CHECK_FALSE(fs::exists(dir.path().parent_path() / "escaped"));
}

TEST_CASE("unpack_bundle: only into an empty folder", "[unpack]") {
  TempDir dir;
  fs::create_symlink("/", dir / "apache");
  StringStream in(make_tar_gz(good_entries()));
  CHECK_THROWS_WITH(unpack_bundle(in, dir.path()), Contains("the folder is not empty"));
  CHECK(fs::is_symlink(dir / "apache"));
}

TEST_CASE("unpack_bundle: broken and empty archives", "[unpack]") {
  TempDir dir;
  SECTION("truncated") {
    std::string bytes = make_tar_gz({File(".whiskey/big", noise(64 * 1024))});
    auto e = unpack_error(bytes.substr(0, bytes.size() * 2 / 3), dir.path());
    CHECK(e.kind == Kind::kTruncated);
    CHECK_THAT(e.what(), Contains("the gzip stream ends early"));
  }
  SECTION("truncated early, while the reader opens the archive") {
    std::string bytes = make_tar_gz({File(".whiskey/big", noise(64 * 1024))});
    auto e = unpack_error(bytes.substr(0, 30), dir.path());
    CHECK(e.kind == Kind::kTruncated);
  }
  SECTION("truncated late, in a large archive") {
    std::string bytes = make_tar_gz(
        {File(".whiskey/a", noise(256 * 1024, 2)), File(".whiskey/b", noise(256 * 1024, 3))});
    auto e = unpack_error(bytes.substr(0, bytes.size() - 8), dir.path());
    CHECK(e.kind == Kind::kTruncated);
  }
  SECTION("too short to be compressed") {
    std::string bytes = make_tar_gz({File(".whiskey/big", "x")});
    CHECK(unpack_error(bytes.substr(0, 5), dir.path()).kind == Kind::kTruncated);
  }
  SECTION("not an archive") {
    auto e = unpack_error("<html><body>Welcome to nginx!</body></html>\n", dir.path());
    CHECK(e.kind == Kind::kNotArchive);
    CHECK_THAT(e.what(), Contains("not a tar archive"));
    CHECK(e.kind == unpack_error(noise(5000), dir.path()).kind);
  }
  SECTION("compressed, but not a tar archive") {
    auto e = unpack_error(gzip(noise(5000)), dir.path());
    CHECK(e.kind == Kind::kNotArchive);
  }
  SECTION("empty archive") {
    auto e = unpack_error(make_tar_gz({}), dir.path());
    CHECK(e.kind == Kind::kEmpty);
    CHECK(std::string(e.what()) == "the archive has nothing under .whiskey/");
  }
  SECTION("only the .whiskey folder") {
    CHECK(unpack_error(make_tar_gz({Dir(".whiskey/")}), dir.path()).kind == Kind::kEmpty);
  }
  SECTION("no bytes at all") {
    CHECK(unpack_error("", dir.path()).kind == Kind::kNotArchive);
  }
  SECTION("over max_bytes") {
    UnpackLimits limits;
    limits.max_bytes = 1000;
    auto e = unpack_error(make_tar_gz({File(".whiskey/a", std::string(600, 'a')),
                                       File(".whiskey/b", std::string(600, 'b'))}),
                          dir.path(), limits);
    CHECK(e.kind == Kind::kTooLarge);
    CHECK(e.entry == ".whiskey/b");
    CHECK(std::string(e.what()) == "unpacks to more than 1000 bytes");
    CHECK_FALSE(fs::exists(dir / "b"));
  }
  SECTION("exactly max_bytes is fine") {
    UnpackLimits limits;
    limits.max_bytes = 1200;
    StringStream in(make_tar_gz(
        {File(".whiskey/a", std::string(600, 'a')), File(".whiskey/b", std::string(600, 'b'))}));
    CHECK(unpack_bundle(in, dir.path(), limits).bytes == 1200);
  }
  SECTION("over max_entries") {
    UnpackLimits limits;
    limits.max_entries = 3;
    auto e = unpack_error(make_tar_gz({Dir(".whiskey/"), File(".whiskey/1", ""),
                                       File(".whiskey/2", ""), File(".whiskey/3", "")}),
                          dir.path(), limits);
    CHECK(e.kind == Kind::kTooLarge);
    CHECK(std::string(e.what()) == "more than 3 entries");
  }
}

TEST_CASE("unpack_bundle: a TransportError comes out as itself", "[unpack]") {
  const std::string bytes = make_tar_gz(good_entries());
  REQUIRE(bytes.size() > 200);

  SECTION("at a few points") {
    for (std::uint64_t cut : {std::uint64_t{0}, std::uint64_t{10}, std::uint64_t{bytes.size() / 2},
                              std::uint64_t{bytes.size() - 30}}) {
      INFO("cut after " << cut << " of " << bytes.size() << " bytes");
      TempDir dir;
      StringStream in(bytes, 64, cut);
      auto e = expect_throw<TransportError>([&] { unpack_bundle(in, dir.path()); });
      CHECK(std::string(e.what()) == "Recv failure: Connection reset by peer");
      CHECK(e.code == 56);
      CHECK(e.received == cut);
    }
  }
  SECTION("at every point: never swallowed, never a BundleError") {
    for (std::uint64_t cut = 0; cut < bytes.size(); cut += 29) {
      INFO("cut after " << cut << " of " << bytes.size() << " bytes");
      TempDir dir;
      StringStream in(bytes, 13, cut);
      try {
        unpack_bundle(in, dir.path());
        // Success is right only when the reader never reached the cut.
        CHECK_FALSE(in.failed());
      } catch (const TransportError& e) {
        CHECK(in.failed());
        CHECK(e.received == cut);
      }
    }
  }
}

TEST_CASE("unpack_bundle: a refused entry, then the rest of the stream", "[unpack]") {
  // The archive is decompressed ahead of the writing, but only a little. A
  // refused entry is reported once the rest of the compressed stream was
  // checked: damage further on is what explains it.
  const std::string tar = make_tar(
      {File("/etc/passwd", "x"), File(".whiskey/big", noise(8 << 20, 5))}, TarCompression::kNone);
  SECTION("an intact stream: the entry is what is refused") {
    std::string bytes = gzip(tar);
    TempDir dir;
    StringStream in(bytes, 4096);
    auto e = expect_throw<BundleError>([&] { unpack_bundle(in, dir.path()); });
    CHECK(e.kind == Kind::kUnsafeEntry);
    CHECK(in.position() == bytes.size());
  }
  SECTION("a gzip CRC-32 that fails further on: the damage is what is refused") {
    std::string bytes = gzip(tar);
    bytes[bytes.size() - 8] = static_cast<char>(bytes[bytes.size() - 8] ^ 1);
    TempDir dir;
    StringStream in(bytes, 4096);
    CHECK(expect_throw<BundleError>([&] { unpack_bundle(in, dir.path()); }).kind ==
          Kind::kChecksum);
  }
  SECTION("too large: a bomb is not read on") {
    std::string bytes = gzip(make_tar(
        {File(".whiskey/a", std::string(2000, 'a')), File(".whiskey/big", noise(8 << 20, 5))},
        TarCompression::kNone));
    UnpackLimits limits;
    limits.max_bytes = 1000;
    TempDir dir;
    StringStream in(bytes, 4096);
    auto e = expect_throw<BundleError>([&] { unpack_bundle(in, dir.path(), limits); });
    CHECK(e.kind == Kind::kTooLarge);
    CHECK(in.position() < bytes.size() / 2);
    std::size_t rest = 0;
    for (auto chunk = in.read(); !chunk.empty(); chunk = in.read()) rest += chunk.size();
    CHECK(in.position() == bytes.size());
    CHECK(rest > 0);
  }
}

TEST_CASE("unpack_bundle: the stream in 1-byte chunks, decompressed ahead", "[unpack]") {
  TempDir dir;
  StringStream in(make_tar_zst(good_entries()), 1);
  unpack_bundle(in, dir.path());
  check_good_tree(dir.path());
}

namespace {

/// The bundle as a plain tar archive, its end-of-archive blocks and padding cut off.
std::string tar_without_end(const std::vector<TarEntry>& entries) {
  std::string tar = make_tar(entries, TarCompression::kNone);
  auto last = tar.find_last_not_of('\0');
  return tar.substr(0, (last / 512 + 1) * 512);
}

const std::string kEndBlocks(1024, '\0');

}  // namespace

TEST_CASE("unpack_bundle: the compressor's checks", "[unpack]") {
  TempDir dir;
  std::string tar = make_tar(good_entries(), TarCompression::kNone);
  SECTION("a gzip CRC-32 that does not match") {
    std::string gz = gzip(tar);
    gz[gz.size() - 8] = static_cast<char>(gz[gz.size() - 8] ^ 0x10);
    auto e = unpack_error(gz, dir.path());
    CHECK(e.kind == Kind::kChecksum);
    CHECK_THAT(e.what(), Contains("gzip CRC-32"));
  }
  SECTION("a gzip length that does not match") {
    std::string gz = gzip(tar);
    gz[gz.size() - 1] = static_cast<char>(gz[gz.size() - 1] ^ 0x10);
    CHECK(unpack_error(gz, dir.path()).kind == Kind::kChecksum);
  }
  SECTION("a zstd checksum that does not match") {
    std::string z = zstd(tar);
    z[z.size() - 2] = static_cast<char>(z[z.size() - 2] ^ 0x10);
    auto e = unpack_error(z, dir.path());
    CHECK(e.kind == Kind::kChecksum);
    CHECK_THAT(e.what(), Contains("zstd frame checksum"));
  }
  SECTION("a byte of a file flipped, in incompressible data") {
    std::string big =
        make_tar({File(".whiskey/lib.so", noise(300 * 1024, 4))}, TarCompression::kNone);
    std::string gz = gzip(big);
    gz[gz.size() / 2] = static_cast<char>(gz[gz.size() / 2] ^ 0x01);
    CHECK(unpack_error(gz, dir.path()).kind == Kind::kChecksum);
    std::string z = zstd(big);
    z[z.size() / 2] = static_cast<char>(z[z.size() / 2] ^ 0x01);
    TempDir other;
    CHECK(unpack_error(z, other.path()).kind == Kind::kChecksum);
  }
  SECTION("a zstd frame without a checksum is read") {
    StringStream in(zstd(tar, false));
    unpack_bundle(in, dir.path());
    check_good_tree(dir.path());
  }
}

TEST_CASE("unpack_bundle: cut short", "[unpack]") {
  TempDir dir;
  std::string tar = make_tar(good_entries(), TarCompression::kNone);
  SECTION("gzip without its last 4 bytes") {
    std::string gz = gzip(tar);
    CHECK(unpack_error(gz.substr(0, gz.size() - 4), dir.path()).kind == Kind::kTruncated);
  }
  SECTION("zstd without its last 4 bytes (its checksum)") {
    std::string z = zstd(tar);
    CHECK(unpack_error(z.substr(0, z.size() - 4), dir.path()).kind == Kind::kTruncated);
  }
  SECTION("zstd cut in the middle") {
    std::string z = zstd(tar);
    CHECK(unpack_error(z.substr(0, z.size() / 2), dir.path()).kind == Kind::kTruncated);
  }
  SECTION("a tar archive without its end-of-archive blocks, in a whole gzip stream") {
    auto e = unpack_error(gzip(tar_without_end(good_entries())), dir.path());
    CHECK(e.kind == Kind::kTruncated);
    CHECK_THAT(e.what(), Contains("the tar archive ends without its end-of-archive block"));
  }
}

TEST_CASE("unpack_bundle: data after the end", "[unpack]") {
  TempDir dir;
  std::string tar = make_tar(good_entries(), TarCompression::kNone);
  SECTION("after the gzip stream") {
    auto e = unpack_error(make_tar_gz(good_entries()) + "garbage", dir.path());
    CHECK(e.kind == Kind::kTrailingData);
    CHECK_THAT(e.what(), Contains("data after the end of the gzip stream"));
  }
  SECTION("after the zstd stream") {
    auto e = unpack_error(make_tar_zst(good_entries()) + std::string(8, '\0'), dir.path());
    CHECK(e.kind == Kind::kTrailingData);
    CHECK_THAT(e.what(), Contains("data after the end of the zstd stream"));
  }
  SECTION("after the tar archive, inside a whole compressed stream") {
    std::string body = tar_without_end(good_entries());
    for (const std::string& after :
         {kEndBlocks + "x", kEndBlocks + std::string(9000, '\0') + "garbage",
          std::string(512, '\0') + std::string(512, 'x'), kEndBlocks + noise(100 * 1024)}) {
      INFO(after.size() << " bytes after");
      TempDir d1, d2, d3;
      auto gz = unpack_error(gzip(body + after), d1.path());
      CHECK(gz.kind == Kind::kTrailingData);
      CHECK_THAT(gz.what(), Contains("data after the end of the tar archive"));
      CHECK(unpack_error(zstd(body + after), d2.path()).kind == Kind::kTrailingData);
      // In tiny chunks: what libarchive read ahead is checked too.
      StringStream tiny(zstd(body + after), 3);
      auto e = expect_throw<BundleError>([&] { unpack_bundle(tiny, d3.path()); });
      CHECK(e.kind == Kind::kTrailingData);
    }
  }
  SECTION("zero padding after the tar archive is tar's own") {
    std::string body = tar_without_end(good_entries());
    for (std::size_t pad :
         {std::size_t{0}, std::size_t{512}, std::size_t{9216}, std::size_t{1 << 20}}) {
      INFO(pad << " bytes of padding");
      TempDir d1, d2;
      StringStream gz(gzip(body + kEndBlocks + std::string(pad, '\0')), 1000);
      unpack_bundle(gz, d1.path());
      check_good_tree(d1.path());
      StringStream z(zstd(body + kEndBlocks + std::string(pad, '\0')), 7);
      unpack_bundle(z, d2.path());
      check_good_tree(d2.path());
    }
    auto e = unpack_error(zstd(body + kEndBlocks + std::string((1 << 20) + 1, '\0')), dir.path());
    CHECK(e.kind == Kind::kTrailingData);
  }
  SECTION("one end-of-archive block is enough") {
    StringStream in(gzip(tar_without_end(good_entries()) + std::string(512, '\0')));
    unpack_bundle(in, dir.path());
    check_good_tree(dir.path());
  }
  SECTION("gzip members and zstd frames one after another") {
    std::string body = tar_without_end(good_entries()) + kEndBlocks;
    std::size_t half = body.size() / 2;
    StringStream gz(gzip(body.substr(0, half)) + gzip(body.substr(half)));
    unpack_bundle(gz, dir.path());
    check_good_tree(dir.path());
    TempDir other;
    StringStream z(zstd(body.substr(0, half)) + zstd_skippable("x") +
                   zstd(body.substr(half), false));
    unpack_bundle(z, other.path());
    check_good_tree(other.path());
  }
  SECTION("a plain tar archive, and one with data after it") {
    StringStream in(tar, 333);
    unpack_bundle(in, dir.path());
    check_good_tree(dir.path());
    TempDir other;
    CHECK(unpack_error(tar + "x", other.path()).kind == Kind::kTrailingData);
  }
  SECTION("bzip2 is refused as such") {
    auto e = unpack_error("BZh91AY&SY" + noise(300), dir.path());
    CHECK(e.kind == Kind::kUnsupported);
  }
}

TEST_CASE("unpack_bundle: reads its source to the end", "[unpack]") {
  TempDir dir;
  std::string bytes = make_tar_zst(good_entries());
  StringStream in(bytes, 64);
  unpack_bundle(in, dir.path());
  CHECK(in.position() == bytes.size());
}
