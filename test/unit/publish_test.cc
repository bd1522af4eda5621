#include "publish.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "bundle_source.h"
#include "compile.h"
#include "errors.h"
#include "fakes.h"
#include "memory_disk.h"
#include "messages.h"
#include "signature.h"
#include "tarball.h"

using namespace whiskey;
using namespace whiskey::testing;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
namespace fs = std::filesystem;

namespace {

const std::string kBundle = "dist/whiskey-heroku-24-amd64-apache-2.4.68.tar.gz";
const std::string kKeyId = "AKIAEXAMPLEKEYID0001";
const std::string kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecretvalue";
const std::string kToken = "FwoGZXIvYXdzEtemporary-session-token-value";

Vars credentials() {
  return {{"AWS_ACCESS_KEY_ID", kKeyId},
          {"AWS_SECRET_ACCESS_KEY", kSecret},
          {"AWS_SESSION_TOKEN", kToken}};
}

Vars with(Vars vars, const Vars& more) {
  for (const auto& [k, v] : more) vars[k] = v;
  return vars;
}

UserMessage args_error(const std::vector<std::string>& argv, const Vars& vars) {
  return expect_message<Failure>([&] { parse_publish_args(argv, vars); });
}

/// Every part of the message a user sees.
std::string whole_message(const UserMessage& e) {
  return e.headline + "\n" + e.what_happened + "\n" + e.what_to_do + "\n" + e.details;
}

const std::string kPrefix = "/tmp/whiskey-placeholder-" + std::string(100, 'x') + "/.whiskey";

std::string bundle_json(const std::string& stack = "heroku-24", const std::string& arch = "amd64") {
  return nlohmann::json{{"schema", 1},
                        {"stack", stack},
                        {"arch", arch},
                        {"apache", "2.4.68"},
                        {"prefix", kPrefix},
                        {"prefix_capacity", 200},
                        {"contents", {"apache", "apr", "bin"}}}
      .dump(2);
}

/// Writes a tar.gz of `entries` into `dir` and returns its path.
fs::path write_bundle(const TempDir& dir, const std::vector<TarEntry>& entries,
                      const std::string& name = "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz") {
  fs::path file = dir / name;
  write_text(file, make_tar_gz(entries));
  return file;
}

UserMessage info_error(const fs::path& file) {
  return expect_message<Failure>([&] { read_bundle_info(file); });
}

}  // namespace

TEST_CASE("parse_publish_args: the bundle and every flag", "[publish]") {
  PublishArgs a =
      parse_publish_args({kBundle, "--bucket", "my-bucket", "--region", "eu-west-1", "--endpoint",
                          "http://127.0.0.1:9000", "--key", "v1/bundle.tar.gz"},
                         credentials());
  CHECK(a.bundle == fs::path(kBundle));
  CHECK(a.target.bucket == "my-bucket");
  CHECK(a.target.region == "eu-west-1");
  CHECK(a.target.endpoint == "http://127.0.0.1:9000");
  CHECK(a.key == "v1/bundle.tar.gz");
  CHECK(a.credentials.access_key_id == kKeyId);
  CHECK(a.credentials.secret_access_key == kSecret);
  CHECK(a.credentials.session_token == kToken);

  // The bundle may come after the flags.
  PublishArgs b = parse_publish_args({"--bucket", "my-bucket", kBundle}, credentials());
  CHECK(b.bundle == fs::path(kBundle));
  CHECK(b.target.bucket == "my-bucket");
}

