#include "publish.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <system_error>
#include <thread>

#include "bundle_cache.h"
#include "bundle_source.h"
#include "decompress.h"
#include "defaults.h"
#include "errors.h"
#include "sbom.h"
#include "tar_feed.h"
#include "unpack.h"

namespace whiskey {
namespace fs = std::filesystem;
namespace {

constexpr int kManifestAttempts = 5;

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Sha256Digest file_digest(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PublishError(PublishError::Kind::kUnreadable, file.string());
  Sha256 h;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update({buf.data(), static_cast<std::size_t>(in.gcount())});
  }
  return h.finish();
}

PublishError s3_failure(const std::string& doing, const S3Response& r, const S3Target& target) {
  PublishError e(PublishError::Kind::kRefused, doing, s3_error_text(r));
  e.status = r.status;
  e.bucket = target.bucket;
  e.region = target.region;
  return e;
}

/// The manifest as it is now, and its ETag ("" when there is none yet).
std::pair<std::optional<std::string>, std::string> read_manifest(S3Client& s3, const S3Target& t) {
  std::string text;
  auto r = s3.get(kManifestName, [&](std::span<const char> c) { text.append(c.data(), c.size()); });
  if (r.status == 404) return {std::nullopt, ""};
  if (!r.ok()) throw s3_failure("Reading " + std::string(kManifestName), r, t);
  std::string etag = r.headers.count("etag") ? r.headers.at("etag") : std::string();
  return {text, etag};
}

/// The keys of `written` that the manifest in the bucket no longer lists.
std::vector<std::string> lost_entries(S3Client& s3, const S3Target& t, const Manifest& written) {
  auto [text, etag] = read_manifest(s3, t);
  std::vector<std::string> lost;
  Manifest now;
  if (text) now = parse_manifest(*text);
  for (const auto& e : written.bundles) {
    if (!find_key(now, e.key)) lost.push_back(e.key);
  }
  return lost;
}

}  // namespace

PublishArgs parse_publish_args(const std::vector<std::string>& argv, const Vars& vars) {
  PublishArgs a;
  a.target.bucket = var_or(vars, "WHISKEY_BUCKET");
  a.target.region = var_or(vars, "WHISKEY_REGION", "us-east-1");
  a.target.endpoint = var_or(vars, "WHISKEY_S3_ENDPOINT");
  for (std::size_t i = 0; i < argv.size(); ++i) {
    auto value = [&](const char* flag) {
      if (i + 1 >= argv.size()) {
        throw PublishError(PublishError::Kind::kMissingValue, flag);
      }
      return argv[++i];
    };
    if (argv[i] == "--bucket") {
      a.target.bucket = value("--bucket");
    } else if (argv[i] == "--region") {
      a.target.region = value("--region");
    } else if (argv[i] == "--endpoint") {
      a.target.endpoint = value("--endpoint");
    } else if (argv[i] == "--key") {
      a.key = value("--key");
    } else if (argv[i] == "--record-default") {
      a.record_default = value("--record-default");
    } else if (argv[i] == "--manifest-copy") {
      a.manifest_copy = value("--manifest-copy");
    } else if (argv[i] == "--signing-key") {
      a.signing_key_files.emplace_back(value("--signing-key"));
    } else if (argv[i] == "--trust") {
      std::string key = value("--trust");
      try {
        for (auto& k : parse_public_keys(key, "--trust")) a.trust.push_back(std::move(k));
      } catch (const std::invalid_argument& e) {
        throw PublishError(PublishError::Kind::kSigningKey, "--trust", e.what());
      }
    } else if (!argv[i].empty() && argv[i][0] == '-') {
      throw PublishError(PublishError::Kind::kUnknownOption, argv[i]);
    } else if (a.bundle.empty()) {
      a.bundle = argv[i];
    } else {
      PublishError e(PublishError::Kind::kTwoBundles, a.bundle.string());
      e.other = argv[i];
      throw e;
    }
  }
  if (a.bundle.empty()) {
    throw PublishError(PublishError::Kind::kNoBundle);
  }
  if (a.target.bucket.empty()) {
    throw PublishError(PublishError::Kind::kNoBucket);
  }
  a.credentials.access_key_id = var_or(vars, "AWS_ACCESS_KEY_ID");
  a.credentials.secret_access_key = var_or(vars, "AWS_SECRET_ACCESS_KEY");
  a.credentials.session_token = var_or(vars, "AWS_SESSION_TOKEN");
  if (a.credentials.access_key_id.empty() || a.credentials.secret_access_key.empty()) {
    throw PublishError(PublishError::Kind::kNoCredentials);
  }
  if (a.key.empty()) a.key = a.bundle.filename().string();
  a.signing_key_pem = var_or(vars, "WHISKEY_SIGNING_KEY");
  try {
    for (auto& k : parse_public_keys(var_or(vars, "WHISKEY_PUBLIC_KEYS"), "WHISKEY_PUBLIC_KEYS")) {
      a.trust.push_back(std::move(k));
    }
  } catch (const std::invalid_argument& e) {
    throw PublishError(PublishError::Kind::kSigningKey, "WHISKEY_PUBLIC_KEYS", e.what());
  }
  return a;
}

