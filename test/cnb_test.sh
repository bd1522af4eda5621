#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# The Cloud Native Buildpacks flow (buildpack API 0.10) driven as a lifecycle
# drives it: bin/detect (0 / 100) and bin/build in the app's folder with the
# CNB_* variables, the real Apache bundle from s3rver installed into a layer
# (launch, build, cache) that is reused while its recorded digest is the one
# wanted, a stand-in Python CNB after it building mod_wsgi with APXS from the
# layer's build environment, then the launch.toml web process started as the
# lifecycle's launcher starts it, answering HTTP and stopping gracefully.
# Also: verification failures leave no layer, and buildpack.toml's default
# bundles serve a build with no config vars (classic and CNB).

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"
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
# shellcheck source=test/support/drain.sh
. "${BUILDPACK_HOME}/test/support/drain.sh"
# shellcheck source=test/support/cnb.sh
. "${BUILDPACK_HOME}/test/support/cnb.sh"
# shellcheck source=test/support/servers.sh
. "${BUILDPACK_HOME}/test/support/servers.sh"

STACK=debian-12
export STACK
BUCKET=whiskey-cnb
WRONG_SHA=0000000000000000000000000000000000000000000000000000000000000000

oneTimeSetUp() {
  apache_bundle || return 1
  s3_start "$BUCKET" || return 1
  s3_put "$BUCKET" bundle.tar.gz "$APACHE_BUNDLE" || return 1
  BUNDLE_URL=$(s3_url "$BUCKET" bundle.tar.gz)
  # The buildpack's executables, built once (bin/detect does it on first use).
  (cd /tmp && "${BUILDPACK_HOME}/bin/detect" /tmp >/dev/null 2>&1)
  return 0
}

oneTimeTearDown() {
  s3_stop
}

afterSetUp() {
  WEB_PID=
  cnb_dirs
  REQUESTS="$CNB_ROOT/requests"
  mkdir -p "$REQUESTS"
  REQUEST_PIDS=()
}

beforeTearDown() {
  if [ -n "${WEB_PID:-}" ]; then stop_web 5 >/dev/null 2>&1; fi
  WEB_PID=
  rm -rf "$CNB_ROOT"
  local user
  for user in ${USERS_MADE:-}; do userdel "$user" 2>/dev/null; done
  if [ -n "${GROUP_MADE:-}" ]; then groupdel "$GROUP_MADE" 2>/dev/null; fi
  USERS_MADE=
  GROUP_MADE=
}

configure() {
  printf %s "$1" >"$CNB_PLATFORM/env/WHISKEY_URL"
  printf %s "$2" >"$CNB_PLATFORM/env/WHISKEY_SHA256"
}

# A copy of the buildpack (its shims and prebuilt executables) whose
# buildpack.toml records one default bundle: this suite's, for STACK $1.
buildpack_with_default() {
  local bp="$CNB_ROOT/buildpack" built
  mkdir -p "$bp"
  cp -R "${BUILDPACK_HOME}/bin" "$bp/"
  built=$(dirname "$(bash -c '. "$1/bin/support/helper.sh"; whiskey_helper' bash "${BUILDPACK_HOME}")")
  cp "$built/mod_wsgi-heroku" "$built/mod_wsgi-heroku-start" "$bp/bin/support/"
  cat >"$bp/buildpack.toml" <<EOF
api = "0.10"

[buildpack]
id = "whiskey/mod-wsgi"
version = "0.0.0"

[[metadata.dependencies]]
id = "apache"
version = "2.4.68"
uri = "$BUNDLE_URL"
checksum = "sha256:$APACHE_BUNDLE_SHA256"
stacks = ["$1"]
arch = "$(dpkg --print-architecture)"
EOF
  echo "$bp"
}

