#include "output.h"

#include <catch2/catch.hpp>
#include <sstream>

using namespace whiskey;

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
  s.output.warning("The Apache bundle will not be verified",
                   "WHISKEY_SHA256 is not set.\n  heroku config:set WHISKEY_SHA256=x");
  CHECK(s.out.str() ==
        "\n"
        " !     Warning: The Apache bundle will not be verified\n"
        " !\n"
        " !     WHISKEY_SHA256 is not set.\n"
        " !       heroku config:set WHISKEY_SHA256=x\n"
        "\n");
  CHECK(s.err.str().empty());

  Streams bare;
  bare.output.warning("Just a headline", "");
  CHECK(bare.out.str() == "\n !     Warning: Just a headline\n\n");
}

TEST_CASE("Output::error goes to stderr with every paragraph", "[output]") {
  Streams s;
  s.output.error(UserError("The Apache bundle was not found",
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
  s.output.error(UserError("Headline", "", "Do this."));
  CHECK(s.err.str() ==
        "\n"
        " !     Error: Headline\n"
        " !\n"
        " !     Do this.\n"
        "\n");

  Streams t;
  t.output.error(UserError("Headline", "It broke.", "", "errno 5"));
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
