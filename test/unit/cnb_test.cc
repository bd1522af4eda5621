#include "cnb.h"

#include <catch2/catch.hpp>

#include "app.h"
#include "memory_disk.h"
#include "toml.h"

using namespace whiskey;

TEST_CASE("launch_toml declares the default web process, its entry as default arguments", "[cnb]") {
  auto doc = parse_toml(launch_toml({.command = {"mod_wsgi-heroku-start"}, .args = {"wsgi.py"}}));
  REQUIRE(doc["processes"].size() == 1);
  CHECK(doc["processes"][0]["type"] == "web");
  CHECK(doc["processes"][0]["command"] == nlohmann::json::array({"mod_wsgi-heroku-start"}));
  CHECK(doc["processes"][0]["args"] == nlohmann::json::array({"wsgi.py"}));
  CHECK(doc["processes"][0]["default"] == true);
  CHECK(launch_toml({.command = {"mod_wsgi-heroku-start"}, .args = {"wsgi.py"}}) ==
        "[[processes]]\ntype = \"web\"\ncommand = [\"mod_wsgi-heroku-start\"]\n"
        "args = [\"wsgi.py\"]\ndefault = true\n");

  SECTION("a Procfile command with quotes survives the round trip") {
    std::string cmd = "mod_wsgi-heroku-start app/\"my wsgi\".py --port $PORT";
    auto again = parse_toml(launch_toml({.command = {"bash", "-c", cmd}, .args = {}}));
    CHECK(again["processes"][0]["command"][2] == cmd);
    CHECK(again["processes"][0]["args"].empty());
  }
  SECTION("no command, no process") {
    CHECK(launch_toml({}).empty());
  }
}

TEST_CASE("recorded_digest reads the layer's metadata", "[cnb]") {
  MemoryDisk disk;
  disk.add_file("/layers/apache.toml",
                "[types]\nlaunch = true\n\n[metadata]\nsha256 = \"abc\"\nstack = \"heroku-24\"\n");
  CHECK(recorded_digest(disk, "/layers/apache.toml") == "abc");
  CHECK_FALSE(recorded_digest(disk, "/layers/missing.toml"));
  disk.add_file("/layers/broken.toml", "[metadata\nsha256 = \"abc\"\n");
  CHECK_FALSE(recorded_digest(disk, "/layers/broken.toml"));
  disk.add_file("/layers/none.toml", "[types]\nlaunch = true\n");
  CHECK_FALSE(recorded_digest(disk, "/layers/none.toml"));
}

TEST_CASE("procfile_web: the web command, trimmed", "[app]") {
  CHECK(procfile_web("web: mod_wsgi-heroku-start wsgi.py\n") == "mod_wsgi-heroku-start wsgi.py");
  CHECK(procfile_web("worker: x\r\n  web:   run it  \r\nclock: y") == "run it");
  CHECK(procfile_web("web:") == "");
  CHECK_FALSE(procfile_web("worker: web: no\n"));
  CHECK_FALSE(procfile_web(""));
}
