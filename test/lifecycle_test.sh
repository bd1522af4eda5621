#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# This buildpack under the real Cloud Native Buildpacks lifecycle (v0.21.0,
# platform API 0.15: what pack, kpack and Heroku's Fir run), driven without a
# container engine by test/support/lifecycle.sh: analyzer, detector,
# restorer, builder and exporter as an unprivileged build user, this
# buildpack first and a small Python buildpack after it, the real Apache
# bundle from moto; then the launcher, as the web process type's link,
# serving the app over HTTP as the build user and as a run user of its group,
# and stopping gracefully on SIGTERM. Both as a git checkout (the helper built
# by bin/build on first use) and as the release package (prebuilt).
#
# It creates users and runs phases as them: it needs root.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"
# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/moto.sh
. "${BUILDPACK_HOME}/test/support/moto.sh"
# shellcheck source=test/support/apache_bundle.sh
. "${BUILDPACK_HOME}/test/support/apache_bundle.sh"
# shellcheck source=test/support/web.sh
. "${BUILDPACK_HOME}/test/support/web.sh"
# shellcheck source=test/support/drain.sh
. "${BUILDPACK_HOME}/test/support/drain.sh"
# shellcheck source=test/support/lifecycle.sh
. "${BUILDPACK_HOME}/test/support/lifecycle.sh"
# shellcheck source=test/support/source_mirror.sh
. "${BUILDPACK_HOME}/test/support/source_mirror.sh"

BUCKET=whiskey-lifecycle
WRONG_SHA=0000000000000000000000000000000000000000000000000000000000000000

oneTimeSetUp() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "lifecycle_test.sh creates users and runs the lifecycle as them: run it as root" >&2
    return 1
  fi
  apache_bundle || return 1
  moto_start --public "$BUCKET" || return 1
  moto_put "$BUCKET" bundle.tar.gz "$APACHE_BUNDLE" || return 1
  BUNDLE_URL=$(moto_url "$BUCKET" bundle.tar.gz)
  lifecycle_setup || return 1
}

oneTimeTearDown() {
  moto_stop
  source_mirror_stop
}

afterSetUp() {
  WEB_PID=
  lifecycle_dirs
  REQUESTS="$LC_ROOT/requests"
  mkdir -p "$REQUESTS"
  REQUEST_PIDS=()
}

beforeTearDown() {
  if [ -n "${WEB_PID:-}" ]; then stop_web 5 >/dev/null 2>&1; fi
  WEB_PID=
  rm -rf "$LC_ROOT"
}

# app FIXTURE: the fixture app, owned by the build user.
app() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/$1/." "$LC_APP/"
  chown -R "$LC_BUILD_USER:" "$LC_APP"
}

# configure URL SHA256: the bundle's config vars, as the platform's env files.
configure() {
  printf %s "$1" >"$LC_PLATFORM/env/WHISKEY_URL"
  printf %s "$2" >"$LC_PLATFORM/env/WHISKEY_SHA256"
}

# assertBuilt BUILDPACKS: a build that must pass, with the phases' logs on failure.
assertBuilt() {
  lifecycle_build "$1"
  assertEquals "the build passed (failed: ${LC_FAILED:-nothing}); its log:
$(lifecycle_log "${LC_FAILED%% *}")" "" "$LC_FAILED"
}

# assertLogged PHASE TEXT: PHASE printed TEXT in the last build.
assertLogged() {
  local found=1
  lifecycle_log "$1" | grep -qF -- "$2" && found=0
  assertTrue "the $1 log has '$2':
$(lifecycle_log "$1")" "$found"
}

assertNotLogged() {
  local found=1
  lifecycle_log "$1" | grep -qF -- "$2" && found=0
  assertFalse "the $1 log has no '$2'" "$found"
}

# serve USER [VAR=VALUE...]: launches the web process as USER and waits for
# its answer; fails the test with its log when none comes.
serve() {
  local user=$1
  shift
  PORT_UNDER_TEST=$(free_port)
  lifecycle_launch "$user" "$PORT_UNDER_TEST" "$@"
  wait_http "$PORT_UNDER_TEST" 40 || fail "nothing answered as $user; the web log:
$(cat "$WEB_LOG")"
  assertEquals "the app answers as $user" "ok" \
    "$(curl -s --max-time 5 "http://127.0.0.1:$PORT_UNDER_TEST/")"
}

# What the web process wrote in the app or the layers (none of it is its).
written_by_web() {
  find "$LC_APP" "$LC_LAYERS" -newer "$LC_ROOT/launched" -print 2>/dev/null
}

