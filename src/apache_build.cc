#include "apache_build.h"

#include <sched.h>
#include <stdlib.h>

#include <cstdio>
#include <deque>
#include <fstream>
#include <memory>
#include <system_error>

#include "archive_file.h"
#include "bundle_cache.h"
#include "bundle_source.h"
#include "defaults.h"
#include "output.h"
#include "relocate.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStepMark = "-----> ";

/// A folder of its own under TMPDIR, removed with everything in it when it
/// goes: a build cut short leaves nothing behind.
class WorkDir {
 public:
  WorkDir() {
    std::string templ = (fs::temp_directory_path() / "whiskey-apache.XXXXXX").string();
    if (!::mkdtemp(templ.data())) {
      throw std::system_error(errno, std::generic_category(), "making a folder in " + templ);
    }
    path_ = templ;
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

/// The cores this process may run on.
int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  return 1;
}

std::string duration_text(double seconds) {
  long s = static_cast<long>(seconds + 0.5);
  if (s < 60) return std::to_string(s) + " s";
  return std::to_string(s / 60) + "m" + (s % 60 < 10 ? "0" : "") + std::to_string(s % 60) + "s";
}

std::string index_name(const Recipe& recipe, const Target& target) {
  return "apache-" + target.stack + "-" + target.arch + "-" + recipe.digest.hex() + ".sha256";
}

std::string bundle_name(const Recipe& recipe, const Target& target) {
  return "whiskey-" + target.stack + "-" + target.arch + "-apache-" + recipe.apache_version() +
         ".tar.gz";
}

/// The SHA-256 of the file at `path`, read whole; nullopt when it cannot be
/// read.
std::optional<Sha256Digest> file_digest(const fs::path& path) {
  try {
    FileStream in(path);
    Sha256 h;
    for (auto chunk = in.read(); !chunk.empty(); chunk = in.read()) h.update(chunk);
    return h.finish();
  } catch (const std::system_error&) {
    return std::nullopt;
  }
}

/// The last `count` lines of the file at `path` (its last 64 KiB at most).
std::deque<std::string> last_lines(const fs::path& path, std::size_t count) {
  std::ifstream in(path, std::ios::binary);
  std::deque<std::string> lines;
  if (!in) return lines;
  in.seekg(0, std::ios::end);
  auto size = static_cast<long long>(in.tellg());
  in.seekg(size > (64 << 10) ? size - (64 << 10) : 0);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  return lines;
}

/// Follows the recipe's step lines ("-----> Building httpd 2.4.68") in its
/// log, reading what was added since the last look.
class StepFollower {
 public:
  explicit StepFollower(fs::path log) : log_(std::move(log)) {}
  /// The last step the log names so far.
  const std::string& step() {
    std::ifstream in(log_, std::ios::binary);
    if (!in) return step_;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line still being written: read it whole next time
      offset_ += line.size() + 1;
      if (line.starts_with(kStepMark)) step_ = line.substr(std::string(kStepMark).size());
    }
    return step_;
  }

 private:
  fs::path log_;
  std::uint64_t offset_ = 0;
  std::string step_ = "Preparing the sources";
};

std::string log_tail(const fs::path& log) {
  std::string out;
  for (const auto& line : last_lines(log, 25)) out += line + "\n";
  return out;
}

