#include "cnb.h"

#include <system_error>

#include "apache_build.h"
#include "app.h"
#include "install.h"
#include "messages.h"
#include "mod_wsgi_build.h"
#include "relocate.h"
#include "sbom.h"
#include "static_files.h"
#include "toml.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr const char* kLayer = "apache";
constexpr const char* kCacheLayer = "cache";

/// Whether `layer` holds a bundle already moved to where it is.
bool holds_bundle(const Disk& disk, const fs::path& layer) {
  auto json = disk.read_file(layer / kBundleInfoPath);
  if (!json) return false;
  try {
    return parse_bundle_info(*json).prefix == fs::weakly_canonical(layer).string();
  } catch (const std::exception&) {
    return false;
  }
}

std::string layer_toml(const std::string& sha256, const Resolved& resolved, const Target& target) {
  nlohmann::ordered_json doc;
  doc["types"] = {{"launch", true}, {"build", true}, {"cache", true}};
  doc["metadata"] = {{"sha256", sha256},
                     {"verified", resolved.source.sha256.has_value()},
                     {"source", resolved.source.described},
                     {"stack", target.stack},
                     {"arch", target.arch}};
  return write_toml(doc);
}

/// The web process: the Procfile's web command through bash (it may use
/// $PORT and other shell words), else the launcher with the app's entry as
/// its default arguments.
WebProcess web_process(const fs::path& app, Services& s) {
  s.out.step("Setting up the web process");
  if (auto procfile = s.disk.read_file(app / "Procfile")) {
    if (auto command = procfile_web(*procfile); command && !command->empty()) {
      s.out.detail("The Procfile declares the web process: " + *command);
      return {.command = {"bash", "-c", *command}, .args = {}};
    }
  }
  auto entry = find_entry(s.disk, app);
  if (!entry) {
    s.out.warning(no_entry_warning());
    return {};
  }
  s.out.detail("Declared the web process: " + std::string(kLauncher) + " " + *entry);
  return {.command = {kLauncher}, .args = {*entry}};
}

/// Writes the layer's bill of materials beside its toml: the bundle's own,
/// naming the installed file, or for a bundle without one, a document made
/// from what whiskey-bundle.json says.
void write_sbom(const fs::path& layers, const fs::path& layer, const std::string& bundle_name,
                const std::string& digest, Services& s) {
  const fs::path to = layers / (std::string(kLayer) + ".sbom.cdx.json");
  if (auto own = s.disk.read_file(layer / kBundleSbomPath, 16 << 20)) {
    std::optional<std::string> doc;
    try {
      doc = layer_sbom(*own, bundle_name, digest);
    } catch (const std::runtime_error& e) {
      s.out.detail("The bundle's " + std::string(kBundleSbomPath) + " cannot be read (" + e.what() +
                   "): describing the bundle from its whiskey-bundle.json instead");
    }
    if (doc) {
      s.disk.write_file(to, *doc);
      s.out.detail("Wrote the " + std::string(kLayer) + " layer's bill of materials (CycloneDX): " +
                   "the bundle's own, " + kBundleSbomPath);
      return;
    }
  }
  auto json = s.disk.read_file(layer / kBundleInfoPath);
  if (!json) {
    throw BuildError(BuildError::Kind::kNoBundleInfo, layer / kBundleInfoPath);
  }
  s.disk.write_file(to, apache_sbom(parse_bundle_info(*json), bundle_name, digest));
  s.out.detail("Wrote the " + std::string(kLayer) + " layer's bill of materials (CycloneDX)");
}

}  // namespace

std::optional<std::string> recorded_digest(const Disk& disk, const fs::path& layer_toml) {
  auto text = disk.read_file(layer_toml);
  if (!text) return std::nullopt;
  try {
    auto doc = parse_toml(*text);
    const auto& sha = doc.at("metadata").at("sha256");
    if (sha.is_string()) return sha.get<std::string>();
  } catch (const std::exception&) {
    // Unreadable metadata: the layer is built again.
  }
  return std::nullopt;
}

