#include "toml.h"

#include <catch2/catch.hpp>
#include <cstdint>
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
  fails("x = 9223372036854775808\n", "unsupported number");
  fails("a = []\n[[a]]\n", "line 2: 'a' is already a value");
  fails("[[a]]\n[a.b]\n[a.b]\n", "line 3: table 'a.b' defined twice");
}

TEST_CASE("parse_toml: each item of an array of tables has tables of its own") {
  json doc = parse_toml("[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n[\"a.b\"]\ny = 3\n");
  REQUIRE(doc["a"].size() == 2);
  CHECK(doc["a"][0]["b"]["x"] == 1);
  CHECK(doc["a"][1]["b"]["x"] == 2);
  CHECK(doc["a.b"]["y"] == 3);
  CHECK(parse_toml("x = -9223372036854775808\n")["x"] == INT64_MIN);
}

TEST_CASE("write_toml writes tables, arrays of tables and values in the document's order") {
  nlohmann::ordered_json doc;
  doc["api"] = "0.10";
  doc["types"] = {{"launch", true}, {"cache", false}};
  doc["metadata"]["bundle"]["size"] = -12;
  doc["metadata"]["dependencies"].push_back({{"id", "apache"}, {"stacks", {"heroku-24", "x"}}});
  doc["metadata"]["dependencies"].push_back({{"id", "other"}, {"stacks", json::array()}});
  doc["empty"] = json::object();
  doc["odd key"]["a.b"] = 1;
  CHECK(write_toml(doc) == R"(api = "0.10"

[types]
launch = true
cache = false

[metadata.bundle]
size = -12

[[metadata.dependencies]]
id = "apache"
stacks = ["heroku-24", "x"]

[[metadata.dependencies]]
id = "other"
stacks = []

[empty]

["odd key"]
"a.b" = 1
)");
  CHECK(write_toml(nlohmann::ordered_json::object()).empty());
}

TEST_CASE("write_toml: what it writes, parse_toml reads back the same") {
  std::string value = GENERATE(as<std::string>{}, "plain", "", "a \"quoted\" word", "back\\slash\\",
                               "two\nlines\r\n", "tab\there", "\x01\x1f\x7f controls",
                               "unicode: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d", "'single'",
                               "# not a comment", "[not] = a table", "\\u00e9 as written");
  nlohmann::ordered_json item;
  item["text"] = value;
  item["texts"] = {value, "x", value};
  item["nested"] = {json::array({1, 2}), json::array({value})};
  item["min"] = INT64_MIN;
  item["max"] = INT64_MAX;
  item["no"] = false;
  item["under"]["deep"] = value;
  nlohmann::ordered_json doc;
  doc[value]["key"] = value;
  doc["items"].push_back(item);
  doc["items"].push_back(item);
  std::string text = write_toml(doc);
  INFO(text);
  CHECK(parse_toml(text) == json(doc));
}

TEST_CASE("write_toml refuses what TOML's part here cannot hold, naming the key") {
  auto fails = [](const nlohmann::ordered_json& doc, const std::string& why) {
    try {
      write_toml(doc);
      FAIL("written: " + doc.dump());
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Contains(why));
    }
  };
  fails({{"a", {{"b", nullptr}}}}, "'a.b' holds null");
  fails({{"f", 1.5}}, "'f' holds number");
  fails({{"big", UINT64_MAX}}, "'big' holds number");
  fails({{"mixed", {1, {{"k", 2}}}}}, "'mixed' mixes tables and values");
  fails({{"nested", {json::array({{{"k", 2}}})}}}, "'nested' mixes tables and values");
  fails(nlohmann::ordered_json::array({1}), "a TOML document is a table");
}

TEST_CASE(
    "toml_sections finds each table as it is written, comments above a header with the "
    "table before it") {
  std::string text =
      "api = \"0.10\"\n"
      "\n"
      "[buildpack]\n"
      "id = \"x\"\n"
      "# about the dependencies\n"
      "\n"
      "  [[metadata.dependencies]]\n"
      "id = \"apache\"\n"
      "\n"
      "[metadata.dependencies.\"a b\"]\n"
      "k = 1\n"
      "[[metadata.dependencies]]\n"
      "id = \"other\"";
  auto sections = toml_sections(text);
  REQUIRE(sections.size() == 4);
  auto at = [&](std::size_t n) {
    return text.substr(sections[n].begin, sections[n].end - sections[n].begin);
  };
  CHECK(sections[0].path == std::vector<std::string>{"buildpack"});
  CHECK_FALSE(sections[0].array_item);
  CHECK(at(0) == "[buildpack]\nid = \"x\"\n# about the dependencies\n\n");
  CHECK(sections[1].path == std::vector<std::string>{"metadata", "dependencies"});
  CHECK(sections[1].array_item);
  CHECK(at(1) == "  [[metadata.dependencies]]\nid = \"apache\"\n\n");
  CHECK(sections[2].path == std::vector<std::string>{"metadata", "dependencies", "a b"});
  CHECK(at(2) == "[metadata.dependencies.\"a b\"]\nk = 1\n");
  CHECK(at(3) == "[[metadata.dependencies]]\nid = \"other\"");
  CHECK(sections[0].begin == text.find("[buildpack]"));
  CHECK(sections[3].end == text.size());

  CHECK(toml_sections("a = 1\n").empty());
  CHECK(toml_sections("[t]").size() == 1);
  CHECK_THROWS_WITH(toml_sections("[t]\n[t]\n"), Contains("line 2"));
}
