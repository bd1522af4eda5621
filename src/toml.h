// The part of TOML that buildpack.toml and the layers' <layer>.toml files
// use, read into JSON: tables ([a.b]), arrays of tables ([[a.b]]),
// key = value with bare or quoted keys, and values that are strings (basic
// and literal), integers, booleans or arrays of those (over several lines,
// with a trailing comma). Anything else is an error, not a guess.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace whiskey {

/// Parses `text`. Throws std::runtime_error naming the line of the first
/// thing it cannot read, or a key defined twice.
nlohmann::json parse_toml(std::string_view text);

/// `value` as a TOML basic string, quoted and escaped.
std::string toml_string(std::string_view value);

}  // namespace whiskey
