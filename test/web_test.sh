#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# The web process end to end, with real parts: the real Apache bundle served
# from moto, a Python with the app's requirements from PyPI standing in
# for the heroku/python buildpack (before or after this one), mod_wsgi
# compiled against the bundle, the slug moved before it runs, and HTTP on
# $PORT.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/moto.sh
. "${BUILDPACK_HOME}/test/support/moto.sh"
# shellcheck source=test/support/apache_bundle.sh
. "${BUILDPACK_HOME}/test/support/apache_bundle.sh"
# shellcheck source=test/support/web.sh
. "${BUILDPACK_HOME}/test/support/web.sh"

STACK=debian-12
export STACK
BUCKET=whiskey-web

oneTimeSetUp() {
  apache_bundle || return 1
  moto_start --public "$BUCKET" || return 1
  moto_put "$BUCKET" bundle.tar.gz "$APACHE_BUNDLE" || return 1
  # One build cache for the suite, as an app keeps between its builds.
  SUITE_CACHE="${SHUNIT_TMPDIR}/cache"
  mkdir -p "$SUITE_CACHE"
  if [ -f "${BUILDPACK_HOME}/export" ]; then
    mv "${BUILDPACK_HOME}/export" "${SHUNIT_TMPDIR}/export.saved"
  fi
}

oneTimeTearDown() {
  moto_stop
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "${SHUNIT_TMPDIR}/export.saved" ]; then
    mv "${SHUNIT_TMPDIR}/export.saved" "${BUILDPACK_HOME}/export"
  fi
}

afterSetUp() {
  rm -f "${BUILDPACK_HOME}/export"
  printf %s "$(moto_url "$BUCKET" bundle.tar.gz)" >"${ENV_DIR}/WHISKEY_URL"
  printf %s "$APACHE_BUNDLE_SHA256" >"${ENV_DIR}/WHISKEY_SHA256"
  WEB_PID=
}

beforeTearDown() {
  if [ -n "${WEB_PID:-}" ]; then stop_web 5 >/dev/null 2>&1; fi
  if [ -n "${SLUG:-}" ]; then rm -rf "$SLUG" "$SLUG.web.log" "$SLUG.tmp"; fi
  SLUG=
}

# compileWithCache: detect, compile (captured, with the suite's build
# cache) and release, as Heroku runs them. RELEASE holds release's YAML.
compileWithCache() {
  assertEquals "detect" "Apache/mod_wsgi" "$("${BUILDPACK_HOME}/bin/detect" "$BUILD_DIR")"
  capture "${BUILDPACK_HOME}/bin/compile" "$BUILD_DIR" "$SUITE_CACHE" "$ENV_DIR"
  RELEASE=$("${BUILDPACK_HOME}/bin/release" "$BUILD_DIR")
  assertEquals "release's YAML" "---" "$(head -n 1 <<<"$RELEASE")"
  if [ "$RETURN" -eq 0 ] && [ -f "$BUILD_DIR/wsgi.py" ]; then
    assertContains "  web: mod_wsgi-heroku-start wsgi.py" "$RELEASE"
  fi
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
  # Heroku's router logs every request: no access log of our own by default.
  assertNotContains "no access log" '"GET / HTTP/1.1" 200' "$(cat "$SLUG.web.log")"
  assertNotContains "no daemon warns of its locale" "WSGI0079" "$(cat "$SLUG.web.log")"
  assertContains "requests the router gave up on are not run" "queue-timeout=30 " \
    "$(cat "$(server_root "$SLUG" "$PORT_UNDER_TEST")/httpd.conf")"
  assertFalse "nothing of Apache's in the slug" "[ -e '$SLUG/.whiskey/express' ]"
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
  runSlug "mod_wsgi-heroku-start wsgi.py --processes 2 --threads 3 --access-log"
  assertContains "Request Capacity   : 6 (2 processes * 3 threads)" "$(cat "$SLUG.web.log")"
  get "http://127.0.0.1:$PORT_UNDER_TEST/" >/dev/null
  # Apache writes the line after the response, through the log's pipe.
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q '"GET / HTTP/1.1" 200' "$SLUG.web.log" && break
    sleep 0.1
  done
  assertContains "the access log, asked for" '"GET / HTTP/1.1" 200' "$(cat "$SLUG.web.log")"
  local daemons
  daemons=$(ps -eo sid=,args= | awk -v sid="$WEB_PID" '$1 == sid && $2 ~ /^\(wsgi:/' | wc -l)
  assertEquals 2 "$daemons"
  assertTrue "stops" "stop_web 20"
  WEB_PID=
}

