# shellcheck shell=sh
#
# What the suites share, on top of the test runner's lib/test_utils.sh. Only
# the parts of that library that every version of it has are used here, so
# the suites run under heroku-buildpack-testrunner as well as under test/run.
# Source it after test_utils.sh:
#
#   . "${BUILDPACK_HOME}/test/support/helpers.sh"
#
# POSIX sh.

# shellcheck disable=SC2034 # for the suites
DETECTED_NAME="Apache/mod_wsgi"
FIXTURES_DIR="${BUILDPACK_HOME}/test/fixtures"

# The build sees only the config a test gives it (in ENV_DIR, as Heroku
# writes it), on a stack this buildpack supports. WHISKEY_TEST_CACHE is the
# tests' own (where the Debian roots are kept), not the buildpack's config.
for _var in $(env | sed -n 's/^\(WHISKEY_[A-Za-z0-9_]*\)=.*/\1/p'); do
  [ "${_var}" = WHISKEY_TEST_CACHE ] || unset "${_var}"
done
unset _var AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN CURL_CA_BUNDLE SSL_CERT_FILE
STACK=heroku-24
export STACK
# The builds reach only servers on this machine, never through a proxy.
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY

# A plain "Ran N tests." and "OK" or "FAILED (failures=N)" summary, for
# runners that read it (shunit2 reads this after sourcing the suite).
# shellcheck disable=SC2034
SHUNIT_COLOR=none

# The buildpack's helper (for the publisher), built as bin/compile builds it
# when missing or older than the sources; prints its path.
buildpackHelper() {
  (
    # shellcheck source=bin/support/helper.sh
    . "${BUILDPACK_HOME}/bin/support/helper.sh"
    whiskey_helper 3>/dev/null
  )
}

# needsRoot SUITE: whether this runs as root, as a suite that uses chroot
# needs; says so on stderr when not.
needsRoot() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1: needs root (chroot)" >&2
    return 1
  fi
}

# useFixture NAME: copies test/fixtures/NAME into BUILD_DIR.
useFixture() {
  if [ ! -d "${FIXTURES_DIR}/$1" ]; then
    fail "no fixture named $1"
    return 1
  fi
  cp -R "${FIXTURES_DIR}/$1/." "${BUILD_DIR}/"
}

# setConfig NAME VALUE: a config var, written into ENV_DIR as Heroku does
# (one file per variable, no trailing newline).
setConfig() {
  mkdir -p "${ENV_DIR}"
  printf '%s' "$2" >"${ENV_DIR}/$1"
}