# The end to end flow, for the buildpacks folder $1: build, launch as the
# build user, a graceful stop with a request in flight, launch as the run
# user; nothing written where the build wrote.
buildLaunchStop() {
  app slow_app
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  assertBuilt "$1"
  assertLogged builder "-----> Installing Apache from bundle.tar.gz"
  assertLogged builder "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertLogged builder "Declared the web process: mod_wsgi-heroku-start wsgi.py"
  assertLogged builder "with APXS=$LC_LAYERS/whiskey_mod-wsgi/apache/apache/bin/apxs"
  assertLogged exporter "Adding layer 'whiskey/mod-wsgi:apache'"
  assertLogged exporter "Adding cache layer 'whiskey/mod-wsgi:apache'"

  touch "$LC_ROOT/launched"
  sleep 1  # file times: what the web process writes is newer
  serve "$LC_BUILD_USER" DYNO=web.1
  local pid exes=""
  for pid in $(web_pids); do exes+="$(readlink "/proc/$pid/exe") "; done
  assertTrue "httpd runs from the layer ($exes)" \
    "echo '$exes' | grep -qF '$LC_LAYERS/whiskey_mod-wsgi/apache/apache/bin/httpd'"
  request inflight "/sleep/3?tag=inflight"
  waitStarted 1 || fail "the request did not start"
  stopAll group
  waitRequests
  assertCompleted inflight
  assertTrue "stopped well before 30 s ($STOP_SECONDS s)" "[ ${STOP_SECONDS%.*} -lt 15 ]"
  assertTrue "stopped gracefully: $(cat "$WEB_LOG")" "grep -q 'stopped gracefully in' '$WEB_LOG'"

  serve "$LC_RUN_USER" DYNO=web.1
  stop_web 20 || fail "the web process did not stop"
  WEB_PID=
  assertEquals "the web process wrote nothing in the app or the layers" "" "$(written_by_web)"
}

testFromAGitCheckoutBuildLaunchStopAsEitherUser() {
  buildLaunchStop "$LC_CHECKOUT_BUILDPACKS"
}

testFromTheReleasePackageBuildLaunchStopAsEitherUser() {
  buildLaunchStop "$LC_PACKAGE_BUILDPACKS"
}

testPlatformArgumentsReplaceTheEntryScript() {
  app slow_app
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  PORT_UNDER_TEST=$(free_port)
  lifecycle_launch "$LC_RUN_USER" "$PORT_UNDER_TEST" -- wsgi.py --processes 1 --threads 3
  wait_http "$PORT_UNDER_TEST" 40 || fail "nothing answered; the web log:
$(cat "$WEB_LOG")"
  assertTrue "the launcher ran with the given arguments: $(cat "$WEB_LOG")" \
    "grep -qF '1 process of 3 threads (the Procfile' '$WEB_LOG'"
}

