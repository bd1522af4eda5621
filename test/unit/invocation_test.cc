#include "invocation.h"

#include <catch2/catch.hpp>

using namespace whiskey;
using Catch::Matchers::Contains;
using Args = std::vector<std::string>;

namespace {

std::string usage_of(const Invocation& call) {
  REQUIRE(std::holds_alternative<UsageError>(call));
  return std::get<UsageError>(call).text;
}

}  // namespace

TEST_CASE("parse_invocation: detect, by the classic and the lifecycle's arguments",
          "[invocation]") {
  SECTION("one argument is the classic BUILD_DIR, whatever CNB variables are set") {
    auto call = parse_invocation("detect", {"/tmp/build"}, {{"CNB_PLATFORM_DIR", "/platform"}});
    REQUIRE(std::holds_alternative<ClassicCall>(call));
    CHECK(std::get<ClassicCall>(call).args == Args{"/tmp/build"});
  }
  SECTION("two are the lifecycle's, with its variables naming the same paths") {
    auto call = parse_invocation(
        "detect", {"/platform", "/tmp/plan.toml"},
        {{"CNB_PLATFORM_DIR", "/platform"}, {"CNB_BUILD_PLAN_PATH", "/tmp/plan.toml"}});
    REQUIRE(std::holds_alternative<CnbCall>(call));
    CHECK(std::get<CnbCall>(call).platform_dir == "/platform");
    CHECK(std::get<CnbCall>(call).plan_path == "/tmp/plan.toml");
    CHECK(std::get<CnbCall>(call).layers_dir.empty());
  }
  SECTION("two without the variables (buildpack APIs before 0.8)") {
    CHECK(std::holds_alternative<CnbCall>(parse_invocation("detect", {"/p", "/plan.toml"}, {})));
  }
  SECTION("none, with only the variables") {
    auto call = parse_invocation("detect", {}, {{"CNB_BUILD_PLAN_PATH", "/tmp/plan.toml"}});
    REQUIRE(std::holds_alternative<CnbCall>(call));
    CHECK(std::get<CnbCall>(call).plan_path == "/tmp/plan.toml");
  }
  SECTION("a variable naming another path is refused") {
    auto text = usage_of(parse_invocation("detect", {"/platform", "/tmp/plan.toml"},
                                          {{"CNB_BUILD_PLAN_PATH", "/elsewhere.toml"}}));
    CHECK_THAT(text, Contains("CNB_BUILD_PLAN_PATH is '/elsewhere.toml', but the argument in its "
                              "place is '/tmp/plan.toml'"));
  }
  SECTION("other counts name both contracts") {
    for (const Args& args : {Args{}, Args{"a", "b", "c"}}) {
      auto text = usage_of(parse_invocation("detect", args, {}));
      CHECK_THAT(text, Contains("detect takes 1 (classic) or 2 (Cloud Native)"));
      CHECK_THAT(text, Contains("  bin/detect BUILD_DIR\n"));
      CHECK_THAT(text, Contains("  bin/detect PLATFORM_DIR PLAN_PATH\n"));
      CHECK_THAT(text, Contains("  bin/build LAYERS_DIR PLATFORM_DIR PLAN_PATH\n"));
      CHECK_THAT(text, Contains("  bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]\n"));
    }
  }
}

TEST_CASE("parse_invocation: build is the lifecycle's only", "[invocation]") {
  Vars lifecycle = {{"CNB_LAYERS_DIR", "/layers/whiskey_mod-wsgi"},
                    {"CNB_PLATFORM_DIR", "/platform"},
                    {"CNB_BP_PLAN_PATH", "/tmp/bp-plan.toml"}};
  SECTION("three arguments") {
    auto call = parse_invocation(
        "build", {"/layers/whiskey_mod-wsgi", "/platform", "/tmp/bp-plan.toml"}, lifecycle);
    REQUIRE(std::holds_alternative<CnbCall>(call));
    CHECK(std::get<CnbCall>(call).layers_dir == "/layers/whiskey_mod-wsgi");
    CHECK(std::get<CnbCall>(call).platform_dir == "/platform");
    CHECK(std::get<CnbCall>(call).plan_path == "/tmp/bp-plan.toml");
  }
  SECTION("none, with the variables") {
    auto call = parse_invocation("build", {}, lifecycle);
    REQUIRE(std::holds_alternative<CnbCall>(call));
    CHECK(std::get<CnbCall>(call).layers_dir == "/layers/whiskey_mod-wsgi");
  }
  SECTION("layers that disagree with CNB_LAYERS_DIR") {
    CHECK_THAT(usage_of(parse_invocation("build", {"/other", "/platform", "/tmp/bp-plan.toml"},
                                         lifecycle)),
               Contains("CNB_LAYERS_DIR is '/layers/whiskey_mod-wsgi'"));
  }
  SECTION("a classic-looking call") {
    auto text = usage_of(parse_invocation("build", {"/tmp/build", "/tmp/cache"}, {}));
    CHECK_THAT(text, Contains("build: given 2 arguments; build is the Cloud Native phase"));
    CHECK_THAT(text, Contains("runs compile instead"));
  }
  SECTION("none, without CNB_LAYERS_DIR") {
    CHECK_THAT(usage_of(parse_invocation("build", {}, {{"CNB_PLATFORM_DIR", "/platform"}})),
               Contains("given 0 arguments"));
  }
}

TEST_CASE("parse_invocation: compile and release are classic only", "[invocation]") {
  CHECK(std::holds_alternative<ClassicCall>(parse_invocation("compile", {"/b", "/c"}, {})));
  CHECK(std::holds_alternative<ClassicCall>(parse_invocation("compile", {"/b", "/c", "/e"}, {})));
  CHECK_THAT(usage_of(parse_invocation("compile", {"/b"}, {})),
             Contains("compile: given 1 argument; compile is the classic phase"));
  CHECK_THAT(usage_of(parse_invocation("compile", {"/l", "/p", "/plan", "x"}, {})),
             Contains("a Cloud Native lifecycle runs build instead"));
  CHECK(std::holds_alternative<ClassicCall>(parse_invocation("release", {"/b"}, {})));
  CHECK_THAT(usage_of(parse_invocation("release", {}, {})), Contains("release takes 1"));
}
