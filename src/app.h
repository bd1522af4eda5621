// The app's web process: which script to serve, the Procfile, release's YAML.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "disk.h"

namespace whiskey {

/// The launcher every web process runs.
inline constexpr const char* kLauncher = "mod_wsgi-heroku-start";

/// The WSGI script to serve, relative to the app: wsgi.py, else app.py, else
/// a Django project's <project>/wsgi.py (the project manage.py names, else
/// the only one, else the first in name order). nullopt when there is none.
std::optional<std::string> find_entry(const Disk& disk, const std::filesystem::path& app);

/// The warning when an app has neither a Procfile web process nor a WSGI
/// script to serve: its headline and body.
inline constexpr const char* kNoEntryHeadline = "No WSGI script found";
inline constexpr const char* kNoEntryBody =
    "The app has no Procfile web process, and none of wsgi.py, app.py or a\n"
    "Django project's <project>/wsgi.py, so no web process was set up.\n"
    "Add a Procfile naming your WSGI script, for example:\n"
    "  web: mod_wsgi-heroku-start myapp/wsgi.py";

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
