#include "compile.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "apache_build.h"
#include "app.h"
#include "bundle_source.h"
#include "install.h"
#include "launch.h"
#include "manifest.h"
#include "messages.h"
#include "mod_wsgi_build.h"
#include "profile.h"
#include "relocate.h"
#include "resolve.h"
#include "sbom.h"
#include "stack.h"
#include "static_files.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr const char* kBundleCache = "whiskey-bundles";

std::string rate(std::uint64_t bytes, double seconds) {
  if (seconds <= 0) return "";
  return human_bytes(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, s < 1 ? "%.2f s" : "%.1f s", s);
  return buf;
}

std::string join(const std::vector<std::string>& items, const std::string& prefix) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + prefix + item;
  return out;
}

/// Reports progress as a detail line every few seconds of a long download.
ProgressFn progress_lines(Output& out) {
  return [&out, next = 5.0](const Progress& p) mutable {
    if (p.seconds < next) return;
    next = p.seconds + 5.0;
    std::string line = "Downloading: " + human_bytes(p.bytes);
    if (p.total && *p.total > 0) {
      line +=
          " of " + human_bytes(*p.total) + " (" + std::to_string(p.bytes * 100 / *p.total) + "%)";
    }
    out.detail(line + ", " + rate(p.bytes, p.seconds));
  };
}

/// Checks that the bundle is built for `target`, then rewrites its build
/// prefix to where it is installed, in the staging tree before it goes into
/// place.
PrepareFn relocate_into(Disk& disk, Output& out, const Target& target) {
  return [&disk, &out, target](const std::filesystem::path& staging,
                               const std::filesystem::path& dest) {
    auto json = disk.read_file(staging / kBundleInfoPath);
    if (!json) {
      out.detail("The bundle has no " + std::string(kBundleInfoPath) + ": nothing to relocate");
      return;
    }
    std::string to = std::filesystem::weakly_canonical(dest).string();
    BundleInfo info;
    try {
      info = parse_bundle_info(*json);
    } catch (const std::runtime_error& e) {
      throw RelocationError(RelocationError::Kind::kUnreadable, to, e.what());
    }
    if (info.arch != target.arch) {
      RelocationError e(RelocationError::Kind::kWrongArch, to, "bundle for " + info.arch);
      e.info = info;
      e.target_stack = target.stack;
      e.target_arch = target.arch;
      throw e;
    }
    if (info.stack != target.stack) out.warning(other_stack_warning(info, target));
    RelocateStats stats = relocate_tree(disk, staging, info, to);
    out.detail("Relocated " + std::to_string(stats.text_files + stats.binary_files) + " files (" +
               std::to_string(stats.binary_files) + " binary) to " + to);
  };
}

}  // namespace

Config load_config(const Vars& vars, const Disk& disk, const fs::path& buildpack_dir) {
  Config config = parse_config(vars);
  auto text = disk.read_file(buildpack_dir / "buildpack.toml");
  if (!text) return config;
  try {
    config.defaults = parse_default_bundles(*text);
    for (auto& key : pinned_public_keys(*text)) {
      if (std::find(config.public_keys.begin(), config.public_keys.end(), key) ==
          config.public_keys.end()) {
        config.public_keys.push_back(std::move(key));
      }
    }
  } catch (const std::runtime_error& e) {
    throw BuildError(BuildError::Kind::kBuildpackToml, buildpack_dir / "buildpack.toml", e.what());
  }
  return config;
}

Target build_target(const Vars& vars, const Disk& disk) {
  std::string os = var_or(vars, "CNB_TARGET_OS", "linux");
  if (os != "linux") {
    throw StackError(StackError::Kind::kNotLinux, os);
  }
  std::string distro = var_or(vars, "CNB_TARGET_DISTRO_NAME");
  std::string version = var_or(vars, "CNB_TARGET_DISTRO_VERSION");
  std::string stack =
      !distro.empty() && !version.empty() ? distro_stack(distro, version) : var_or(vars, "STACK");
  if (stack.empty()) stack = local_stack(disk);
  check_stack(stack);
  return Target{stack, var_or(vars, "CNB_TARGET_ARCH", machine_arch())};
}

Resolved resolve_step(const Config& config, const Target& target, const Vars& vars,
                      const fs::path& cache_dir, Services& s) {
  RetryPolicy policy = retry_policy(vars);
  RetryNote note = [&s](const std::string& line) { s.out.detail(line); };
  ManifestCopies copies{s.disk, cache_dir};
  Resolved resolved = resolve(config, target, s.http, &s.clock, policy, note, &copies);
  const BundleSource& source = resolved.source;
  s.out.step("Installing Apache from " + source.name);
  s.out.detail("Stack: " + target.stack + " (" + target.arch + ")");
  s.out.detail("Source: " + source.described + ", chosen by " + resolved.how);
  if (resolved.vouched) {
    const PublicKey& key = resolved.vouched->key;
    s.out.detail("Signed by key " + key.id() + " (" + key.origin + "), manifest serial " +
                 std::to_string(resolved.vouched->serial) + ": " + key.text());
  } else if (std::any_of(config.public_keys.begin(), config.public_keys.end(),
                         [](const PublicKey& k) { return k.origin == "WHISKEY_PUBLIC_KEYS"; })) {
    s.out.detail(
        "WHISKEY_PUBLIC_KEYS is not used: no manifest was read, the bundle is named "
        "with its digest");
  }
  for (const auto& w : resolved.warnings) s.out.warning(warning_message(w));
  if (!source.sha256 && resolved.warnings.empty()) s.out.warning(unverified_warning());
  return resolved;
}

