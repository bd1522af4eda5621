// One executable for every phase: bin/detect, bin/compile and bin/release
// run it with their own name as argv[0].
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "app.h"
#include "cnb.h"
#include "compile.h"
#include "curl_http.h"
#include "defaults.h"
#include "detect.h"
#include "errors.h"
#include "invocation.h"
#include "messages.h"
#include "output.h"
#include "publish.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace whiskey;

constexpr int kSuccess = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

Vars process_environment() {
  RealDisk disk;
  return load_vars(disk, {}, environ);
}

int usage(const UsageError& e) {
  std::cerr << e.text;
  return kUsage;
}

int run_release(const ClassicCall& call) {
  RealDisk disk;
  std::cout << release_yaml(find_entry(disk, call.args[0]));
  return kSuccess;
}

/// The buildpack's own folder: the shim says it, else bin/..
fs::path buildpack_dir(const char* argv0) {
  if (const char* dir = std::getenv("WHISKEY_BUILDPACK_DIR"); dir && *dir) return dir;
  std::error_code ec;
  return fs::absolute(argv0, ec).parent_path().parent_path();
}

/// The launcher to install: beside this executable; where /proc is missing
/// (a chroot), where a release package keeps it.
fs::path launcher_path(const fs::path& buildpack) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return (ec ? buildpack / "bin/support" : self.parent_path()) / "mod_wsgi-heroku-start";
}

/// Runs `body`, turning what it throws into the build log's error; the exit
/// status.
int reporting_errors(Output& out, const std::string& unexpected,
                     const std::function<void()>& body) {
  try {
    body();
    return kSuccess;
  } catch (const std::exception& e) {
    out.error(message(e, unexpected));
  }
  return kFailure;
}

/// The real network, clock and processes, for a build with `vars`.
template <typename Step>
void with_services(Disk& disk, Output& out, const Vars& vars, Step step) {
  CurlHttpClient http(download_options(vars, disk));
  SteadyClock clock;
  RealRunner runner;
  Services services{disk, http, clock, out, runner};
  step(services);
}

int run_compile(const ClassicCall& call, const char* argv0) {
  const auto& args = call.args;
  RealDisk disk;
  Output out(std::cout, std::cerr);
  return reporting_errors(out, "The build failed unexpectedly", [&] {
    std::error_code ec;
    CompileArgs c;
    c.build_dir = fs::absolute(args[0]);
    c.cache_dir = fs::absolute(args[1]);
    c.env_dir = args.size() > 2 ? fs::absolute(args[2]) : fs::path();
    c.buildpack_dir = buildpack_dir(argv0);
    c.launcher = launcher_path(c.buildpack_dir);
    if (!fs::is_directory(c.build_dir, ec)) {
      throw BuildError(BuildError::Kind::kNoBuildFolder, c.build_dir);
    }
    fs::create_directories(c.cache_dir, ec);
    c.vars = load_vars(disk, c.env_dir, environ);
    with_services(disk, out, c.vars, [&](Services& services) { compile(c, services); });
  });
}

/// Cloud Native build, as the lifecycle runs it (buildpack API 0.10), in
/// the app's folder.
int run_build(const CnbCall& call, const char* argv0) {
  RealDisk disk;
  Output out(std::cout, std::cerr, Platform::kCnb);
  return reporting_errors(out, "The build failed unexpectedly", [&] {
    std::error_code ec;
    CnbBuildArgs c;
    c.app_dir = fs::current_path(ec);
    c.layers_dir = fs::absolute(call.layers_dir);
    c.buildpack_dir =
        var_or(process_environment(), "CNB_BUILDPACK_DIR", buildpack_dir(argv0).string());
    c.launcher = launcher_path(buildpack_dir(argv0));
    c.vars = load_vars(disk, call.platform_dir.empty() ? fs::path() : call.platform_dir / "env",
                       environ);
    with_services(disk, out, c.vars, [&](Services& services) { cnb_build(c, services); });
  });
}

