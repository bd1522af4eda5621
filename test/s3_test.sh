#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# bin/compile end to end against an S3-compatible server (moto, through
# test/support/moto.sh) on 127.0.0.1: the fixture bundles of
# test/support/make_bundle.py are built and uploaded once, then each test
# builds an app from one of them, reading the buckets anonymously.
#
# Buckets, each public (everyone may read its objects and list it):
#   whiskey-bundles     every fixture bundle, no manifest.json
#   whiskey-published   the good bundle as two Apache versions, listed in a
#                       manifest.json with others for other stacks and
#                       arches; the same again under the prefix releases/
#   whiskey-broken      a manifest.json that is not JSON
#   whiskey-tampered    the good bundle, listed with another bundle's digest
#
# A good bundle installs with nothing on stderr. Every bad one fails with its
# own message and leaves the app as it was: no .whiskey (or the app's own
# .whiskey unchanged, byte for byte), no staging folder, and nothing written
# outside BUILD_DIR.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/moto.sh
. "${BUILDPACK_HOME}/test/support/moto.sh"

BUCKET=whiskey-bundles
PUBLISHED=whiskey-published
BROKEN=whiskey-broken
TAMPERED=whiskey-tampered
# This machine's architecture, in the bundles' terms.
case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  *) ARCH=$(uname -m) ;;
esac
GOOD_KEY=whiskey-heroku-24-${ARCH}-apache-2.4.68.tar.gz
OLDER_KEY=whiskey-heroku-24-${ARCH}-apache-2.4.60.tar.gz
KINDS="good traversal absolute outside symlink_out symlink_abs hardlink_out fifo device
  setuid truncated not_archive zero"
ABSOLUTE_ESCAPE=/tmp/whiskey-absolute-escape.txt

oneTimeSetUp() {
  BUNDLES="${SHUNIT_TMPDIR}/bundles"
  mkdir -p "${BUNDLES}" || return 1
  # The builds below write the buildpack's export; keep the one there was.
  if [ -f "${BUILDPACK_HOME}/export" ]; then
    mv "${BUILDPACK_HOME}/export" "${BUNDLES}/export.saved" || return 1
  fi
  EXPORT_TAKEN=1
  local kind pid pids=()
  for kind in ${KINDS}; do
    python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" "${kind}" "${BUNDLES}/${kind}.tar.gz" &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do
    wait "${pid}" || return 1
  done
  for kind in ${KINDS}; do
    if command -v sha256sum >/dev/null 2>&1; then
      sha256sum <"${BUNDLES}/${kind}.tar.gz" | cut -d' ' -f1
    else
      python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" sha256 "${BUNDLES}/${kind}.tar.gz"
    fi >"${BUNDLES}/${kind}.sha256" || return 1
  done
  moto_start --public "${BUCKET}" "${PUBLISHED}" "${BROKEN}" "${TAMPERED}" || return 1
  moto_put "${BUCKET}" "${GOOD_KEY}" "${BUNDLES}/good.tar.gz" || return 1
  for kind in ${KINDS}; do
    moto_put "${BUCKET}" "fixtures/${kind}.tar.gz" "${BUNDLES}/${kind}.tar.gz" || return 1
  done

  local good="${BUNDLES}/good.tar.gz" prefix
  manifest \
    "$(manifestEntry "${OLDER_KEY}" heroku-24 "${ARCH}" 2.4.60 good)" \
    "$(manifestEntry "${GOOD_KEY}" heroku-24 "${ARCH}" 2.4.68 good)" \
    "$(manifestEntry whiskey-heroku-22-"${ARCH}"-apache-2.4.99.tar.gz heroku-22 "${ARCH}" 2.4.99 good)" \
    "$(manifestEntry whiskey-heroku-24-other-apache-2.4.99.tar.gz heroku-24 other 2.4.99 good)" \
    >"${BUNDLES}/published.json" || return 1
  for prefix in "" releases/; do
    moto_put "${PUBLISHED}" "${prefix}manifest.json" "${BUNDLES}/published.json" application/json &&
      moto_put "${PUBLISHED}" "${prefix}${GOOD_KEY}" "${good}" &&
      moto_put "${PUBLISHED}" "${prefix}${OLDER_KEY}" "${good}" || return 1
  done

  printf '{"schema": 1, "bundles": [' >"${BUNDLES}/broken.json"
  moto_put "${BROKEN}" manifest.json "${BUNDLES}/broken.json" application/json || return 1

  manifest "$(manifestEntry "${GOOD_KEY}" heroku-24 "${ARCH}" 2.4.68 zero)" \
    >"${BUNDLES}/tampered.json" || return 1
  moto_put "${TAMPERED}" manifest.json "${BUNDLES}/tampered.json" application/json &&
    moto_put "${TAMPERED}" "${GOOD_KEY}" "${good}" || return 1
}