std::string install_resolved(const Resolved& resolved, const Target& target, const Vars& vars,
                             const fs::path& dest, const fs::path& cache_dir, Services& s) {
  RetryNote note = [&s](const std::string& line) { s.out.detail(line); };
  UnpackLimits limits;
  limits.max_bytes = static_cast<std::uint64_t>(positive_var(vars, "WHISKEY_MAX_UNPACKED_MB", 4096))
                     << 20;
  BundleCache cache(cache_dir);
  PrepareFn prepare = relocate_into(s.disk, s.out, target);
  if (const auto& sbom = resolved.source.sbom_sha256) {
    // The manifest's digest of the bill of materials: checked before anything moves.
    prepare = [&s, &resolved, sbom = *sbom, relocate = std::move(prepare)](const fs::path& staging,
                                                                           const fs::path& to) {
      try {
        check_bundle_sbom(s.disk, staging, sbom);
      } catch (const BundleError& e) {
        throw BundleInvalid(e, resolved.source.described, {});
      }
      s.out.detail("Its bill of materials is the published one: " + sbom.str());
      relocate(staging, to);
    };
  }
  InstallResult r = install_bundle_into(s.http, resolved.source, dest, s.clock,
                                        {.progress = progress_lines(s.out),
                                         .limits = limits,
                                         .prepare = prepare,
                                         .policy = retry_policy(vars),
                                         .note = note,
                                         .cache = cache_dir.empty() ? nullptr : &cache});
  if (r.cache == CacheUse::kReused) {
    s.out.detail("Reused the bundle from the build cache (" + human_bytes(r.bytes) +
                 "): no download");
  } else {
    s.out.detail("Downloaded " + human_bytes(r.bytes) + " in " + seconds_text(r.seconds) + " (" +
                 rate(r.bytes, r.seconds) + ")");
  }
  s.out.detail(r.verified ? "Verified " + r.digest.str() : "Not verified: " + r.digest.str());
  if (r.cache == CacheUse::kStored) s.out.detail("Kept the bundle in the build cache");
  if (r.cache == CacheUse::kUnverified) {
    s.out.detail("Not kept in the build cache: without a digest it cannot be checked next time");
  }
  if (!r.cache_failure.empty()) {
    s.out.detail("Not kept in the build cache: " + r.cache_failure);
  }
  if (r.pruned > 0) {
    s.out.detail("Removed " + std::to_string(r.pruned) + " stale bundle" +
                 (r.pruned == 1 ? "" : "s") + " from the build cache");
  }
  s.out.detail("Installed " + join(r.unpacked.top_level, dest.filename().string() + "/") + " (" +
               std::to_string(r.unpacked.entries) + " entries, " + human_bytes(r.unpacked.bytes) +
               ")");
  if (!r.kept.empty())
    s.out.detail("Kept the app's own " + join(r.kept, dest.filename().string() + "/"));
  return r.digest.hex();
}

void install_launcher(const fs::path& launcher, const fs::path& bin, const std::string& shown,
                      Services& s) {
  s.out.step("Installing mod_wsgi-heroku-start");
  auto binary = s.disk.read_file(launcher, 64 << 20);
  if (!binary || binary->empty()) {
    throw BuildError(BuildError::Kind::kLauncherMissing, launcher);
  }
  s.disk.write_file(bin / "mod_wsgi-heroku-start", *binary, true);
  s.disk.make_symlink("mod_wsgi-heroku-start", bin / "mod_wsgi-heroku-shell");
  s.out.detail("Installed " + shown + "/mod_wsgi-heroku-start and mod_wsgi-heroku-shell");
}

void run_build_hook(const fs::path& app_dir, Services& s) {
  fs::path hook = app_dir / ".whiskey/action_hooks/build";
  if (::access(hook.c_str(), X_OK) != 0 || !s.disk.is_file(hook)) return;
  s.out.step("Running .whiskey/action_hooks/build");
  auto env = whiskey_variables(app_dir);
  int status = s.runner.run(
      {"sh", "-c", "cd \"$1\" && exec \"$2\"", "sh", app_dir.string(), hook.string()}, env);
  if (status != 0) {
    throw BuildError(BuildError::Kind::kHookFailed, hook, "exit status " + std::to_string(status),
                     status);
  }
}