# waitForLog TEXT: TEXT is in the web log within 5 s (Apache writes through
# the log's pipe, after the response).
waitForLog() {
  local i
  for ((i = 0; i < 50; i++)); do
    grep -qF -- "$1" "$SLUG.web.log" && return 0
    sleep 0.1
  done
  return 1
}

testTheRoutersRequestIdIsInTheLogsAndSeenByTheApp() {
  useFixture demo_flask_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  WHISKEY_ACCESS_LOG_FORMAT='%h "%r" %>s rid=%{X-Request-ID}i' runSlug
  local rid="4b8e1a7c-${RANDOM}-req"
  assertEquals "the app sees it" "$rid" \
    "$(get -H "X-Request-ID: $rid" "http://127.0.0.1:$PORT_UNDER_TEST/request-id")"
  assertTrue "the access log, in WHISKEY_ACCESS_LOG_FORMAT, carries it" \
    "waitForLog '\"GET /request-id HTTP/1.1\" 200 rid=$rid'"
  waitForLog "handling the request $rid"
  assertTrue "the app's line in the error log carries it: $(grep -a 'handling the request' "$SLUG.web.log")" \
    "waitForLog 'handling the request $rid request_id=$rid'"
  # Flask logs an unhandled exception's traceback to wsgi.errors.
  get -H "X-Request-ID: $rid-fail" "http://127.0.0.1:$PORT_UNDER_TEST/fail" >/dev/null
  assertTrue "the traceback's lines carry it: $(grep -a 'on purpose' "$SLUG.web.log")" \
    "waitForLog 'RuntimeError: the demo app fails on purpose request_id=$rid-fail'"
  get "http://127.0.0.1:$PORT_UNDER_TEST/request-id" >/dev/null
  assertTrue "a request without one is logged with -" "waitForLog '\"GET /request-id HTTP/1.1\" 200 rid=-'"
  assertTrue "and its error log line leaves the field out" "waitForLog 'handling the request none'"
  assertNotContains "request_id=none" "$(cat "$SLUG.web.log")"
  assertTrue "stops" "stop_web 20"
  WEB_PID=
}