# (shunit2 may call it twice: once at the end, once on exit.)
oneTimeTearDown() {
  moto_stop
  if [ -n "${EXPORT_TAKEN:-}" ]; then
    rm -f "${BUILDPACK_HOME}/export"
    if [ -f "${BUNDLES}/export.saved" ]; then
      mv "${BUNDLES}/export.saved" "${BUILDPACK_HOME}/export"
    fi
    EXPORT_TAKEN=
  fi
}

afterSetUp() {
  rm -f "${BUILDPACK_HOME}/export"
}

sha() {
  cat "${BUNDLES}/$1.sha256"
}

# manifestEntry KEY STACK ARCH APACHE KIND: a manifest.json entry for KEY,
# with the size and digest of the fixture bundle KIND.
manifestEntry() {
  printf '{"key": "%s", "stack": "%s", "arch": "%s", "apache": "%s", "size": %s, ' \
    "$1" "$2" "$3" "$4" "$(wc -c <"${BUNDLES}/$5.tar.gz")"
  printf '"sha256": "%s", "published_at": "2026-01-01T00:00:00Z"}' "$(sha "$5")"
}

# manifest ENTRY...: a manifest.json (schema 1) listing the entries.
manifest() {
  local IFS=,
  printf '{"schema": 1, "bundles": [%s]}\n' "$*"
}

# useBucket KEY [DIGEST]: the bundle is the object KEY of the bucket
# whiskey-bundles ("" for none: the manifest chooses).
useBucket() {
  setConfig WHISKEY_BUCKET "${BUCKET}"
  if [ -n "$1" ]; then
    setConfig WHISKEY_PACKAGE "$1"
  fi
  setConfig WHISKEY_S3_ENDPOINT "${MOTO_ENDPOINT}"
  if [ -n "${2:-}" ]; then
    setConfig WHISKEY_SHA256 "$2"
  fi
}

# useGoodBundle: the good bundle from the bucket, with its digest.
useGoodBundle() {
  useBucket "${GOOD_KEY}" "$(sha good)"
}

# --- a good bundle -----------------------------------------------------------

assertInstalled() {
  assertCapturedSuccess
  assertFileExists "${BUILD_DIR}/.whiskey/apache/bin/httpd"
  assertFileExists "${BUILD_DIR}/.whiskey/apr/lib/libapr-1.so.0"
  assertNoStaging
}

testGoodBundleFromTheBucketInstalls() {
  useFixture requirements_mod_wsgi
  useGoodBundle
  compile
  assertInstalled
  assertCaptured "-----> Installing Apache from ${GOOD_KEY}"
  assertCaptured "Source: ${MOTO_ENDPOINT}/${BUCKET}/${GOOD_KEY}"
  assertCaptured "Verified sha256:$(sha good)"
  assertCaptured "Installed .whiskey/apache, .whiskey/apr"
}

testInstalledHttpdRuns() {
  useFixture requirements_mod_wsgi
  useGoodBundle
  compile
  assertInstalled
  assertEquals "httpd -v" "Server version: Apache/2.4.68 (Unix)" \
    "$("${BUILD_DIR}/.whiskey/apache/bin/httpd" -v 2>&1 | head -n 1)"
}

