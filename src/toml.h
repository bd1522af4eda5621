// The part of TOML that buildpack.toml and the layers' <layer>.toml files
// use, read into JSON and written from it: tables ([a.b]), arrays of tables
// ([[a.b]]), key = value with bare or quoted keys, and values that are
// strings (basic and literal), integers, booleans or arrays of those (over
// several lines, with a trailing comma). Anything else is an error, not a
// guess. What write_toml writes, parse_toml reads back to the same values.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace whiskey {

/// Parses `text`. Throws std::runtime_error naming the line of the first
/// thing it cannot read, or a key or table defined twice.
nlohmann::json parse_toml(std::string_view text);

/// A table of a TOML text as it is written: from the start of its header's
/// line to the start of the next header's line (or the end of the text).
/// Comments and blank lines before a header belong to the table above it.
struct TomlSection {
  std::vector<std::string> path;  ///< the header's keys: [a."b c"] is {"a", "b c"}
  bool array_item = false;        ///< [[a.b]], an item of an array of tables
  std::size_t begin = 0;          ///< offsets into the text
  std::size_t end = 0;
};

/// The tables of `text`, in the order they are written, for changing some
/// of them and leaving every other byte as it is. Throws what parse_toml
/// throws.
std::vector<TomlSection> toml_sections(std::string_view text);

/// `doc`, an object, as TOML, keys in its order: each table's values, then
/// its tables ([a.b], the header left out for a table that holds only
/// tables) and arrays of tables ([[a.b]], for an array whose items are all
/// objects), a blank line before each header. Strings are basic strings,
/// escaped. Throws std::invalid_argument naming the key of a value TOML's
/// part above cannot hold: null, a float, an object inside an array of
/// values, an array that mixes objects and values.
std::string write_toml(const nlohmann::ordered_json& doc);

}  // namespace whiskey