std::string launch_toml(const WebProcess& web) {
  if (web.command.empty()) return "";
  nlohmann::ordered_json process;
  process["type"] = "web";
  process["command"] = web.command;
  process["args"] = web.args;
  process["default"] = true;
  nlohmann::ordered_json doc;
  doc["processes"].push_back(process);
  return write_toml(doc);
}

void cnb_build(const CnbBuildArgs& args, Services& s) {
  Config config = load_config(args.vars, s.disk, args.buildpack_dir);
  Target target = build_target(args.vars, s.disk);
  const fs::path layer = args.layers_dir / kLayer;
  const fs::path toml = args.layers_dir / (std::string(kLayer) + ".toml");
  const fs::path cache = args.layers_dir / kCacheLayer;
  std::error_code ec;
  fs::create_directories(cache, ec);  // a layer is a folder with its toml
  s.disk.write_file(args.layers_dir / (std::string(kCacheLayer) + ".toml"),
                    write_toml({{"types", {{"cache", true}}}}));

  // An Apache built here is kept in the cache layer, and installed from it.
  fs::path bundles;
  Resolved resolved;
  if (auto recipe = recipe_to_build(config, target, s.disk, args.buildpack_dir)) {
    bundles = cache / kBuiltApacheCache;
    resolved = build_apache_step(*recipe, target, args.vars, bundles, s);
  } else {
    resolved = resolve_step(config, target, args.vars, cache, s);
  }
  std::string digest;
  auto recorded = recorded_digest(s.disk, toml);
  if (resolved.source.sha256 && recorded == resolved.source.sha256->hex() &&
      holds_bundle(s.disk, layer)) {
    digest = *recorded;
    s.out.detail("Reused the " + std::string(kLayer) + " layer: it holds " +
                 resolved.source.sha256->str() + ", the bundle wanted; no download");
  } else {
    if (recorded)
      s.out.detail("The " + std::string(kLayer) + " layer holds another bundle: replacing it");
    // What the layer held goes first: a failed install then leaves no layer
    // at all, never a stale one described as new.
    fs::remove(toml, ec);
    fs::remove_all(layer, ec);
    if (ec) {
      throw InstallError(InstallError::Kind::kNotReplaced, layer, ec.message());
    }
    digest = install_resolved(resolved, target, args.vars, layer, bundles, s);
  }

  install_launcher(args.launcher, layer / "bin", "the " + std::string(kLayer) + " layer's bin", s);
  s.disk.write_file(layer / "env.launch" / "WHISKEY_BUNDLE_DIR.override", layer.string());
  s.disk.write_file(layer / "env.launch" / "WHISKEY_APP_DIR.override", args.app_dir.string());
  if (s.disk.is_file(layer / "apache/bin/apxs")) {
    s.disk.write_file(layer / "env.build" / "APXS.override", (layer / "apache/bin/apxs").string());
  }
  s.disk.write_file(layer / "env.build" / "PATH.prepend", (layer / "apache/bin").string());
  s.disk.write_file(layer / "env.build" / "PATH.delim", ":");
  s.disk.write_file(toml, layer_toml(digest, resolved, target));
  write_sbom(args.layers_dir, layer, resolved.source.name, digest, s);

  build_mod_wsgi({.build_dir = args.app_dir,
                  .cache_dir = cache,
                  .version = var_or(args.vars, "MOD_WSGI_VERSION", kDefaultModWsgiVersion),
                  .bundle_digest = digest,
                  .bundle_dir = layer,
                  .apxs_from = "the " + std::string(kLayer) + " layer's build environment",
                  .env = args.vars},
                 s.disk, s.runner, s.out, s.clock);
  django_static_step(args.app_dir, layer, args.vars, s.disk, s.runner, s.out, s.clock,
                     kNoPythonCnb);

  s.disk.write_file(args.layers_dir / "launch.toml", launch_toml(web_process(args.app_dir, s)));
  run_build_hook(args.app_dir, s);
}

}  // namespace whiskey
