// Building Apache from the buildpack's recipe, when no bundle is configured
// and the buildpack records none for the stack and arch: the pinned sources
// downloaded (with the retry policy) and checked against their SHA-256 pins
// before anything is compiled, built here with the recipe's steps
// (vendor/apache/build-tree.sh), packed as a bundle and kept in the build
// cache under the recipe's digest, the stack and the arch. A later build
// installs it from there: no network, no compiler.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compile.h"
#include "digest.h"
#include "errors.h"
#include "fetch.h"
#include "recipe.h"
#include "resolve.h"

namespace whiskey {

/// Where built bundles are kept, inside the build cache (CACHE_DIR, or the
/// CNB cache layer).
inline constexpr const char* kBuiltApacheCache = "whiskey-apache-build";
/// Seconds the recipe's steps may run (WHISKEY_APACHE_BUILD_TIMEOUT).
inline constexpr int kApacheBuildTimeoutS = 1800;

/// Apache could not be built here; nothing was kept of the attempt.
class ApacheBuildError : public Failure {
 public:
  enum class Kind {
    kMissingTools,       ///< `missing`: what the build image lacks
    kSourceUnavailable,  ///< `file` could not be downloaded from `url` (`fetch`)
    kSourceOffPin,       ///< `file`'s bytes hash to `actual`, not `expected`
    kSourceUnreadable,   ///< `file` cannot be unpacked (`detail`)
    kStepsFailed,        ///< the recipe's steps exited with `status` during `step`
    kTimedOut,           ///< stopped after `limit_s` seconds, during `step`
    kNotKept,            ///< the built tree could not be packed or kept (`detail`)
  };
  ApacheBuildError(Kind kind, Target target, std::string detail = {})
      : Failure(detail.empty() ? "building Apache failed" : detail),
        kind(kind),
        target(std::move(target)),
        detail(std::move(detail)) {}
  Kind kind;
  Target target;
  std::string detail;          ///< why, or the end of the build's log
  std::string apache_version;  ///< what was being built
  std::vector<std::string> missing;
  std::string file;     ///< the source archive
  std::string url;      ///< where it came from, safe to print
  bool mirror = false;  ///< WHISKEY_APACHE_MIRROR was set
  std::optional<FetchError> fetch;
  std::optional<Sha256Digest> expected;
  std::optional<Sha256Digest> actual;
  std::string step;  ///< the recipe's step that was running ("Building httpd 2.4.68")
  int status = 0;
  int limit_s = 0;
};

/// The recipe to build Apache with, when this build makes its own: none of
/// WHISKEY_URL, WHISKEY_BUCKET and WHISKEY_PACKAGE is set, buildpack.toml
/// has no default for `target`, and WHISKEY_APACHE_VERSION, when set, is the
/// version the recipe (`buildpack_dir`/vendor/apache) builds. nullopt
/// otherwise. Throws RecipeError when a build would use the recipe and it
/// is missing or broken.
std::optional<Recipe> recipe_to_build(const Config& config, const Target& target, const Disk& disk,
                                      const std::filesystem::path& buildpack_dir);

/// The programs and files the recipe's steps need that this machine lacks,
/// each with the package that brings it ("patchelf (package patchelf)");
/// empty when nothing is missing. Looks on `vars`' PATH, and for CC's
/// compiler when CC is set.
std::vector<std::string> missing_build_tools(const Vars& vars, const Disk& disk);

/// The Apache built from `recipe` for `target`, ready to install from the
/// bundle cache in `cache_dir`: the one kept there for the recipe's digest,
/// the stack and the arch, else one built now (saying why, with a progress
/// line at least every 10 s, and how long it took) and kept there, replacing
/// those of other recipes. Throws ApacheBuildError; `cache_dir` then holds
/// nothing of the attempt.
Resolved build_apache_step(const Recipe& recipe, const Target& target, const Vars& vars,
                           const std::filesystem::path& cache_dir, Services& s);

}  // namespace whiskey