# A TCP port on 127.0.0.1 that nothing listens on.
closedPort() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# captureExact CMD [ARG...]: capture, with every argument passed as it is.
# The runner's capture expands its words again ($@ unquoted): an argument
# with a blank in it is split, one with * ? or [ is globbed, an empty one
# dropped (test_utils.sh does the same, to fail the same way). This hands
# capture a single word, a function that runs the command line quoted.
captureExact() {
  _ce_line=
  for _ce_arg in "$@"; do
    # Quoted for eval: each ' becomes '\'' inside '...' (the x keeps a
    # trailing newline from the command substitution).
    _ce_arg=$(printf '%sx' "${_ce_arg}" | sed "s/'/'\\\\''/g")
    _ce_line="${_ce_line} '${_ce_arg%x}'"
  done
  unset _ce_arg
  capture _captureExactRun
  LAST_COMMAND=${_ce_line# }
}

_captureExactRun() {
  eval "${_ce_line}"
}

# The last captured command and its output, for failure messages.
capturedOutput() {
  printf '\n  command: %s\n  exit code: %s\n  stdout:\n' "${LAST_COMMAND:-}" "${RETURN:-}"
  if [ -s "${STD_OUT}" ]; then sed 's/^/    | /' "${STD_OUT}"; else echo "    (empty)"; fi
  echo "  stderr:"
  if [ -s "${STD_ERR}" ]; then sed 's/^/    | /' "${STD_ERR}"; else echo "    (empty)"; fi
}

# _check MESSAGE COMMAND...: fails with MESSAGE and the captured output
# unless COMMAND succeeds.
_check() {
  _check_msg=$1
  shift
  if ! "$@"; then
    fail "${_check_msg}$(capturedOutput)"
  fi
  unset _check_msg
}

_exited_nonzero() {
  [ -n "${RETURN:-}" ] && [ "${RETURN}" != 0 ]
}

_has() {
  [ -f "$2" ] && grep -q -F -e "$1" "$2"
}

_lacks() {
  ! _has "$@"
}

# assertNotDetected: after detect, the app is not ours: a non-zero exit and
# nothing on stdout or stderr.
assertNotDetected() {
  _check "expected detect to exit non-zero, was <${RETURN:-}>" _exited_nonzero
  _check "expected nothing on stdout" test ! -s "${STD_OUT}"
  _check "expected nothing on stderr" test ! -s "${STD_ERR}"
}

# assertStderr STR / assertNotStderr STR / assertNotOutput STR (neither
# stdout nor stderr).
assertStderr() {
  _check "expected stderr to contain <$1>" _has "$1" "${STD_ERR}"
}

assertNotStderr() {
  _check "did not expect stderr to contain <$1>" _lacks "$1" "${STD_ERR}"
}

assertNotOutput() {
  _check "did not expect stdout to contain <$1>" _lacks "$1" "${STD_OUT}"
  _check "did not expect stderr to contain <$1>" _lacks "$1" "${STD_ERR}"
}

# assertNoStaging: no staging folder (.whiskey.partial-*) is left in BUILD_DIR.
assertNoStaging() {
  _staging=$(find "${BUILD_DIR}" -maxdepth 1 -name '.whiskey.partial-*' -print)
  _check "expected no staging folder in BUILD_DIR, found: ${_staging}" test -z "${_staging}"
  unset _staging
}

# assertBuildRefused HEADLINE: compile failed with the error HEADLINE on
# stderr (and no error on stdout), and wrote neither the environment nor a
# staging folder.
assertBuildRefused() {
  _check "expected compile to exit non-zero, was <${RETURN:-}>" _exited_nonzero
  _check "expected the error <$1> on stderr" _has " !     Error: $1" "${STD_ERR}"
  _check "expected no error on stdout" _lacks "Error:" "${STD_OUT}"
  _check "expected no environment to be written" test ! -e "${BUILD_DIR}/.profile.d/whiskey.sh"
  assertNoStaging
}

# assertBuildFailed HEADLINE: the same, for an app without a .whiskey: it
# still has none.
assertBuildFailed() {
  assertBuildRefused "$1"
  _check "expected no .whiskey in BUILD_DIR" test ! -e "${BUILD_DIR}/.whiskey"
}

# treeState DIR: every entry under DIR with its type, mode, size (but for
# folders, whose size varies by file system), link target and (for files)
# SHA-256, to tell whether anything changed.
treeState() {
  (
    cd "$1" || exit 1
    {
      find . -type d -exec stat -c '%n %F %a' {} +
      find . ! -type d -exec stat -c '%n %F %a %s %N' {} +
    } | sort
    find . -type f -exec sha256sum {} + | sort
  )
}

# Names in the folder that holds BUILD_DIR, but for the captured output
# files should they live there.
parentState() {
  find "$(dirname "${BUILD_DIR}")" -mindepth 1 -maxdepth 1 \
    ! -name "$(basename "${STD_OUT}")" ! -name "$(basename "${STD_ERR}")" -print | sort
}

# assertFileExists [MSG] FILE / assertFileDoesNotExist [MSG] FILE. Neither
# shunit2 (2.1.6 or 2.1.8) nor the test runner's library has them.
assertFileExists() {
  if [ $# -gt 1 ]; then set -- "$1: " "$2"; else set -- "" "$1"; fi
  if [ ! -e "$2" ] && [ ! -L "$2" ]; then fail "$1expected $2 to exist"; fi
}

assertFileDoesNotExist() {
  if [ $# -gt 1 ]; then set -- "$1: " "$2"; else set -- "" "$1"; fi
  if [ -e "$2" ] || [ -L "$2" ]; then fail "$1did not expect $2 to exist"; fi
}
