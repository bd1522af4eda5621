#include "relocate.h"

#include <catch2/catch.hpp>
#include <string>

#include "fakes.h"

using namespace whiskey;
using namespace std::string_literals;
namespace fs = std::filesystem;
using whiskey::testing::read_text;
using whiskey::testing::TempDir;
using whiskey::testing::write_text;

namespace {

const std::string kLong = "/build/prefix-____________________/.whiskey";  // 43 characters

std::string info_json(const std::string& prefix, std::size_t capacity,
                      const std::string& contents = R"(["apache", "apr"])") {
  return R"({"schema": 1, "stack": "debian-12", "arch": "amd64", "apache": "2.4.68", "prefix": ")" +
         prefix + R"(", "prefix_capacity": )" + std::to_string(capacity) + R"(, "contents": )" +
         contents + "}";
}

}  // namespace

TEST_CASE("relocate_bytes rewrites every occurrence in text") {
  auto out =
      relocate_bytes("a=" + kLong + "/apache\nb=" + kLong + "/apr\n", kLong, "/app/.whiskey");
  REQUIRE(out);
  CHECK(*out == "a=/app/.whiskey/apache\nb=/app/.whiskey/apr\n");
  CHECK_FALSE(relocate_bytes("nothing here\n", kLong, "/app/.whiskey"));
}

TEST_CASE("relocate_bytes keeps binary strings in place, padded with NULs") {
  std::string data =
      "\x7f"
      "ELF\0"s +
      kLong + "/apache/conf\0tail\0"s;
  auto out = relocate_bytes(data, kLong, "/app/.whiskey");
  REQUIRE(out);
  CHECK(out->size() == data.size());
  std::string expected =
      "\x7f"
      "ELF\0/app/.whiskey/apache/conf"s;
  expected.append(kLong.size() - 13, '\0');
  expected += "\0tail\0"s;
  CHECK(*out == expected);
}

TEST_CASE("relocate_bytes rewrites several occurrences in one binary string") {
  std::string data = "x\0"s + kLong + "/a:" + kLong + "/b\0"s;
  auto out = relocate_bytes(data, kLong, "/q");
  REQUIRE(out);
  CHECK(out->size() == data.size());
  std::string head = "x\0/q/a:/q/b"s;
  CHECK(out->substr(0, head.size()) == head);
  CHECK(out->find_first_not_of('\0', head.size()) == std::string::npos);
}

TEST_CASE("relocate_bytes refuses a longer path in a binary without room") {
  std::string data = "\0/short/apache\0next"s;
  CHECK_THROWS_AS(relocate_bytes(data, "/short", "/much/longer/path"), RelocationError);
}

TEST_CASE("relocate_bytes grows into the padding an earlier relocation left") {
  std::string data = "\0"s + kLong + "/apache/bin/httpd\0next\0"s;
  auto shortened = relocate_bytes(data, kLong, "/tmp/b/.whiskey");
  REQUIRE(shortened);
  std::size_t slack = kLong.size() - std::string("/tmp/b/.whiskey").size();
  auto moved = relocate_bytes(*shortened, "/tmp/b/.whiskey", "/tmp/build_1234567/.whiskey", slack);
  REQUIRE(moved);
  auto direct = relocate_bytes(data, kLong, "/tmp/build_1234567/.whiskey");
  CHECK(*moved == *direct);
  CHECK(moved->size() == data.size());
  // But not past the placeholder's length.
  CHECK_THROWS_AS(relocate_bytes(*shortened, "/tmp/b/.whiskey", kLong + "/x", slack),
                  RelocationError);
}