testProfileScriptPutsHttpdOnThePath() {
  useFixture requirements_mod_wsgi
  useGoodBundle
  compile
  assertInstalled
  # shellcheck disable=SC2016 # $HOME, as written in the script
  assertFileContains '$HOME/.whiskey/apache/bin' "${BUILD_DIR}/.profile.d/whiskey.sh"
  # shellcheck disable=SC2016
  assertFileContains '$HOME/.whiskey/apr/lib' "${BUILD_DIR}/.profile.d/whiskey.sh"
  # As a dyno starts: HOME is the app, .profile.d is sourced.
  assertEquals "httpd -v, from the PATH the profile script sets" \
    "Server version: Apache/2.4.68 (Unix)" \
    "$(cd "${BUILD_DIR}" && HOME="${BUILD_DIR}" PATH=/usr/bin:/bin bash -c \
      '. .profile.d/whiskey.sh && httpd -v' 2>&1 | head -n 1)"
}

testExportIsWrittenForTheNextBuildpacks() {
  useFixture requirements_mod_wsgi
  useGoodBundle
  compile
  assertInstalled
  assertFileExists "${BUILDPACK_HOME}/export"
  assertFileContains "${BUILD_DIR}/.whiskey/apache/bin" "${BUILDPACK_HOME}/export"
  assertFileContains "${BUILD_DIR}/.whiskey/apache/lib" "${BUILDPACK_HOME}/export"
  assertEquals "httpd -v, from the PATH export sets" \
    "Server version: Apache/2.4.68 (Unix)" \
    "$(PATH=/usr/bin:/bin bash -c '. "$1" && httpd -v' - "${BUILDPACK_HOME}/export" 2>&1 |
      head -n 1)"
}

testProcfileIsWrittenForWsgiPy() {
  useFixture requirements_mod_wsgi
  useGoodBundle
  compile
  assertInstalled
  assertCaptured "Wrote Procfile: web: mod_wsgi-heroku-start wsgi.py"
  assertEquals "the Procfile" "web: mod_wsgi-heroku-start wsgi.py" "$(cat "${BUILD_DIR}/Procfile")"
}

testProcfileIsWrittenForTheDjangoProject() {
  useFixture django_project
  useGoodBundle
  compile
  assertInstalled
  assertEquals "the Procfile" "web: mod_wsgi-heroku-start mysite/wsgi.py" \
    "$(cat "${BUILD_DIR}/Procfile")"
}

testTheAppsOwnWebProcessIsKept() {
  useFixture procfile_with_web
  useGoodBundle
  compile
  assertInstalled
  assertCaptured "The Procfile declares the web process"
  assertEquals "the Procfile" "$(cat "${FIXTURES_DIR}/procfile_with_web/Procfile")" \
    "$(cat "${BUILD_DIR}/Procfile")"
}

testNoEntryInstallsWithAWarning() {
  useFixture no_entry
  useGoodBundle
  compile
  assertInstalled
  assertCaptured "Warning: No WSGI script found"
  assertFileDoesNotExist "${BUILD_DIR}/Procfile"
}

testGoodBundleFromAUrlInstalls() {
  useFixture requirements_mod_wsgi
  setConfig WHISKEY_URL "$(moto_url "${BUCKET}" "${GOOD_KEY}")"
  setConfig WHISKEY_SHA256 "sha256:$(sha good | tr 'a-f' 'A-F')"
  compile
  assertInstalled
  assertCaptured "Source: ${MOTO_ENDPOINT}/${BUCKET}/${GOOD_KEY}"
  assertCaptured "Verified sha256:$(sha good)"
}

testWithoutADigestInstallsWithAWarning() {
  useFixture requirements_mod_wsgi
  setConfig WHISKEY_URL "$(moto_url "${BUCKET}" "${GOOD_KEY}")"
  compile
  assertInstalled
  assertCaptured "Warning: The Apache bundle will not be verified"
  assertCaptured "Not verified: sha256:$(sha good)"
}

# --- choosing the bundle with the bucket's manifest.json ---------------------

testBucketAloneInstallsTheNewestBundleForTheStack() {
  useFixture requirements_mod_wsgi
  useBucket ""
  setConfig WHISKEY_BUCKET "${PUBLISHED}"
  compile
  assertInstalled
  assertCaptured "-----> Installing Apache from ${GOOD_KEY}"
  assertCaptured "chosen by the newest for heroku-24/${ARCH} in manifest.json"
  assertCaptured "Verified sha256:$(sha good)"
}