testTheBillOfMaterialsIsValidCycloneDx() {
  app slow_app
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  local sbom="$LC_LAYERS/sbom/launch/whiskey_mod-wsgi/apache/sbom.cdx.json"
  assertTrue "the builder put the layer's SBOM with the image's" "[ -s '$sbom' ]"
  assertEquals "valid CycloneDX 1.5" "valid" "$("${BUILDPACK_HOME}/build/cyclonedx-venv/bin/python" -c '
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(open(sys.argv[1]).read())
print(error or "valid")' "$sbom" 2>&1)"
  assertEquals "names the installed bundle's digest" "$APACHE_BUNDLE_SHA256" \
    "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["metadata"]["component"]["hashes"][0]["content"])' "$sbom")"
  assertEquals "the bundle's own bill of materials: sources, pins, patches, stack, arch, compiler" \
    "ok" "$(apache_sbom_check "$sbom" debian-12 "$(dpkg --print-architecture)" \
      "$(basename "$BUNDLE_URL")" "$APACHE_BUNDLE_SHA256")"
  local names
  names=$(python3 -c 'import json, sys
print(" ".join(c["name"] + "@" + c["version"] for c in json.load(open(sys.argv[1]))["components"]))' "$sbom")
  assertEquals "httpd, APR and APR-util" \
    "httpd@$(sed -n 's/^httpd *\([0-9.]*\).*/\1/p' "${BUILDPACK_HOME}/vendor/apache/sources.txt") apr@$(sed -n 's/^apr  *\([0-9.]*\).*/\1/p' "${BUILDPACK_HOME}/vendor/apache/sources.txt") apr-util@$(sed -n 's/^apr-util *\([0-9.]*\).*/\1/p' "${BUILDPACK_HOME}/vendor/apache/sources.txt")" \
    "$names"
  assertLogged exporter "Adding layer 'buildpacksio/lifecycle:launch.sbom'"
}

testASecondBuildReusesTheLayerFromTheCacheWithTheUrlDead() {
  app slow_app
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  configure "http://127.0.0.1:$(free_port)/gone.tar.gz" "$APACHE_BUNDLE_SHA256"
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  assertLogged restorer 'Restoring data for "whiskey/mod-wsgi:apache" from cache'
  assertLogged builder "Reused the apache layer: it holds sha256:$APACHE_BUNDLE_SHA256"
  assertNotLogged builder "Downloaded"
  serve "$LC_RUN_USER"
}

testAWrongDigestFailsTheBuildAndLeavesNoLayer() {
  app slow_app
  configure "$BUNDLE_URL" "$WRONG_SHA"
  lifecycle_build "$LC_PACKAGE_BUILDPACKS"
  assertEquals "the builder fails (the buildpack's failure)" "builder 51" "$LC_FAILED"
  assertLogged builder "Error: The Apache bundle failed verification"
  assertFalse "no layer" "[ -e '$LC_LAYERS/whiskey_mod-wsgi/apache' ]"
  assertFalse "no layer metadata" "[ -e '$LC_LAYERS/whiskey_mod-wsgi/apache.toml' ]"
  assertFalse "no processes" "[ -e '$LC_LAYERS/config/metadata.toml' ]"
}

testNoBundleForTheVersionAskedGivesCloudNativeAdvice() {
  app slow_app
  printf 2.2.34 >"$LC_PLATFORM/env/WHISKEY_APACHE_VERSION"
  lifecycle_build "$LC_PACKAGE_BUILDPACKS"
  assertEquals "the builder fails" "builder 51" "$LC_FAILED"
  assertLogged builder "No Apache bundle is configured"
  assertLogged builder "pack build my-app --env WHISKEY_BUCKET=my-bucket"
  assertLogged builder "one file per variable in the platform folder's env/"
  assertNotLogged builder "heroku config:set"
}

# No bundle configured, none recorded: Apache is compiled from the recipe
# into the layer, and kept in the cache layer; the next build restores both
# and compiles nothing, with the sources gone.
testWithNoBundleApacheIsBuiltIntoTheLayerAndCachedBetweenBuilds() {
  app slow_app
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  printf %s "$SOURCE_MIRROR_URL" >"$LC_PLATFORM/env/WHISKEY_APACHE_MIRROR"
  local start=$SECONDS
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  echo "FIGURE CNB build with no bundle (Apache compiled into the layer): $((SECONDS - start)) s"
  source_mirror_stop
  assertLogged builder "Building Apache 2.4.68 from the buildpack's recipe"
  assertLogged builder "Built Apache 2.4.68 in "
  assertLogged builder "Installing Apache 2.4.68, built from the buildpack's recipe"
  assertTrue "httpd in the layer" "[ -x '$LC_LAYERS/whiskey_mod-wsgi/apache/apache/bin/httpd' ]"

  start=$SECONDS
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  echo "FIGURE CNB build with no bundle, the next time (from the cache): $((SECONDS - start)) s"
  assertLogged restorer 'Restoring data for "whiskey/mod-wsgi:cache" from cache'
  assertLogged builder "Built by an earlier build of this app"
  assertLogged builder "Reused the apache layer"
  assertNotLogged builder "Building Apache"
  serve "$LC_RUN_USER"
}

testAGunicornAppFailsDetection() {
  app gunicorn_wsgi_py
  lifecycle_build "$LC_PACKAGE_BUILDPACKS"
  assertEquals "the detector finds no group (exit 20)" "detector 20" "$LC_FAILED"
  assertLogged detector "No buildpack groups passed detection"
}

testTheRunImageTargetChoosesTheStack() {
  app slow_app
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  python3 "${BUILDPACK_HOME}/test/support/oci_run_image.py" \
    "$LC_ROOT/layout/index.docker.io/library/run-image/latest" \
    --arch "$(dpkg --print-architecture)" --distro-name ubuntu --distro-version 24.04
  assertBuilt "$LC_PACKAGE_BUILDPACKS"
  assertLogged builder "Stack: heroku-24 ($(dpkg --print-architecture))"
  assertLogged builder "The Apache bundle was built for another stack"
}

testARunImageOutsideTheTargetsFailsDetection() {
  app slow_app
  python3 "${BUILDPACK_HOME}/test/support/oci_run_image.py" \
    "$LC_ROOT/layout/index.docker.io/library/run-image/latest" \
    --arch "$(dpkg --print-architecture)" --distro-name alpine --distro-version 3.20
  lifecycle_build "$LC_PACKAGE_BUILDPACKS"
  assertEquals "the detector refuses the buildpack (exit 21)" "detector 21" "$LC_FAILED"
  assertLogged detector "unable to satisfy target os/arch constraints"
}
