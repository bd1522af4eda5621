#include "stack.h"

#include <catch2/catch.hpp>

#include "errors.h"
#include "fakes.h"
#include "memory_disk.h"

using namespace whiskey;
using Catch::Matchers::Contains;
using whiskey::testing::expect_message;
using whiskey::testing::expect_throw;

TEST_CASE("check_stack: supported stacks pass", "[stack]") {
  for (const char* stack : {"heroku-26", "heroku-24", "heroku-22", "debian-12"}) {
    INFO(stack);
    CHECK_NOTHROW(check_stack(stack));
  }
}

TEST_CASE("check_stack: end-of-life stacks name the stack to move to", "[stack]") {
  for (std::string stack : {"heroku-20", "heroku-18", "heroku-16", "cedar-14", "cedar"}) {
    INFO(stack);
    auto e = expect_message<Failure>([&] { check_stack(stack); });
    CHECK(e.headline == "The " + stack + " stack is no longer supported");
    CHECK(e.what_happened ==
          stack + " has reached its end of life, and no Apache bundle is built for it.");
    CHECK(e.what_to_do ==
          "Upgrade the app to a current stack, then build again:\n  heroku stack:set heroku-24");
  }
}

TEST_CASE("check_stack: unknown stacks are refused", "[stack]") {
  for (std::string stack : {"heroku-99", "Heroku-24", "heroku-24 ", "ubuntu-24.04"}) {
    INFO(stack);
    auto e = expect_message<Failure>([&] { check_stack(stack); });
    CHECK(e.headline == "The stack '" + stack + "' is not recognised");
    CHECK_THAT(e.what_happened, Contains("heroku-22, heroku-24 and heroku-26"));
    CHECK_THAT(e.what_to_do, Contains("heroku stack:set heroku-24"));
  }
  auto e = expect_message<Failure>([] { check_stack(""); });
  CHECK(e.headline == "The stack '(unset)' is not recognised");
}

TEST_CASE("local_stack: from os-release, quoted and unquoted", "[stack]") {
  MemoryDisk disk;
  disk.add_file("/etc/os-release",
                "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                "NAME=\"Debian GNU/Linux\"\n"
                "VERSION_ID=\"12\"\n"
                "VERSION=\"12 (bookworm)\"\n"
                "VERSION_CODENAME=bookworm\n"
                "ID=debian\n"
                "HOME_URL=\"https://www.debian.org/\"\n");
  CHECK(local_stack(disk) == "debian-12");

  disk.add_file("/other/os-release",
                "NAME=\"Ubuntu\"\nID_LIKE=debian\nID=ubuntu\nVERSION_ID='24.04'\nID_LIKE=x");
  CHECK(local_stack(disk, "/other/os-release") == "heroku-24");  // Heroku's stacks are Ubuntu
  disk.add_file("/jammy/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\n");
  CHECK(local_stack(disk, "/jammy/os-release") == "heroku-22");
  disk.add_file("/resolute/os-release", "ID=ubuntu\nVERSION_ID=\"26.04\"\n");
  CHECK(local_stack(disk, "/resolute/os-release") == "heroku-26");
  disk.add_file("/interim/os-release", "ID=ubuntu\nVERSION_ID=\"25.10\"\n");
  CHECK(local_stack(disk, "/interim/os-release") == "ubuntu-25.10");

  disk.add_file("/quoted/os-release", "ID=\"debian\"\nVERSION_ID=12");
  CHECK(local_stack(disk, "/quoted/os-release") == "debian-12");

  // Mismatched quotes are kept as they are.
  disk.add_file("/odd/os-release", "ID=\"debian'\nVERSION_ID=12\n");
  CHECK(local_stack(disk, "/odd/os-release") == "\"debian'-12");
}

TEST_CASE("local_stack: nothing to tell", "[stack]") {
  MemoryDisk disk;
  CHECK(local_stack(disk).empty());
  CHECK(local_stack(disk, "/missing").empty());

  disk.add_file("/no-version", "ID=debian\n");
  CHECK(local_stack(disk, "/no-version").empty());
  disk.add_file("/no-id", "ID_LIKE=debian\nVERSION_ID=\"12\"\n");
  CHECK(local_stack(disk, "/no-id").empty());
  disk.add_file("/empty-values", "ID=\"\"\nVERSION_ID=\"\"\n");
  CHECK(local_stack(disk, "/empty-values").empty());
  disk.add_file("/empty", "");
  CHECK(local_stack(disk, "/empty").empty());
}

TEST_CASE("distro_stack: Heroku's stacks are Ubuntu LTS releases", "[stack]") {
  CHECK(distro_stack("ubuntu", "22.04") == "heroku-22");
  CHECK(distro_stack("ubuntu", "24.04") == "heroku-24");
  CHECK(distro_stack("ubuntu", "26.04") == "heroku-26");
  CHECK(distro_stack("ubuntu", "20.04") == "ubuntu-20.04");
  CHECK(distro_stack("debian", "12") == "debian-12");
}
