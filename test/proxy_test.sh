#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# Downloads through a proxy: bin/compile with http_proxy, HTTPS_PROXY or
# no_proxy in its environment (libcurl reads them there, not in the config
# vars), against test/support/proxy.py and the fault server on 127.0.0.1.
# The bundle's host is bundles.invalid, which only the proxy can reach, so a
# build that installs went through it; the proxy's log shows the request.
# Also: no_proxy goes around the proxy, credentials in the proxy URL are
# sent and never printed, a wrong password or a proxy that is down fails the
# build in time and leaves nothing behind.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"
# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/servers.sh
. "${BUILDPACK_HOME}/test/support/servers.sh"

# helpers.sh unsets the proxy variables; the ones that bypass proxies go
# too, so that only what a test sets counts.
unset no_proxy NO_PROXY

PROXY_USER=build-agent
PROXY_PASSWORD=pr0xy-s3cret

oneTimeSetUp() {
  WORK="${SHUNIT_TMPDIR}/proxy"
  mkdir -p "$WORK/plain" "$WORK/tls" "$WORK/open" "$WORK/auth"
  test_certificates "$WORK/tls" bundles.invalid DNS:bundles.invalid,IP:127.0.0.1 || return 1
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" good "$WORK/good.tar.gz" || return 1
  GOOD_SHA=$(sha256sum <"$WORK/good.tar.gz" | cut -d' ' -f1)
  fault_server_start "$WORK/good.tar.gz" "$WORK/plain" || return 1
  PLAIN_PID=$FAULT_PID PLAIN_PORT=$FAULT_PORT
  fault_server_start "$WORK/good.tar.gz" "$WORK/tls" --tls "$WORK/tls/server.pem" \
    "$WORK/tls/server.key" || return 1
  TLS_PID=$FAULT_PID TLS_PORT=$FAULT_PORT
  proxyStart "$WORK/open" || return 1
  OPEN_PID=$PROXY_PID OPEN_PORT=$PROXY_PORT OPEN_LOG=$PROXY_LOG
  proxyStart "$WORK/auth" --require-auth "$PROXY_USER:$PROXY_PASSWORD" || return 1
  AUTH_PID=$PROXY_PID AUTH_PORT=$PROXY_PORT AUTH_LOG=$PROXY_LOG
  if [ -f "${BUILDPACK_HOME}/export" ]; then mv "${BUILDPACK_HOME}/export" "$WORK/export.saved"; fi
}

oneTimeTearDown() {
  local pid
  for pid in "$PLAIN_PID" "$TLS_PID" "$OPEN_PID" "$AUTH_PID"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "$WORK/export.saved" ]; then mv "$WORK/export.saved" "${BUILDPACK_HOME}/export"; fi
}

afterSetUp() {
  useFixture requirements_mod_wsgi
  setConfig WHISKEY_SHA256 "$GOOD_SHA"
  # Plain http is refused but for loopback addresses, which bundles.invalid
  # is not, as far as the build knows.
  setConfig WHISKEY_ALLOW_HTTP 1
  : >"$OPEN_LOG"
  : >"$AUTH_LOG"
}

# proxyStart DIR [--require-auth USER:PASSWORD]: starts test/support/proxy.py
# (its port file and logs in DIR) and waits until it has a port. Sets
# PROXY_PID, PROXY_PORT and PROXY_LOG (its log of requests).
proxyStart() {
  local dir=$1 i
  shift
  PROXY_LOG="$dir/requests.log"
  python3 "${BUILDPACK_HOME}/test/support/proxy.py" "$dir/port" "$PROXY_LOG" "$@" \
    >"$dir/proxy.log" 2>&1 &
  PROXY_PID=$!
  for ((i = 0; i < 50; i++)); do
    [ -s "$dir/port" ] && break
    sleep 0.1
  done
  PROXY_PORT=$(cat "$dir/port" 2>/dev/null)
  [ -n "$PROXY_PORT" ] || { cat "$dir/proxy.log" >&2; return 1; }
}

# compileWith NAME=VALUE...: compile with these variables in bin/compile's
# environment (where libcurl looks for proxies), unset again afterwards.
# ELAPSED is how long it took, in whole seconds.
compileWith() {
  local assignment start=$SECONDS
  for assignment in "$@"; do export "${assignment?}"; done
  compile
  for assignment in "$@"; do unset "${assignment%%=*}"; done
  ELAPSED=$((SECONDS - start))
}

# requestsTo PORT PATH: how many requests the fault server on PORT had for
# PATH, asked directly (never through a proxy).
requestsTo() {
  local scheme=http
  [ "$1" = "$TLS_PORT" ] && scheme=https
  curl -s --noproxy '*' --cacert "$WORK/tls/ca.pem" "$scheme://127.0.0.1:$1/_count?path=$2" |
    head -n 1
}