BundleInfo read_bundle_info(const fs::path& bundle, std::optional<Sha256Digest>* sbom_sha256) {
  auto not_bundle = [&](const std::string& why) {
    return PublishError(PublishError::Kind::kNotBundle, bundle.string(), why);
  };
  // Read as compile reads it: the whole compressed stream with its
  // compressor's checks, and nothing but padding after the archive's end.
  std::unique_ptr<FileStream> file;
  try {
    file = std::make_unique<FileStream>(bundle);
  } catch (const std::system_error& e) {
    throw not_bundle(std::string("cannot be read: ") + e.what());
  }
  DecompressStream tar(*file);
  TarFeed feed(tar);
  std::unique_ptr<archive, ReadDeleter> a(archive_read_new());
  if (!a || archive_read_support_format_tar(a.get()) != ARCHIVE_OK) {
    throw std::runtime_error("cannot initialise libarchive's tar reader");
  }
  // What stopped the reading: the stream's own error, else libarchive's.
  auto failed = [&](const std::string& what) {
    try {
      if (feed.error()) std::rethrow_exception(feed.error());
    } catch (const StreamError& e) {
      return not_bundle(std::string("is damaged: ") + e.what());
    } catch (const std::exception& e) {
      return not_bundle(std::string("cannot be read: ") + e.what());
    }
    const char* msg = archive_error_string(a.get());
    return not_bundle(what + (msg ? msg : "unknown error"));
  };
  if (feed.open(a.get()) != ARCHIVE_OK) throw failed("cannot be read: ");
  // The current entry's bytes, to `sink`.
  auto read_data = [&](const std::function<void(std::span<const char>)>& sink) {
    char buf[8192];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0) {
      sink({buf, static_cast<std::size_t>(n)});
    }
    if (n < 0) throw failed("is damaged: ");
  };
  // Every entry is checked, as compile will; the description is read on the way.
  archive_entry* entry = nullptr;
  std::optional<std::string> json;
  if (sbom_sha256) sbom_sha256->reset();
  int r;
  while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    std::string rel;
    try {
      rel = bundle_relative_path(archive_entry_pathname(entry));
    } catch (const BundleError& e) {
      throw not_bundle(std::string("holds an entry that compile would refuse: ") + e.what());
    }
    if (sbom_sha256 && rel == kBundleSbomPath && archive_entry_filetype(entry) == AE_IFREG) {
      Sha256 h;
      read_data([&](std::span<const char> c) { h.update(c); });
      *sbom_sha256 = h.finish();
      continue;
    }
    if (rel != kBundleInfoPath) continue;
    json.emplace();
    read_data([&](std::span<const char> c) { json->append(c.data(), c.size()); });
  }
  if (r != ARCHIVE_EOF) throw failed("is damaged: ");
  try {
    feed.finish(a.get());
  } catch (const StreamError& e) {
    throw not_bundle(std::string("is damaged: ") + e.what());
  } catch (const std::system_error& e) {
    throw not_bundle(std::string("cannot be read: ") + e.what());
  }
  if (!json) throw not_bundle(std::string("has no .whiskey/") + kBundleInfoPath);
  try {
    return parse_bundle_info(*json);
  } catch (const std::runtime_error& e) {
    throw not_bundle(e.what());
  }
}

