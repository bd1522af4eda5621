#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# Downloads that go wrong: bin/compile against a server of our own on
# 127.0.0.1 that answers with errors, cuts transfers, ignores ranges or
# stalls. Each test checks the exit code, the message, how many requests
# the build made, how long it took, and that nothing partial was left.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"
# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/servers.sh
. "${BUILDPACK_HOME}/test/support/servers.sh"

oneTimeSetUp() {
  FAULTS="${SHUNIT_TMPDIR}/faults"
  mkdir -p "$FAULTS"
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" good "$FAULTS/good.tar.gz" || return 1
  GOOD_SHA=$(sha256sum <"$FAULTS/good.tar.gz" | cut -d' ' -f1)
  fault_server_start "$FAULTS/good.tar.gz" "$FAULTS" || return 1
  FAULT_URL="http://127.0.0.1:$FAULT_PORT"
  if [ -f "${BUILDPACK_HOME}/export" ]; then mv "${BUILDPACK_HOME}/export" "$FAULTS/export.saved"; fi
}

oneTimeTearDown() {
  kill "$FAULT_PID" 2>/dev/null
  wait "$FAULT_PID" 2>/dev/null
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "$FAULTS/export.saved" ]; then mv "$FAULTS/export.saved" "${BUILDPACK_HOME}/export"; fi
}

afterSetUp() {
  useFixture requirements_mod_wsgi
}

# fetchFrom PATH [VAR=VALUE...]: compile with the bundle at PATH on the
# fault server; ELAPSED is how long it took, in whole seconds.
fetchFrom() {
  local path=$1 assignment
  shift
  printf %s "$FAULT_URL$path" >"$ENV_DIR/WHISKEY_URL"
  printf %s "$GOOD_SHA" >"$ENV_DIR/WHISKEY_SHA256"
  for assignment in "$@"; do
    printf %s "${assignment#*=}" >"$ENV_DIR/${assignment%%=*}"
  done
  local start=$SECONDS
  compile
  ELAPSED=$((SECONDS - start))
}

# requestsTo PATH: how many requests the server had for PATH.
requestsTo() {
  curl -s "$FAULT_URL/_count?path=$1" | head -n 1
}

rangesTo() {
  curl -s "$FAULT_URL/_count?path=$1" | tail -n +2 | tr '\n' ' '
}

assertInstalledFromFaults() {
  assertCapturedSuccess
  assertCaptured "Verified sha256:$GOOD_SHA"
  assertFileExists "$BUILD_DIR/.whiskey/apache/bin/httpd"
  assertNoStaging
}

testA503IsTriedAgain() {
  fetchFrom /status/503/2/a.tar.gz
  assertInstalledFromFaults
  assertEquals 3 "$(requestsTo /status/503/2/a.tar.gz)"
  assertCaptured "The server answered 503; trying again in 1 s (attempt 2 of 4)"
  assertCaptured "The server answered 503; trying again in 2 s (attempt 3 of 4)"
}

testRetryAfterIsHonoured() {
  fetchFrom /status/429/1/after/3/a.tar.gz
  assertInstalledFromFaults
  assertCaptured "The server answered 429; trying again in 3 s (attempt 2 of 4)"
  assertTrue "waited the 3 s asked for (took ${ELAPSED} s)" "[ $ELAPSED -ge 3 ]"
}

testPersistent500sGiveUpInTime() {
  fetchFrom /status/500/99/a.tar.gz
  assertBuildFailed "The bundle's server failed"
  assertEquals 4 "$(requestsTo /status/500/99/a.tar.gz)"
  assertTrue "gave up within the budget (took ${ELAPSED} s)" "[ $ELAPSED -lt 20 ]"
}

testFinalAnswersAreNotTriedAgain() {
  fetchFrom /status/404/99/a.tar.gz
  assertBuildFailed "The Apache bundle was not found"
  assertEquals 1 "$(requestsTo /status/404/99/a.tar.gz)"
  fetchFrom /status/403/99/a.tar.gz
  assertBuildFailed "Access to the Apache bundle was denied"
  assertStderr "AccessDenied"
  assertEquals 1 "$(requestsTo /status/403/99/a.tar.gz)"
  fetchFrom /status/400/99/a.tar.gz
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertEquals 1 "$(requestsTo /status/400/99/a.tar.gz)"
}

testAPermanentRedirectNamesTheRegion() {
  fetchFrom /region/a.tar.gz
  assertBuildFailed "The bucket is in another region"
  assertStderr "heroku config:set WHISKEY_REGION=eu-west-1"
  assertEquals 1 "$(requestsTo /region/a.tar.gz)"
}

testACutTransferResumesWithARange() {
  fetchFrom /cut/700000/a.tar.gz
  assertInstalledFromFaults
  assertEquals 2 "$(requestsTo /cut/700000/a.tar.gz)"
  assertEquals "- bytes=700000- " "$(rangesTo /cut/700000/a.tar.gz)"
  assertCaptured "The download was cut after 700000 bytes"
}