int run_publish(const std::vector<std::string>& args) {
  Output out(std::cout, std::cerr);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: mod_wsgi-heroku publish BUNDLE [--bucket B] [--region R] "
                 "[--endpoint URL] [--key K]\n"
                 "         [--record-default BUILDPACK_TOML] [--manifest-copy FILE]\n"
                 "         [--signing-key FILE]... [--trust KEY]...\n"
                 "Uploads a bundle made by vendor/apache/build.sh and adds it to the bucket's\n"
                 "manifest.json. Reads WHISKEY_BUCKET, WHISKEY_REGION, WHISKEY_S3_ENDPOINT,\n"
                 "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.\n"
                 "  --record-default BUILDPACK_TOML  then download it without credentials, as\n"
                 "      builds do, and record it in BUILDPACK_TOML (replaced whole) as the\n"
                 "      default bundle for its stack and arch\n"
                 "  --manifest-copy FILE  write the manifest.json it left in the bucket to FILE\n"
                 "  --signing-key FILE  sign manifest.json with this Ed25519 private key\n"
                 "      (mod_wsgi-heroku keygen makes one; repeat it to sign with several;\n"
                 "      WHISKEY_SIGNING_KEY may hold a key's text instead)\n"
                 "  --trust KEY  a public key (ed25519:...) the bucket's manifest may already\n"
                 "      be signed with, besides the signing keys' own (WHISKEY_PUBLIC_KEYS too)\n";
    return kSuccess;
  }
  RealDisk disk;
  return reporting_errors(out, "Publishing failed unexpectedly", [&] {
    publish(parse_publish_args(args, load_vars(disk, {}, environ)), out);
  });
}

/// `mod_wsgi-heroku keygen [--out DIR] [--name NAME]`: a key pair for
/// signing manifests.
int run_keygen(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "Usage: mod_wsgi-heroku keygen [--out DIR] [--name NAME]\n"
                 "Makes an Ed25519 key pair for signing bucket manifests: DIR/NAME.key, the\n"
                 "private key (mode 0600; never overwritten), and DIR/NAME.pub, the public\n"
                 "key builds pin. DIR is the current folder and NAME whiskey-signing unless\n"
                 "given.\n";
    return kSuccess;
  }
  Output out(std::cout, std::cerr);
  return reporting_errors(out, "Making the key failed unexpectedly", [&] { keygen(args, out); });
}

/// `mod_wsgi-heroku buildpack-version BUILDPACK_TOML`: its [buildpack]
/// version, or nothing when it has none (bin/support/package names its
/// packages with it).
int run_buildpack_version(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    std::cerr << "Usage: mod_wsgi-heroku buildpack-version BUILDPACK_TOML\n";
    return kUsage;
  }
  auto text = RealDisk().read_file(args[0]);
  if (!text) {
    std::cerr << "mod_wsgi-heroku: cannot read " << args[0] << "\n";
    return kFailure;
  }
  try {
    if (auto version = buildpack_version(*text)) std::cout << *version << "\n";
    return kSuccess;
  } catch (const std::runtime_error& e) {
    std::cerr << args[0] << ": " << e.what() << "\n";
    return kFailure;
  }
}

/// `mod_wsgi-heroku bundle-info BUNDLE`: what the bundle says it is, as
/// stack=, arch= and apache= lines (bin/support/release checks its bundles
/// with it before publishing any).
int run_bundle_info(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].starts_with("-")) {
    std::cerr << "Usage: mod_wsgi-heroku bundle-info BUNDLE\n";
    return kUsage;
  }
  Output out(std::cout, std::cerr);
  return reporting_errors(out, "Reading the bundle failed unexpectedly", [&] {
    BundleInfo info = read_bundle_info(args[0]);
    std::cout << "stack=" << info.stack << "\narch=" << info.arch << "\napache=" << info.apache
              << "\n";
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string phase = fs::path(argv[0]).filename().string();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (phase != "detect" && phase != "compile" && phase != "release" && phase != "build" &&
      !args.empty()) {
    phase = args.front();  // `mod_wsgi-heroku compile ...`
    args.erase(args.begin());
  }
  if (phase == "publish") return run_publish(args);
  if (phase == "keygen") return run_keygen(args);
  if (phase == "buildpack-version") return run_buildpack_version(args);
  if (phase == "bundle-info") return run_bundle_info(args);
  if (phase == "detect" || phase == "compile" || phase == "release" || phase == "build") {
    Invocation call = parse_invocation(phase, args, process_environment());
    if (auto* bad = std::get_if<UsageError>(&call)) return usage(*bad);
    if (phase == "detect") return run_detect(RealDisk(), call, std::cout);
    if (phase == "compile") return run_compile(std::get<ClassicCall>(call), argv[0]);
    if (phase == "release") return run_release(std::get<ClassicCall>(call));
    return run_build(std::get<CnbCall>(call), argv[0]);
  }
  std::cerr << "Usage: mod_wsgi-heroku detect|compile|release|build|publish|keygen|"
               "buildpack-version|bundle-info ARGS...\n"
               "  (or run as bin/detect, bin/compile, bin/release, bin/build)\n";
  return kUsage;
}