namespace {

/// Uploads the bundle, then reads it back: what apps will download is what
/// was built.
void upload_verified(S3Client& s3, const PublishArgs& args, std::uint64_t size,
                     const Sha256Digest& digest, Output& out) {
  std::string where = redact_url(s3.url(args.key));
  out.detail("Uploading to " + where);
  auto put = s3.put_file(args.bundle, args.key, digest.hex(), "application/gzip");
  if (!put.ok()) throw s3_failure("Uploading " + args.key, put, args.target);

  Sha256 back;
  std::uint64_t back_size = 0;
  auto got = s3.get(args.key, [&](std::span<const char> c) {
    back.update(c);
    back_size += c.size();
  });
  if (!got.ok()) throw s3_failure("Reading back " + args.key, got, args.target);
  Sha256Digest back_digest = back.finish();
  if (back_digest != digest || back_size != size) {
    PublishError e(PublishError::Kind::kReadBackMismatch, where);
    e.size = size;
    e.back_size = back_size;
    e.digest = digest.str();
    e.back_digest = back_digest.str();
    throw e;
  }
  out.detail("Verified the upload by reading it back");
}

/// Writes `text` to `file` whole: a temporary file beside it, renamed over
/// it. Throws std::runtime_error.
void replace_file(const fs::path& file, const std::string& text) {
  fs::path tmp = file;
  tmp += ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    o << text;
    o.flush();
    if (!o) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error("cannot write " + tmp.string());
    }
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error("cannot replace it: " + ec.message());
  }
}

/// The text of the buildpack.toml to record the default in, checked: its
/// entries can be read and changed. Throws PublishError.
std::string read_defaults_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw PublishError(PublishError::Kind::kDefaultsUnusable, file.string(), "cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    parse_default_bundles(text);
  } catch (const std::runtime_error& e) {
    throw PublishError(PublishError::Kind::kDefaultsUnusable, file.string(), e.what());
  }
  return text;
}

/// Writes the signature of `written`, the manifest just put in the bucket.
void sign_written(S3Client& s3, const PublishArgs& args, const std::vector<SigningKey>& keys,
                  const std::string& written, Output& out) {
  std::vector<const SigningKey*> signers;
  for (const auto& k : keys) signers.push_back(&k);
  auto r = s3.put(kSignatureName, sign_manifest(written, signers), "application/json");
  if (!r.ok()) {
    PublishError e(PublishError::Kind::kNotSigned, redact_url(s3.url(kSignatureName)),
                   s3_error_text(r));
    e.status = r.status;
    e.bucket = args.target.bucket;
    e.region = args.target.region;
    throw e;
  }
  for (const auto& k : keys) {
    out.detail("Signed it with key " + k.public_key().id() + ": " + k.public_key().text());
  }
}

/// The signing keys the publisher was given. Throws PublishError without
/// ever quoting a key.
std::vector<SigningKey> load_signing_keys(const PublishArgs& args) {
  std::vector<SigningKey> keys;
  auto load = [&](const std::string& pem, const std::string& from) {
    try {
      keys.push_back(SigningKey::from_pem(pem));
    } catch (const std::invalid_argument& e) {
      throw PublishError(PublishError::Kind::kSigningKey, from, e.what());
    }
  };
  for (const auto& file : args.signing_key_files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw PublishError(PublishError::Kind::kSigningKey, file.string(), "cannot be read");
    load(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
         file.string());
  }
  if (!args.signing_key_pem.empty()) load(args.signing_key_pem, "WHISKEY_SIGNING_KEY");
  return keys;
}

