// The app's web process: which script to serve, the Procfile, release's YAML.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "disk.h"

namespace whiskey {

/// The launcher every web process runs.
inline constexpr const char* kLauncher = "mod_wsgi-heroku-start";

/// The settings module manage.py's DJANGO_SETTINGS_MODULE names
/// ("mysite.settings"), or "": the first mention outside a comment line.
std::string settings_module(std::string_view manage_py);

/// The WSGI script to serve, relative to the app: wsgi.py, else app.py, else
/// a Django project's <project>/wsgi.py (the project manage.py names, else
/// the only one, else the first in name order). nullopt when there is none.
std::optional<std::string> find_entry(const Disk& disk, const std::filesystem::path& app);

/// "web: mod_wsgi-heroku-start <entry>".
std::string web_command(const std::string& entry);

/// The command of the Procfile's web process ("" when the line is bare), or
/// nullopt when it declares none.
std::optional<std::string> procfile_web(std::string_view procfile);

/// Whether a Procfile declares a web process.
bool procfile_has_web(std::string_view procfile);

/// bin/release's YAML: the web process when there is an entry.
std::string release_yaml(const std::optional<std::string>& entry);

}  // namespace whiskey