TEST_CASE("parse_bundle_info reads and checks the bundle's description") {
  auto info = parse_bundle_info(info_json(kLong, kLong.size()));
  CHECK(info.prefix == kLong);
  CHECK(info.prefix_capacity == kLong.size());
  CHECK(info.apache == "2.4.68");
  CHECK(info.contents == std::vector<std::string>{"apache", "apr"});
  CHECK(info.apr.empty());  // older bundles do not say
  auto versions = parse_bundle_info(R"({"schema": 1, "stack": "debian-12", "arch": "amd64",
      "apache": "2.4.68", "apr": "1.7.2", "apr_util": "1.6.3", "prefix": "/p",
      "prefix_capacity": 2, "contents": []})");
  CHECK(versions.apr == "1.7.2");
  CHECK(versions.apr_util == "1.6.3");

  CHECK_THROWS_WITH(parse_bundle_info("{not json"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(parse_bundle_info(R"({"schema": 1})"), Catch::Contains("\"stack\""));
  CHECK_THROWS_WITH(parse_bundle_info(R"({"schema": 2})"), Catch::Contains("schema 2"));
  CHECK_THROWS_WITH(parse_bundle_info(info_json("relative/.whiskey", 40)),
                    Catch::Contains("absolute"));
  CHECK_THROWS_WITH(parse_bundle_info(info_json(kLong, 10)), Catch::Contains("prefix_capacity"));
  CHECK_THROWS_WITH(parse_bundle_info(info_json(kLong, kLong.size(), R"(["../etc"])")),
                    Catch::Contains("../etc"));
  CHECK_THROWS_WITH(parse_bundle_info(R"({"schema": "one"})"), Catch::Contains("whiskey-bundle"));
}

TEST_CASE("relocate_tree rewrites the bundle's folders and records the new prefix") {
  TempDir root;
  write_text(root / kBundleInfoPath, info_json(kLong, kLong.size()));
  write_text(root / "apache/bin/apxs", "#!/usr/bin/perl\nmy $prefix = '" + kLong + "/apache';\n");
  fs::permissions(root / "apache/bin/apxs", fs::perms(0755));
  write_text(root / "apr/lib/libapr-1.la", "libdir='" + kLong + "/apr/lib'\n");
  std::string elf =
      "\x7f"
      "ELF\0"s +
      kLong + "/apr/lib\0"s;
  write_text(root / "apr/lib/libapr-1.so.0", elf);
  fs::create_symlink("libapr-1.so.0", root / "apr/lib/libapr-1.so");
  write_text(root / "user_vars/NOTE", kLong + "\n");  // not the bundle's: left alone

  auto info = parse_bundle_info(read_text(root / kBundleInfoPath));
  RealDisk disk;
  auto stats = relocate_tree(disk, root.path(), info, "/app/.whiskey");

  CHECK(stats.text_files == 3);  // apxs, .la, whiskey-bundle.json
  CHECK(stats.binary_files == 1);
  CHECK(read_text(root / "apache/bin/apxs") ==
        "#!/usr/bin/perl\nmy $prefix = '/app/.whiskey/apache';\n");
  CHECK((fs::status(root / "apache/bin/apxs").permissions() & fs::perms::owner_exec) !=
        fs::perms::none);
  CHECK(read_text(root / "apr/lib/libapr-1.so.0").size() == elf.size());
  CHECK(fs::is_symlink(root / "apr/lib/libapr-1.so"));
  CHECK(read_text(root / "user_vars/NOTE") == kLong + "\n");
  auto after = parse_bundle_info(read_text(root / kBundleInfoPath));
  CHECK(after.prefix == "/app/.whiskey");
  CHECK(after.prefix_capacity == kLong.size());

  // Moving again, to a longer path within the placeholder's length.
  auto again = relocate_tree(disk, root.path(), after, "/tmp/build_abcdef/.whiskey");
  CHECK(again.binary_files == 1);
  CHECK(read_text(root / "apr/lib/libapr-1.la") == "libdir='/tmp/build_abcdef/.whiskey/apr/lib'\n");
  CHECK_THROWS_AS(relocate_tree(disk, root.path(), after, kLong + "/longer"), RelocationError);
}

TEST_CASE("parse_bundle_info: numbers must be whole and not negative", "[relocate]") {
  auto with_capacity = [](const std::string& capacity) {
    return R"({"schema": 1, "stack": "s", "arch": "a", "apache": "2", "prefix": "/p", )"
           R"("prefix_capacity": )" +
           capacity + R"(, "contents": ["apache"]})";
  };
  for (const char* bad : {"-1", "-1.5", "2.5", "\"40\"", "1e400"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_bundle_info(with_capacity(bad)), std::runtime_error);
  }
  CHECK_THROWS_WITH(parse_bundle_info(R"({"schema": 1.5})"), Catch::Contains("schema"));
  CHECK(parse_bundle_info(with_capacity("40")).prefix_capacity == 40);
}

TEST_CASE("relocate_bytes refuses an empty prefix or one holding a NUL", "[relocate]") {
  CHECK_THROWS_AS(relocate_bytes("abc", "", "/x"), std::invalid_argument);
  CHECK_THROWS_AS(relocate_bytes(std::string("a\0/tmp/w\0", 9), std::string("\0/tmp/w", 7), "/x"),
                  std::invalid_argument);
}