/// Checks the signature the bucket's manifest `text` has now before it is
/// signed over: by one of the signing keys or `args.trust`. An unsigned
/// manifest is signed from now on (said in the log).
void check_before_signing(S3Client& s3, const PublishArgs& args,
                          const std::vector<SigningKey>& keys, const std::string& text,
                          Output& out) {
  std::string signature;
  auto r = s3.get(kSignatureName,
                  [&](std::span<const char> c) { signature.append(c.data(), c.size()); });
  if (r.status == 404) {
    out.detail(std::string(kManifestName) + " was not signed; it is signed from now on");
    return;
  }
  if (!r.ok()) throw s3_failure("Reading " + std::string(kSignatureName), r, args.target);
  std::vector<PublicKey> trusted = args.trust;
  for (const auto& k : keys) {
    PublicKey p = k.public_key();
    p.origin = "--signing-key";
    trusted.push_back(p);
  }
  try {
    verify_manifest(text, signature, trusted);
  } catch (const SignatureError& e) {
    throw PublishError(
        PublishError::Kind::kManifestUntrusted, redact_url(s3.url(kManifestName)),
        e.what() + (e.signers.empty() ? std::string() : "; signed by " + e.signers.front()));
  }
}

/// Adds `entry` to the bucket's manifest without losing another
/// publisher's: conditional writes, merged again when they cross. Returns
/// the manifest as written.
std::string add_to_manifest(S3Client& s3, const PublishArgs& args, const ManifestEntry& entry,
                            const std::vector<SigningKey>& keys, Output& out) {
  for (int attempt = 1;; ++attempt) {
    auto [text, etag] = read_manifest(s3, args.target);
    if (text && !keys.empty()) check_before_signing(s3, args, keys, *text, out);
    Manifest manifest;
    if (text) {
      try {
        manifest = parse_manifest(*text);
      } catch (const std::exception& e) {
        throw PublishError(PublishError::Kind::kManifestMalformed,
                           redact_url(s3.url(kManifestName)), e.what());
      }
    }
    std::size_t before = manifest.bundles.size();
    upsert(manifest, entry);
    ++manifest.serial;
    std::map<std::string, std::string> condition;
    if (etag.empty()) {
      condition["If-None-Match"] = "*";
    } else {
      condition["If-Match"] = etag;
    }
    std::string written = serialize_manifest(manifest, text ? *text : "");
    auto r = s3.put(kManifestName, written, "application/json", condition);
    if (r.ok() && !lost_entries(s3, args.target, manifest).empty() && attempt < kManifestAttempts) {
      // A server that ignores conditional writes let another publisher's
      // write land in between: merge again.
      out.detail("Another publisher's update crossed ours; merging again");
      continue;
    }
    if (r.ok()) {
      out.detail("Updated " + std::string(kManifestName) + ": " +
                 (manifest.bundles.size() > before ? "added " : "replaced ") + args.key + " (" +
                 std::to_string(manifest.bundles.size()) + " listed, serial " +
                 std::to_string(manifest.serial) + ")");
      if (!keys.empty()) sign_written(s3, args, keys, written, out);
      return written;
    }
    if ((r.status == 412 || r.status == 409) && attempt < kManifestAttempts) {
      out.detail("The manifest changed while it was updated; trying again");
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
      continue;
    }
    throw s3_failure("Writing " + std::string(kManifestName), r, args.target);
  }
}

/// The buildpack.toml entry that makes the published bundle a default.
DefaultBundle default_entry(const PublishArgs& args, const BundleInfo& info,
                            const Sha256Digest& digest) {
  return {
      .version = info.apache,
      .uri = s3_object_url(args.target.bucket, args.key, args.target.region, args.target.endpoint),
      .sha256 = digest,
      .stacks = {info.stack},
      .arch = info.arch};
}

