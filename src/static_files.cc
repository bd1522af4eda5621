#include "static_files.h"

#include <dlfcn.h>
#include <zlib.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "app.h"
#include "launch.h"
#include "messages.h"
#include "mod_wsgi_build.h"

namespace whiskey {
namespace fs = std::filesystem;

const char* const kDjangoProbe = R"PY(import json, os, sys
app = sys.argv[1]
os.chdir(app)
sys.path.insert(0, app)
def say(**fields):
    sys.stdout.write("\nmod_wsgi-heroku-django-static: " + json.dumps(fields) + "\n")
    sys.exit(0)
try:
    import django
except ImportError:
    say(django=False)
module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
if not module:
    say(django=True, settings="", error="manage.py does not name DJANGO_SETTINGS_MODULE, "
        "and the DJANGO_SETTINGS_MODULE config var is not set")
try:
    django.setup()
    from django.conf import settings
    url, root = settings.STATIC_URL, settings.STATIC_ROOT
except Exception as e:
    say(django=True, settings=module, error="%s: %s" % (type(e).__name__, e))
say(django=True, settings=module,
    static_url=None if url is None else str(url),
    static_root=None if not root else os.path.abspath(os.fspath(root)))
)PY";

namespace {

/// Config vars the app's Python is not given, as the Python buildpack
/// leaves them out of collectstatic's environment.
bool withheld(const std::string& name) {
  for (const char* n : {"PATH", "GIT_DIR", "CPATH", "CPPATH", "LD_PRELOAD", "LIBRARY_PATH",
                        "LD_LIBRARY_PATH", "PYTHONHOME"}) {
    if (name == n) return true;
  }
  return false;
}

std::optional<std::string> text_or_null(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw std::invalid_argument(std::string(name) + " is not text");
  return it->get<std::string>();
}

struct ZStream {
  z_stream s{};
  bool live = false;
  ~ZStream() {
    if (live) deflateEnd(&s);
  }
};

/// libbrotlienc, loaded with dlopen: the build images have the library (curl
/// needs it) but not its headers. BrotliEncoderCompress has had this
/// signature since Brotli 1.0.
class BrotliLibrary {
 public:
  using Compress = int (*)(int quality, int lgwin, int mode, std::size_t input_size,
                           const std::uint8_t* input, std::size_t* encoded_size,
                           std::uint8_t* encoded);
  using MaxSize = std::size_t (*)(std::size_t input_size);

  BrotliLibrary() {
    for (const char* name : {"libbrotlienc.so.1", "libbrotlienc.so"}) {
      handle_ = ::dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (handle_) break;
    }
    if (!handle_) return;
    compress_ = reinterpret_cast<Compress>(::dlsym(handle_, "BrotliEncoderCompress"));
    max_size_ = reinterpret_cast<MaxSize>(::dlsym(handle_, "BrotliEncoderMaxCompressedSize"));
  }
  ~BrotliLibrary() {
    if (handle_) ::dlclose(handle_);
  }
  BrotliLibrary(const BrotliLibrary&) = delete;
  BrotliLibrary& operator=(const BrotliLibrary&) = delete;

  bool usable() const { return compress_ && max_size_; }

  std::optional<std::string> compress(std::string_view data) const {
    constexpr int kBestQuality = 11, kWindow = 22, kTextMode = 1;
    std::size_t size = max_size_(data.size());
    if (size == 0) return std::nullopt;
    std::string out(size, '\0');
    if (!compress_(kBestQuality, kWindow, kTextMode, data.size(),
                   reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                   reinterpret_cast<std::uint8_t*>(out.data()))) {
      return std::nullopt;
    }
    out.resize(size);
    return out;
  }