testALocaleTheSystemLacksGivesWayToCUtf8() {
  useFixture demo_flask_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  LANG=xx_XX.UTF-8 runSlug
  assertEquals "Hello from Flask under Apache" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  local log
  log=$(cat "$SLUG.web.log")
  assertContains "mod_wsgi-heroku-start: LANG is xx_XX.UTF-8, a locale this system lacks: Apache and the app run in C.UTF-8" "$log"
  assertContains "Locale Setting     : C.UTF-8" "$log"
  assertNotContains "no daemon warns of its locale" "WSGI0079" "$log"
  assertNotContains "no shell warns of its locale" "cannot change locale" "$log"
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

# status_of PATH [CURL ARGS...]: the HTTP status of a GET of PATH.
status_of() {
  local path=$1
  shift
  get -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$PORT_UNDER_TEST$path"
}

# launcherSaid: the launcher's start-up line in the web log.
launcherSaid() {
  grep -a '^mod_wsgi-heroku-start: Apache on port' "$SLUG.web.log"
}

stopsWithin20Seconds() {
  assertTrue "SIGTERM to every process stops them all" "stop_web 20"
  WEB_PID=
}

testDjangoSiteServesItsViewAndApacheItsStaticFiles() {
  useFixture django_site
  compileWithCache
  assertCapturedSuccess
  assertCaptured "The Procfile declares the web process"
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  runSlug
  # project.settings imports: the app's root is on the daemon's sys.path.
  assertEquals "Hello from Django under Apache" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"

  local css="$SLUG.site.css" said
  said=$(get -o "$css" -w '%{http_code} %{content_type}' "http://127.0.0.1:$PORT_UNDER_TEST/static/site.css")
  assertEquals "200 text/css" "$said"
  assertTrue "the static file's bytes, as the app has them" \
    "cmp -s '${FIXTURES_DIR}/django_site/static/site.css' '$css'"
  assertEquals "404" "$(status_of /static/nothing.css)"
  rm -f "$css"
  stopsWithin20Seconds
}

# A Django app with collectstatic's output and nothing in the Procfile about
# it: Apache serves STATIC_URL from STATIC_ROOT by itself, the compressed
# copies the build made when the request takes them, and hashed names with
# a year's caching.
testDjangoStaticFilesAreServedByApacheWithNoSetUp() {
  useFixture django_static
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  assertCaptured "-----> Django's static files"
  assertCaptured "/static/ from staticfiles (project.settings): Apache serves them, without the app"
  assertCaptured "Compressed copies: 4 gzip"
  local hashed
  hashed=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["paths"]["css/site.css"])' \
    "$BUILD_DIR/staticfiles/staticfiles.json")
  assertTrue "a gzip copy beside the hashed file" "[ -s '$BUILD_DIR/staticfiles/$hashed.gz' ]"
  runSlug
  assertContains "Django's static files (/static/) served by Apache from staticfiles" "$(cat "$SLUG.web.log")"

  local url="http://127.0.0.1:$PORT_UNDER_TEST/static/$hashed" body="$SLUG.css" headers="$SLUG.headers"
  local original="$SLUG/staticfiles/$hashed" encoding
  for encoding in br gzip identity; do
    get --compressed -H "Accept-Encoding: $encoding" -D "$headers" -o "$body" "$url"
    assertEquals "$encoding: the file's bytes" "" "$(cmp "$original" "$body" 2>&1)"
    assertContains "$encoding: its type" "Content-Type: text/css" "$(cat "$headers")"
    assertContains "$encoding: cached a year" \
      "Cache-Control: public, max-age=315360000, immutable" "$(cat "$headers")"
    assertContains "$encoding: varies" "Vary: Accept-Encoding" "$(cat "$headers")"
    if [ "$encoding" = identity ]; then
      assertNotContains "Content-Encoding" "$(cat "$headers")"
    else
      assertContains "$encoding: sent compressed" "Content-Encoding: $encoding" "$(cat "$headers")"
    fi
  done
  # Its name without the hash: a minute's caching; and what is not there is a 404.
  get -D "$headers" -o "$body" "http://127.0.0.1:$PORT_UNDER_TEST/static/css/site.css"
  assertContains "Cache-Control: public, max-age=60" "$(cat "$headers")"
  assertEquals "404" "$(status_of /static/css/nothing.css)"
  # The app answers the rest.
  assertEquals "Hello from Django under Apache" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  rm -f "$body" "$headers"
  stopsWithin20Seconds
}

# WHISKEY_STATIC_FILES=off leaves the static files to the app (this one
# serves none: DEBUG is off and it has no WhiteNoise).
testWhiskeyStaticFilesOffLeavesThemToTheApp() {
  useFixture django_static
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  WHISKEY_STATIC_FILES=off runSlug
  assertContains "WHISKEY_STATIC_FILES=off: Django's static files (/static/) are left to the app" \
    "$(cat "$SLUG.web.log")"
  assertEquals "404" "$(status_of /static/css/site.css)"
  stopsWithin20Seconds
}