/// Says how apps use the bundle: the config vars, and the buildpack.toml
/// entry that makes it a release's default.
void show_use(const PublishArgs& args, const BundleInfo& info, const Sha256Digest& digest,
              const std::vector<SigningKey>& keys, Output& out) {
  out.step("Apps on " + info.stack + " can use it");
  std::string vars = "heroku config:set WHISKEY_BUCKET=" + args.target.bucket;
  if (args.target.region != "us-east-1") vars += " WHISKEY_REGION=" + args.target.region;
  if (!args.target.endpoint.empty()) vars += " WHISKEY_S3_ENDPOINT=" + args.target.endpoint;
  std::string pinned;
  for (const auto& k : keys) pinned += (pinned.empty() ? "" : ",") + k.public_key().text();
  if (pinned.empty()) {
    out.detail("The newest bundle for the app's stack, verified by the manifest:");
    out.detail("  " + vars);
  } else {
    out.detail("The newest bundle for the app's stack, verified by the signed manifest:");
    out.detail("  " + vars + " WHISKEY_PUBLIC_KEYS=" + pinned);
  }
  out.detail("Or pinned to this one:");
  out.detail("  " + vars + " WHISKEY_PACKAGE=" + args.key + " WHISKEY_SHA256=" + digest.hex());
  // A public bucket's object can be a release's default, verified by the
  // digest buildpack.toml records.
  DefaultBundle as_default = default_entry(args, info, digest);
  out.detail("Or, for a public bucket, as the buildpack's default when no config var is set,");
  out.detail("in buildpack.toml (replacing the entry for " + info.stack + "/" + info.arch + "):");
  std::string toml = default_bundle_toml(as_default);
  for (std::size_t start = 0; start < toml.size();) {
    std::size_t end = toml.find('\n', start);
    out.detail("  " + toml.substr(start, end - start));
    start = end + 1;
  }
}

/// Downloads the bundle from `uri` without credentials, as a build that
/// installs a default does, and checks its bytes. Throws PublishError.
void check_public(const PublishArgs& args, const std::string& uri, const Sha256Digest& digest,
                  std::uint64_t size, Output& out) {
  S3Client anonymous(args.target, {});
  Sha256 got;
  std::uint64_t got_size = 0;
  auto r = anonymous.get(args.key, [&](std::span<const char> c) {
    got.update(c);
    got_size += c.size();
  });
  if (!r.ok()) {
    PublishError e(PublishError::Kind::kNotPublic, redact_url(uri), s3_error_text(r));
    e.status = r.status;
    e.bucket = args.target.bucket;
    e.region = args.target.region;
    throw e;
  }
  Sha256Digest back = got.finish();
  if (back != digest || got_size != size) {
    PublishError e(PublishError::Kind::kNotPublic, redact_url(uri));
    e.status = r.status;
    e.size = size;
    e.back_size = got_size;
    e.digest = digest.str();
    e.back_digest = back.str();
    throw e;
  }
  out.detail("Downloaded it without credentials, as apps will: it matches");
}

/// Records the published bundle as the default for its stack and arch.
void record_default(const PublishArgs& args, const std::string& before, const DefaultBundle& entry,
                    Output& out) {
  try {
    replace_file(args.record_default, record_default_bundle(before, entry));
  } catch (const std::runtime_error& e) {
    throw PublishError(PublishError::Kind::kNotRecorded, args.record_default.string(), e.what());
  }
  out.detail("Recorded it in " + args.record_default.string() + " as the default for " +
             entry.stacks.front() + "/" + entry.arch);
}

void publish_to_bucket(const PublishArgs& args, Output& out) {
  out.step("Publishing " + args.bundle.filename().string());
  std::vector<SigningKey> keys = load_signing_keys(args);
  std::string defaults_before;
  if (!args.record_default.empty()) defaults_before = read_defaults_file(args.record_default);
  std::optional<Sha256Digest> sbom;
  BundleInfo info = read_bundle_info(args.bundle, &sbom);
  auto size = fs::file_size(args.bundle);
  Sha256Digest digest = file_digest(args.bundle);
  out.detail("Apache " + info.apache + " for " + info.stack + "/" + info.arch + ", " +
             human_bytes(size) + ", " + digest.str());
  out.detail(
      sbom ? "Bill of materials: .whiskey/" + std::string(kBundleSbomPath) + ", " + sbom->str()
           : "The bundle has no bill of materials (.whiskey/" + std::string(kBundleSbomPath) + ")");
  S3Client s3(args.target, args.credentials);
  upload_verified(s3, args, size, digest, out);
  std::string manifest = add_to_manifest(s3, args,
                                         {.key = args.key,
                                          .stack = info.stack,
                                          .arch = info.arch,
                                          .apache = info.apache,
                                          .size = size,
                                          .sha256 = digest,
                                          .published_at = now_utc(),
                                          .sbom_sha256 = sbom},
                                         keys, out);
  if (!args.manifest_copy.empty()) {
    try {
      replace_file(args.manifest_copy, manifest);
    } catch (const std::runtime_error& e) {
      throw PublishError(PublishError::Kind::kNotRecorded, args.manifest_copy.string(), e.what());
    }
  }
  show_use(args, info, digest, keys, out);
  if (!args.record_default.empty()) {
    DefaultBundle entry = default_entry(args, info, digest);
    check_public(args, entry.uri, digest, size, out);
    record_default(args, defaults_before, entry, out);
  }
}

}  // namespace

