// Which buildpack contract a bin/ script was run under. The same bin/detect
// serves Heroku's classic contract (`detect BUILD_DIR`) and Cloud Native
// Buildpacks' (the lifecycle runs `detect PLATFORM_DIR PLAN_PATH` and
// `build LAYERS_DIR PLATFORM_DIR PLAN_PATH` in the app's folder, with the
// same paths in CNB_* variables). The positional arguments decide: each
// contract has its own count, and where the lifecycle also sets the CNB_*
// variables, they must name the same paths.
#pragma once

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "config.h"

namespace whiskey {

/// `detect BUILD_DIR`, `compile BUILD_DIR CACHE_DIR [ENV_DIR]`, `release BUILD_DIR`.
struct ClassicCall {
  std::vector<std::string> args;
};

/// `detect` or `build` as a CNB lifecycle runs it (buildpack API 0.10).
struct CnbCall {
  std::filesystem::path platform_dir;  ///< CNB_PLATFORM_DIR; config vars in its env/
  std::filesystem::path plan_path;     ///< the build plan (detect) or buildpack plan (build)
  std::filesystem::path layers_dir;    ///< build only: this buildpack's layers
};

/// A call that fits neither contract: the usage text to print (both forms).
struct UsageError {
  std::string text;
};

using Invocation = std::variant<ClassicCall, CnbCall, UsageError>;

/// Decides what `phase` (detect, compile, release, build) was called for,
/// from its arguments and the environment:
/// - detect: one argument is the classic BUILD_DIR; two are the lifecycle's
///   PLATFORM_DIR and PLAN_PATH; none, with CNB_PLATFORM_DIR or
///   CNB_BUILD_PLAN_PATH set, is a lifecycle that passes only variables.
/// - build (CNB only): three arguments, or none with CNB_LAYERS_DIR set.
/// - compile (2 or 3 arguments) and release (1): classic only.
/// A CNB_* variable that names another path than the argument in its place,
/// or any other count, is a UsageError naming both contracts.
Invocation parse_invocation(const std::string& phase, const std::vector<std::string>& args,
                            const Vars& environment);

}  // namespace whiskey