testApacheVersionChoosesAnOlderBundle() {
  useFixture requirements_mod_wsgi
  useBucket ""
  setConfig WHISKEY_BUCKET "${PUBLISHED}"
  setConfig WHISKEY_APACHE_VERSION 2.4.60
  compile
  assertInstalled
  assertCaptured "-----> Installing Apache from ${OLDER_KEY}"
  assertCaptured "Verified sha256:$(sha good)"
}

testBucketWithAKeyPrefixReadsTheManifestUnderIt() {
  useFixture requirements_mod_wsgi
  useBucket ""
  setConfig WHISKEY_BUCKET "${PUBLISHED}/releases"
  compile
  assertInstalled
  assertCaptured "Source: ${MOTO_ENDPOINT}/${PUBLISHED}/releases/${GOOD_KEY}"
  assertCaptured "Verified sha256:$(sha good)"
}

testPackageTakesItsDigestFromTheManifest() {
  useFixture requirements_mod_wsgi
  useBucket "${GOOD_KEY}"
  setConfig WHISKEY_BUCKET "${PUBLISHED}"
  compile
  assertInstalled
  assertCaptured "chosen by manifest.json"
  assertCaptured "Verified sha256:$(sha good)"
}

testPackageWithoutAManifestInstallsWithAWarning() {
  useFixture requirements_mod_wsgi
  useBucket "${GOOD_KEY}"
  compile
  assertInstalled
  assertCaptured "Warning: The bucket has no manifest.json"
  assertCaptured "Not verified: sha256:$(sha good)"
}

testTheAppsOwnWhiskeyFilesAreKept() {
  useFixture whiskey_user_files
  useGoodBundle
  compile
  assertInstalled
  assertCaptured "Kept the app's own .whiskey/action_hooks, .whiskey/user_vars"
  assertEquals "user_vars/GREETING" \
    "$(treeState "${FIXTURES_DIR}/whiskey_user_files/.whiskey/user_vars")" \
    "$(treeState "${BUILD_DIR}/.whiskey/user_vars")"
  assertTrue "action_hooks/build is still executable" \
    "[ -x '${BUILD_DIR}/.whiskey/action_hooks/build' ]"
  assertEquals "action_hooks/build" "build hook" "$("${BUILD_DIR}/.whiskey/action_hooks/build")"
}

testABundleReplacesTheOneInstalledBefore() {
  useFixture whiskey_folder_only
  echo "mod_wsgi" >"${BUILD_DIR}/requirements.txt"
  mkdir -p "${BUILD_DIR}/.whiskey/apache/bin"
  echo "an old build" >"${BUILD_DIR}/.whiskey/apache/stale.txt"
  useGoodBundle
  compile
  assertInstalled
  assertFileDoesNotExist "${BUILD_DIR}/.whiskey/apache/stale.txt"
  assertEquals "user_vars/FOO" "bar" "$(cat "${BUILD_DIR}/.whiskey/user_vars/FOO")"
}

# --- bundles that must not be installed --------------------------------------

# assertRefused HEADLINE [TEXT]: the build failed with HEADLINE (and TEXT on
# stderr), and left the app and everything around it as they were.
# Needs BEFORE (treeState of BUILD_DIR) and PARENT_BEFORE (parentState)
# taken before the build.
assertRefused() {
  assertBuildRefused "$1"
  if [ -n "${2:-}" ]; then
    assertStderr "$2"
  fi
  assertEquals "the app after the failed build" "${BEFORE}" "$(treeState "${BUILD_DIR}")"
  assertEquals "the folder holding BUILD_DIR" "${PARENT_BEFORE}" "$(parentState)"
  local grandparent
  grandparent=$(dirname "$(dirname "${BUILD_DIR}")")
  assertFileDoesNotExist "${ABSOLUTE_ESCAPE}"
  assertFileDoesNotExist "${grandparent}/escaped.txt"
  assertFileDoesNotExist "${grandparent}/outside-target"
  assertFileDoesNotExist "${grandparent}/etc/passwd-copy"
  assertFileDoesNotExist "/etc/passwd-copy"
}

