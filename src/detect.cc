#include "detect.h"

#include <array>
#include <cctype>

namespace whiskey {
namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

/// `line` without a trailing comment: '#' at the start or after white space
/// (a '#' inside a URL, as in "...#egg=name", is not a comment).
std::string_view strip_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
      return line.substr(0, i);
    }
  }
  return line;
}

/// Calls `fn` on each line of `text`, without its comment, that has
/// anything left.
template <typename Fn>
bool any_line(std::string_view text, Fn fn) {
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = strip_comment(text.substr(0, nl));
    auto first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && fn(line)) return true;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return false;
}

/// Whether `word` occurs in `line` as a whole name (not inside a longer one).
bool has_word(std::string_view line, std::string_view word, bool case_insensitive) {
  auto eq = [&](char a, char b) {
    if (!case_insensitive) return a == b;
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  for (std::size_t i = 0; i + word.size() <= line.size(); ++i) {
    bool match = true;
    for (std::size_t j = 0; j < word.size() && match; ++j) match = eq(line[i + j], word[j]);
    if (!match) continue;
    bool left_ok = i == 0 || !name_char(line[i - 1]);
    std::size_t end = i + word.size();
    // '.', '-' and '_' continue a name: "mod_wsgi-standalone" is another project.
    bool right_ok = end == line.size() || !name_char(line[end]);
    if (left_ok && right_ok) return true;
  }
  return false;
}

}  // namespace

bool names_mod_wsgi(std::string_view text) {
  return any_line(text, [](std::string_view line) {
    for (auto sep : {'_', '-', '.'}) {
      std::string name = "mod";
      name += sep;
      name += "wsgi";
      if (has_word(line, name, true)) return true;
    }
    return false;
  });
}

bool procfile_runs_mod_wsgi(std::string_view procfile) {
  return any_line(procfile, [](std::string_view line) {
    return has_word(line, "mod_wsgi-heroku-start", false) ||
           has_word(line, "mod_wsgi-express", false);
  });
}

std::optional<std::string> dependency_naming_mod_wsgi(const Disk& disk,
                                                      const std::filesystem::path& app) {
  static constexpr std::array kDependencyFiles = {"requirements.txt", "Pipfile", "pyproject.toml",
                                                  "setup.py", "setup.cfg"};
  for (const char* name : kDependencyFiles) {
    if (auto text = disk.read_file(app / name); text && names_mod_wsgi(*text)) return name;
  }
  for (const auto& name : disk.list_directory(app / "requirements")) {
    if (name.size() < 4 || name.substr(name.size() - 4) != ".txt") continue;
    if (auto text = disk.read_file(app / "requirements" / name); text && names_mod_wsgi(*text)) {
      return "requirements/" + name;
    }
  }
  return std::nullopt;
}

std::optional<std::string> detect_app(const Disk& disk, const std::filesystem::path& app) {
  if (auto file = dependency_naming_mod_wsgi(disk, app)) return *file + " names mod_wsgi";
  if (auto text = disk.read_file(app / "Procfile"); text && procfile_runs_mod_wsgi(*text)) {
    return "the Procfile runs mod_wsgi";
  }
  if (disk.is_directory(app / ".whiskey")) return "the app has a .whiskey folder";
  return std::nullopt;
}

int run_detect(const Disk& disk, const Invocation& call, std::ostream& out) {
  if (std::holds_alternative<CnbCall>(call)) {
    std::error_code ec;
    return detect_app(disk, std::filesystem::current_path(ec)) ? kCnbDetected : kCnbNotDetected;
  }
  if (!detect_app(disk, std::get<ClassicCall>(call).args.at(0))) return kNotDetected;
  out << kBuildpackName << "\n";
  return kDetected;
}

}  // namespace whiskey
