#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# The web process end to end, with real parts: the real Apache bundle served
# from s3rver, a Python with the app's requirements from PyPI standing in
# for the heroku/python buildpack (before or after this one), mod_wsgi
# compiled against the bundle, the slug moved before it runs, and HTTP on
# $PORT.

if [ -z "${BASH_VERSION:-}" ]; then
  # shunit2 runs suites with /bin/sh; the harnesses need bash.
  trap - 0 2 15
  case "${SHUNIT_TMPDIR:-}" in
    */shunit.*/tmp) rm -rf "${SHUNIT_TMPDIR%/tmp}" ;;
  esac
  exec bash "$0" "$@"
fi

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/s3rver.sh
. "${BUILDPACK_HOME}/test/support/s3rver.sh"
# shellcheck source=test/support/apache_bundle.sh
. "${BUILDPACK_HOME}/test/support/apache_bundle.sh"
# shellcheck source=test/support/web.sh
. "${BUILDPACK_HOME}/test/support/web.sh"

STACK=debian-12
export STACK
BUCKET=whiskey-web

oneTimeSetUp() {
  apache_bundle || return 1
  s3_start "$BUCKET" || return 1
  s3_put "$BUCKET" bundle.tar.gz "$APACHE_BUNDLE" || return 1
  # One build cache for the suite, as an app keeps between its builds.
  SUITE_CACHE="${SHUNIT_TMPDIR}/cache"
  mkdir -p "$SUITE_CACHE"
  if [ -f "${BUILDPACK_HOME}/export" ]; then
    mv "${BUILDPACK_HOME}/export" "${SHUNIT_TMPDIR}/export.saved"
  fi
}

oneTimeTearDown() {
  s3_stop
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "${SHUNIT_TMPDIR}/export.saved" ]; then
    mv "${SHUNIT_TMPDIR}/export.saved" "${BUILDPACK_HOME}/export"
  fi
}

afterSetUp() {
  rm -f "${BUILDPACK_HOME}/export"
  printf %s "$(s3_url "$BUCKET" bundle.tar.gz)" >"${ENV_DIR}/WHISKEY_URL"
  printf %s "$APACHE_BUNDLE_SHA256" >"${ENV_DIR}/WHISKEY_SHA256"
  WEB_PID=
}

beforeTearDown() {
  if [ -n "${WEB_PID:-}" ]; then stop_web 5 >/dev/null 2>&1; fi
  if [ -n "${SLUG:-}" ]; then rm -rf "$SLUG" "$SLUG.web.log"; fi
  SLUG=
}

compileWithCache() {
  capture "${BUILDPACK_HOME}/bin/compile" "$BUILD_DIR" "$SUITE_CACHE" "$ENV_DIR"
}

# runSlug: moves the build to a new folder and starts its web process there.
runSlug() {
  SLUG=$(move_slug "$BUILD_DIR")
  PORT_UNDER_TEST=$(free_port)
  start_web "$SLUG" "$PORT_UNDER_TEST" "$@"
  wait_http "$PORT_UNDER_TEST" 40 || fail "nothing answered on \$PORT; the web log:
$(cat "$SLUG.web.log")"
}

get() {
  curl -s --max-time 10 "$@"
}

assertServesAndStops() {
  local expected=$1
  assertEquals "$expected" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  assertEquals "https" "$(get -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$PORT_UNDER_TEST/scheme")"
  assertEquals "http" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/scheme")"

  # The processes and threads the launcher said it would run.
  local said processes threads daemons
  said=$(grep -a -o 'Apache on port [0-9]*, [0-9]* process[es]* of [0-9]* threads' "$SLUG.web.log")
  assertNotNull "the launcher says how it sized the server" "$said"
  processes=$(sed -E 's/.*, ([0-9]+) process.*/\1/' <<<"$said")
  threads=$(sed -E 's/.* of ([0-9]+) threads/\1/' <<<"$said")
  daemons=$(ps -eo sid=,args= | awk -v sid="$WEB_PID" '$1 == sid && $2 ~ /^\(wsgi:/' | wc -l)
  assertEquals "mod_wsgi daemon processes" "$processes" "$daemons"
  assertContains "Request Capacity   : $((processes * threads)) ($processes processes * $threads threads)" \
    "$(cat "$SLUG.web.log")"

  assertTrue "SIGTERM to every process stops them all" "stop_web 20"
  WEB_PID=
}

testFlaskWithThisBuildpackFirst() {
  useFixture demo_flask_app
  compileWithCache
  assertCapturedSuccess
  assertCaptured "requirements.txt names mod_wsgi: the Python buildpack after this one builds it"
  # heroku/python runs next, with this buildpack's export: pip builds
  # mod_wsgi from requirements.txt against the bundle's apxs.
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  runSlug
  assertServesAndStops "Hello from Flask under Apache"
}

testFlaskWithPythonFirstBuildsModWsgiOnceThenReusesIt() {
  useFixture flask_app_python_first
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  assertCaptured "Installed mod_wsgi 6.1.1 into .heroku/python"
  runSlug
  assertServesAndStops "Hello from Flask, heroku/python first"

  # The next build of the same app reuses the wheel from the build cache.
  rm -rf "$BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  useFixture flask_app_python_first
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  assertCaptured "Reusing the mod_wsgi wheel from the build cache"
}

testUserArgumentsWinOverTheLaunchersDefaults() {
  useFixture demo_flask_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  runSlug "mod_wsgi-heroku-start wsgi.py --processes 2 --threads 3"
  assertContains "Request Capacity   : 6 (2 processes * 3 threads)" "$(cat "$SLUG.web.log")"
  local daemons
  daemons=$(ps -eo sid=,args= | awk -v sid="$WEB_PID" '$1 == sid && $2 ~ /^\(wsgi:/' | wc -l)
  assertEquals 2 "$daemons"
  assertTrue "stops" "stop_web 20"
  WEB_PID=
}

testMissingPortIsOneClearLine() {
  useFixture demo_flask_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  SLUG=$(move_slug "$BUILD_DIR")
  capture env -u PORT HOME="$SLUG" timeout 10 "$SLUG/.whiskey/bin/mod_wsgi-heroku-start" wsgi.py
  assertEquals 1 "$RETURN"
  assertEquals 1 "$(wc -l <"$STD_ERR")"
  assertStderr "mod_wsgi-heroku-start: error: PORT is not set"
}

testMissingScriptIsOneClearLine() {
  useFixture demo_flask_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  SLUG=$(move_slug "$BUILD_DIR")
  capture env HOME="$SLUG" PORT=5000 timeout 10 "$SLUG/.whiskey/bin/mod_wsgi-heroku-start" nope.py
  assertEquals 1 "$RETURN"
  assertEquals 1 "$(wc -l <"$STD_ERR")"
  assertStderr "the WSGI script 'nope.py' does not exist"
}

testAPythonWithoutModWsgiIsOneClearLine() {
  useFixture flask_app_python_first
  compileWithCache 2>/dev/null  # no Python: refused, but the launcher is there
  mkdir -p "$BUILD_DIR/.heroku"
  /usr/bin/python3 -m venv "$BUILD_DIR/.heroku/python"
  SLUG=$(move_slug "$BUILD_DIR")
  capture env HOME="$SLUG" PORT=5000 timeout 20 "$SLUG/.whiskey/bin/mod_wsgi-heroku-start" wsgi.py
  assertEquals 1 "$RETURN"
  assertEquals 1 "$(wc -l <"$STD_ERR")"
  assertStderr "cannot load mod_wsgi"
}
