#include "recipe.h"

#include <set>
#include <sstream>

namespace whiskey {
namespace {

void hash_file(Sha256& h, const std::string& name, const std::string& contents) {
  std::string head = name + "\n" + std::to_string(contents.size()) + "\n";
  h.update({head.data(), head.size()});
  h.update({contents.data(), contents.size()});
}

}  // namespace

std::string Recipe::apache_version() const {
  for (const auto& s : sources) {
    if (s.name == "httpd") return s.version;
  }
  return "";
}

Recipe load_recipe(const Disk& disk, const std::filesystem::path& dir) {
  const auto list = dir / "sources.txt";
  auto text = disk.read_file(list);
  if (!text) throw RecipeError(list, "missing");
  auto script = disk.read_file(dir / kRecipeScript, 1 << 20);
  if (!script) throw RecipeError(dir / kRecipeScript, "missing");

  Recipe recipe{dir, {}, {}, Sha256().finish()};
  std::istringstream lines(*text);
  std::string line;
  int number = 0;
  std::set<std::string> names;
  while (std::getline(lines, line)) {
    ++number;
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    std::istringstream fields(line);
    std::string name, version, file, sha, url, extra;
    if (!(fields >> name >> version >> file >> sha >> url) || (fields >> extra)) {
      throw RecipeError(
          list, "line " + std::to_string(number) + " is not \"name version file sha256 url\"");
    }
    std::optional<Sha256Digest> digest;
    try {
      digest = Sha256Digest::parse(sha);
    } catch (const std::invalid_argument& e) {
      throw RecipeError(list, "line " + std::to_string(number) + ": " + e.what());
    }
    if (file.find('/') != std::string::npos || file.starts_with(".")) {
      throw RecipeError(
          list, "line " + std::to_string(number) + ": '" + file + "' is not a plain file name");
    }
    if (!names.insert(name).second) {
      throw RecipeError(list, "'" + name + "' is pinned twice");
    }
    recipe.sources.push_back({name, version, file, *digest, url});
  }
  for (const char* wanted : {"apr", "apr-util", "httpd"}) {
    if (!names.count(wanted)) throw RecipeError(list, "no pin for " + std::string(wanted));
  }

  Sha256 h;
  hash_file(h, "sources.txt", *text);
  hash_file(h, kRecipeScript, *script);
  for (const auto& name : disk.list_directory(dir / "patches")) {
    if (!name.ends_with(".patch")) continue;
    auto patch = disk.read_file(dir / "patches" / name, 4 << 20);
    if (!patch) throw RecipeError(dir / "patches" / name, "unreadable");
    hash_file(h, "patches/" + name, *patch);
    recipe.patches.push_back(name);
  }
  recipe.digest = h.finish();
  return recipe;
}

std::string source_url(const RecipeSource& source, const std::string& mirror) {
  if (mirror.empty()) return source.url;
  std::string base = mirror;
  if (!base.ends_with("/")) base += "/";
  std::string_view url = source.url;
  std::string_view archive = kApacheArchive;
  if (url.starts_with(archive)) return base + std::string(url.substr(archive.size()));
  return base + source.file;
}

}  // namespace whiskey