/// The bundle kept in `cache` for `recipe` and `target`, when there is one
/// whose bytes still have the digest it was kept under.
std::optional<Sha256Digest> kept_bundle(const BundleCache& cache, const fs::path& index,
                                        const Disk& disk, Output& out) {
  auto text = disk.read_file(index, 1024);
  if (!text) return std::nullopt;
  std::optional<Sha256Digest> digest;
  try {
    digest = Sha256Digest::parse(std::string_view(*text).substr(0, text->find('\n')));
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
  auto entry = cache.entry(*digest);
  if (!entry) return std::nullopt;
  if (file_digest(*entry) != digest) {
    out.detail("Discarded the Apache kept in the build cache: its bytes changed; building again");
    cache.discard(*digest);
    return std::nullopt;
  }
  return digest;
}

/// An ApacheBuildError of `kind`, with the build's context.
ApacheBuildError failure(const ApacheBuildError& context, ApacheBuildError::Kind kind) {
  ApacheBuildError e = context;
  e.kind = kind;
  return e;
}

/// Downloads `source` into `to`, hashing it on the way, and checks it
/// against its pin.
void fetch_source(const RecipeSource& source, const std::string& url, const fs::path& to,
                  const ApacheBuildError& context, const Vars& vars, Services& s) {
  const std::string described = redact_url(url);
  auto fail = [&](ApacheBuildError::Kind kind) {
    ApacheBuildError e = failure(context, kind);
    e.file = source.file;
    e.url = described;
    return e;
  };
  auto not_written = [&] {
    ApacheBuildError e = fail(ApacheBuildError::Kind::kNotKept);
    e.detail = "cannot write " + to.string();
    return e;
  };
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(to.c_str(), "wb"));
  if (!file) throw not_written();
  Sha256 h;
  std::uint64_t bytes = 0;
  RetryNote note = [&s](const std::string& line) { s.out.detail(line); };
  try {
    RetryingStream body(s.http, url, retry_policy(vars), s.clock, note);
    for (auto chunk = body.read(); !chunk.empty(); chunk = body.read()) {
      h.update(chunk);
      bytes += chunk.size();
      if (std::fwrite(chunk.data(), 1, chunk.size(), file.get()) != chunk.size()) {
        throw not_written();
      }
    }
  } catch (const HttpStatusError& status) {
    ApacheBuildError e = fail(ApacheBuildError::Kind::kSourceUnavailable);
    e.fetch = FetchError("Apache source " + source.file, described, status);
    throw e;
  } catch (const TransportError& transport) {
    ApacheBuildError e = fail(ApacheBuildError::Kind::kSourceUnavailable);
    e.fetch = FetchError("Apache source " + source.file, described, transport);
    throw e;
  }
  if (std::fflush(file.get()) != 0) throw not_written();
  Sha256Digest got = h.finish();
  if (got != source.sha256) {
    ApacheBuildError e = fail(ApacheBuildError::Kind::kSourceOffPin);
    e.expected = source.sha256;
    e.actual = got;
    throw e;
  }
  s.out.detail(source.file + ": " + human_bytes(bytes) + ", matches its pin " +
               source.sha256.str().substr(0, 19) + "...");
}

/// Copies the packed bundle at `packed` into `cache` as the entry for
/// `digest`, records it in `index`, and removes the bundles and records of
/// other recipes. Returns how many bundles went.
int keep_in_cache(const BundleCache& cache, const fs::path& packed, const Sha256Digest& digest,
                  const fs::path& index, Disk& disk) {
  {
    BundleCache::Writer writer(cache.dir());
    FileStream in(packed);
    for (auto chunk = in.read(); !chunk.empty(); chunk = in.read()) writer.write(chunk);
    writer.commit(cache.path_for(digest));
  }
  if (file_digest(cache.path_for(digest)) != digest) {
    cache.discard(digest);
    throw std::runtime_error("the copy in " + cache.dir().string() + " does not read back whole");
  }
  disk.write_file(index, digest.hex() + "\n");
  int pruned = cache.prune(digest);
  std::error_code ec;
  for (fs::directory_iterator it(cache.dir(), ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("apache-") && name.ends_with(".sha256") && it->path() != index) {
      std::error_code rm;
      fs::remove(it->path(), rm);
    }
  }
  return pruned;
}

}  // namespace

std::optional<Recipe> recipe_to_build(const Config& config, const Target& target, const Disk& disk,
                                      const fs::path& buildpack_dir) {
  if (!config.url.empty() || !config.bucket.empty() || !config.package.empty()) {
    return std::nullopt;
  }
  if (select_default(config.defaults, target.stack, target.arch, config.apache_version)) {
    return std::nullopt;
  }
  Recipe recipe = load_recipe(disk, buildpack_dir / kRecipeDir);
  if (!config.apache_version.empty() && config.apache_version != recipe.apache_version()) {
    return std::nullopt;
  }
  return recipe;
}

