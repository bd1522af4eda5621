#include "toml.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

namespace whiskey {
namespace {

using json = nlohmann::json;
using Path = std::vector<std::string>;

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  /// The tables document() read, as they are written.
  const std::vector<TomlSection>& sections() const { return sections_; }

  json document() {
    json root = json::object();
    json* table = &root;
    for (;;) {
      skip_blank_lines();
      if (at_end()) {
        if (!sections_.empty()) sections_.back().end = s_.size();
        return root;
      }
      if (peek() == '[') {
        std::size_t line_start = s_.rfind('\n', i_ == 0 ? 0 : i_ - 1);
        line_start = (line_start == std::string_view::npos || i_ == 0) ? 0 : line_start + 1;
        if (!sections_.empty()) sections_.back().end = line_start;
        sections_.push_back({.path = {}, .array_item = starts("[["), .begin = line_start});
        table = header(root);
      } else {
        key_value(*table);
      }
      end_of_line();
    }
  }

 private:
  std::string_view s_;
  std::size_t i_ = 0;
  int line_ = 1;
  std::set<Path> defined_;             // the tables named by a [header]
  std::set<Path> arrays_;              // the arrays of tables, named by [[headers]]
  std::vector<TomlSection> sections_;  // where each [header]'s table is written

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("line " + std::to_string(line_) + ": " + what);
  }
  bool at_end() const { return i_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[i_]; }
  bool starts(std::string_view token) const { return s_.substr(i_).rfind(token, 0) == 0; }