# assertInstalled: the build succeeded, installed the bundle it verified, and
# left no staging folder.
assertInstalled() {
  assertCapturedSuccess
  assertCaptured "Verified sha256:$GOOD_SHA"
  assertFileExists "$BUILD_DIR/.whiskey/apache/bin/httpd"
  assertNoStaging
}

# assertProxyLog LOG EXPECTED: the proxy's log of requests is EXPECTED
# (lines, in order).
assertProxyLog() {
  assertEquals "the proxy's log of requests" "$2" "$(cat "$1")"
}

testWithoutAProxyTheBundleHostCannotBeReached() {
  setConfig WHISKEY_URL "http://bundles.invalid:$PLAIN_PORT/alone/a.tar.gz"
  setConfig WHISKEY_DOWNLOAD_ATTEMPTS 1
  compileWith
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertStderr "resolve"
  assertEquals 0 "$(requestsTo "$PLAIN_PORT" /alone/a.tar.gz)"
}

testHttpGoesThroughHttpProxy() {
  setConfig WHISKEY_URL "http://bundles.invalid:$PLAIN_PORT/http/a.tar.gz"
  compileWith http_proxy="http://127.0.0.1:$OPEN_PORT"
  assertInstalled
  assertProxyLog "$OPEN_LOG" "GET http://bundles.invalid:$PLAIN_PORT/http/a.tar.gz"
  assertEquals 1 "$(requestsTo "$PLAIN_PORT" /http/a.tar.gz)"
}

testUppercaseHttpProxyIsNotRead() {
  # libcurl reads only the lowercase name for http (an HTTP_PROXY request
  # header reaches CGI programs as HTTP_PROXY).
  setConfig WHISKEY_URL "http://127.0.0.1:$PLAIN_PORT/upper/a.tar.gz"
  compileWith HTTP_PROXY="http://127.0.0.1:$OPEN_PORT"
  assertInstalled
  assertProxyLog "$OPEN_LOG" ""
  assertEquals 1 "$(requestsTo "$PLAIN_PORT" /upper/a.tar.gz)"
}

testHttpsGoesThroughAConnectTunnel() {
  setConfig WHISKEY_URL "https://bundles.invalid:$TLS_PORT/tunnel/a.tar.gz"
  setConfig CURL_CA_BUNDLE "$WORK/tls/ca.pem"
  compileWith HTTPS_PROXY="http://127.0.0.1:$OPEN_PORT"
  assertInstalled
  # The proxy sees where the tunnel goes, not the request inside it.
  assertProxyLog "$OPEN_LOG" "CONNECT bundles.invalid:$TLS_PORT"
  assertEquals 1 "$(requestsTo "$TLS_PORT" /tunnel/a.tar.gz)"
}

testHttpProxyIsNotUsedForHttps() {
  setConfig WHISKEY_URL "https://127.0.0.1:$TLS_PORT/notunnel/a.tar.gz"
  setConfig CURL_CA_BUNDLE "$WORK/tls/ca.pem"
  compileWith http_proxy="http://127.0.0.1:$OPEN_PORT"
  assertInstalled
  assertProxyLog "$OPEN_LOG" ""
}

testLoopbackGoesThroughTheProxyToo() {
  # Without no_proxy, 127.0.0.1 is not special: the next test's bypass is
  # no_proxy's doing.
  setConfig WHISKEY_URL "http://127.0.0.1:$PLAIN_PORT/loopback/a.tar.gz"
  compileWith http_proxy="http://127.0.0.1:$OPEN_PORT"
  assertInstalled
  assertProxyLog "$OPEN_LOG" "GET http://127.0.0.1:$PLAIN_PORT/loopback/a.tar.gz"
}

testNoProxyNamingTheHostBypassesTheProxy() {
  setConfig WHISKEY_URL "http://127.0.0.1:$PLAIN_PORT/direct/a.tar.gz"
  compileWith http_proxy="http://127.0.0.1:$OPEN_PORT" no_proxy="example.com,127.0.0.1"
  assertInstalled
  assertProxyLog "$OPEN_LOG" ""
  assertEquals 1 "$(requestsTo "$PLAIN_PORT" /direct/a.tar.gz)"
}

testNoProxyBypassesTheTunnelToo() {
  setConfig WHISKEY_URL "https://127.0.0.1:$TLS_PORT/directtls/a.tar.gz"
  setConfig CURL_CA_BUNDLE "$WORK/tls/ca.pem"
  compileWith HTTPS_PROXY="http://127.0.0.1:$OPEN_PORT" NO_PROXY="127.0.0.1"
  assertInstalled
  assertProxyLog "$OPEN_LOG" ""
}

