// libFuzzer target for the manifest parser: the input is manifest.json as
// read from the bucket. parse_manifest may refuse it with a
// std::runtime_error; what it accepts must survive serialize_manifest and a
// second parse unchanged, and the lookups over it must hold up.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "manifest.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "manifest_fuzz: %s\n", what.c_str());
  std::abort();
}

bool same_entry(const whiskey::ManifestEntry& a, const whiskey::ManifestEntry& b) {
  return a.key == b.key && a.stack == b.stack && a.arch == b.arch && a.apache == b.apache &&
         a.size == b.size && a.sha256 == b.sha256 && a.published_at == b.published_at;
}

/// `text`, which serialize_manifest wrote for `m`, parses back to `m`.
void check_round_trip(const whiskey::Manifest& m, const std::string& text, const char* how) {
  whiskey::Manifest again;
  try {
    again = whiskey::parse_manifest(text);
  } catch (const std::exception& e) {
    fail(std::string("the manifest serialized ") + how + " does not parse: " + e.what() + "\n" +
         text);
  }
  if (again.schema != m.schema) fail(std::string("the schema changed, serialized ") + how);
  if (again.bundles.size() != m.bundles.size()) {
    fail(std::string("the number of bundles changed, serialized ") + how);
  }
  for (std::size_t i = 0; i < m.bundles.size(); ++i) {
    if (!same_entry(m.bundles[i], again.bundles[i])) {
      fail("bundles[" + std::to_string(i) + "] changed, serialized " + how + ":\n" + text);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  whiskey::Manifest m;
  try {
    m = whiskey::parse_manifest(text);
  } catch (const std::runtime_error&) {
    return 0;  // refused, with a message for the user
  }

  check_round_trip(m, whiskey::serialize_manifest(m), "from scratch");
  check_round_trip(m, whiskey::serialize_manifest(m, text), "over the text it was read from");

  (void)whiskey::describe_offer(m);
  for (const auto& e : m.bundles) {
    auto newest = whiskey::select_bundle(m, e.stack, e.arch);
    if (!newest || newest->stack != e.stack || newest->arch != e.arch) {
      fail("select_bundle misses " + e.stack + "/" + e.arch);
    }
    auto exact = whiskey::select_bundle(m, e.stack, e.arch, e.apache);
    if (!exact || exact->apache != e.apache) {
      fail("select_bundle misses Apache " + e.apache + " for " + e.stack + "/" + e.arch);
    }
    if (!whiskey::find_key(m, e.key)) fail("find_key misses " + e.key);
  }
  (void)whiskey::select_bundle(m, "heroku-24", "amd64");
  return 0;
}