namespace {

void environment_step(const CompileArgs& args, Services& s) {
  s.out.step("Setting up the environment");
  auto libs = bundle_library_dirs(s.disk, args.build_dir);
  s.disk.write_file(args.build_dir / ".profile.d" / "whiskey.sh", profile_script(libs));
  bool has_apxs = s.disk.is_file(args.build_dir / ".whiskey/apache/bin/apxs");
  s.disk.write_file(args.buildpack_dir / "export", export_script(args.build_dir, libs, has_apxs));
  s.out.detail("Wrote .profile.d/whiskey.sh, and export for the buildpacks after this one");
}

void web_process_step(const CompileArgs& args, Services& s) {
  s.out.step("Setting up the web process");
  auto procfile = s.disk.read_file(args.build_dir / "Procfile");
  if (procfile && procfile_has_web(*procfile)) {
    s.out.detail("The Procfile declares the web process");
    return;
  }
  auto entry = find_entry(s.disk, args.build_dir);
  if (!entry) {
    s.out.warning(no_entry_warning());
    return;
  }
  std::string contents = procfile ? *procfile : std::string();
  if (!contents.empty() && contents.back() != '\n') contents += '\n';
  contents += web_command(*entry) + "\n";
  s.disk.write_file(args.build_dir / "Procfile", contents);
  s.out.detail("Wrote Procfile: " + web_command(*entry));
}

}  // namespace

std::string system_ca_bundle(const Disk& disk) {
  for (const char* path : kSystemCaBundles) {
    if (disk.is_file(path)) return path;
  }
  return "";
}

CurlOptions download_options(const Vars& vars, const Disk& disk) {
  CurlOptions options;
  RetryPolicy policy = retry_policy(vars);
  options.connect_timeout_s = policy.connect_timeout_s;
  options.low_speed_limit = policy.stall_bytes_per_s;
  options.low_speed_time_s = policy.stall_time_s;
  options.max_time_s = static_cast<long>(policy.budget_s);
  options.ca_bundle = var_or(vars, "CURL_CA_BUNDLE", var_or(vars, "SSL_CERT_FILE"));
  if (options.ca_bundle.empty()) options.ca_bundle = system_ca_bundle(disk);
  std::string key = var_or(vars, "AWS_ACCESS_KEY_ID");
  std::string secret = var_or(vars, "AWS_SECRET_ACCESS_KEY");
  std::string bucket = var_or(vars, "WHISKEY_BUCKET");
  if (!key.empty() && !secret.empty() && !bucket.empty()) {
    std::string region = var_or(vars, "WHISKEY_REGION", "us-east-1");
    options.aws = AwsSigning{
        .url_prefix = s3_object_url(bucket, "", region, var_or(vars, "WHISKEY_S3_ENDPOINT")),
        .region = region,
        .access_key_id = key,
        .secret_access_key = secret,
        .session_token = var_or(vars, "AWS_SESSION_TOKEN")};
  }
  return options;
}

void compile(const CompileArgs& args, Services& services) {
  Config config = load_config(args.vars, services.disk, args.buildpack_dir);
  Target target = build_target(args.vars, services.disk);
  fs::path cache_dir = args.cache_dir.empty() ? fs::path() : args.cache_dir / kBundleCache;
  Resolved resolved;
  if (auto recipe = recipe_to_build(config, target, services.disk, args.buildpack_dir)) {
    // Without a build cache (CACHE_DIR not given), it is kept under TMPDIR.
    cache_dir =
        (args.cache_dir.empty() ? fs::temp_directory_path() : args.cache_dir) / kBuiltApacheCache;
    resolved = build_apache_step(*recipe, target, args.vars, cache_dir, services);
  } else {
    resolved = resolve_step(config, target, args.vars, cache_dir, services);
  }
  std::string digest = install_resolved(resolved, target, args.vars, args.build_dir / ".whiskey",
                                        cache_dir, services);
  if (services.disk.is_file(args.build_dir / ".whiskey" / kBundleSbomPath)) {
    services.out.detail("Bill of materials: .whiskey/" + std::string(kBundleSbomPath));
  }
  install_launcher(args.launcher, args.build_dir / ".whiskey/bin", ".whiskey/bin", services);
  build_mod_wsgi({.build_dir = args.build_dir,
                  .cache_dir = args.cache_dir,
                  .version = var_or(args.vars, "MOD_WSGI_VERSION", kDefaultModWsgiVersion),
                  .bundle_digest = digest,
                  .bundle_dir = args.build_dir / ".whiskey",
                  .apxs_from = "this buildpack's export",
                  .env = args.vars},
                 services.disk, services.runner, services.out, services.clock);
  django_static_step(args.build_dir, args.build_dir / ".whiskey", args.vars, services.disk,
                     services.runner, services.out, services.clock, kNoPythonClassic);
  environment_step(args, services);
  web_process_step(args, services);
  run_build_hook(args.build_dir, services);
}

}  // namespace whiskey
