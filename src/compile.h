// bin/compile, step by step: stack, bundle, environment, web process.
#pragma once

#include <filesystem>

#include "clock.h"
#include "config.h"
#include "curl_http.h"
#include "disk.h"
#include "http.h"
#include "output.h"
#include "process.h"

namespace whiskey {

struct CompileArgs {
  std::filesystem::path build_dir;
  std::filesystem::path cache_dir;
  std::filesystem::path env_dir;
  std::filesystem::path buildpack_dir;  ///< where `export` is written
  std::filesystem::path launcher;       ///< the mod_wsgi-heroku-start executable to install
  Vars vars;                            ///< config vars and environment, merged
};

struct Services {
  Disk& disk;
  HttpClient& http;
  Clock& clock;
  Output& out;
  Runner& runner;
};

/// How downloads are made for this config: the CA file from CURL_CA_BUNDLE
/// or SSL_CERT_FILE, and, when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
/// are set with WHISKEY_BUCKET, SigV4 signing of the requests to that bucket
/// (and only to it).
CurlOptions download_options(const Vars& vars);

/// Runs the build. Throws UserError on any failure the user can act on.
void compile(const CompileArgs& args, Services& services);

}  // namespace whiskey