# buildRefused FIXTURE HEADLINE [TEXT]: builds FIXTURE with the bundle set up
# in ENV_DIR and checks it is refused.
buildRefused() {
  rm -rf "${BUILD_DIR:?}"/* "${BUILD_DIR:?}"/.[!.]*
  useFixture "$1"
  BEFORE=$(treeState "${BUILD_DIR}")
  PARENT_BEFORE=$(parentState)
  compile
  assertRefused "$2" "${3:-}"
}

# checkRefused HEADLINE [TEXT]: the bundle set up in ENV_DIR is refused for
# an app without .whiskey (none is left) and for one with its own
# .whiskey/user_vars/FOO (kept byte for byte).
checkRefused() {
  buildRefused requirements_mod_wsgi "$@"
  assertFileDoesNotExist "${BUILD_DIR}/.whiskey"
  buildRefused whiskey_folder_only "$@"
  assertEquals "user_vars/FOO" "bar" "$(cat "${BUILD_DIR}/.whiskey/user_vars/FOO")"
}

# checkKindRefused KIND HEADLINE [TEXT]: the fixture bundle KIND, with its
# right digest, is refused.
checkKindRefused() {
  local kind=$1
  shift
  useBucket "fixtures/${kind}.tar.gz" "$(sha "${kind}")"
  checkRefused "$@"
}

UNSAFE="The Apache bundle holds an unsafe entry"

testBucketAloneWithoutAManifestIsRefused() {
  useBucket ""
  checkRefused "The bucket has no bundle manifest" \
    "${MOTO_ENDPOINT}/${BUCKET}/manifest.json"
}

testNoBundleForTheStackIsRefused() {
  useBucket ""
  setConfig WHISKEY_BUCKET "${PUBLISHED}"
  setConfig STACK debian-12
  checkRefused "No bundle for debian-12/${ARCH} in the bucket" \
    "heroku-24/${ARCH} Apache 2.4.68: ${GOOD_KEY}"
}

testPackageMissingFromTheManifestIsRefused() {
  useBucket whiskey-heroku-24-"${ARCH}"-apache-9.9.9.tar.gz
  setConfig WHISKEY_BUCKET "${PUBLISHED}"
  checkRefused "WHISKEY_PACKAGE is not in the bucket's manifest" \
    "heroku-24/${ARCH} Apache 2.4.60: ${OLDER_KEY}"
}

testMalformedManifestIsRefused() {
  useBucket ""
  setConfig WHISKEY_BUCKET "${BROKEN}"
  checkRefused "The bucket's manifest.json is malformed" "not valid JSON"
}

testDigestFromTheManifestIsChecked() {
  useBucket ""
  setConfig WHISKEY_BUCKET "${TAMPERED}"
  checkRefused "The Apache bundle failed verification" "expected: $(sha zero)"
  assertStderr "actual:   $(sha good)"
}

testWrongDigestIsRefused() {
  local wrong
  wrong=$(sha zero)
  useBucket "${GOOD_KEY}" "${wrong}"
  checkRefused "The Apache bundle failed verification" "expected: ${wrong}"
  assertStderr "actual:   $(sha good)"
}

testWrongDigestIsReportedBeforeABrokenArchive() {
  useBucket fixtures/truncated.tar.gz "$(sha good)"
  checkRefused "The Apache bundle failed verification" "actual:   $(sha truncated)"
}

testMissingObjectIsNotFound() {
  useBucket fixtures/no-such-bundle.tar.gz "$(sha good)"
  checkRefused "The Apache bundle was not found" "was answered 404 Not Found."
  assertStderr "NoSuchKey"
}

testExpiredSignedUrlIsDenied() {
  setConfig WHISKEY_URL "$(moto_expired_url "${BUCKET}" "${GOOD_KEY}")"
  setConfig WHISKEY_SHA256 "$(sha good)"
  checkRefused "Access to the Apache bundle was denied" "was answered 403 Forbidden."
  assertStderr "AccessDenied (Request has expired)"
}

testSignedQueryStringIsNeverShown() {
  local url query
  url=$(moto_expired_url "${BUCKET}" "${GOOD_KEY}")
  query=${url#*\?}
  setConfig WHISKEY_URL "${url}"
  useFixture requirements_mod_wsgi
  compile
  assertBuildFailed "Access to the Apache bundle was denied"
  assertStderr "${MOTO_ENDPOINT}/${BUCKET}/${GOOD_KEY}?…"
  assertCaptured "Source: ${MOTO_ENDPOINT}/${BUCKET}/${GOOD_KEY}?…"
  assertNotOutput "${query}"
  assertNotOutput "X-Amz-Signature"
  assertNotOutput "X-Amz-Credential"
  assertNotOutput "${url##*=}"
}

testTraversalIsRefused() {
  checkKindRefused traversal "${UNSAFE}" \
    "'.whiskey/../../escaped.txt' climbs out of its folder with '..'"
}

testAbsolutePathIsRefused() {
  checkKindRefused absolute "${UNSAFE}" "'${ABSOLUTE_ESCAPE}' is an absolute path"
}

testEntryOutsideWhiskeyIsRefused() {
  checkKindRefused outside "${UNSAFE}" "'somewhere-else/' is not under .whiskey/"
}

testSymlinkOutOfTheBundleIsRefused() {
  checkKindRefused symlink_out "${UNSAFE}" \
    "'.whiskey/apache/evil' is a link that points outside .whiskey (to '../../../../etc')"
}

testSymlinkWithAnAbsoluteTargetIsRefused() {
  checkKindRefused symlink_abs "${UNSAFE}" \
    "'.whiskey/apache/abs' is a link that points outside .whiskey (to '/etc/passwd')"
}

testHardlinkOutOfTheBundleIsRefused() {
  checkKindRefused hardlink_out "${UNSAFE}" \
    "'.whiskey/apache/hard' is a hard link to '../outside-target', which climbs out of its folder"
}

testFifoIsRefused() {
  checkKindRefused fifo "${UNSAFE}" "'.whiskey/apache/fifo' is a device, FIFO or socket"
}

testDeviceIsRefused() {
  checkKindRefused device "${UNSAFE}" "'.whiskey/apache/null' is a device, FIFO or socket"
}

testSetuidIsRefused() {
  checkKindRefused setuid "${UNSAFE}" "'.whiskey/apache/bin/suid' has the setuid or setgid bit"
}

testTruncatedBundleIsRefused() {
  checkKindRefused truncated "The Apache bundle is cut short" "the gzip stream ends early"
}

testHtmlPageIsNotABundle() {
  checkKindRefused not_archive "The download is not an Apache bundle" \
    "The server sent an HTML page, not a bundle."
}

testEmptyDownloadIsNotABundle() {
  checkKindRefused zero "The download is not an Apache bundle" \
    "fixtures/zero.tar.gz is not a tar archive."
  assertStderr "The download is empty (0 bytes)."
  assertNotStderr "HTML"
}

# --- the build cache ----------------------------------------------------------

testACachedBundleBuildsWithTheBucketGone() {
  # A bucket of its own, on a plain file server this test can stop.
  local root="${SHUNIT_TMPDIR}/offline" port pid i
  mkdir -p "${root}/${PUBLISHED}"
  cp "${BUNDLES}/published.json" "${root}/${PUBLISHED}/manifest.json"
  cp "${BUNDLES}/good.tar.gz" "${root}/${PUBLISHED}/${GOOD_KEY}"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "${root}" "${port}" \
    >"${root}.log" 2>&1 &
  pid=$!
  for ((i = 0; i < 50; i++)); do
    curl -sf -o /dev/null "http://127.0.0.1:${port}/${PUBLISHED}/manifest.json" && break
    sleep 0.1
  done

  useFixture requirements_mod_wsgi
  setConfig WHISKEY_BUCKET "${PUBLISHED}"
  setConfig WHISKEY_S3_ENDPOINT "http://127.0.0.1:${port}"
  setConfig WHISKEY_DOWNLOAD_ATTEMPTS 2
  compile
  assertInstalled
  assertCaptured "Kept the bundle in the build cache"

  kill "${pid}"
  wait "${pid}" 2>/dev/null
  rm -rf "${BUILD_DIR}" && mkdir -p "${BUILD_DIR}"
  useFixture requirements_mod_wsgi
  compile
  assertInstalled
  assertCaptured "Installing Apache from ${GOOD_KEY}"
  assertCaptured "The bundle manifest could not be read"
  assertCaptured "The copy of the manifest kept by the last build is used instead"
  assertCaptured "Reused the bundle from the build cache"
  assertCaptured "Verified sha256:$(sha good)"
}