 private:
  void* handle_ = nullptr;
  Compress compress_ = nullptr;
  MaxSize max_size_ = nullptr;
};

/// The file's bytes, when it is a regular file of at most kMaxPrecompress.
std::optional<std::string> small_file(const Disk& disk, const fs::path& path) {
  constexpr std::size_t kFirst = 1 << 20;
  auto data = disk.read_file(path, kFirst);
  if (data && data->size() == kFirst) data = disk.read_file(path, kMaxPrecompress + 1);
  if (!data || data->size() > kMaxPrecompress) return std::nullopt;
  return data;
}

void precompress_file(const fs::path& path, Disk& disk, const Compressor& gzip,
                      const Compressor& brotli, PrecompressStats& stats) {
  std::vector<std::pair<std::string, const Compressor*>> wanted;
  for (const auto& [suffix, compressor] : {std::pair{".gz", &gzip}, std::pair{".br", &brotli}}) {
    if (!*compressor) continue;
    fs::path copy = path;
    copy += suffix;
    if (disk.is_file(copy)) {
      ++stats.kept;
    } else {
      wanted.emplace_back(suffix, compressor);
    }
  }
  if (wanted.empty()) return;
  auto data = small_file(disk, path);
  constexpr std::size_t kMinimum = 256;
  if (!data || data->size() < kMinimum) return;
  for (const auto& [suffix, compressor] : wanted) {
    auto packed = (*compressor)(*data);
    // Worth sending only when it saves a twentieth (WhiteNoise's rule too).
    if (!packed || packed->size() * 20 > data->size() * 19) continue;
    fs::path copy = path;
    copy += suffix;
    disk.write_file(copy, *packed);
    bool gz = suffix == ".gz";
    (gz ? stats.gzip : stats.brotli) += 1;
    (gz ? stats.gzip_in : stats.brotli_in) += data->size();
    (gz ? stats.gzip_out : stats.brotli_out) += packed->size();
  }
}

void precompress_in(const fs::path& dir, int depth, Disk& disk, const Compressor& gzip,
                    const Compressor& brotli, PrecompressStats& stats) {
  constexpr int kMaxDepth = 32;  // and no further, should links make a loop
  if (depth > kMaxDepth) return;
  for (const auto& name : disk.list_directory(dir)) {
    fs::path path = dir / name;
    if (disk.is_directory(path)) {
      precompress_in(path, depth + 1, disk, gzip, brotli, stats);
    } else if (compressible(name) && disk.is_file(path)) {
      ++stats.files;
      precompress_file(path, disk, gzip, brotli, stats);
    }
  }
}

std::string percent_of(std::uint64_t part, std::uint64_t whole) {
  char text[16];
  std::snprintf(text, sizeof text, "%.0f%%",
                whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return text;
}

}  // namespace

DjangoSettings parse_django_probe(const std::string& output) {
  std::size_t at = output.rfind(std::string("\n") + std::string(kDjangoProbeMarker));
  if (at == std::string::npos) throw std::invalid_argument("the app's Python printed no answer");
  std::size_t start = at + 1 + kDjangoProbeMarker.size();
  std::size_t end = output.find('\n', start);
  nlohmann::json doc = nlohmann::json::parse(
      output.substr(start, end == std::string::npos ? std::string::npos : end - start), nullptr,
      false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("django") ||
      !doc["django"].is_boolean()) {
    throw std::invalid_argument("the app's Python printed an answer of another shape");
  }
  DjangoSettings s;
  s.django = doc["django"].get<bool>();
  s.settings = text_or_null(doc, "settings").value_or("");
  s.static_url = text_or_null(doc, "static_url");
  s.static_root = text_or_null(doc, "static_root");
  s.error = text_or_null(doc, "error").value_or("");
  return s;
}

std::variant<StaticSite, std::string> static_site_for(const DjangoSettings& s,
                                                      const fs::path& app_dir, const Disk& disk) {
  if (!s.static_url || s.static_url->empty()) return "STATIC_URL is not set";
  const std::string& url = *s.static_url;
  if (url.find("://") != std::string::npos || url.rfind("//", 0) == 0) {
    return "STATIC_URL is " + url + ", another host";
  }
  if (!s.static_root) return "STATIC_ROOT is not set";
  fs::path root = fs::path(*s.static_root).lexically_normal();
  fs::path relative = root.lexically_relative(app_dir.lexically_normal());
  StaticSite site{url, relative.string(), s.settings};
  if (auto why = static_site_refusal(site); !why.empty()) {
    return why.starts_with("STATIC_ROOT") ? "STATIC_ROOT " + root.string() + " is not in the app"
                                          : why;
  }
  if (!disk.is_directory(app_dir / relative)) {
    return "STATIC_ROOT " + site.root + " is not there: collectstatic did not run";
  }
  return site;
}

std::optional<std::string> gzip_bytes(std::string_view data) {
  ZStream z;
  constexpr int kGzipWindow = 15 + 16, kMemLevel = 9;
  if (deflateInit2(&z.s, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindow, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return std::nullopt;
  }
  z.live = true;
  std::string out(deflateBound(&z.s, static_cast<uLong>(data.size())) + 32, '\0');
  z.s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.s.avail_in = static_cast<uInt>(data.size());
  z.s.next_out = reinterpret_cast<Bytef*>(out.data());
  z.s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z.s, Z_FINISH) != Z_STREAM_END) return std::nullopt;
  out.resize(z.s.total_out);
  return out;
}

