// libFuzzer target for the TOML reader and writer: the input is a TOML file
// (buildpack.toml, a layer's toml). parse_toml may refuse it with a
// std::runtime_error; what it reads, write_toml must write, and parse_toml
// must read back to the same values.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "defaults.h"
#include "toml.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "toml_fuzz: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  nlohmann::json doc;
  try {
    doc = whiskey::parse_toml(text);
  } catch (const std::runtime_error&) {
    return 0;  // refused, naming the line
  }

  std::string written;
  try {
    written = whiskey::write_toml(nlohmann::ordered_json(doc));
  } catch (const std::exception& e) {
    fail(std::string("what was read cannot be written: ") + e.what() + "\n" + doc.dump());
  }
  nlohmann::json again;
  try {
    again = whiskey::parse_toml(written);
  } catch (const std::exception& e) {
    fail(std::string("what was written does not parse: ") + e.what() + "\n" + written);
  }
  if (again != doc) fail("what was written reads otherwise:\n" + written);

  // buildpack.toml's readers take what parse_toml reads, or refuse it.
  try {
    (void)whiskey::buildpack_version(text);
    (void)whiskey::parse_default_bundles(text);
  } catch (const std::runtime_error&) {
  }
  return 0;
}