testDetectPassesWithZeroAndFailsWith100() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  cnb_detect
  assertEquals "an app naming mod_wsgi is detected" 0 $?
  rm -rf "${CNB_APP:?}"/*
  cp -R "${BUILDPACK_HOME}/test/fixtures/gunicorn_wsgi_py/." "$CNB_APP/"
  cnb_detect
  assertEquals "a gunicorn app is not" 100 $?
}

testBuildLaunchAnswerAndStopGracefully() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  cnb_build
  assertCapturedSuccess
  assertCaptured "> Installing Apache from bundle.tar.gz"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertCaptured "Installed the apache layer's bin/mod_wsgi-heroku-start"
  assertCaptured "names mod_wsgi: the Python buildpack after this one builds it"
  assertCaptured "Declared the web process: mod_wsgi-heroku-start wsgi.py"

  # The layer, as the lifecycle reads it.
  assertTrue "the bundle is in the layer" "[ -x '$CNB_LAYERS/apache/apache/bin/httpd' ]"
  assertEquals "types" "true true true" "$(cnb_layer_types "$CNB_LAYERS/apache.toml")"
  assertEquals "recorded digest" "$APACHE_BUNDLE_SHA256" \
    "$(cnb_toml_get "$CNB_LAYERS/apache.toml" metadata.sha256)"
  assertEquals "APXS for the buildpacks after" "$CNB_LAYERS/apache/apache/bin/apxs" \
    "$(cat "$CNB_LAYERS/apache/env.build/APXS.override")"
  assertEquals "the bundle's folder at launch" "$CNB_LAYERS/apache" \
    "$(cat "$CNB_LAYERS/apache/env.launch/WHISKEY_BUNDLE_DIR.override")"
  assertEquals "the web process" "mod_wsgi-heroku-start wsgi.py" \
    "$(cnb_toml_get "$CNB_LAYERS/launch.toml" processes.0.command)"
  assertEquals "it is the default" "True" \
    "$(cnb_toml_get "$CNB_LAYERS/launch.toml" processes.0.default)"
  assertFalse "nothing in the app's .whiskey" "[ -e '$CNB_APP/.whiskey/apache' ]"
  assertEquals "no staging folder left" "" "$(ls -d "$CNB_LAYERS"/*.partial-* 2>/dev/null)"

  cnb_python_buildpack || fail "the Python stand-in failed"
  PORT_UNDER_TEST=$(free_port)
  cnb_start "$PORT_UNDER_TEST" DYNO=web.1
  wait_http "$PORT_UNDER_TEST" 40 || fail "nothing answered; the web log:
$(cat "$WEB_LOG")"
  assertEquals "the app answers from the layer" "ok" \
    "$(curl -s --max-time 5 "http://127.0.0.1:$PORT_UNDER_TEST/")"
  local pid exes=""
  for pid in $(web_pids); do exes+="$(readlink "/proc/$pid/exe") "; done
  assertContains "httpd runs from the layer" "$CNB_LAYERS/apache/apache/bin/httpd" "$exes"

  # Stopped as the dyno manager stops it, with a request in flight.
  request inflight "/sleep/3?tag=inflight"
  waitStarted 1 || fail "the request did not start"
  stopAll
  waitRequests
  assertCompleted inflight
  assertTrue "stopped well before 30 s ($STOP_SECONDS s)" "[ ${STOP_SECONDS%.*} -lt 15 ]"
  assertContains "stopped gracefully in" "$(cat "$WEB_LOG")"
}

# run_as USER COMMAND [ARG...]: COMMAND as USER, with its groups.
run_as() {
  local user=$1
  shift
  setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups "$@"
}

testTheWebProcessRunsAsAnotherUserThanTheBuild() {
  # As a platform may run them: the build as one user, the web process as
  # another of the same group. The app and the layers are the build user's
  # and no one else may write there: the web process writes only in its
  # run folder, under TMPDIR.
  if [ "$(id -u)" != 0 ]; then
    startSkipping  # making users takes root
    return
  fi
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  cnb_build
  assertCapturedSuccess
  cnb_python_buildpack || fail "the Python stand-in failed"

  local group=whiskeyg$$ builder=whiskeyb$$ runner=whiskeyr$$
  USERS_MADE="$runner $builder"
  GROUP_MADE=$group
  groupadd "$group" && useradd -M -N -g "$group" -s /usr/sbin/nologin "$builder" &&
    useradd -M -N -g "$group" -s /usr/sbin/nologin "$runner" || fail "cannot make the users"
  chown -R "$builder:$group" "$CNB_APP" "$CNB_ROOT/layers"
  chmod -R go-w "$CNB_APP" "$CNB_ROOT/layers"
  assertFalse "the web process's user cannot write in the app" \
    "run_as $runner touch '$CNB_APP/probe'"
  assertFalse "nor in the bundle's layer" "run_as $runner touch '$CNB_LAYERS/apache/probe'"

  PORT_UNDER_TEST=$(free_port)
  local root
  root="$CNB_TMP/mod_wsgi-heroku-$(id -u "$runner")-$PORT_UNDER_TEST"
  # Another user's folder where the run folder goes is refused, with what
  # to do instead.
  mkdir "$root" && chown "$builder" "$root"
  CNB_RUN_AS=$runner cnb_start "$PORT_UNDER_TEST" DYNO=web.1
  wait "$WEB_PID"
  assertEquals "refused" 1 $?
  WEB_PID=
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q 'error:' "$WEB_LOG" && break
    sleep 0.1
  done
  assertEquals "mod_wsgi-heroku-start: error: the web process's folder $root belongs to user $(id -u "$builder"), not to this user ($(id -u "$runner")): remove it, or set TMPDIR to a folder of your own" \
    "$(grep '^mod_wsgi-heroku-start' "$WEB_LOG")"
  rmdir "$root"

  CNB_RUN_AS=$runner cnb_start "$PORT_UNDER_TEST" DYNO=web.1
  wait_http "$PORT_UNDER_TEST" 40 || fail "nothing answered; the web log:
$(cat "$WEB_LOG")"
  assertEquals "the app answers" "ok" "$(curl -s --max-time 5 "http://127.0.0.1:$PORT_UNDER_TEST/")"
  assertEquals "Apache's server root, the web process's user's own" "$runner 755" \
    "$(stat -c '%U %a' "$root")"
  assertTrue "its configuration there" "[ -f '$root/httpd.conf' ]"
  assertTrue "and the launcher's" "[ -f '$root/front.conf' ] && [ -f '$root/graceful-stop.conf' ]"
  assertEquals "every process of it runs as its user" "$(id -u "$runner")" \
    "$(ps -o uid= -p "$(web_pids | paste -sd,)" | sort -u | tr -d ' ')"

  request inflight "/sleep/2?tag=inflight"
  waitStarted 1 || fail "the request did not start"
  stopAll
  waitRequests
  assertCompleted inflight
  assertContains "stopped gracefully in" "$(cat "$WEB_LOG")"
}

testRebuildReusesTheLayerWithoutDownloading() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  cnb_build
  assertCapturedSuccess
  # The same digest from a URL where nothing answers: only the layer can serve it.
  configure "http://127.0.0.1:$(free_port)/gone.tar.gz" "$APACHE_BUNDLE_SHA256"
  cnb_build
  assertCapturedSuccess
  assertCaptured "Reused the apache layer: it holds sha256:$APACHE_BUNDLE_SHA256"
  assertNotCaptured "Downloaded"
  assertTrue "the bundle is still in the layer" "[ -x '$CNB_LAYERS/apache/apache/bin/httpd' ]"
}

testAnotherDigestReplacesTheLayer() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  cnb_build
  assertCapturedSuccess
  sed -i "s/$APACHE_BUNDLE_SHA256/$WRONG_SHA/" "$CNB_LAYERS/apache.toml"
  touch "$CNB_LAYERS/apache/stale-file"
  cnb_build
  assertCapturedSuccess
  assertCaptured "The apache layer holds another bundle: replacing it"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertFalse "the old layer's files are gone" "[ -e '$CNB_LAYERS/apache/stale-file' ]"
  assertEquals "recorded digest" "$APACHE_BUNDLE_SHA256" \
    "$(cnb_toml_get "$CNB_LAYERS/apache.toml" metadata.sha256)"
}

testACutDownloadResumesAsInTheClassicFlow() {
  local faults="$CNB_ROOT/faults"
  mkdir -p "$faults"
  fault_server_start "$APACHE_BUNDLE" "$faults" || fail "the fault server did not start"
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "http://127.0.0.1:$FAULT_PORT/cut/700000/bundle.tar.gz" "$APACHE_BUNDLE_SHA256"
  cnb_build
  server_stop "" "$FAULT_PID" ""
  assertCapturedSuccess
  assertCaptured "The download was cut after 700000 bytes"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertTrue "installed" "[ -x '$CNB_LAYERS/apache/apache/bin/httpd' ]"
}

testAWrongDigestLeavesNoLayer() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "$BUNDLE_URL" "$WRONG_SHA"
  cnb_build
  assertCapturedError 1 "The Apache bundle failed verification"
  assertFalse "no layer" "[ -e '$CNB_LAYERS/apache' ]"
  assertFalse "no layer metadata" "[ -e '$CNB_LAYERS/apache.toml' ]"
  assertFalse "no web process" "[ -s '$CNB_LAYERS/launch.toml' ]"
  assertEquals "no staging folder left" "" "$(ls -d "$CNB_LAYERS"/*.partial-* 2>/dev/null)"
}

testAHostileBundleLeavesNoLayer() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" traversal "$CNB_ROOT/hostile.tar.gz"
  s3_put "$BUCKET" hostile.tar.gz "$CNB_ROOT/hostile.tar.gz" || fail "upload failed"
  configure "$(s3_url "$BUCKET" hostile.tar.gz)" \
    "$(sha256sum "$CNB_ROOT/hostile.tar.gz" | cut -d' ' -f1)"
  cnb_build
  assertCapturedError 1 "The Apache bundle holds an unsafe entry"
  assertFalse "no layer" "[ -e '$CNB_LAYERS/apache' ]"
  assertFalse "nothing escaped" "[ -e '$CNB_ROOT/layers/escaped.txt' ] || [ -e '$CNB_LAYERS/escaped.txt' ]"
}

testDefaultBundleServesABuildWithNoConfigVars() {
  local bp
  bp=$(buildpack_with_default "$STACK")
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  cnb_build "$bp"
  assertCapturedSuccess
  assertCaptured "chosen by the buildpack's default for $STACK/"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"

  # The classic flow reads the same defaults.
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$BUILD_DIR/"
  capture "$bp/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  assertCapturedSuccess
  assertCaptured "chosen by the buildpack's default for $STACK/"
  assertTrue "installed" "[ -x '$BUILD_DIR/.whiskey/apache/bin/httpd' ]"
}

testNoDefaultForTheStackIsAClearError() {
  local bp
  bp=$(buildpack_with_default heroku-24)
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  cnb_build "$bp"
  assertCapturedError 1 "No Apache bundle is configured"
  assertContains "has no default bundle for $STACK/" "$(cat "$STD_ERR")"
  assertContains "Its defaults are:" "$(cat "$STD_ERR")"
  assertContains "heroku config:set WHISKEY_BUCKET=my-bucket" "$(cat "$STD_ERR")"
  assertFalse "no layer" "[ -e '$CNB_LAYERS/apache' ]"
}

testBuildpackTomlDescribesBothGenerations() {
  local toml="${BUILDPACK_HOME}/buildpack.toml" version
  assertEquals "CNB API" "0.10" "$(cnb_toml_get "$toml" api)"
  assertEquals "id" "whiskey/mod-wsgi" "$(cnb_toml_get "$toml" buildpack.id)"
  assertEquals "the classic registry's name" "$DETECTED_NAME" "$(cnb_toml_get "$toml" buildpack.name)"
  version=$(sed -n 's/^project(mod_wsgi_heroku VERSION \([0-9.]*\).*/\1/p' "${BUILDPACK_HOME}/CMakeLists.txt")
  assertEquals "the version is the project's" "$version" "$(cnb_toml_get "$toml" buildpack.version)"
  assertEquals "a target" "linux" "$(cnb_toml_get "$toml" targets.0.os)"
  assertContains "test/" "$(cnb_toml_get "$toml" publish.Ignore.files)"
}
