// The build's side of a Django app's static files (static_site.h has the
// web process's): after the Python buildpack's collectstatic, ask the app's
// Django for STATIC_URL and STATIC_ROOT, write a compressed copy beside each
// text file there (name.gz, and name.br where the system has Brotli), and
// keep what was found in the app's .whiskey/static-files.json, from which
// mod_wsgi-heroku-start serves them with Apache.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "clock.h"
#include "disk.h"
#include "output.h"
#include "process.h"
#include "static_site.h"
#include "vars.h"

namespace whiskey {

/// Python code that prints, on a line of its own after kDjangoProbeMarker, a
/// JSON object of what the app's Django says: {"django": false} when Django
/// is not installed; else the settings module (DJANGO_SETTINGS_MODULE), and
/// static_url, static_root (absolute) or error. Run with the app's folder as
/// argv[1].
extern const char* const kDjangoProbe;
inline constexpr std::string_view kDjangoProbeMarker = "mod_wsgi-heroku-django-static: ";

/// What kDjangoProbe said.
struct DjangoSettings {
  bool django = false;  ///< Django is installed
  std::string settings;
  std::optional<std::string> static_url;
  std::optional<std::string> static_root;
  std::string error;  ///< why the settings did not load
};

/// The probe's `output` (any other lines are the app's own). Throws
/// std::invalid_argument when it holds no marked line of that shape.
DjangoSettings parse_django_probe(const std::string& output);

/// The StaticSite for `s`, in the app at `app_dir`, or why there is none,
/// for the build's log.
std::variant<StaticSite, std::string> static_site_for(const DjangoSettings& s,
                                                      const std::filesystem::path& app_dir,
                                                      const Disk& disk);

/// A compressor: the compressed bytes, or nullopt when it fails.
using Compressor = std::function<std::optional<std::string>(std::string_view)>;

/// gzip (zlib, level 9).
std::optional<std::string> gzip_bytes(std::string_view data);

/// Brotli at its best quality from the system's libbrotlienc (loaded when
/// first asked for; the build images have it for curl); an empty function
/// when the system has none.
Compressor system_brotli();

struct PrecompressStats {
  int files = 0;  ///< compressible files looked at
  int gzip = 0;   ///< .gz copies written
  int brotli = 0;
  int kept = 0;  ///< copies already there (made by WhiteNoise, or an earlier build)
  /// The sizes of the files given each kind of copy, and of those copies.
  std::uint64_t gzip_in = 0, gzip_out = 0, brotli_in = 0, brotli_out = 0;
};

/// Files larger than this are left as they are.
inline constexpr std::size_t kMaxPrecompress = 16 << 20;

/// Writes name.gz (and name.br, when `brotli` is set) beside each
/// compressible() file under `root` of at least 256 bytes, where none is
/// there yet and the copy is smaller by at least a twentieth.
PrecompressStats precompress(const std::filesystem::path& root, Disk& disk, const Compressor& gzip,
                             const Compressor& brotli);

/// The whole step, in the app at `app_dir` whose bundle is at `bundle_dir`:
/// says nothing when the app has no manage.py; a detail line when it is not
/// set up for this (no Python yet: `no_python` says why and what to do; no
/// STATIC_ROOT), a warning when its settings do not load; else precompresses
/// and writes kStaticSitePath.
void django_static_step(const std::filesystem::path& app_dir,
                        const std::filesystem::path& bundle_dir, const Vars& vars, Disk& disk,
                        Runner& runner, Output& out, Clock& clock, const std::string& no_python,
                        const Compressor& brotli = system_brotli());

/// `no_python` for the classic build, and for the Cloud Native one.
inline constexpr const char* kNoPythonClassic =
    "no Python in the app yet: put heroku/python before this buildpack for Apache to serve them";
inline constexpr const char* kNoPythonCnb =
    "the Python buildpack runs after this one in a Cloud Native build: serve them with the "
    "Procfile's --url-alias STATIC_URL STATIC_ROOT";

}  // namespace whiskey
