// The environment the bundle needs: .profile.d/whiskey.sh at run time, and
// the buildpack's `export` for the buildpacks that run after this one.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "disk.h"

namespace whiskey {

/// The bundle's library folders, relative to the app (".whiskey/apr/lib"):
/// every .whiskey/<name>/lib that is a folder, in name order.
std::vector<std::string> bundle_library_dirs(const Disk& disk, const std::filesystem::path& app);

/// .profile.d/whiskey.sh: PATH to the launcher and Apache's programs,
/// LD_LIBRARY_PATH to the bundle's libraries, all under $HOME (/app).
std::string profile_script(const std::vector<std::string>& lib_dirs);

/// The `export` file: the same, with the build folder's absolute paths, and
/// APXS when the bundle has apxs.
std::string export_script(const std::filesystem::path& build_dir,
                          const std::vector<std::string>& lib_dirs, bool has_apxs);

/// `value` quoted for a POSIX shell.
std::string shell_quote(const std::string& value);

}  // namespace whiskey