  void skip_spaces() {
    while (!at_end() && (peek() == ' ' || peek() == '\t')) ++i_;
  }
  void skip_comment() {
    if (peek() != '#') return;
    while (!at_end() && peek() != '\n') {
      unsigned char c = static_cast<unsigned char>(peek());
      if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F)
        fail("a control character in a comment");
      ++i_;
    }
  }
  bool newline() {
    if (starts("\r\n")) {
      i_ += 2;
    } else if (peek() == '\n') {
      ++i_;
    } else {
      return false;
    }
    ++line_;
    return true;
  }
  void skip_blank_lines() {
    for (;;) {
      skip_spaces();
      skip_comment();
      if (!newline()) return;
    }
  }
  void end_of_line() {
    skip_spaces();
    skip_comment();
    if (!at_end() && !newline()) fail("expected the end of the line");
  }

  std::string key_part() {
    skip_spaces();
    if (peek() == '"') return basic_string();
    if (peek() == '\'') return literal_string();
    std::size_t start = i_;
    while (!at_end() && is_bare_key_char(peek())) ++i_;
    if (i_ == start) fail("expected a key");
    return std::string(s_.substr(start, i_ - start));
  }
  Path dotted_key() {
    Path parts{key_part()};
    for (;;) {
      skip_spaces();
      if (peek() != '.') return parts;
      ++i_;
      parts.push_back(key_part());
    }
  }

  static std::string joined(const Path& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ".") + p;
    return out;
  }

  /// The table `parts` names under `root`, made when missing; for an array
  /// of tables, its last table.
  json* descend(json& root, const Path& parts, std::size_t count) {
    json* t = &root;
    for (std::size_t k = 0; k < count; ++k) {
      json& next = (*t)[parts[k]];
      if (next.is_null()) next = json::object();
      if (next.is_array() && !next.empty() && next.back().is_object()) {
        t = &next.back();
      } else if (next.is_object()) {
        t = &next;
      } else {
        fail("'" + joined(parts) + "' is not a table");
      }
    }
    return t;
  }

  /// Forgets the tables and arrays of tables named under `parts`: they
  /// belonged to the array of tables' item before the one it begins.
  void forget_below(const Path& parts) {
    for (auto* names : {&defined_, &arrays_}) {
      std::erase_if(*names, [&](const Path& p) {
        return p.size() > parts.size() && std::equal(parts.begin(), parts.end(), p.begin());
      });
    }
  }

  json* header(json& root) {
    bool array = starts("[[");
    i_ += array ? 2 : 1;
    Path parts = dotted_key();
    sections_.back().path = parts;
    skip_spaces();
    if (!starts(array ? "]]" : "]")) fail("expected ']' to close the table header");
    i_ += array ? 2 : 1;
    json* parent = descend(root, parts, parts.size() - 1);
    json& slot = (*parent)[parts.back()];
    if (array) {
      if (slot.is_null()) {
        slot = json::array();
        arrays_.insert(parts);
      }
      if (!slot.is_array()) fail("'" + joined(parts) + "' is already a table");
      if (!arrays_.contains(parts)) fail("'" + joined(parts) + "' is already a value");
      forget_below(parts);
      slot.push_back(json::object());
      return &slot.back();
    }
    if (!defined_.insert(parts).second) fail("table '" + joined(parts) + "' defined twice");
    if (slot.is_null()) slot = json::object();
    if (slot.is_array()) fail("'" + joined(parts) + "' is already an array of tables");
    if (!slot.is_object()) fail("'" + joined(parts) + "' is already a value");
    return &slot;
  }

  void key_value(json& table) {
    Path parts = dotted_key();
    skip_spaces();
    if (peek() != '=') fail("expected '=' after the key");
    ++i_;
    skip_spaces();
    json* t = descend(table, parts, parts.size() - 1);
    if (t->contains(parts.back())) fail("key '" + joined(parts) + "' defined twice");
    (*t)[parts.back()] = value();
  }

  json value() {
    char c = peek();
    if (starts("\"\"\"") || starts("'''")) fail("multi-line strings are not supported");
    if (c == '"') return basic_string();
    if (c == '\'') return literal_string();
    if (c == '[') return array();
    if (starts("true")) {
      i_ += 4;
      return true;
    }
    if (starts("false")) {
      i_ += 5;
      return false;
    }
    if (c == '+' || c == '-' || (c >= '0' && c <= '9')) return integer();
    fail("unsupported value");
  }

  json integer() {
    std::string digits;
    if (peek() == '+' || peek() == '-') digits += s_[i_++];
    while (!at_end() && ((peek() >= '0' && peek() <= '9') || peek() == '_')) {
      if (peek() != '_') digits += peek();
      ++i_;
    }
    if (!at_end() && (peek() == '.' || peek() == 'e' || peek() == 'E' || peek() == ':' ||
                      peek() == 'x' || peek() == 'o' || peek() == 'b')) {
      fail("only whole numbers are supported");
    }
    if (digits.empty() || digits == "+" || digits == "-" || digits.size() > 20) {
      fail("unsupported number");
    }
    try {
      return std::stoll(digits);
    } catch (const std::out_of_range&) {
      fail("unsupported number");
    }
  }

  json array() {
    ++i_;  // '['
    json out = json::array();
    for (;;) {
      skip_blank_lines();
      if (peek() == ']') {
        ++i_;
        return out;
      }
      if (at_end()) fail("an array is not closed");
      out.push_back(value());
      skip_blank_lines();
      if (peek() == ',') {
        ++i_;
      } else if (at_end()) {
        fail("an array is not closed");
      } else if (peek() != ']') {
        fail("expected ',' or ']' in an array");
      }
    }
  }

  std::uint32_t hex_digits(int n) {
    std::uint32_t cp = 0;
    for (int k = 0; k < n; ++k, ++i_) {
      char h = peek();
      cp <<= 4;
      if (h >= '0' && h <= '9') {
        cp |= static_cast<std::uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        cp |= static_cast<std::uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        cp |= static_cast<std::uint32_t>(h - 'A' + 10);
      } else {
        fail("a malformed \\u escape");
      }
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("an escape that is not a character");
    return cp;
  }

  std::string basic_string() {
    ++i_;  // '"'
    std::string out;
    for (;;) {
      if (at_end() || peek() == '\n') fail("a string is not closed on its line");
      char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        unsigned char u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7F) fail("a control character in a string");
        out += c;
        continue;
      }
      char e = peek();
      ++i_;
      switch (e) {
        case 'b':
          out += '\b';
          break;
        case 't':
          out += '\t';
          break;
        case 'n':
          out += '\n';
          break;
        case 'f':
          out += '\f';
          break;
        case 'r':
          out += '\r';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case 'u':
          append_utf8(out, hex_digits(4));
          break;
        case 'U':
          append_utf8(out, hex_digits(8));
          break;
        default:
          fail("an unknown escape in a string");
      }
    }
  }

  std::string literal_string() {
    ++i_;  // '\''
    std::size_t start = i_;
    while (!at_end() && peek() != '\'' && peek() != '\n') ++i_;
    if (peek() != '\'') fail("a string is not closed on its line");
    std::string out(s_.substr(start, i_ - start));
    ++i_;
    return out;
  }
};

