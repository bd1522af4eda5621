#!/bin/sh
# shellcheck shell=sh source-path=SCRIPTDIR/..
#
# bin/compile's configuration and the failures it reports before any bundle
# is installed. Nothing here reaches the network: the downloads that are
# tried go to closed ports on this machine, or to a folder of damaged bundles
# served on it.
#
# Every failure exits non-zero with a " !     Error: " block on stderr,
# leaves BUILD_DIR without .whiskey or a staging folder, and never shows a
# credential or a signed query string. The URLs below carry one of each.

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/apache_bundle.sh
. "${BUILDPACK_HOME}/test/support/apache_bundle.sh"
# shellcheck source=test/support/static_server.sh
. "${BUILDPACK_HOME}/test/support/static_server.sh"

PASSWORD="pa55word-not-for-logs"
SIGNATURE="5e3d-signature-not-for-logs"
DIGEST="dea46f94a9a9c7bd5f62375b07aaaeaa6d4eb49eebc06b0cb0b379f41eabd3a3"

oneTimeSetUp() {
  TEST_SUITE_CACHE=$(mktemp -d "${SHUNIT_TMPDIR}/test_suite_cache.XXXX")
  # The real bundle, as .tar.gz and .tar.zst, damaged one way each.
  DAMAGED="${TEST_SUITE_CACHE}/damaged"
  mkdir -p "${DAMAGED}"
  apache_bundle || return 1
  damaged_bundles "${DAMAGED}" || return 1
  static_server_start "${DAMAGED}" || return 1
  DAMAGED_URL=${STATIC_SERVER_URL}
}

oneTimeTearDown() {
  static_server_stop
  rm -rf "${TEST_SUITE_CACHE}"
}

afterSetUp() {
  useFixture requirements_mod_wsgi
}

# A URL with a password and a signed query string, on HOST with SCHEME.
secretUrl() {
  echo "$1://deploy:${PASSWORD}@$2/bundles/whiskey.tar.gz?X-Amz-Signature=${SIGNATURE}"
}

# assertFailedWith HEADLINE: the build failed with HEADLINE, and showed no
# secret.
assertFailedWith() {
  assertBuildFailed "$1"
  assertNotOutput "${PASSWORD}"
  assertNotOutput "${SIGNATURE}"
}

# With no bundle configured and none recorded, compile builds Apache from
# the recipe; here its sources cannot be had (the mirror is a closed port).
testNoBundleConfiguredBuildsApacheFromTheRecipe() {
  setConfig WHISKEY_APACHE_MIRROR "http://127.0.0.1:$(closedPort)/"
  setConfig WHISKEY_DOWNLOAD_ATTEMPTS 1
  compile
  assertFailedWith "Apache 2.4.68 could not be built: its sources could not be downloaded"
  assertCaptured "-----> Building Apache 2.4.68 from the buildpack's recipe"
  assertCaptured "No Apache bundle is configured, and this buildpack records none for"
  assertStderr "WHISKEY_APACHE_MIRROR names a mirror without apr-1.7.2.tar.bz2 (or that failed)."
  assertNotCaptured "Compiling with"
  assertEquals "nothing kept in the cache" "" "$(find "${CACHE_DIR}" -path '*whiskey-apache-build*' -type f)"
}

# A version the recipe does not build, with no bundle for it.
testNoBundleForTheApacheVersionAsked() {
  setConfig WHISKEY_APACHE_VERSION 2.2.34
  compile
  assertFailedWith "No Apache bundle is configured"
  assertStderr "WHISKEY_BUCKET=my-bucket"
  assertNotCaptured "Installing Apache"
  assertNotCaptured "Building Apache"
}

testPackageWithoutBucket() {
  setConfig WHISKEY_PACKAGE whiskey-heroku-24-amd64-apache-2.4.68.tar.gz
  compile
  assertFailedWith "WHISKEY_BUCKET is not set"
  assertStderr "WHISKEY_PACKAGE names 'whiskey-heroku-24-amd64-apache-2.4.68.tar.gz'"
}

testBucketAloneAsksForItsManifest() {
  # Without WHISKEY_PACKAGE the bucket's manifest.json names the bundle.
  port=$(closedPort)
  setConfig WHISKEY_BUCKET my-bundles
  setConfig WHISKEY_S3_ENDPOINT "http://127.0.0.1:${port}"
  compile
  assertFailedWith "The bundle manifest could not be downloaded"
  assertStderr "Downloading http://127.0.0.1:${port}/my-bundles/manifest.json failed."
}

testPlainHttpEndpointIsRefusedBeforeTheManifest() {
  setConfig WHISKEY_BUCKET my-bundles
  setConfig WHISKEY_S3_ENDPOINT "http://s3.example.invalid"
  compile
  assertFailedWith "The bundle would be fetched over plain http"
  assertStderr "'http://s3.example.invalid/my-bundles/manifest.json' is not encrypted"
}

