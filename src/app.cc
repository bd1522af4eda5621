#include "app.h"

#include <vector>

namespace whiskey {

std::string settings_module(std::string_view manage_py) {
  // The first mention outside a comment line.
  std::size_t key = std::string_view::npos;
  for (std::size_t at = 0;
       (at = manage_py.find("DJANGO_SETTINGS_MODULE", at)) != std::string_view::npos; at += 22) {
    auto line_start = manage_py.rfind('\n', at);
    line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
    auto first = manage_py.find_first_not_of(" \t", line_start);
    if (manage_py[first] != '#') {
      key = at;
      break;
    }
  }
  if (key == std::string_view::npos) return {};
  auto rest = manage_py.substr(key + 22);
  // The value is the next quoted string after the key: ("...", "mysite.settings")
  auto q = rest.find_first_of("'\"");
  if (q == std::string_view::npos) return {};
  // Skip the key's own closing quote when the key was quoted.
  if (q == 0) {
    rest.remove_prefix(1);
    q = rest.find_first_of("'\"");
    if (q == std::string_view::npos) return {};
  }
  char quote = rest[q];
  auto end = rest.find(quote, q + 1);
  if (end == std::string_view::npos) return {};
  return std::string(rest.substr(q + 1, end - q - 1));
}

namespace {

/// The project named by manage.py's DJANGO_SETTINGS_MODULE ("mysite" for
/// "mysite.settings"), or "".
std::string settings_project(std::string_view manage_py) {
  std::string module = settings_module(manage_py);
  return module.substr(0, module.find('.'));
}

}  // namespace

std::optional<std::string> find_entry(const Disk& disk, const std::filesystem::path& app) {
  for (const char* name : {"wsgi.py", "app.py"}) {
    if (disk.is_file(app / name)) return std::string(name);
  }
  std::vector<std::string> projects;
  for (const auto& name : disk.list_directory(app)) {
    if (name.empty() || name[0] == '.') continue;
    if (disk.is_file(app / name / "wsgi.py")) projects.push_back(name);
  }
  if (projects.empty()) return std::nullopt;
  if (auto manage = disk.read_file(app / "manage.py")) {
    std::string named = settings_project(*manage);
    for (const auto& p : projects) {
      if (p == named) return p + "/wsgi.py";
    }
  }
  return projects.front() + "/wsgi.py";
}

std::string web_command(const std::string& entry) {
  return std::string("web: ") + kLauncher + " " + entry;
}

std::optional<std::string> procfile_web(std::string_view procfile) {
  while (!procfile.empty()) {
    auto nl = procfile.find('\n');
    auto line = procfile.substr(0, nl);
    auto first = line.find_first_not_of(" \t");
    if (first != std::string_view::npos && line.substr(first).rfind("web:", 0) == 0) {
      auto command = line.substr(first + 4);
      while (!command.empty() &&
             (command.back() == '\r' || command.back() == ' ' || command.back() == '\t')) {
        command.remove_suffix(1);
      }
      auto start = command.find_first_not_of(" \t");
      return std::string(start == std::string_view::npos ? "" : command.substr(start));
    }
    if (nl == std::string_view::npos) break;
    procfile.remove_prefix(nl + 1);
  }
  return std::nullopt;
}

bool procfile_has_web(std::string_view procfile) {
  return procfile_web(procfile).has_value();
}

std::string release_yaml(const std::optional<std::string>& entry) {
  if (!entry) return "---\n";
  return "---\ndefault_process_types:\n  web: " + std::string(kLauncher) + " " + *entry + "\n";
}

}  // namespace whiskey