TEST_CASE("parse_publish_args: defaults and the environment", "[publish]") {
  SECTION("the key is the file's name, the region us-east-1, no endpoint") {
    PublishArgs a = parse_publish_args({kBundle, "--bucket", "b"}, credentials());
    CHECK(a.key == "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz");
    CHECK(a.target.region == "us-east-1");
    CHECK(a.target.endpoint.empty());
  }
  SECTION("WHISKEY_BUCKET, WHISKEY_REGION and WHISKEY_S3_ENDPOINT") {
    Vars vars = with(credentials(), {{"WHISKEY_BUCKET", "env-bucket/pre"},
                                     {"WHISKEY_REGION", "ap-south-1"},
                                     {"WHISKEY_S3_ENDPOINT", "https://s3.example.com"}});
    PublishArgs a = parse_publish_args({kBundle}, vars);
    CHECK(a.target.bucket == "env-bucket/pre");
    CHECK(a.target.region == "ap-south-1");
    CHECK(a.target.endpoint == "https://s3.example.com");
    CHECK(a.key == "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz");

    // The flags win over the environment.
    PublishArgs b = parse_publish_args(
        {kBundle, "--bucket", "flag-bucket", "--region", "eu-west-1", "--endpoint", "https://x"},
        vars);
    CHECK(b.target.bucket == "flag-bucket");
    CHECK(b.target.region == "eu-west-1");
    CHECK(b.target.endpoint == "https://x");
  }
  SECTION("empty variables count as unset") {
    Vars vars = with(credentials(), {{"WHISKEY_BUCKET", "b"},
                                     {"WHISKEY_REGION", ""},
                                     {"WHISKEY_S3_ENDPOINT", ""},
                                     {"AWS_SESSION_TOKEN", ""}});
    PublishArgs a = parse_publish_args({kBundle}, vars);
    CHECK(a.target.region == "us-east-1");
    CHECK(a.target.endpoint.empty());
    CHECK(a.credentials.session_token.empty());
  }
  SECTION("without a session token") {
    Vars vars = credentials();
    vars.erase("AWS_SESSION_TOKEN");
    PublishArgs a = parse_publish_args({kBundle, "--bucket", "b"}, vars);
    CHECK(a.credentials.access_key_id == kKeyId);
    CHECK(a.credentials.secret_access_key == kSecret);
    CHECK(a.credentials.session_token.empty());
  }
}

TEST_CASE("parse_publish_args: what is missing or wrong", "[publish]") {
  const Vars creds = credentials();

  SECTION("no bundle") {
    for (const auto& argv : std::vector<std::vector<std::string>>{{}, {"--bucket", "b"}}) {
      UserMessage e = args_error(argv, creds);
      CHECK(e.headline == "No bundle to publish");
      CHECK_THAT(e.what_to_do, Contains("Usage: mod_wsgi-heroku publish BUNDLE"));
      CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
    }
  }
  SECTION("no bucket") {
    UserMessage e = args_error({kBundle}, creds);
    CHECK(e.headline == "No bucket to publish to");
    CHECK(e.what_happened == "Neither --bucket nor WHISKEY_BUCKET is set.");
    CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
    CHECK(args_error({kBundle}, with(creds, {{"WHISKEY_BUCKET", ""}})).headline ==
          "No bucket to publish to");
  }
  SECTION("no credentials, or only half of them") {
    Vars none;
    Vars no_secret = creds;
    no_secret.erase("AWS_SECRET_ACCESS_KEY");
    Vars no_key_id = creds;
    no_key_id.erase("AWS_ACCESS_KEY_ID");
    Vars empty_key_id = with(creds, {{"AWS_ACCESS_KEY_ID", ""}});
    for (const Vars& vars : {none, no_secret, no_key_id, empty_key_id}) {
      UserMessage e = args_error({kBundle, "--bucket", "b"}, vars);
      CHECK(e.headline == "No AWS credentials");
      CHECK_THAT(e.what_happened, Contains("AWS_ACCESS_KEY_ID"));
      CHECK_THAT(e.what_to_do, Contains("AWS_SESSION_TOKEN"));
      CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
    }
  }
  SECTION("a flag without its value") {
    for (const std::string flag : {"--bucket", "--region", "--endpoint", "--key"}) {
      UserMessage e = args_error({kBundle, flag}, creds);
      CHECK(e.headline == flag + " needs a value");
      CHECK_THAT(e.what_to_do, Contains("publish --help"));
      CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
    }
  }
  SECTION("an unknown flag") {
    UserMessage e = args_error({kBundle, "--force", "--bucket", "b"}, creds);
    CHECK(e.headline == "Unknown option --force");
    CHECK_THAT(e.what_to_do, StartsWith("Usage: mod_wsgi-heroku publish BUNDLE"));
    CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
    CHECK(args_error({"-k", kBundle}, creds).headline == "Unknown option -k");
  }
  SECTION("two bundles") {
    UserMessage e = args_error({kBundle, "--bucket", "b", "dist/other.tar.gz"}, creds);
    CHECK(e.headline == "Publish one bundle at a time");
    CHECK(e.what_happened == "Both " + kBundle + " and dist/other.tar.gz were given.");
    CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
  }
}

