// One install of a bundle, exactly as compile's install step does it
// (install_bundle over libcurl, verified by its digest, with or without the
// build cache), and nothing else of the build: no manifest, no relocation.
// test/bench/run times this process from the outside, as it times the curl
// and tar commands it is compared with.
//
//   install_bench URL SHA256 BUILD_DIR [CACHE_DIR]
//
// Prints one line: "<seconds inside install_bundle> <bytes> <cache use>".
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>

#include "bundle_cache.h"
#include "clock.h"
#include "curl_http.h"
#include "errors.h"
#include "install.h"
#include "messages.h"

int main(int argc, char** argv) {
  using namespace whiskey;
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: install_bench URL SHA256 BUILD_DIR [CACHE_DIR]\n");
    return 2;
  }
  try {
    BundleSource source{.url = argv[1],
                        .sha256 = Sha256Digest::parse(argv[2]),
                        .name = "bundle",
                        .described = argv[1]};
    std::optional<BundleCache> cache;
    if (argc == 5) cache.emplace(std::filesystem::path(argv[4]));
    CurlHttpClient http;
    SteadyClock clock;
    InstallOptions options;
    if (cache) options.cache = &*cache;
    auto r = install_bundle(http, source, argv[3], clock, options);
    const char* use = r.cache == CacheUse::kReused   ? "reused"
                      : r.cache == CacheUse::kStored ? "stored"
                                                     : "none";
    std::printf("%.6f %llu %s\n", r.seconds, static_cast<unsigned long long>(r.bytes), use);
    return 0;
  } catch (const std::exception& e) {
    UserMessage m = message(e, "install_bench failed");
    std::fprintf(stderr, "install_bench: %s\n%s\n%s\n", m.headline.c_str(), m.what_happened.c_str(),
                 m.details.c_str());
  }
  return 1;
}