/// `value` as a TOML basic string, quoted and escaped.
std::string toml_string(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7F) {
      static const char* hex = "0123456789ABCDEF";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

using ordered_json = nlohmann::ordered_json;

bool is_array_of_tables(const ordered_json& v) {
  return v.is_array() && !v.empty() &&
         std::all_of(v.begin(), v.end(), [](const ordered_json& item) { return item.is_object(); });
}

/// Whether `v` goes under a header of its own rather than after `key =`.
bool is_table_like(const ordered_json& v) {
  return v.is_object() || is_array_of_tables(v);
}

class Writer {
 public:
  std::string document(const ordered_json& doc) {
    if (!doc.is_object()) throw std::invalid_argument("a TOML document is a table");
    table(doc, {}, false);
    return std::move(out_);
  }

 private:
  std::string out_;

  static std::string key(const std::string& k) {
    bool bare = !k.empty() && std::all_of(k.begin(), k.end(), is_bare_key_char);
    return bare ? k : toml_string(k);
  }
  static std::string dotted(const Path& path) {
    std::string out;
    for (const auto& p : path) out += (out.empty() ? "" : ".") + key(p);
    return out;
  }

  static std::string value(const ordered_json& v, const Path& path) {
    switch (v.type()) {
      case ordered_json::value_t::string:
        return toml_string(v.get_ref<const std::string&>());
      case ordered_json::value_t::boolean:
        return v.get<bool>() ? "true" : "false";
      case ordered_json::value_t::number_integer:
        return std::to_string(v.get<std::int64_t>());
      case ordered_json::value_t::number_unsigned:
        if (v.get<std::uint64_t>() > std::numeric_limits<std::int64_t>::max()) break;
        return std::to_string(v.get<std::uint64_t>());
      case ordered_json::value_t::array: {
        if (std::any_of(v.begin(), v.end(), [](const ordered_json& i) { return i.is_object(); }))
          throw std::invalid_argument("'" + dotted(path) + "' mixes tables and values");
        std::string out;
        for (const auto& item : v) out += (out.empty() ? "" : ", ") + value(item, path);
        return "[" + out + "]";
      }
      default:
        break;
    }
    throw std::invalid_argument("'" + dotted(path) + "' holds " + v.type_name() +
                                ", which TOML's part written here cannot hold");
  }

  void header(const std::string& text) {
    if (!out_.empty()) out_ += '\n';
    out_ += text + '\n';
  }

  /// The table `t` at `path`: its header, its values, then its tables.
  void table(const ordered_json& t, const Path& path, bool array_item) {
    bool has_values =
        std::any_of(t.begin(), t.end(), [](const auto& v) { return !is_table_like(v); });
    if (array_item) {
      header("[[" + dotted(path) + "]]");
    } else if (!path.empty() && (has_values || t.empty())) {
      header("[" + dotted(path) + "]");
    }
    for (const auto& [k, v] : t.items()) {
      if (!is_table_like(v)) out_ += key(k) + " = " + value(v, with(path, k)) + '\n';
    }
    for (const auto& [k, v] : t.items()) {
      if (v.is_object()) {
        table(v, with(path, k), false);
      } else if (is_array_of_tables(v)) {
        for (const auto& item : v) table(item, with(path, k), true);
      }
    }
  }

  static Path with(Path path, const std::string& k) {
    path.push_back(k);
    return path;
  }
};

}  // namespace

json parse_toml(std::string_view text) {
  return Reader(text).document();
}

std::vector<TomlSection> toml_sections(std::string_view text) {
  Reader reader(text);
  reader.document();
  return reader.sections();
}

std::string write_toml(const nlohmann::ordered_json& doc) {
  return Writer().document(doc);
}

}  // namespace whiskey
