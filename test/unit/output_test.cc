#include "output.h"

#include <catch2/catch.hpp>
#include <sstream>

using namespace whiskey;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

struct Streams {
  std::ostringstream out;
  std::ostringstream err;
  Output output{out, err};
};

}  // namespace

TEST_CASE("Output::step and Output::detail", "[output]") {
  Streams s;
  s.output.step("Installing Apache from b.tar.gz");
  s.output.detail("Stack: heroku-24");
  s.output.detail("two\nlines");
  s.output.detail("a\n\nb");
  CHECK(s.out.str() ==
        "-----> Installing Apache from b.tar.gz\n"
        "       Stack: heroku-24\n"
        "       two\n"
        "       lines\n"
        "       a\n"
        "\n"
        "       b\n");
  CHECK(s.err.str().empty());
}

TEST_CASE("Output::warning goes to stdout", "[output]") {
  Streams s;
  s.output.warning({"The Apache bundle will not be verified",
                    "WHISKEY_SHA256 is not set.\n  heroku config:set WHISKEY_SHA256=x"});
  CHECK(s.out.str() ==
        "\n"
        " !     Warning: The Apache bundle will not be verified\n"
        " !\n"
        " !     WHISKEY_SHA256 is not set.\n"
        " !       heroku config:set WHISKEY_SHA256=x\n"
        "\n");
  CHECK(s.err.str().empty());

  Streams bare;
  bare.output.warning({"Just a headline", ""});

  Streams split;
  split.output.warning({"Two parts", "It happened.", "  heroku config:set A=1"});
  CHECK(split.out.str() ==
        "\n !     Warning: Two parts\n !\n !     It happened.\n !       heroku config:set A=1\n\n");
  CHECK(bare.out.str() == "\n !     Warning: Just a headline\n\n");
}

TEST_CASE("Output::error goes to stderr with every paragraph", "[output]") {
  Streams s;
  s.output.error(UserMessage("The Apache bundle was not found",
                             "The request for s3://b/k (us-east-1)\nwas answered 404 Not Found.",
                             "Check WHISKEY_PACKAGE.\n\nThen build again.", "HTTP 404"));
  CHECK(s.err.str() ==
        "\n"
        " !     Error: The Apache bundle was not found\n"
        " !\n"
        " !     The request for s3://b/k (us-east-1)\n"
        " !     was answered 404 Not Found.\n"
        " !\n"
        " !     Check WHISKEY_PACKAGE.\n"
        " !\n"
        " !     Then build again.\n"
        " !\n"
        " !     Details: HTTP 404\n"
        "\n");
  CHECK(s.out.str().empty());
}

TEST_CASE("Output::error leaves out empty paragraphs and the Details line", "[output]") {
  Streams s;
  s.output.error(UserMessage("Headline", "", "Do this."));
  CHECK(s.err.str() ==
        "\n"
        " !     Error: Headline\n"
        " !\n"
        " !     Do this.\n"
        "\n");

  Streams t;
  t.output.error(UserMessage("Headline", "It broke.", "", "errno 5"));
  CHECK(t.err.str() ==
        "\n"
        " !     Error: Headline\n"
        " !\n"
        " !     It broke.\n"
        " !\n"
        " !     Details: errno 5\n"
        "\n");
  CHECK(t.out.str().empty());
}

TEST_CASE("human_bytes", "[output]") {
  CHECK(human_bytes(0) == "0 B");
  CHECK(human_bytes(87) == "87 B");
  CHECK(human_bytes(1023) == "1023 B");
  CHECK(human_bytes(1024) == "1.0 KiB");
  CHECK(human_bytes(1536) == "1.5 KiB");
  CHECK(human_bytes(512 * 1024) == "512.0 KiB");
  CHECK(human_bytes(1024 * 1024) == "1.0 MiB");
  CHECK(human_bytes(12897485) == "12.3 MiB");
  CHECK(human_bytes(1024ull * 1024 * 1024) == "1.00 GiB");
  CHECK(human_bytes(5ull * 1024 * 1024 * 1024 + 512ull * 1024 * 1024) == "5.50 GiB");
}

TEST_CASE("cnb_advice: Heroku's commands in the Cloud Native form", "[output]") {
  CHECK(cnb_advice("Set it:\n  heroku config:set WHISKEY_BUCKET=my-bucket") ==
        "Set it:\n  pack build my-app --env WHISKEY_BUCKET=my-bucket\n"
        "Other Cloud Native platforms take the same variables as the build's environment:\n"
        "one file per variable in the platform folder's env/ (kpack: spec.build.env).");
  SECTION("several variables, a value with spaces") {
    std::string out = cnb_advice(
        "  heroku config:set WHISKEY_URL=https://... "
        "WHISKEY_SHA256=$(sha256sum BUNDLE.tar.zst | cut -d' ' -f1)");
    CHECK_THAT(out, StartsWith("  pack build my-app --env WHISKEY_URL=https://... --env "
                               "WHISKEY_SHA256=$(sha256sum BUNDLE.tar.zst | cut -d' ' -f1)\n"));
  }
  SECTION("stacks, buildpack order and unset") {
    CHECK(cnb_advice("  heroku stack:set heroku-24") ==
          "  pack build my-app --builder heroku/builder:24");
    CHECK(cnb_advice("  heroku buildpacks:add --index 1 heroku/python") ==
          "  pack build my-app --buildpack heroku/python --buildpack ...");
    CHECK(cnb_advice("  heroku config:unset WHISKEY_BUCKET WHISKEY_PACKAGE") ==
          "  leave WHISKEY_BUCKET WHISKEY_PACKAGE out of the build's environment (pack build "
          "--env, the platform's env/)");
  }
  SECTION("other text is left alone") {
    CHECK(cnb_advice("Rebuild the bundle.\n\nThen build again.") ==
          "Rebuild the bundle.\n\nThen build again.");
  }
}

TEST_CASE("Output for a Cloud Native platform shows its advice in errors and warnings",
          "[output]") {
  std::ostringstream out, err;
  Output o(out, err, Platform::kCnb);
  o.error(UserMessage("WHISKEY_BUCKET is not set", "heroku config:set X=1 stays here.",
                      "Set it:\n  heroku config:set WHISKEY_BUCKET=my-bucket"));
  CHECK_THAT(err.str(), Contains(" !     heroku config:set X=1 stays here."));
  CHECK_THAT(err.str(), Contains(" !       pack build my-app --env WHISKEY_BUCKET=my-bucket\n"));
  CHECK_THAT(err.str(), !Contains("heroku config:set WHISKEY_BUCKET"));
  o.warning({"Not verified", "  heroku config:set WHISKEY_SHA256=abc"});
  CHECK_THAT(out.str(), Contains(" !       pack build my-app --env WHISKEY_SHA256=abc\n"));

  std::ostringstream classic_err;
  Output classic(out, classic_err);
  classic.error(UserMessage("h", "w", "  heroku config:set WHISKEY_BUCKET=my-bucket"));
  CHECK_THAT(classic_err.str(), Contains(" !       heroku config:set WHISKEY_BUCKET=my-bucket\n"));
}