namespace {

/// Writes `text` to the new file `file` (O_EXCL: never over another), with
/// `mode` from the start. Throws PublishError, leaving no file.
void write_new_file(const fs::path& file, const std::string& text, mode_t mode) {
  auto failed = [&](int err) {
    return PublishError(PublishError::Kind::kKeyNotWritten, file.string(),
                        std::generic_category().message(err));
  };
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw failed(errno);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(file.c_str());
      throw failed(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(file.c_str());
    throw failed(err);
  }
}

/// Where to keep the key pair keygen made, and how to use it.
void show_key_use(const fs::path& private_file, const fs::path& public_file, const PublicKey& pub,
                  Output& out) {
  out.step("Made an Ed25519 key pair for signing manifests (key " + pub.id() + ")");
  out.detail("Private key: " + private_file.string() + " (mode 0600)");
  out.detail("Public key:  " + public_file.string() + ": " + pub.text());
  out.step("Keep the private key secret");
  out.detail("Store it where only the publisher reads it: your CI's secret store (a GitHub");
  out.detail("Actions secret named WHISKEY_SIGNING_KEY holding the file's text) and an");
  out.detail("offline backup. Never commit it or put it in an app. Then delete this copy.");
  out.detail("Publish with it:");
  out.detail("  mod_wsgi-heroku publish BUNDLE --signing-key " + private_file.string());
  out.step("Pin the public key where builds check it");
  out.detail("For one app:");
  out.detail("  heroku config:set WHISKEY_PUBLIC_KEYS=" + pub.text());
  out.detail("For every app of a copy of the buildpack, in its buildpack.toml:");
  out.detail("  [metadata]");
  out.detail("  public-keys = [\"" + pub.text() + "\"]");
  out.detail("To rotate, pin the new key beside the old one, publish with both");
  out.detail("(--signing-key twice), then drop the old one.");
}

}  // namespace

void keygen(const std::vector<std::string>& argv, Output& out) {
  fs::path dir = ".";
  std::string name = "whiskey-signing";
  for (std::size_t i = 0; i < argv.size(); ++i) {
    auto usage = [&](PublishError::Kind kind, const std::string& subject) {
      PublishError e(kind, subject);
      e.other = "keygen";
      return e;
    };
    auto value = [&](const char* flag) {
      if (i + 1 >= argv.size()) throw usage(PublishError::Kind::kMissingValue, flag);
      return argv[++i];
    };
    if (argv[i] == "--out") {
      dir = value("--out");
    } else if (argv[i] == "--name") {
      name = value("--name");
    } else {
      throw usage(PublishError::Kind::kUnknownOption, argv[i]);
    }
  }
  SigningKey key = SigningKey::generate();
  fs::path private_file = dir / (name + ".key");
  fs::path public_file = dir / (name + ".pub");
  write_new_file(private_file, key.to_pem(), 0600);
  try {
    write_new_file(public_file, key.public_key().text() + "\n", 0644);
  } catch (...) {
    ::unlink(private_file.c_str());
    throw;
  }
  show_key_use(private_file, public_file, key.public_key(), out);
}

void publish(const PublishArgs& args, Output& out) {
  try {
    publish_to_bucket(args, out);
  } catch (const TransportError& e) {
    throw PublishError(PublishError::Kind::kUnreachable, {}, e.what());
  }
}

}  // namespace whiskey
