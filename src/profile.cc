#include "profile.h"

namespace whiskey {
namespace {

constexpr const char* kBinDirs[] = {".whiskey/bin", ".whiskey/apache/bin"};

/// "A:B:C" with each part behind `prefix`.
std::string join_under(const std::string& prefix, const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ':';
    out += prefix + p;
  }
  return out;
}

}  // namespace

std::vector<std::string> bundle_library_dirs(const Disk& disk, const std::filesystem::path& app) {
  std::vector<std::string> dirs;
  for (const auto& name : disk.list_directory(app / ".whiskey")) {
    if (disk.is_directory(app / ".whiskey" / name / "lib"))
      dirs.push_back(".whiskey/" + name + "/lib");
  }
  return dirs;
}

std::string shell_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string profile_script(const std::vector<std::string>& lib_dirs) {
  std::vector<std::string> bins(std::begin(kBinDirs), std::end(kBinDirs));
  std::string s = "# Written by the mod_wsgi-heroku buildpack.\n";
  s += "export PATH=\"" + join_under("$HOME/", bins) + ":$PATH\"\n";
  if (!lib_dirs.empty()) {
    s += "export LD_LIBRARY_PATH=\"" + join_under("$HOME/", lib_dirs) +
         "${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n";
  }
  return s;
}

std::string export_script(const std::filesystem::path& build_dir,
                          const std::vector<std::string>& lib_dirs, bool has_apxs) {
  std::string base = build_dir.string() + "/";
  std::vector<std::string> bins(std::begin(kBinDirs), std::end(kBinDirs));
  std::string s = "export PATH=" + shell_quote(join_under(base, bins)) + "\":$PATH\"\n";
  if (!lib_dirs.empty()) {
    s += "export LD_LIBRARY_PATH=" + shell_quote(join_under(base, lib_dirs)) +
         "\"${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n";
  }
  if (has_apxs) s += "export APXS=" + shell_quote(base + ".whiskey/apache/bin/apxs") + "\n";
  return s;
}

}  // namespace whiskey