# A slow upload holds one of Apache's front threads, not a daemon thread:
# with one daemon process of one thread, the app answers other requests
# while the body is still arriving, then gets all of it at once.
testASlowUploadHoldsNoDaemonThread() {
  useFixture slow_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  MOD_WSGI_PROCESSES=1 MOD_WSGI_THREADS=1 runSlug
  local body="$SLUG.body" said="$SLUG.upload" before after
  head -c 300000 /dev/urandom >"$body"
  # 300 kB at 60 kB/s: five seconds of upload.
  curl -s --max-time 30 --limit-rate 60k --data-binary "@$body" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$PORT_UNDER_TEST/upload" >"$said" &
  local upload=$!
  sleep 1.5
  before=$(date +%s%N)
  assertEquals "the app answers during the upload" "ok" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  after=$(date +%s%N)
  assertTrue "at once ($(((after - before) / 1000000)) ms), not after the upload" \
    "[ $(((after - before) / 1000000)) -lt 1000 ]"
  assertFalse "the app has not been given the upload yet" "grep -aq 'started - in' '$SLUG.web.log'"
  wait "$upload"
  assertEquals "the app read every byte" "300000 $(sha256sum "$body" | cut -d' ' -f1)" "$(cat "$said")"
  rm -f "$body" "$said"
  stopsWithin20Seconds
}

# WHISKEY_BUFFER_REQUEST_BODY=off: the body streams to the app as it arrives.
testWhiskeyBufferRequestBodyOffStreamsTheBody() {
  useFixture slow_app
  compileWithCache
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  MOD_WSGI_PROCESSES=1 MOD_WSGI_THREADS=1 WHISKEY_BUFFER_REQUEST_BODY=off runSlug
  assertContains "WHISKEY_BUFFER_REQUEST_BODY=off: request bodies are streamed to the app" \
    "$(cat "$SLUG.web.log")"
  local body="$SLUG.body" said="$SLUG.upload"
  head -c 120000 /dev/urandom >"$body"
  curl -s --max-time 30 --limit-rate 60k --data-binary "@$body" \
    -H 'Content-Type: application/octet-stream' "http://127.0.0.1:$PORT_UNDER_TEST/upload" >"$said" &
  local upload=$!
  assertTrue "the app is given the request while its body is still arriving" \
    "waitForLog 'started - in'"
  wait "$upload"
  assertEquals "every byte" "120000 $(sha256sum "$body" | cut -d' ' -f1)" "$(cat "$said")"
  rm -f "$body" "$said"
  stopsWithin20Seconds
}