testACutTransferWithoutRangesStartsAgain() {
  fetchFrom /norange/cut/700000/a.tar.gz
  assertInstalledFromFaults
  # The cut, the Range request answered with the whole body, the new start.
  assertEquals 3 "$(requestsTo /norange/cut/700000/a.tar.gz)"
}

testAStalledTransferIsBounded() {
  fetchFrom /stall/100000/a.tar.gz WHISKEY_STALL_TIMEOUT=2 WHISKEY_DOWNLOAD_ATTEMPTS=2
  assertBuildFailed "The Apache bundle could not be downloaded"
  # Each try notices the stall after the stall time plus libcurl's ~5 s
  # speed window: two tries and one backoff are well under 30 s.
  assertTrue "gave up on the stall in time (took ${ELAPSED} s)" "[ $ELAPSED -lt 30 ]"
}

testAnHtmlPageIsSaidToBeOne() {
  fetchFrom /html/a.tar.gz WHISKEY_SHA256=  # with a digest, the mismatch is the message
  assertBuildFailed "The download is not an Apache bundle"
  assertStderr "The server sent an HTML page, not a bundle."
}

testConnectionRefusedIsTriedThenReported() {
  local closed
  closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf %s "http://127.0.0.1:$closed/a.tar.gz" >"$ENV_DIR/WHISKEY_URL"
  printf %s 3 >"$ENV_DIR/WHISKEY_DOWNLOAD_ATTEMPTS"
  local start=$SECONDS
  compile
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertStderr "Couldn't connect to server"
  assertCaptured "trying again in 2 s (attempt 3 of 3)"
  assertTrue "bounded (took $((SECONDS - start)) s)" "[ $((SECONDS - start)) -lt 10 ]"
}

testTheUnpackedSizeIsBounded() {
  fetchFrom /plain/a.tar.gz WHISKEY_MAX_UNPACKED_MB=1  # the bundle unpacks to over 2 MiB
  assertBuildFailed "The Apache bundle is too large"
  assertStderr "unpacks to more than 1048576 bytes"
  fetchFrom /plain/a.tar.gz WHISKEY_MAX_UNPACKED_MB=3
  assertInstalledFromFaults
}

# freshBuild: an empty build folder with the app again, for the next build
# of the same app (the cache folder stays).
freshBuild() {
  rm -rf "$BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  useFixture requirements_mod_wsgi
}

testACachedBundleNeedsNoNetwork() {
  fetchFrom /cached/a.tar.gz
  assertInstalledFromFaults
  assertCaptured "Kept the bundle in the build cache"
  assertEquals "$GOOD_SHA" "$(sha256sum <"$CACHE_DIR/whiskey-bundles/$GOOD_SHA.bundle" | cut -d' ' -f1)"

  # The next build, with the bundle's server gone: no request is made.
  local closed
  closed=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  freshBuild
  printf %s "http://127.0.0.1:$closed/a.tar.gz" >"$ENV_DIR/WHISKEY_URL"
  compile
  assertInstalledFromFaults
  assertCaptured "Reused the bundle from the build cache"
  assertNotCaptured "Downloaded"
  assertNotCaptured "trying again"
}

testADamagedCachedBundleIsDiscardedAndFetchedAgain() {
  fetchFrom /damaged/a.tar.gz
  assertInstalledFromFaults
  local entry="$CACHE_DIR/whiskey-bundles/$GOOD_SHA.bundle"
  printf 'garbage' | dd of="$entry" bs=1 seek=4096 conv=notrunc 2>/dev/null

  freshBuild
  fetchFrom /damaged/a.tar.gz
  assertInstalledFromFaults
  assertCaptured "Discarded the cached bundle: its SHA-256 is now sha256:"
  assertCaptured "it was damaged; downloading it again"
  assertCaptured "Kept the bundle in the build cache"
  assertEquals 2 "$(requestsTo /damaged/a.tar.gz)"
  assertEquals "$GOOD_SHA" "$(sha256sum <"$entry" | cut -d' ' -f1)"
}

testAnotherBundleReplacesTheCachedOne() {
  fetchFrom /first/a.tar.gz
  assertInstalledFromFaults
  # An entry for another digest, as an earlier bundle leaves.
  cp "$CACHE_DIR/whiskey-bundles/$GOOD_SHA.bundle" "$CACHE_DIR/whiskey-bundles/$(printf '0%.0s' {1..64}).bundle"
  freshBuild
  fetchFrom /first/a.tar.gz
  assertCaptured "Reused the bundle from the build cache"
  assertCaptured "Removed 1 stale bundle from the build cache"
  assertEquals "$GOOD_SHA.bundle" "$(ls "$CACHE_DIR/whiskey-bundles")"
}

testAFailedDownloadLeavesNothingInTheCache() {
  fetchFrom /cut/700000/uncached.tar.gz WHISKEY_DOWNLOAD_ATTEMPTS=1
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertEquals "" "$(ls -A "$CACHE_DIR/whiskey-bundles" 2>/dev/null)"
}
