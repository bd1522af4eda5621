// The recipe that builds Apache (vendor/apache): the pinned sources of
// sources.txt, the patches, and the build steps, with one digest over all
// of them that names what they build.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "digest.h"
#include "disk.h"
#include "errors.h"

namespace whiskey {

/// Where the recipe is, inside the buildpack.
inline constexpr const char* kRecipeDir = "vendor/apache";
/// The build steps compile runs, inside the recipe.
inline constexpr const char* kRecipeScript = "build-tree.sh";
/// Where sources.txt's URLs point, and what a mirror (WHISKEY_APACHE_MIRROR)
/// stands in for.
inline constexpr const char* kApacheArchive = "https://archive.apache.org/dist/";

/// One pinned source archive.
struct RecipeSource {
  std::string name;     ///< apr, apr-util, httpd
  std::string version;  ///< 1.7.2
  std::string file;     ///< apr-1.7.2.tar.bz2
  Sha256Digest sha256;  ///< what its bytes must hash to
  std::string url;      ///< upstream
  /// The folder the archive unpacks to: NAME-VERSION.
  std::string folder() const { return name + "-" + version; }
};

struct Recipe {
  std::filesystem::path dir;
  std::vector<RecipeSource> sources;
  std::vector<std::string> patches;  ///< file names under patches/, sorted
  Sha256Digest digest;               ///< of sources.txt, the build steps and the patches
  /// The httpd version it builds.
  std::string apache_version() const;
};

/// The recipe cannot be used: missing, or sources.txt unreadable.
class RecipeError : public Failure {
 public:
  RecipeError(std::filesystem::path path, std::string detail)
      : Failure(path.string() + ": " + detail), path(std::move(path)), detail(std::move(detail)) {}
  std::filesystem::path path;
  std::string detail;
};

/// The recipe in `dir` (the buildpack's vendor/apache). Throws RecipeError
/// when sources.txt or the build steps are missing, or a line of
/// sources.txt is not "name version file sha256 url" with apr, apr-util and
/// httpd each named once.
Recipe load_recipe(const Disk& disk, const std::filesystem::path& dir);

/// Where `source` is downloaded from: its upstream URL, or, with `mirror`,
/// the same path under the mirror (the part after the Apache archive's
/// /dist/, else the file name).
std::string source_url(const RecipeSource& source, const std::string& mirror);

}  // namespace whiskey