std::vector<std::string> missing_build_tools(const Vars& vars, const Disk& disk) {
  std::string path = var_or(vars, "PATH");
  if (path.empty()) {
    const char* env = std::getenv("PATH");
    path = env ? env : "/usr/bin:/bin";
  }
  auto on_path = [&](const std::string& name) {
    if (name.find('/') != std::string::npos) return disk.is_file(name);
    for (std::size_t start = 0; start <= path.size();) {
      std::size_t end = std::min(path.find(':', start), path.size());
      std::string dir = path.substr(start, end - start);
      if (!dir.empty() && disk.is_file(fs::path(dir) / name)) return true;
      start = end + 1;
    }
    return false;
  };
  std::vector<std::string> missing;
  std::string cc = var_or(vars, "CC");
  cc = cc.substr(0, cc.find(' '));
  if (cc.empty() ? !on_path("cc") && !on_path("gcc") : !on_path(cc)) {
    missing.push_back(cc.empty() ? "a C compiler, cc (package build-essential)"
                                 : "the C compiler CC names, " + cc);
  }
  const std::pair<const char*, const char*> programs[] = {
      {"make", "make"},
      {"patch", "patch"},
      {"strip", "binutils"},
      {"patchelf", "patchelf"},
      {"pcre2-config", "libpcre2-dev"},
  };
  for (const auto& [program, package] : programs) {
    if (!on_path(program)) {
      missing.push_back(std::string(program) + " (package " + package + ")");
    }
  }
  const std::pair<const char*, const char*> headers[] = {
      {"/usr/include/expat.h", "libexpat1-dev"},
      {"/usr/include/openssl/ssl.h", "libssl-dev"},
  };
  for (const auto& [header, package] : headers) {
    if (!disk.is_file(header)) {
      missing.push_back(std::string(header) + " (package " + package + ")");
    }
  }
  return missing;
}

namespace {

/// Downloads the recipe's sources (from `mirror` when set), checks each
/// against its pin, and unpacks them all into `sources`.
void fetch_sources(const Recipe& recipe, const std::string& mirror, const WorkDir& work,
                   const fs::path& sources, const ApacheBuildError& context, const Vars& vars,
                   Services& s) {
  const fs::path downloads = work.path() / "downloads";
  fs::create_directories(downloads);
  fs::create_directories(sources);
  s.out.detail(
      "Downloading the sources" +
      (mirror.empty() ? std::string() : " from WHISKEY_APACHE_MIRROR, " + redact_url(mirror)));
  for (const auto& source : recipe.sources) {
    fetch_source(source, source_url(source, mirror), downloads / source.file, context, vars, s);
  }
  for (const auto& source : recipe.sources) {
    try {
      extract_file(downloads / source.file, sources);
    } catch (const ArchiveFileError& ex) {
      ApacheBuildError e = failure(context, ApacheBuildError::Kind::kSourceUnreadable);
      e.file = source.file;
      e.detail = ex.what();
      throw e;
    }
  }
}

/// Runs the recipe's steps on `sources`, installing under `prefix`, with a
/// progress line every 10 s and the time limit of WHISKEY_APACHE_BUILD_TIMEOUT.
void run_recipe(const Recipe& recipe, const Target& target, const fs::path& sources,
                const fs::path& prefix, const fs::path& log, const ApacheBuildError& context,
                const Vars& vars, Services& s) {
  const int cores = usable_cores();
  const int limit = positive_var(vars, "WHISKEY_APACHE_BUILD_TIMEOUT", kApacheBuildTimeoutS);
  s.out.detail("Compiling with " + std::to_string(cores) + (cores == 1 ? " core" : " cores") +
               " (a few minutes; at most " + duration_text(limit) + ")");
  StepFollower steps(log);
  Watch watch{.log = log,
              .timeout_s = static_cast<double>(limit),
              .tick_s = 10,
              .tick = [&](double seconds) {
                s.out.detail(steps.step() + " (" + duration_text(seconds) + ")");
              }};
  Watched run = s.runner.run_watched(
      {"bash", (recipe.dir / kRecipeScript).string(), "--sources", sources.string(), "--prefix",
       prefix.string(), "--stack", target.stack, "--jobs", std::to_string(cores)},
      vars, watch);
  if (run.timed_out || run.status != 0) {
    ApacheBuildError e = failure(context, run.timed_out ? ApacheBuildError::Kind::kTimedOut
                                                        : ApacheBuildError::Kind::kStepsFailed);
    e.step = steps.step();
    e.status = run.status;
    e.limit_s = limit;
    e.detail = log_tail(log);
    throw e;
  }
  if (!s.disk.is_file(prefix / kBundleInfoPath)) {
    ApacheBuildError e = failure(context, ApacheBuildError::Kind::kStepsFailed);
    e.step = steps.step();
    e.detail = "The recipe's steps made no " + std::string(kBundleInfoPath) + ".\n" + log_tail(log);
    throw e;
  }
}

/// Packs the tree at `prefix` as `packed` and keeps it in `cache` under
/// `index`; returns its digest, and how many bundles of other recipes went.
std::pair<Sha256Digest, int> pack_and_keep(const fs::path& prefix, const fs::path& packed,
                                           const BundleCache& cache, const fs::path& index,
                                           const ApacheBuildError& context, Disk& disk) {
  try {
    pack_tree(prefix.parent_path(), packed);
    auto digest = file_digest(packed);
    if (!digest) throw std::runtime_error("cannot read " + packed.string());
    int pruned = keep_in_cache(cache, packed, *digest, index, disk);
    return {*digest, pruned};
  } catch (const std::exception& ex) {
    ApacheBuildError e = failure(context, ApacheBuildError::Kind::kNotKept);
    e.detail = ex.what();
    throw e;
  }
}

void installing_line(const std::string& version, const Target& target, Output& out) {
  out.step("Installing Apache " + version + ", built from the buildpack's recipe");
  out.detail("Stack: " + target.stack + " (" + target.arch + ")");
}

}  // namespace