testUrlAndBucketBothSet() {
  setConfig WHISKEY_URL "$(secretUrl https bundles.example.invalid)"
  setConfig WHISKEY_BUCKET my-bundles
  setConfig WHISKEY_PACKAGE whiskey-heroku-24-amd64-apache-2.4.68.tar.gz
  compile
  assertFailedWith "Both WHISKEY_URL and WHISKEY_BUCKET/WHISKEY_PACKAGE are set"
}

testMalformedSha256() {
  setConfig WHISKEY_URL "$(secretUrl https bundles.example.invalid)"
  setConfig WHISKEY_SHA256 "not-a-digest"
  compile
  assertFailedWith "Invalid WHISKEY_SHA256 value"
  assertStderr "expected 64 hexadecimal digits, got 12 characters"
}

testSha256WithANonHexDigit() {
  setConfig WHISKEY_URL "$(secretUrl https bundles.example.invalid)"
  setConfig WHISKEY_SHA256 "sha256:$(echo "${DIGEST}" | sed 's/.$/g/')"
  compile
  assertFailedWith "Invalid WHISKEY_SHA256 value"
  assertStderr "'g' is not a hexadecimal digit"
}

testPlainHttpToAnotherHostIsRefusedBeforeAnyRequest() {
  # .invalid never resolves: a request would fail with a download error,
  # not with this one.
  setConfig WHISKEY_URL "$(secretUrl http bundles.example.invalid)"
  setConfig WHISKEY_SHA256 "${DIGEST}"
  compile
  assertFailedWith "The bundle would be fetched over plain http"
  assertNotCaptured "Installing Apache"
  assertStderr "'http://bundles.example.invalid/bundles/whiskey.tar.gz?…' is not encrypted"
}

testPlainHttpRefusalSaysHowToAllowIt() {
  setConfig WHISKEY_URL "$(secretUrl http bundles.example.invalid)"
  compile
  assertFailedWith "The bundle would be fetched over plain http"
  assertStderr "heroku config:set WHISKEY_ALLOW_HTTP=1"
}

testPlainHttpToAnotherHostIsTriedWhenAllowed() {
  # 0.0.0.0 is not a loopback name, yet connects to this machine: the
  # closed port answers at once.
  port=$(closedPort)
  setConfig WHISKEY_URL "http://0.0.0.0:${port}/whiskey.tar.gz"
  setConfig WHISKEY_SHA256 "${DIGEST}"
  setConfig WHISKEY_ALLOW_HTTP 1
  compile
  assertFailedWith "The Apache bundle could not be downloaded"
  assertCaptured "Installing Apache from whiskey.tar.gz"
}

testPlainHttpToLoopbackIsAllowed() {
  port=$(closedPort)
  setConfig WHISKEY_URL "http://localhost:${port}/whiskey.tar.gz"
  compile
  assertFailedWith "The Apache bundle could not be downloaded"
  assertCaptured "Installing Apache from whiskey.tar.gz"
}

testInvalidAllowHttpValue() {
  setConfig WHISKEY_URL "$(secretUrl http bundles.example.invalid)"
  setConfig WHISKEY_ALLOW_HTTP maybe
  compile
  assertFailedWith "Invalid WHISKEY_ALLOW_HTTP value"
}

testFtpIsRefused() {
  setConfig WHISKEY_URL "$(secretUrl ftp bundles.example.invalid)"
  setConfig WHISKEY_SHA256 "${DIGEST}"
  compile
  assertFailedWith "Unsupported URL scheme 'ftp'"
  assertStderr "'ftp://bundles.example.invalid/bundles/whiskey.tar.gz?…' cannot be fetched"
  assertNotCaptured "Installing Apache"
}

testTextThatIsNotAUrlIsRefused() {
  setConfig WHISKEY_URL "bundles.example.invalid/whiskey.tar.gz"
  compile
  assertFailedWith "Invalid WHISKEY_URL"
}

testEndOfLifeStackHeroku20() {
  setConfig STACK heroku-20
  setConfig WHISKEY_URL "$(secretUrl https bundles.example.invalid)"
  compile
  assertFailedWith "The heroku-20 stack is no longer supported"
  assertStderr "heroku stack:set heroku-24"
  assertNotCaptured "Installing Apache"
}

testEndOfLifeStackCedar14() {
  setConfig STACK cedar-14
  setConfig WHISKEY_URL "$(secretUrl https bundles.example.invalid)"
  compile
  assertFailedWith "The cedar-14 stack is no longer supported"
}

testUnknownStack() {
  setConfig STACK heroku-99
  setConfig WHISKEY_URL "$(secretUrl https bundles.example.invalid)"
  compile
  assertFailedWith "The stack 'heroku-99' is not recognised"
  assertStderr "heroku-22, heroku-24 and heroku-26"
}