Compressor system_brotli() {
  auto library = std::make_shared<BrotliLibrary>();
  if (!library->usable()) return {};
  return [library](std::string_view data) { return library->compress(data); };
}

PrecompressStats precompress(const fs::path& root, Disk& disk, const Compressor& gzip,
                             const Compressor& brotli) {
  PrecompressStats stats;
  precompress_in(root, 0, disk, gzip, brotli, stats);
  return stats;
}

void django_static_step(const fs::path& app_dir, const fs::path& bundle_dir, const Vars& vars,
                        Disk& disk, Runner& runner, Output& out, Clock& clock,
                        const std::string& no_python, const Compressor& brotli) {
  if (!disk.is_file(app_dir / "manage.py")) return;
  out.step("Django's static files");
  auto python = app_python(disk, app_dir);
  if (!python) {
    out.detail("Left to the app: " + no_python);
    return;
  }
  std::map<std::string, std::string> env;
  for (const auto& [name, value] : vars) {
    if (!withheld(name)) env[name] = value;
  }
  for (const auto& [name, value] : python_build_env(app_dir, bundle_dir, vars)) env[name] = value;
  // As manage.py sets it, unless a config var does.
  if (var_or(vars, "DJANGO_SETTINGS_MODULE").empty()) {
    std::string module = settings_module(disk.read_file(app_dir / "manage.py").value_or(""));
    if (!module.empty()) env["DJANGO_SETTINGS_MODULE"] = module;
  }
  std::string output;
  int status = runner.run({*python, "-c", kDjangoProbe, app_dir.string()}, env, &output);
  DjangoSettings settings;
  try {
    settings = parse_django_probe(output);
  } catch (const std::invalid_argument&) {
    constexpr std::size_t kTail = 2000;
    std::string tail =
        output.size() > kTail ? "..." + output.substr(output.size() - kTail) : output;
    out.warning(django_settings_warning(
        "", "The app's Python ended with exit status " + std::to_string(status) + ":\n" + tail));
    return;
  }
  if (!settings.django) {
    out.detail("Not set up: the app's Python has no Django");
    return;
  }
  if (!settings.error.empty()) {
    out.warning(django_settings_warning(settings.settings, settings.error));
    return;
  }
  auto found = static_site_for(settings, app_dir, disk);
  if (auto* why = std::get_if<std::string>(&found)) {
    out.detail("Left to the app: " + *why + " (in " + settings.settings + ")");
    return;
  }
  const StaticSite& site = std::get<StaticSite>(found);
  double start = clock.now();
  PrecompressStats stats = precompress(app_dir / site.root, disk, gzip_bytes, brotli);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", clock.now() - start);
  disk.write_file(app_dir / kStaticSitePath, static_site_json(site));
  out.detail(site.url + " from " + site.root + " (" + settings.settings +
             "): Apache serves them, without the app");
  std::string made = "Compressed copies: " + std::to_string(stats.gzip) + " gzip (" +
                     percent_of(stats.gzip_out, stats.gzip_in) + " of the size)";
  made += brotli ? ", " + std::to_string(stats.brotli) + " Brotli (" +
                       percent_of(stats.brotli_out, stats.brotli_in) + ")"
                 : ", no Brotli (the system has no libbrotlienc)";
  made += ", " + std::to_string(stats.kept) + " already there, of " + std::to_string(stats.files) +
          " text files, in " + seconds;
  out.detail(made);
}

}  // namespace whiskey