testAStreamedResponseArrivesWhole() {
  useFixture streaming_app
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  runSlug

  local body="$SLUG.body" expected code
  expected=$(python3 -c 'import hashlib
h = hashlib.sha256()
for i in range(512):
    h.update(i.to_bytes(4, "big") * (64 * 1024 // 4))
print(h.hexdigest())')
  code=$(curl -s --max-time 60 -o "$body" -w '%{http_code}' "http://127.0.0.1:$PORT_UNDER_TEST/")
  assertEquals "curl's exit status" 0 $?
  assertEquals 200 "$code"
  assertEquals "every byte" $((32 * 1024 * 1024)) "$(stat -c %s "$body")"
  assertEquals "the bytes in order" "$expected" "$(sha256sum "$body" | cut -d' ' -f1)"
  rm -f "$body"
  stopsWithin20Seconds
}

testTheProcfilesExpressArgumentsWin() {
  useFixture procfile_express_args
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  runSlug
  assertEquals "Hello with my own mod_wsgi-express arguments" \
    "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  assertContains "Request Capacity   : 8 (2 processes * 4 threads)" "$(cat "$SLUG.web.log")"
  assertContains "2 processes of 4 threads (the Procfile's arguments)" "$(launcherSaid)"
  assertEquals "mod_wsgi daemon processes" 2 "$(wsgi_daemons)"
  assertContains "the Procfile's --request-timeout" "request-timeout=20 " \
    "$(cat "$(server_root "$SLUG" "$PORT_UNDER_TEST")/httpd.conf")"
  stopsWithin20Seconds
}

testUserVarsAndActionHooks() {
  useFixture whiskey_hooks
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  assertCaptured "Running .whiskey/action_hooks/build"
  assertEquals "the build hook ran in the app's folder" "built on heroku" "$(cat "$BUILD_DIR/built.txt")"
  assertFileDoesNotExist "no deploy at build time" "$BUILD_DIR/deployed.txt"

  runSlug
  assertEquals "WHISKEY_RUNTIME=heroku
GREETING=hello
ADDED=hello from deploy-env
OBSOLETE=<unset>
deployed.txt exists" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  assertEquals "deploy ran after deploy-env, with its variables" \
    "deployed: hello, hello from deploy-env, obsolete=unset" "$(cat "$SLUG/deployed.txt")"
  assertFileDoesNotExist "$SLUG/.whiskey/user_vars/OBSOLETE"
  stopsWithin20Seconds
}

testAFailingDeployHookIsOneClearLine() {
  useFixture failing_deploy_hook
  compileWithCache
  assertCapturedSuccess
  SLUG=$(move_slug "$BUILD_DIR")
  capture env HOME="$SLUG" PORT=5000 timeout 20 "$SLUG/.whiskey/bin/mod_wsgi-heroku-start" wsgi.py
  assertEquals 1 "$RETURN"
  assertStderr "deploy: the migration failed"
  assertEquals "one line from the launcher" 1 "$(grep -c '^mod_wsgi-heroku-start' "$STD_ERR")"
  assertEquals "mod_wsgi-heroku-start: error: the deploy action hook (.whiskey/action_hooks/deploy) failed with exit status 3" \
    "$(tail -n 1 "$STD_ERR")"
  assertNotStderr "Apache on port"
}

testTheShellHasTheWebProcesssEnvironment() {
  useFixture whiskey_shell
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  SLUG=$(move_slug "$BUILD_DIR")
  # shellcheck disable=SC2016 # for the shell to expand
  captureExact run_in_slug "$SLUG" mod_wsgi-heroku-shell -c 'echo $WHISKEY_RUNTIME $GREETING; command -v httpd'
  assertEquals 0 "$RETURN"
  assertEquals "heroku hello
$SLUG/.whiskey/apache/bin/httpd" "$(cat "$STD_OUT")"

  # Without .profile.d, the launcher itself puts the app's Python's
  # libraries on LD_LIBRARY_PATH.
  # shellcheck disable=SC2016
  captureExact env -u LD_LIBRARY_PATH HOME="$SLUG" PATH=/usr/bin:/bin timeout 30 \
    "$SLUG/.whiskey/bin/mod_wsgi-heroku-shell" -c 'echo "$LD_LIBRARY_PATH"'
  assertEquals 0 "$RETURN"
  assertContains ":$SLUG/.heroku/python/lib:" ":$(cat "$STD_OUT"):"
}

# withNewRelic COMMAND...: COMMAND with a New Relic licence key, the agent
# sent to a closed port on 127.0.0.1 (it connects there first, before it
# looks at anything else), logging to the web log.
withNewRelic() {
  NEW_RELIC_LICENSE_KEY=0123456789abcdef0123456789abcdef01234567 \
    NEW_RELIC_APP_NAME=whiskey-test NEW_RELIC_HOST=127.0.0.1 NEW_RELIC_PORT="$(closedPort)" \
    NEW_RELIC_LOG=stderr NEW_RELIC_LOG_LEVEL=info "$@"
}

testNewRelicWrapsTheAppAndNeverBlocksIt() {
  useFixture newrelic_app
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  withNewRelic runSlug
  assertContains ", with New Relic" "$(launcherSaid)"
  assertFileExists "$(server_root "$SLUG" "$PORT_UNDER_TEST")/newrelic-wrapper.wsgi"
  assertEquals 200 "$(status_of /)"
  assertEquals "Hello with New Relic" "$(get "http://127.0.0.1:$PORT_UNDER_TEST/")"
  stopsWithin20Seconds
}

testNewRelicWithoutTheAgentWarnsAndServes() {
  useFixture newrelic_not_installed
  python_buildpack "$BUILD_DIR" || fail "the Python stand-in failed"
  compileWithCache
  assertCapturedSuccess
  withNewRelic runSlug
  assertContains \
    "New Relic is configured, but the newrelic package is not installed (add newrelic to requirements.txt); starting without the agent" \
    "$(cat "$SLUG.web.log")"
  assertNotContains "New Relic" "$(launcherSaid)"
  assertFileDoesNotExist "$(server_root "$SLUG" "$PORT_UNDER_TEST")/newrelic-wrapper.wsgi"
  assertEquals 200 "$(status_of /)"
  stopsWithin20Seconds
}
