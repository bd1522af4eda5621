#include "invocation.h"

namespace whiskey {
namespace {

/// Every form of every phase, under both contracts.
constexpr const char* kForms =
    "Usage (Heroku's classic buildpack contract):\n"
    "  bin/detect BUILD_DIR\n"
    "  bin/compile BUILD_DIR CACHE_DIR [ENV_DIR]\n"
    "  bin/release BUILD_DIR\n"
    "Usage (Cloud Native Buildpacks, run by the lifecycle in the app's folder):\n"
    "  bin/detect PLATFORM_DIR PLAN_PATH\n"
    "  bin/build LAYERS_DIR PLATFORM_DIR PLAN_PATH\n";

UsageError usage(const std::string& phase, const std::string& what) {
  return {phase + ": " + what + "\n" + kForms};
}

std::string count(std::size_t n) {
  return n == 1 ? "1 argument" : std::to_string(n) + " arguments";
}

/// A CNB_* variable that names another path than `given`, else "".
std::string disagreement(const Vars& env, const char* name, const std::string& given) {
  std::string value = var_or(env, name);
  if (value.empty() || value == given) return {};
  return std::string(name) + " is '" + value + "', but the argument in its place is '" + given +
         "'";
}

Invocation cnb_call(const std::string& phase, CnbCall call, const Vars& env) {
  const char* plan_var = phase == "build" ? "CNB_BP_PLAN_PATH" : "CNB_BUILD_PLAN_PATH";
  std::string problem = disagreement(env, "CNB_PLATFORM_DIR", call.platform_dir.string());
  if (problem.empty()) problem = disagreement(env, plan_var, call.plan_path.string());
  if (problem.empty() && !call.layers_dir.empty())
    problem = disagreement(env, "CNB_LAYERS_DIR", call.layers_dir.string());
  if (!problem.empty()) return usage(phase, problem + ".");
  return call;
}

}  // namespace

Invocation parse_invocation(const std::string& phase, const std::vector<std::string>& args,
                            const Vars& env) {
  const std::size_t n = args.size();
  if (phase == "detect") {
    if (n == 1) return ClassicCall{args};
    if (n == 2) {
      return cnb_call(phase, {.platform_dir = args[0], .plan_path = args[1], .layers_dir = {}},
                      env);
    }
    if (n == 0 &&
        (!var_or(env, "CNB_PLATFORM_DIR").empty() || !var_or(env, "CNB_BUILD_PLAN_PATH").empty())) {
      return CnbCall{.platform_dir = var_or(env, "CNB_PLATFORM_DIR"),
                     .plan_path = var_or(env, "CNB_BUILD_PLAN_PATH"),
                     .layers_dir = {}};
    }
    return usage(phase, "given " + count(n) + "; detect takes 1 (classic) or 2 (Cloud Native).");
  }
  if (phase == "build") {
    if (n == 3) {
      return cnb_call(phase, {.platform_dir = args[1], .plan_path = args[2], .layers_dir = args[0]},
                      env);
    }
    if (n == 0 && !var_or(env, "CNB_LAYERS_DIR").empty()) {
      return CnbCall{.platform_dir = var_or(env, "CNB_PLATFORM_DIR"),
                     .plan_path = var_or(env, "CNB_BP_PLAN_PATH"),
                     .layers_dir = var_or(env, "CNB_LAYERS_DIR")};
    }
    return usage(phase, "given " + count(n) +
                            "; build is the Cloud Native phase and takes 3 (the classic "
                            "contract runs compile instead).");
  }
  if (phase == "compile") {
    if (n == 2 || n == 3) return ClassicCall{args};
    return usage(phase, "given " + count(n) +
                            "; compile is the classic phase and takes 2 or 3 (a Cloud Native "
                            "lifecycle runs build instead).");
  }
  if (phase == "release") {
    if (n == 1) return ClassicCall{args};
    return usage(phase, "given " + count(n) + "; release takes 1.");
  }
  return usage(phase, "not a phase of either contract.");
}

}  // namespace whiskey
