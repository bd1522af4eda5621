#include "toml.h"

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace whiskey;
using Catch::Matchers::Contains;
using nlohmann::json;

TEST_CASE("parse_toml reads what buildpack.toml uses") {
  json doc = parse_toml(R"(# a comment
api = "0.10"

[buildpack]
id = "whiskey/mod-wsgi"   # trailing comment
name = 'Apache/mod_wsgi'
"quoted key" = "tab\there \u00e9"

[[targets]]
os = "linux"
arch = "amd64"

[[targets]]
os = "linux"
arch = "arm64"

[publish.Ignore]
files = [
  "build/",
  "test/",   # commented
]

[[metadata.dependencies]]
id = "apache"
stacks = ["heroku-24", "heroku-22"]
size = 1_234

[[metadata.dependencies]]
id = "other"
ok = true
)");
  CHECK(doc["api"] == "0.10");
  CHECK(doc["buildpack"]["id"] == "whiskey/mod-wsgi");
  CHECK(doc["buildpack"]["name"] == "Apache/mod_wsgi");
  CHECK(doc["buildpack"]["quoted key"] == "tab\there \xc3\xa9");
  REQUIRE(doc["targets"].size() == 2);
  CHECK(doc["targets"][1]["arch"] == "arm64");
  CHECK(doc["publish"]["Ignore"]["files"] == json::array({"build/", "test/"}));
  REQUIRE(doc["metadata"]["dependencies"].size() == 2);
  CHECK(doc["metadata"]["dependencies"][0]["stacks"] == json::array({"heroku-24", "heroku-22"}));
  CHECK(doc["metadata"]["dependencies"][0]["size"] == 1234);
  CHECK(doc["metadata"]["dependencies"][1]["ok"] == true);
}

TEST_CASE("parse_toml reads a layer's toml with CRLF lines and dotted keys") {
  json doc = parse_toml(
      "[types]\r\nlaunch = true\r\ncache = false\r\n[metadata]\r\nbundle.sha256 = \"ab\"\r\n");
  CHECK(doc["types"]["launch"] == true);
  CHECK(doc["types"]["cache"] == false);
  CHECK(doc["metadata"]["bundle"]["sha256"] == "ab");
}

TEST_CASE("parse_toml refuses what it cannot read, naming the line") {
  auto fails = [](const std::string& text, const std::string& why) {
    try {
      parse_toml(text);
      FAIL("parsed: " + text);
    } catch (const std::runtime_error& e) {
      CHECK_THAT(e.what(), Contains(why));
    }
  };
  fails("a = 1\nb = 2\na = 3\n", "line 3: key 'a' defined twice");
  fails("[x]\n[x]\n", "line 2: table 'x' defined twice");
  fails("a = \"open\n", "line 1: a string is not closed");
  fails("a = 1.5\n", "only whole numbers");
  fails("a = {x = 1}\n", "unsupported value");
  fails("a = \"\"\"multi\"\"\"\n", "multi-line strings");
  fails("a = [1, 2\n", "an array is not closed");
  fails("a = 1 b = 2\n", "expected the end of the line");
  fails("a = \"\\q\"\n", "unknown escape");
  fails("a = \"\\ud800\"\n", "not a character");
  fails("a = 1\n[a]\n", "already a value");
  fails("[[t]]\n[t]\n", "already an array of tables");
  fails("= 1\n", "expected a key");
  fails("x = 99999999999999999999\n", "unsupported number");
}

TEST_CASE("toml_string quotes and escapes so that parse_toml reads it back") {
  std::string value = "a \"quoted\" \\ value\nwith\ta \x01 control";
  json doc = parse_toml("v = " + toml_string(value) + "\n");
  CHECK(doc["v"] == value);
  CHECK(toml_string("plain") == "\"plain\"");
}
