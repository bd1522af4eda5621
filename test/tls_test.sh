#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# HTTPS with a private CA: a TLS server on 127.0.0.1 whose certificate a CA
# made by the test signs. Certificates are always verified: without the CA
# the build stops (and does not retry); with CURL_CA_BUNDLE or SSL_CERT_FILE
# naming it, the bundle installs.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"
# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/servers.sh
. "${BUILDPACK_HOME}/test/support/servers.sh"

oneTimeSetUp() {
  TLS="${SHUNIT_TMPDIR}/tls"
  test_certificates "$TLS" 127.0.0.1 IP:127.0.0.1 || return 1
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" good "$TLS/good.tar.gz" || return 1
  GOOD_SHA=$(sha256sum <"$TLS/good.tar.gz" | cut -d' ' -f1)
  fault_server_start "$TLS/good.tar.gz" "$TLS" --tls "$TLS/server.pem" "$TLS/server.key" || return 1
  TLS_PID=$FAULT_PID
  TLS_URL="https://127.0.0.1:$FAULT_PORT/a.tar.gz"
  if [ -f "${BUILDPACK_HOME}/export" ]; then mv "${BUILDPACK_HOME}/export" "$TLS/export.saved"; fi
}

oneTimeTearDown() {
  kill "$TLS_PID" 2>/dev/null
  wait "$TLS_PID" 2>/dev/null
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "$TLS/export.saved" ]; then mv "$TLS/export.saved" "${BUILDPACK_HOME}/export"; fi
}

afterSetUp() {
  useFixture requirements_mod_wsgi
  printf %s "$TLS_URL" >"$ENV_DIR/WHISKEY_URL"
  printf %s "$GOOD_SHA" >"$ENV_DIR/WHISKEY_SHA256"
}

testAnUnknownCaIsRefusedAndNotRetried() {
  local start=$SECONDS
  compile
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertStderr "certificate"
  assertNotCaptured "trying again"
  assertTrue "refused at once" "[ $((SECONDS - start)) -lt 5 ]"
}

testCurlCaBundleNamesThePrivateCa() {
  printf %s "$TLS/ca.pem" >"$ENV_DIR/CURL_CA_BUNDLE"
  compile
  assertCapturedSuccess
  assertCaptured "Verified sha256:$GOOD_SHA"
}

testSslCertFileNamesThePrivateCa() {
  printf %s "$TLS/ca.pem" >"$ENV_DIR/SSL_CERT_FILE"
  compile
  assertCapturedSuccess
  assertCaptured "Verified sha256:$GOOD_SHA"
}

testTheCaDoesNotVouchForAnotherName() {
  # The certificate names 127.0.0.1 only; localhost reaches the same server.
  printf %s "$TLS/ca.pem" >"$ENV_DIR/CURL_CA_BUNDLE"
  printf %s "https://localhost:$FAULT_PORT/a.tar.gz" >"$ENV_DIR/WHISKEY_URL"
  compile
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertStderr "certificate"
  assertNotCaptured "trying again"
}
