// libFuzzer target for parse_bundle_info: the input is whiskey-bundle.json
// as a bundle holds it. It may be refused with a std::runtime_error; what is
// accepted must be what relocate_tree relies on.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "relocate.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "bundle_info_fuzz: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  whiskey::BundleInfo info;
  try {
    info = whiskey::parse_bundle_info(text);
  } catch (const std::runtime_error&) {
    return 0;  // refused, with a message for the user
  }
  if (info.schema != 1) fail("accepted schema " + std::to_string(info.schema));
  if (info.prefix.empty() || info.prefix.front() != '/') fail("accepted a relative prefix");
  if (info.prefix_capacity < info.prefix.size()) fail("accepted a capacity below the prefix");
  for (const auto& c : info.contents) {
    if (c.empty() || c == "." || c == ".." || c.find('/') != std::string::npos) {
      fail("accepted the contents entry '" + c + "'");
    }
  }
  return 0;
}