testEnvDirWinsOverTheEnvironment() {
  port=$(closedPort)
  setConfig STACK heroku-24
  setConfig WHISKEY_URL "http://127.0.0.1:${port}/from-env-dir.tar.gz"
  STACK=cedar-14
  WHISKEY_URL="$(secretUrl ftp from-the-environment.invalid)"
  export WHISKEY_URL
  compile
  STACK=heroku-24
  unset WHISKEY_URL
  assertFailedWith "The Apache bundle could not be downloaded"
  assertCaptured "Installing Apache from from-env-dir.tar.gz"
  assertNotOutput "from-the-environment"
}

testTheEnvironmentIsUsedWhenEnvDirLacksAVariable() {
  port=$(closedPort)
  setConfig WHISKEY_PACKAGE whiskey-heroku-24-amd64-apache-2.4.68.tar.gz
  setConfig WHISKEY_SHA256 "${DIGEST}"
  setConfig WHISKEY_S3_ENDPOINT "http://127.0.0.1:${port}"
  WHISKEY_BUCKET=bucket-from-the-environment
  export WHISKEY_BUCKET
  compile
  unset WHISKEY_BUCKET
  # The bucket comes from the environment, the key from ENV_DIR: the object
  # is tried (on a closed port), no configuration error is reported.
  assertFailedWith "The Apache bundle could not be downloaded"
  assertCaptured "Source: http://127.0.0.1:${port}/bucket-from-the-environment/whiskey-heroku-24-amd64-apache-2.4.68.tar.gz"
}

testConnectionRefusedIsADownloadError() {
  port=$(closedPort)
  setConfig WHISKEY_URL "http://127.0.0.1:${port}/whiskey.tar.gz?X-Amz-Signature=${SIGNATURE}"
  setConfig WHISKEY_SHA256 "${DIGEST}"
  compile
  assertFailedWith "The Apache bundle could not be downloaded"
  assertStderr "Downloading http://127.0.0.1:${port}/whiskey.tar.gz?… failed."
}

testMissingBuildDir() {
  capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}/does-not-exist" "${CACHE_DIR}" "${ENV_DIR}"
  assertBuildFailed "The build folder does not exist"
}

testWhiskeyThatIsAFileIsRefused() {
  echo "not a folder" >"${BUILD_DIR}/.whiskey"
  port=$(closedPort)
  setConfig WHISKEY_URL "http://127.0.0.1:${port}/whiskey.tar.gz"
  compile
  assertBuildRefused ".whiskey is not a folder"
  assertEquals "the app's .whiskey file" "not a folder" "$(cat "${BUILD_DIR}/.whiskey")"
}

# --- damaged bundles ------------------------------------------------------------
# Each served with its own SHA-256, as if that was recorded from the damaged
# file: the digest matches, and the compressor's checks and the archive's
# ends still refuse the bundle. Nothing is installed, and an app's own
# .whiskey is left as it was.

# compileDamaged HOW EXT: compile with the bundle damaged HOW, as .tar.EXT.
compileDamaged() {
  setConfig WHISKEY_URL "${DAMAGED_URL}$1.tar.$2"
  setConfig WHISKEY_SHA256 "$(sha256sum "${DAMAGED}/$1.tar.$2" | cut -d' ' -f1)"
  compile
}

testAFailedGzipCrcOrZstdChecksumIsRefused() {
  mkdir -p "${BUILD_DIR}/.whiskey/user_vars"
  echo "kept" >"${BUILD_DIR}/.whiskey/user_vars/NAME"
  before=$(treeState "${BUILD_DIR}")
  compileDamaged check gz
  assertBuildRefused "The Apache bundle failed its compressor's check"
  assertStderr "the gzip CRC-32 does not match the data"
  assertEquals "the app's .whiskey" "${before}" "$(treeState "${BUILD_DIR}")"
  compileDamaged check zst
  assertBuildRefused "The Apache bundle failed its compressor's check"
  assertStderr "the zstd frame checksum does not match the data"
  assertEquals "the app's .whiskey" "${before}" "$(treeState "${BUILD_DIR}")"
}

testAByteFlippedInTheMiddleIsRefused() {
  for ext in gz zst; do
    compileDamaged flip "${ext}"
    assertBuildFailed "The Apache bundle"
    assertTrue "${ext}: damaged or failing its check: $(cat "${STD_ERR}")" \
      "grep -qE 'Error: The Apache bundle (is damaged|failed its compressor.s check)' '${STD_ERR}'"
  done
}

testABundleCutAtItsEndIsRefused() {
  compileDamaged cut gz
  assertBuildFailed "The Apache bundle is cut short"
  assertStderr "the gzip stream ends early"
  compileDamaged cut zst
  assertBuildFailed "The Apache bundle is cut short"
  assertStderr "the zstd stream ends early"
}

testDataAfterTheEndIsRefused() {
  compileDamaged after gz
  assertBuildFailed "The Apache bundle has data after its end"
  assertStderr "data after the end of the gzip stream"
  compileDamaged after zst
  assertBuildFailed "The Apache bundle has data after its end"
  assertStderr "data after the end of the zstd stream"
}
