// Variables: the environment and config vars as one map type, with the two
// ways the buildpack reads it. Header-only: the detect-only executable and
// the launcher use it without the rest of the library.
#pragma once

#include <cstring>
#include <map>
#include <string>

namespace whiskey {

using Vars = std::map<std::string, std::string>;

/// The variables of `envp` (an environ-style array; null gives none).
inline Vars environment_vars(char** envp) {
  Vars vars;
  for (char** e = envp; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq) vars[std::string(*e, static_cast<std::size_t>(eq - *e))] = eq + 1;
  }
  return vars;
}

/// The value of `name`, or `fallback` when unset or empty.
inline std::string var_or(const Vars& vars, const std::string& name,
                          const std::string& fallback = {}) {
  auto it = vars.find(name);
  return it == vars.end() || it->second.empty() ? fallback : it->second;
}

}  // namespace whiskey