TEST_CASE("parse_publish_args: no message shows the secret key or session token", "[publish]") {
  // Every way of failing, with the secrets set in the environment.
  const Vars creds = with(credentials(), {{"WHISKEY_REGION", "eu-west-1"}});
  Vars no_key_id = creds;
  no_key_id.erase("AWS_ACCESS_KEY_ID");
  Vars no_secret = creds;
  no_secret.erase("AWS_SECRET_ACCESS_KEY");
  const std::vector<std::pair<std::vector<std::string>, Vars>> failures = {
      {{}, creds},
      {{kBundle}, creds},
      {{kBundle, "--bucket", "b"}, no_key_id},
      {{kBundle, "--bucket", "b"}, no_secret},
      {{kBundle, "--bucket"}, creds},
      {{kBundle, "--key"}, creds},
      {{kBundle, "--bucket", "b", "--token"}, creds},
      {{kBundle, "--bucket", "b", "other.tar.gz"}, creds},
  };
  for (const auto& [argv, vars] : failures) {
    UserMessage e = args_error(argv, vars);
    INFO(e.headline);
    CHECK_THAT(whole_message(e), !Contains(kSecret) && !Contains(kToken));
    CHECK_THAT(whole_message(e), !Contains("wJalrXUtnFEMI") && !Contains("FwoGZXIvYXdz"));
  }
}

TEST_CASE("read_bundle_info: what the bundle says about itself", "[publish]") {
  TempDir dir;
  fs::path file = write_bundle(dir, {
                                        Dir(".whiskey/"),
                                        Dir(".whiskey/apache/"),
                                        File(".whiskey/apache/bin/httpd", "httpd\n", 0755),
                                        File(".whiskey/apr/lib/libapr-1.so.0", noise(2000, 3)),
                                        File(".whiskey/apache/whiskey-bundle.json", bundle_json()),
                                        File(".whiskey/bin/mod_wsgi-heroku-start", "#!/bin/sh\n"),
                                    });

  BundleInfo info = read_bundle_info(file);

  CHECK(info.schema == 1);
  CHECK(info.stack == "heroku-24");
  CHECK(info.arch == "amd64");
  CHECK(info.apache == "2.4.68");
  CHECK(info.prefix == kPrefix);
  CHECK(info.prefix_capacity == 200);
  CHECK(info.contents == std::vector<std::string>{"apache", "apr", "bin"});

  // With "./" in front of the names, as tar writes them from ".".
  fs::path dotted = write_bundle(dir,
                                 {Dir("./.whiskey/"), File("./.whiskey/apache/whiskey-bundle.json",
                                                           bundle_json("heroku-22", "arm64"))},
                                 "dotted.tar.gz");
  BundleInfo other = read_bundle_info(dotted);
  CHECK(other.stack == "heroku-22");
  CHECK(other.arch == "arm64");
}

TEST_CASE("read_bundle_info: the digest of the bundle's bill of materials", "[publish]") {
  TempDir dir;
  const std::string sbom = "{\"bomFormat\": \"CycloneDX\"}\n" + noise(20000, 7);
  fs::path with = write_bundle(dir,
                               {Dir(".whiskey/"), File(".whiskey/apache/sbom.cdx.json", sbom),
                                File(".whiskey/apache/whiskey-bundle.json", bundle_json())},
                               "with.tar.gz");
  std::optional<Sha256Digest> digest;
  read_bundle_info(with, &digest);
  REQUIRE(digest);
  Sha256 h;
  h.update(sbom);
  CHECK(*digest == h.finish());

  fs::path without = write_bundle(
      dir, {Dir(".whiskey/"), File(".whiskey/apache/whiskey-bundle.json", bundle_json())},
      "without.tar.gz");
  read_bundle_info(without, &digest);
  CHECK_FALSE(digest);
}

