#include "mod_wsgi_build.h"

#include <cstdio>

#include "detect.h"
#include "digest.h"
#include "errors.h"
#include "launch.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr const char* kWheelCache = "mod_wsgi-wheels";

}  // namespace

std::map<std::string, std::string> python_build_env(const fs::path& build_dir,
                                                    const fs::path& bundle, const Vars& env) {
  std::string path = var_or(env, "PATH", "/usr/bin:/bin");
  std::string ld = var_or(env, "LD_LIBRARY_PATH");
  std::string python_lib = (build_dir / ".heroku/python/lib").string();
  return {
      {"APXS", (bundle / "apache/bin/apxs").string()},
      {"PATH", (build_dir / ".heroku/python/bin").string() + ":" +
                   (bundle / "apache/bin").string() + ":" + path},
      {"LD_LIBRARY_PATH", python_lib + (ld.empty() ? "" : ":" + ld)},
      {"PIP_DISABLE_PIP_VERSION_CHECK", "1"},
  };
}

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

/// The tail of a tool's output, for an error's details.
std::string tail(const std::string& text, std::size_t lines = 15) {
  std::size_t pos = text.size();
  for (std::size_t n = 0; n <= lines && pos != std::string::npos && pos > 0; ++n) {
    pos = text.rfind('\n', pos - 1);
  }
  return trimmed(pos == std::string::npos ? text : text.substr(pos + 1));
}

constexpr std::size_t kMaxWheel = 64 << 20;

std::string digest_of(const std::string& bytes) {
  return sha256_of(bytes).str();
}

std::optional<std::string> wheel_in(const Disk& disk, const fs::path& dir) {
  for (const auto& name : disk.list_directory(dir)) {
    if (name.ends_with(".whl")) return (dir / name).string();
  }
  return std::nullopt;
}

/// The wheel cached in `dir`, when its bytes still have the digest written
/// beside it when it was built. A wheel that does not is removed, and `why`
/// says what was wrong.
std::optional<std::string> cached_wheel(const Disk& disk, const fs::path& dir, std::string& why) {
  auto wheel = wheel_in(disk, dir);
  if (!wheel) return std::nullopt;
  auto recorded = disk.read_file(*wheel + ".sha256");
  auto bytes = disk.read_file(*wheel, kMaxWheel);
  std::string actual = bytes ? digest_of(*bytes) : "";
  if (!recorded) {
    why = "it has no digest to check it against";
  } else if (trimmed(*recorded) != actual) {
    why = "its SHA-256 is now " + actual + ", not the " + trimmed(*recorded) + " it was built with";
  } else {
    return wheel;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return std::nullopt;
}

}  // namespace

std::string wheel_cache_key(const std::string& python_version, const std::string& bundle_digest,
                            const std::string& mod_wsgi_version) {
  std::string text = python_version + "\n" + bundle_digest + "\n" + mod_wsgi_version;
  return sha256_of(text).hex().substr(0, 16);
}

void build_mod_wsgi(const ModWsgiBuild& b, Disk& disk, Runner& runner, Output& out, Clock& clock) {
  out.step("Building mod_wsgi against this Apache");
  const fs::path bundle = b.bundle_dir.empty() ? b.build_dir / ".whiskey" : b.bundle_dir;
  std::string python = app_python(disk, b.build_dir).value_or("");
  if (python.empty()) {
    if (auto file = dependency_naming_mod_wsgi(disk, b.build_dir)) {
      out.detail(*file +
                 " names mod_wsgi: the Python buildpack after this one builds it,\n"
                 "with APXS from " +
                 b.apxs_from);
      return;
    }
    throw ModWsgiError(ModWsgiError::Kind::kNoPython, b.version);
  }
  auto env = python_build_env(b.build_dir, bundle, b.env);

  // Already there, built against a .whiskey Apache? SBINDIR is the folder
  // it was built against, as frozen then (HTTPD is worked out again at
  // import and falls back to "httpd" once that folder is gone).
  std::string sbindir;
  if (runner.run({python, "-c",
                  "try:\n import mod_wsgi.express.apxs_config as c\n"
                  "except ImportError:\n import mod_wsgi.server.apxs_config as c\n"
                  "print(c.SBINDIR)"},
                 env, &sbindir) == 0 &&
      trimmed(sbindir).ends_with("/" + bundle.filename().string() + "/apache/bin")) {
    out.detail("mod_wsgi is already installed in .heroku/python, built against this Apache");
    return;
  }

  std::string version_text;
  if (runner.run({python, "-c",
                  "import sys, platform; print(platform.python_version(), sys.abiflags, "
                  "platform.machine())"},
                 env, &version_text) != 0) {
    throw ModWsgiError(ModWsgiError::Kind::kPythonFails, b.version, python, tail(version_text));
  }
  std::string python_version = trimmed(version_text);
  std::string key = wheel_cache_key(python_version, b.bundle_digest, b.version);
  fs::path cache = b.cache_dir / kWheelCache;
  fs::path wheels = cache / key;
  out.detail("Python " + python_version.substr(0, python_version.find(' ')) +
             " at .heroku/python, mod_wsgi " + b.version);

  std::string why;
  std::optional<std::string> wheel = cached_wheel(disk, wheels, why);
  if (!why.empty())
    out.detail("Discarded the cached mod_wsgi wheel: " + why + "; building it again");
  if (wheel) {
    out.detail("Reusing the mod_wsgi wheel from the build cache");
  } else {
    // Stale wheels (another Python, Apache or mod_wsgi) go.
    std::error_code ec;
    fs::remove_all(cache, ec);
    fs::path staging = cache / (key + ".partial");
    fs::create_directories(staging, ec);
    double start = clock.now();
    std::string log;
    int status =
        runner.run({python, "-m", "pip", "wheel", "--no-deps", "--use-pep517", "--no-binary",
                    "mod_wsgi", "--wheel-dir", staging.string(), "mod_wsgi==" + b.version},
                   env, &log);
    if (status != 0) {
      fs::remove_all(staging, ec);
      throw ModWsgiError(ModWsgiError::Kind::kBuildFailed, b.version, python, tail(log));
    }
    wheel = wheel_in(disk, staging);
    if (wheel) {
      // The digest beside it lets the next build check what it reuses.
      auto bytes = disk.read_file(*wheel, kMaxWheel);
      disk.write_file(*wheel + ".sha256", digest_of(bytes.value_or("")) + "\n");
      fs::rename(staging, wheels);
      wheel = (wheels / fs::path(*wheel).filename()).string();
    }
    if (!wheel) {
      throw ModWsgiError(ModWsgiError::Kind::kNoWheel, b.version, python, tail(log));
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f s", clock.now() - start);
    out.detail(std::string("Built the mod_wsgi wheel in ") + secs + "; kept in the build cache");
  }

  std::string log;
  if (runner.run(
          {python, "-m", "pip", "install", "--no-deps", "--no-index", "--force-reinstall", *wheel},
          env, &log) != 0) {
    throw ModWsgiError(ModWsgiError::Kind::kInstallFailed, b.version, python, tail(log));
  }
  out.detail("Installed mod_wsgi " + b.version + " into .heroku/python");
}

}  // namespace whiskey