Resolved build_apache_step(const Recipe& recipe, const Target& target, const Vars& vars,
                           const fs::path& cache_dir, Services& s) {
  const std::string version = recipe.apache_version();
  const BundleCache cache(cache_dir);
  const fs::path index = cache_dir / index_name(recipe, target);
  const std::string wanted = target.stack + "/" + target.arch;
  Resolved resolved{
      BundleSource{.url = "",
                   .sha256 = std::nullopt,
                   .name = bundle_name(recipe, target),
                   .described = "the build cache (built from the buildpack's recipe)"},
      "no bundle is configured or published for " + wanted,
      {},
      {}};

  // The config is checked whether or not a build is needed.
  const std::string mirror = var_or(vars, "WHISKEY_APACHE_MIRROR");
  if (!mirror.empty()) {
    check_url_policy(mirror, "WHISKEY_APACHE_MIRROR", var_or(vars, "WHISKEY_ALLOW_HTTP") == "1");
  }
  if (auto kept = kept_bundle(cache, index, s.disk, s.out)) {
    installing_line(version, target, s.out);
    s.out.detail("Built by an earlier build of this app (recipe " +
                 recipe.digest.str().substr(0, 19) + "...): nothing to download or compile");
    resolved.source.sha256 = kept;
    return resolved;
  }

  const auto start = s.clock.now();
  s.out.step("Building Apache " + version + " from the buildpack's recipe");
  s.out.detail("No Apache bundle is configured, and this buildpack records none for " + wanted +
               ":");
  s.out.detail("building one here, once. Later builds of this app install it from the build");
  s.out.detail("cache. To skip this build, publish a bundle and set WHISKEY_BUCKET (see the");
  s.out.detail("README, \"Where Apache comes from\").");

  ApacheBuildError context(ApacheBuildError::Kind::kNotKept, target);
  context.apache_version = version;
  context.mirror = !mirror.empty();
  if (auto missing = missing_build_tools(vars, s.disk); !missing.empty()) {
    ApacheBuildError e = failure(context, ApacheBuildError::Kind::kMissingTools);
    e.missing = std::move(missing);
    throw e;
  }

  WorkDir work;
  const fs::path sources = work.path() / "src";
  fetch_sources(recipe, mirror, work, sources, context, vars, s);
  // The placeholder prefix the bundle is built under: long enough that any
  // place it is relocated to fits in its stead inside the binaries.
  std::string pad = work.path().string() + "/prefix-";
  pad += std::string(pad.size() < 228 ? 228 - pad.size() : 8, '_');
  const fs::path prefix = fs::path(pad) / ".whiskey";
  run_recipe(recipe, target, sources, prefix, work.path() / "build.log", context, vars, s);

  const fs::path packed = work.path() / resolved.source.name;
  auto [digest, pruned] = pack_and_keep(prefix, packed, cache, index, context, s.disk);
  s.out.detail("Built Apache " + version + " in " + duration_text(s.clock.now() - start) +
               "; kept it in the build cache (" + human_bytes(fs::file_size(packed)) + ")");
  if (pruned > 0) {
    s.out.detail("Removed " + std::to_string(pruned) + " Apache built by an older recipe" +
                 " from the build cache");
  }
  installing_line(version, target, s.out);
  resolved.source.sha256 = digest;
  return resolved;
}

}  // namespace whiskey