TEST_CASE("read_bundle_info: files that are not bundles", "[publish]") {
  TempDir dir;

  SECTION("no whiskey-bundle.json") {
    fs::path file = write_bundle(dir, {Dir(".whiskey/"), File(".whiskey/apache/bin/httpd", "x"),
                                       File(".whiskey/whiskey-bundle.json", bundle_json())});
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK(e.what_happened == "'" + file.string() + "' has no .whiskey/apache/whiskey-bundle.json.");
    CHECK_THAT(e.what_to_do, Contains("vendor/apache/build.sh"));
  }
  SECTION("an entry compile would refuse, after the description") {
    fs::path file = write_bundle(dir, {File(".whiskey/apache/whiskey-bundle.json", bundle_json()),
                                       File(".whiskey/../evil", "x")});
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, Contains("holds an entry that compile would refuse"));
    CHECK_THAT(e.what_happened, Contains(".whiskey/../evil"));
  }
  SECTION("a damaged archive, whatever its digest") {
    fs::path file = write_bundle(
        dir, {Dir(".whiskey/"), File(".whiskey/apache/whiskey-bundle.json", bundle_json())});
    std::string bytes = read_text(file);
    bytes[bytes.size() - 8] = static_cast<char>(bytes[bytes.size() - 8] ^ 1);  // its CRC-32
    write_text(file, bytes);
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, Contains("is damaged: the gzip CRC-32 does not match the data"));
    write_text(file, read_text(write_bundle(
                         dir, {File(".whiskey/apache/whiskey-bundle.json", bundle_json())})) +
                         "appended");
    CHECK_THAT(info_error(file).what_happened, Contains("data after the end of the gzip stream"));
  }
  SECTION("an empty archive") {
    fs::path file = write_bundle(dir, {});
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, Contains("has no .whiskey/apache/whiskey-bundle.json"));
  }
  SECTION("a whiskey-bundle.json that does not parse") {
    fs::path file =
        write_bundle(dir, {File(".whiskey/apache/whiskey-bundle.json", "{\"schema\": ")});
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, StartsWith("'" + file.string() +
                                           "' whiskey-bundle.json is not "
                                           "valid JSON"));
  }
  SECTION("a whiskey-bundle.json without its prefix") {
    nlohmann::json j = nlohmann::json::parse(bundle_json());
    j.erase("prefix");
    fs::path file = write_bundle(dir, {File(".whiskey/apache/whiskey-bundle.json", j.dump())});
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, Contains("whiskey-bundle.json has no \"prefix\""));
  }
  SECTION("an entry compile would refuse, before the description") {
    for (const std::string bad : {"../evil", "/etc/passwd", "README.md", ".whiskey/../../x"}) {
      fs::path file =
          write_bundle(dir, {Dir(".whiskey/"), File(bad, "x"),
                             File(".whiskey/apache/whiskey-bundle.json", bundle_json())});
      UserMessage e = info_error(file);
      INFO(bad);
      CHECK(e.headline == "Not an Apache bundle");
      CHECK_THAT(e.what_happened,
                 StartsWith("'" + file.string() + "' holds an entry that compile would refuse: "));
      CHECK_THAT(e.what_happened, Contains(bad));
    }
  }
  SECTION("a file that is not an archive") {
    fs::path file = dir / "notes.tar.gz";
    write_text(file, "These are not the bundles you are looking for.\n" + std::string(2000, '.'));
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, StartsWith("'" + file.string() + "' "));
    CHECK_THAT(e.what_happened, Contains("cannot be read") || Contains("is damaged"));
  }
  SECTION("a gzip stream cut short") {
    std::string bytes = make_tar_gz({File(".whiskey/apache/bin/httpd", noise(50000, 5)),
                                     File(".whiskey/apache/whiskey-bundle.json", bundle_json())});
    fs::path file = dir / "cut.tar.gz";
    write_text(file, bytes.substr(0, bytes.size() / 2));
    UserMessage e = info_error(file);
    CHECK(e.headline == "Not an Apache bundle");
  }
  SECTION("a file that is not there") {
    UserMessage e = info_error(dir / "missing.tar.gz");
    CHECK(e.headline == "Not an Apache bundle");
    CHECK_THAT(e.what_happened, Contains("cannot be read"));
  }
}

