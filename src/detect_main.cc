// bin/detect alone, without the rest of the buildpack: it needs only the
// C++ standard library, so a plain checkout of the buildpack compiles it in
// seconds where the whole helper (libcurl, libarchive, OpenSSL) is not
// built yet. Detect runs before every build and is given no cache to keep a
// build in; compile builds and caches the whole helper (bin/support/helper.sh).
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "detect.h"
#include "invocation.h"

extern char** environ;

int main(int argc, char** argv) {
  using namespace whiskey;
  Invocation call = parse_invocation("detect", std::vector<std::string>(argv + 1, argv + argc),
                                     environment_vars(environ));
  if (auto* bad = std::get_if<UsageError>(&call)) {
    std::cerr << bad->text;
    return 2;
  }
  return run_detect(RealDisk(), call, std::cout);
}