testCredentialsInTheProxyUrlAreSentNotPrinted() {
  setConfig WHISKEY_URL "http://bundles.invalid:$PLAIN_PORT/auth/a.tar.gz"
  compileWith http_proxy="http://$PROXY_USER:$PROXY_PASSWORD@127.0.0.1:$AUTH_PORT"
  assertInstalled
  assertProxyLog "$AUTH_LOG" "GET http://bundles.invalid:$PLAIN_PORT/auth/a.tar.gz"
  assertNotOutput "$PROXY_PASSWORD"
  assertFalse "the password is in no file the build wrote" \
    "grep -r -q -F -e '$PROXY_PASSWORD' '$BUILD_DIR' '$CACHE_DIR' '${BUILDPACK_HOME}/export'"
}

testCredentialsOpenTheTunnelToo() {
  setConfig WHISKEY_URL "https://bundles.invalid:$TLS_PORT/authtls/a.tar.gz"
  setConfig CURL_CA_BUNDLE "$WORK/tls/ca.pem"
  compileWith HTTPS_PROXY="http://$PROXY_USER:$PROXY_PASSWORD@127.0.0.1:$AUTH_PORT"
  assertInstalled
  assertProxyLog "$AUTH_LOG" "CONNECT bundles.invalid:$TLS_PORT"
  assertNotOutput "$PROXY_PASSWORD"
}

testAWrongProxyPasswordFailsTheBuild() {
  setConfig WHISKEY_URL "http://bundles.invalid:$PLAIN_PORT/wrong/a.tar.gz"
  compileWith http_proxy="http://$PROXY_USER:not-$PROXY_PASSWORD@127.0.0.1:$AUTH_PORT"
  assertBuildFailed "The proxy refused the build"
  assertStderr "407 Proxy Authentication Required"
  assertNotCaptured "trying again"
  assertNotOutput "not-$PROXY_PASSWORD"
  assertProxyLog "$AUTH_LOG" "GET http://bundles.invalid:$PLAIN_PORT/wrong/a.tar.gz 407"
  assertEquals 0 "$(requestsTo "$PLAIN_PORT" /wrong/a.tar.gz)"
}

testAWrongProxyPasswordFailsTheTunnel() {
  setConfig WHISKEY_URL "https://bundles.invalid:$TLS_PORT/wrongtls/a.tar.gz"
  setConfig CURL_CA_BUNDLE "$WORK/tls/ca.pem"
  # libcurl reports a refused CONNECT as a failed connection; it is not
  # tried again all the same.
  compileWith HTTPS_PROXY="http://$PROXY_USER:not-$PROXY_PASSWORD@127.0.0.1:$AUTH_PORT"
  assertBuildFailed "The proxy refused the build"
  assertStderr "407"
  assertNotCaptured "trying again"
  assertNotOutput "not-$PROXY_PASSWORD"
  assertFileContains "CONNECT bundles.invalid:$TLS_PORT 407" "$AUTH_LOG"
  assertEquals 0 "$(requestsTo "$TLS_PORT" /wrongtls/a.tar.gz)"
}

testAProxyUrlLibcurlCannotUseIsNotPrinted() {
  # libcurl quotes such a URL whole in its error ("Unsupported proxy syntax
  # in '...'"), password and all; the build shows it without the password.
  setConfig WHISKEY_URL "http://bundles.invalid:$PLAIN_PORT/unusable/a.tar.gz"
  compileWith http_proxy="http://$PROXY_USER:$PROXY_PASSWORD@127.0.0.1:99999"
  assertBuildFailed "The Apache bundle could not be downloaded through the proxy"
  assertStderr "Check the proxy URL in http_proxy or HTTPS_PROXY"
  assertStderr "http://127.0.0.1:99999"
  assertNotCaptured "trying again"
  assertNotOutput "$PROXY_PASSWORD"
  assertNotOutput "$PROXY_USER"
}

testAProxyThatIsDownFailsInTime() {
  local closed
  closed=$(closedPort)
  setConfig WHISKEY_URL "http://bundles.invalid:$PLAIN_PORT/down/a.tar.gz"
  setConfig WHISKEY_DOWNLOAD_ATTEMPTS 2
  compileWith http_proxy="http://$PROXY_USER:$PROXY_PASSWORD@127.0.0.1:$closed"
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertStderr "Couldn't connect"
  assertCaptured "trying again in 1 s (attempt 2 of 2)"
  assertNotOutput "$PROXY_PASSWORD"
  # Two refused connections and one backoff of 1 s.
  assertTrue "gave up in time (took ${ELAPSED} s)" "[ $ELAPSED -lt 10 ]"
}
