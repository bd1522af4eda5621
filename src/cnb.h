// The Cloud Native Buildpacks flow (buildpack API 0.10): bin/detect and
// bin/build as the lifecycle runs them (the app as the working directory,
// CNB_* variables for the rest), for Heroku's Fir generation, pack and
// Kubernetes platforms. The same steps as the classic compile, with the
// bundle in a layer of its own instead of the app's .whiskey:
//
//   <layers>/apache/            the bundle (launch, build and cache), reused
//                               while its recorded digest is the one wanted
//     bin/mod_wsgi-heroku-start (on PATH at launch and for later buildpacks)
//     env.launch/               WHISKEY_BUNDLE_DIR, WHISKEY_APP_DIR
//     env.build/                APXS for the Python buildpack after this one
//   <layers>/apache.toml        [types] and [metadata] sha256, url, stack, arch
//   <layers>/apache.sbom.cdx.json  the layer's bill of materials (CycloneDX)
//   <layers>/cache/             manifest copies and mod_wsgi wheels (cache only)
//   <layers>/launch.toml        the web process
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compile.h"
#include "config.h"

namespace whiskey {

struct CnbBuildArgs {
  std::filesystem::path app_dir;        ///< the working directory
  std::filesystem::path layers_dir;     ///< CNB_LAYERS_DIR
  std::filesystem::path buildpack_dir;  ///< CNB_BUILDPACK_DIR
  std::filesystem::path launcher;       ///< the mod_wsgi-heroku-start executable to install
  Vars vars;  ///< the environment with CNB_PLATFORM_DIR/env's files over it
};

/// The layer's recorded bundle digest, from <layer>.toml's [metadata] sha256
/// (nullopt when there is none or the file is unreadable).
std::optional<std::string> recorded_digest(const Disk& disk,
                                           const std::filesystem::path& layer_toml);

/// The web process of launch.toml: `command` (an argv) runs with `args`
/// after it; a platform user's own arguments replace `args`.
struct WebProcess {
  std::vector<std::string> command;
  std::vector<std::string> args;
};

/// launch.toml declaring `web` the default process, or "" (no process) when
/// its command is empty.
std::string launch_toml(const WebProcess& web);

/// Runs the build. Throws a Failure (see messages.h) on any failure the user can act on.
void cnb_build(const CnbBuildArgs& args, Services& services);

}  // namespace whiskey