TEST_CASE("download_options: no signing without keys and a bucket", "[publish]") {
  CHECK_FALSE(download_options({}, MemoryDisk()).aws);
  CHECK(download_options({}, MemoryDisk()).ca_bundle.empty());

  const Vars keys = {{"AWS_ACCESS_KEY_ID", kKeyId}, {"AWS_SECRET_ACCESS_KEY", kSecret}};
  CHECK_FALSE(download_options(keys, MemoryDisk()).aws);  // no WHISKEY_BUCKET
  CHECK_FALSE(download_options(with(keys, {{"WHISKEY_BUCKET", ""}}), MemoryDisk()).aws);
  CHECK_FALSE(download_options(with(keys, {{"WHISKEY_URL", "https://b.example.com/x.tar.gz"}}),
                               MemoryDisk())
                  .aws);

  const Vars bucket = {{"WHISKEY_BUCKET", "b"}};
  CHECK_FALSE(download_options(bucket, MemoryDisk()).aws);
  CHECK_FALSE(download_options(with(bucket, {{"AWS_ACCESS_KEY_ID", kKeyId}}), MemoryDisk()).aws);
  CHECK_FALSE(
      download_options(with(bucket, {{"AWS_SECRET_ACCESS_KEY", kSecret}}), MemoryDisk()).aws);
  CHECK_FALSE(download_options(
                  with(bucket, {{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", kSecret}}),
                  MemoryDisk())
                  .aws);
}

TEST_CASE("download_options: signing for the configured bucket only", "[publish]") {
  const Vars base = with(credentials(), {{"WHISKEY_BUCKET", "my-bucket"}});

  SECTION("on AWS, virtual-hosted in the region") {
    CurlOptions o = download_options(with(base, {{"WHISKEY_REGION", "eu-west-1"}}), MemoryDisk());
    REQUIRE(o.aws);
    CHECK(o.aws->url_prefix == "https://my-bucket.s3.eu-west-1.amazonaws.com/");
    CHECK(o.aws->region == "eu-west-1");
    CHECK(o.aws->access_key_id == kKeyId);
    CHECK(o.aws->secret_access_key == kSecret);
    CHECK(o.aws->session_token == kToken);
  }
  SECTION("on AWS in the default region") {
    CurlOptions o = download_options(base, MemoryDisk());
    REQUIRE(o.aws);
    CHECK(o.aws->url_prefix == "https://my-bucket.s3.us-east-1.amazonaws.com/");
    CHECK(o.aws->region == "us-east-1");
  }
  SECTION("on AWS, with a key prefix") {
    CurlOptions o =
        download_options(with(base, {{"WHISKEY_BUCKET", "my-bucket/bundles"}}), MemoryDisk());
    REQUIRE(o.aws);
    CHECK(o.aws->url_prefix == "https://my-bucket.s3.us-east-1.amazonaws.com/bundles/");
  }
  SECTION("at an endpoint, path-style") {
    Vars vars = with(base, {{"WHISKEY_S3_ENDPOINT", "http://127.0.0.1:9000"}});
    CurlOptions o = download_options(vars, MemoryDisk());
    REQUIRE(o.aws);
    CHECK(o.aws->url_prefix == "http://127.0.0.1:9000/my-bucket/");
    CHECK(o.aws->region == "us-east-1");
    CHECK(download_options(with(vars, {{"WHISKEY_S3_ENDPOINT", "http://127.0.0.1:9000/"}}),
                           MemoryDisk())
              .aws->url_prefix == "http://127.0.0.1:9000/my-bucket/");
    CHECK(download_options(with(vars, {{"WHISKEY_BUCKET", "my-bucket/pre"}}), MemoryDisk())
              .aws->url_prefix == "http://127.0.0.1:9000/my-bucket/pre/");
  }
  SECTION("without a session token") {
    Vars vars = base;
    vars.erase("AWS_SESSION_TOKEN");
    CurlOptions o = download_options(vars, MemoryDisk());
    REQUIRE(o.aws);
    CHECK(o.aws->session_token.empty());
  }
}

TEST_CASE("download_options: the prefix covers the bucket's objects and nothing else",
          "[publish]") {
  for (const std::string endpoint : {"", "https://s3.example.com"}) {
    for (const std::string bucket : {"b", "b/pre"}) {
      Vars vars = with(credentials(), {{"WHISKEY_BUCKET", bucket},
                                       {"WHISKEY_S3_ENDPOINT", endpoint},
                                       {"WHISKEY_REGION", "eu-west-1"}});
      CurlOptions o = download_options(vars, MemoryDisk());
      REQUIRE(o.aws);
      const std::string& prefix = o.aws->url_prefix;
      INFO(prefix);
      CHECK_THAT(s3_object_url(bucket, "manifest.json", "eu-west-1", endpoint), StartsWith(prefix));
      CHECK_THAT(s3_object_url(bucket, "whiskey-heroku-24-amd64-apache-2.4.68.tar.gz", "eu-west-1",
                               endpoint),
                 StartsWith(prefix));
      CHECK_THAT(s3_object_url("b2", "manifest.json", "eu-west-1", endpoint), !StartsWith(prefix));
      // Another region is another host on AWS; the bucket's root is not under
      // its prefix.
      if (endpoint.empty()) {
        CHECK_THAT(s3_object_url(bucket, "manifest.json", "us-east-1", endpoint),
                   !StartsWith(prefix));
      }
      if (bucket != "b") {
        CHECK_THAT(s3_object_url("b", "manifest.json", "eu-west-1", endpoint), !StartsWith(prefix));
      }
      CHECK_THAT("https://bundles.example.com/whiskey.tar.gz", !StartsWith(prefix));
    }
  }
}

TEST_CASE("download_options: the CA file", "[publish]") {
  CHECK(download_options({{"CURL_CA_BUNDLE", "/etc/ca/curl.pem"}}, MemoryDisk()).ca_bundle ==
        "/etc/ca/curl.pem");
  CHECK(download_options({{"SSL_CERT_FILE", "/etc/ca/ssl.pem"}}, MemoryDisk()).ca_bundle ==
        "/etc/ca/ssl.pem");
  CHECK(download_options(
            {{"CURL_CA_BUNDLE", "/etc/ca/curl.pem"}, {"SSL_CERT_FILE", "/etc/ca/ssl.pem"}},
            MemoryDisk())
            .ca_bundle == "/etc/ca/curl.pem");
  CHECK(
      download_options({{"CURL_CA_BUNDLE", ""}, {"SSL_CERT_FILE", "/etc/ca/ssl.pem"}}, MemoryDisk())
          .ca_bundle == "/etc/ca/ssl.pem");
  // Independent of signing.
  CurlOptions o = download_options(
      with(credentials(), {{"WHISKEY_BUCKET", "b"}, {"SSL_CERT_FILE", "/etc/ca/ssl.pem"}}),
      MemoryDisk());
  CHECK(o.ca_bundle == "/etc/ca/ssl.pem");
  CHECK(o.aws);
}

TEST_CASE("download_options: the system's CA file when none is configured", "[publish]") {
  MemoryDisk disk;
  SECTION("none of the usual places holds one: libcurl's own default") {
    CHECK(system_ca_bundle(disk).empty());
    CHECK(download_options({}, disk).ca_bundle.empty());
  }
  SECTION("Fedora's place") {
    disk.add_file("/etc/pki/tls/certs/ca-bundle.crt", "certificates");
    CHECK(download_options({}, disk).ca_bundle == "/etc/pki/tls/certs/ca-bundle.crt");
  }
  SECTION("the first place that holds one wins") {
    disk.add_file("/etc/ssl/cert.pem", "certificates");
    disk.add_file("/etc/ssl/ca-bundle.pem", "certificates");
    CHECK(system_ca_bundle(disk) == "/etc/ssl/ca-bundle.pem");
    disk.add_file("/etc/ssl/certs/ca-certificates.crt", "certificates");
    CHECK(system_ca_bundle(disk) == "/etc/ssl/certs/ca-certificates.crt");
  }
  SECTION("a folder of that name is not a CA file") {
    disk.add_directory("/etc/ssl/certs/ca-certificates.crt");
    disk.add_file("/etc/ssl/cert.pem", "certificates");
    CHECK(system_ca_bundle(disk) == "/etc/ssl/cert.pem");
  }
  SECTION("a configured file wins over the system's") {
    disk.add_file("/etc/ssl/certs/ca-certificates.crt", "certificates");
    CHECK(download_options({{"SSL_CERT_FILE", "/etc/ca/ssl.pem"}}, disk).ca_bundle ==
          "/etc/ca/ssl.pem");
    CHECK(download_options({{"CURL_CA_BUNDLE", "/etc/ca/curl.pem"}}, disk).ca_bundle ==
          "/etc/ca/curl.pem");
  }
}

TEST_CASE("parse_publish_args: --record-default and --manifest-copy", "[publish]") {
  PublishArgs a = parse_publish_args({kBundle, "--bucket", "b", "--record-default",
                                      "release/buildpack.toml", "--manifest-copy", "m.json"},
                                     credentials());
  CHECK(a.record_default == fs::path("release/buildpack.toml"));
  CHECK(a.manifest_copy == fs::path("m.json"));
  PublishArgs plain = parse_publish_args({kBundle, "--bucket", "b"}, credentials());
  CHECK(plain.record_default.empty());
  CHECK(plain.manifest_copy.empty());
  CHECK(args_error({kBundle, "--bucket", "b", "--record-default"}, credentials()).headline ==
        "--record-default needs a value");
}

TEST_CASE("publish messages: recording a default", "[publish]") {
  SECTION("a buildpack.toml that cannot be changed stops it before anything is published") {
    UserMessage m = message(
        PublishError(PublishError::Kind::kDefaultsUnusable, "bp.toml", "line 3: expected a key"),
        "");
    CHECK(m.headline == "Cannot record the default bundle");
    CHECK_THAT(m.what_happened, Contains("'bp.toml' line 3: expected a key"));
    CHECK_THAT(m.what_happened, Contains("Nothing was published."));
  }
  SECTION("a bucket whose objects are private") {
    PublishError e(PublishError::Kind::kNotPublic, "https://b.s3.amazonaws.com/k.tar.zst",
                   "AccessDenied: Access Denied");
    e.status = 403;
    e.bucket = "my-bucket/releases";
    UserMessage m = message(e, "");
    CHECK(m.headline == "The bundle cannot be downloaded without credentials");
    CHECK_THAT(m.what_happened, Contains("was answered AccessDenied: Access Denied"));
    CHECK_THAT(m.what_happened, Contains("not recorded as a default"));
    CHECK_THAT(m.what_to_do, Contains("arn:aws:s3:::my-bucket/*"));
  }
  SECTION("other bytes without credentials") {
    PublishError e(PublishError::Kind::kNotPublic, "https://b/k");
    e.size = 10;
    e.back_size = 9;
    e.digest = "sha256:" + std::string(64, 'a');
    e.back_digest = "sha256:" + std::string(64, 'b');
    UserMessage m = message(e, "");
    CHECK(m.headline == "The bundle downloaded without credentials does not match");
    CHECK_THAT(m.what_happened, Contains("gave 9 bytes with sha256:bbbb"));
  }
  SECTION("published, and buildpack.toml not written") {
    UserMessage m =
        message(PublishError(PublishError::Kind::kNotRecorded, "bp.toml", "cannot write it"), "");
    CHECK_THAT(m.what_happened, Contains("The bundle was published"));
    CHECK_THAT(m.what_happened, Contains("'bp.toml'\nwas not written: cannot write it."));
  }
}

TEST_CASE("parse_publish_args: signing keys and trusted keys", "[publish][signature]") {
  SigningKey key = SigningKey::generate();
  std::string pub = key.public_key().text();
  PublishArgs a = parse_publish_args({kBundle, "--bucket", "b", "--signing-key", "k1.key",
                                      "--signing-key", "k2.key", "--trust", pub},
                                     with(credentials(), {{"WHISKEY_SIGNING_KEY", key.to_pem()}}));
  CHECK(a.signing_key_files == std::vector<fs::path>{"k1.key", "k2.key"});
  CHECK(a.signing_key_pem == key.to_pem());
  REQUIRE(a.trust.size() == 1);
  CHECK(a.trust[0] == key.public_key());

  PublishArgs env = parse_publish_args({kBundle, "--bucket", "b"},
                                       with(credentials(), {{"WHISKEY_PUBLIC_KEYS", pub}}));
  REQUIRE(env.trust.size() == 1);
  CHECK(env.trust[0].origin == "WHISKEY_PUBLIC_KEYS");

  UserMessage bad =
      args_error({kBundle, "--bucket", "b", "--trust", "ed25519:nope"}, credentials());
  CHECK(bad.headline == "Cannot use the signing key --trust");
  CHECK(args_error({kBundle, "--bucket", "b", "--signing-key"}, credentials()).headline ==
        "--signing-key needs a value");
}

TEST_CASE("publish: a signing key that cannot be used stops it before any upload",
          "[publish][signature]") {
  std::string secret_looking =
      "-----BEGIN PRIVATE KEY-----\nnot-really-a-key-SECRET\n"
      "-----END PRIVATE KEY-----\n";
  PublishArgs a = parse_publish_args(
      {kBundle, "--bucket", "b"}, with(credentials(), {{"WHISKEY_SIGNING_KEY", secret_looking}}));
  // No S3 endpoint answers: had it tried to upload, the error would say so.
  a.target.endpoint = "http://127.0.0.1:9";
  std::ostringstream out, err;
  Output o(out, err);
  UserMessage m = expect_message<PublishError>([&] { publish(a, o); });
  CHECK(m.headline == "Cannot use the signing key WHISKEY_SIGNING_KEY");
  CHECK_THAT(whole_message(m), !Contains("not-really-a-key-SECRET"));
}
