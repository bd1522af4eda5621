# shellcheck shell=sh
#
# Helpers for shunit2 suites of a classic buildpack, with the names and the
# behaviour of heroku-buildpack-testrunner's lib/test_utils.sh (the runner's
# bin/run, under shunit2 2.1.6), so that a suite passes or fails the same
# under that runner and under test/run. A suite sources it first thing:
#
#   . "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
#
# Under the runner that line reads the runner's own copy, not this file.
# This is a separate implementation of the same behaviour: every check
# below passes and fails on exactly the inputs the runner's does, including
# where the runner's behaviour is surprising (marked "As the runner"). The
# only differences are in what a failure prints (more context here) and the
# ones listed at the end of this comment. test/support/compare_test_utils
# runs probes of both libraries and prints any result that differs.
#
# POSIX sh: shunit2 runs suites with /bin/sh.
#
# Per test (setUp/tearDown):
#   OUTPUT_DIR                 a fresh folder, mktemp -d "$SHUNIT_TMPDIR/output.XXXX"
#   STD_OUT, STD_ERR           ${OUTPUT_DIR}/stdout, ${OUTPUT_DIR}/stderr
#   BUILD_DIR, CACHE_DIR,      ${OUTPUT_DIR}/build, /cache, /env: empty folders
#   ENV_DIR                    next to the captured output (helpers.sh's
#                              parentState allows for that)
#   beforeSetUp afterSetUp beforeTearDown afterTearDown
#                              hooks; defined here as no-ops, so a suite must
#                              define its own after sourcing this file.
#                              setUp returns afterSetUp's status and tearDown
#                              afterTearDown's (shunit2 2.1.8 stops the suite
#                              when either is non-zero; 2.1.6 ignores it).
#   RETURN and LAST_COMMAND are NOT reset between tests (as the runner).
#   TEST_SUITE_CACHE           a folder for the whole suite (oneTimeSetUp;
#                              a suite that defines oneTimeSetUp has none)
#
# Running things:
#   capture CMD [ARG...]   runs CMD with stdout in STD_OUT and stderr in
#                          STD_ERR; RETURN is its exit code, LAST_COMMAND the
#                          command line. As the runner, the words are
#                          expanded again ($@ unquoted): an argument is split
#                          at blanks, globbed against the working directory
#                          (an empty temporary folder under the runner, the
#                          repository under test/run) and dropped when
#                          empty. Pass such arguments with helpers.sh's
#                          captureExact instead.
#   detect, compile, release
#                          capture ${BUILDPACK_HOME}/bin/detect BUILD_DIR,
#                          .../bin/compile BUILD_DIR CACHE_DIR ENV_DIR,
#                          .../bin/release BUILD_DIR
#
# Assertions on what was captured ([MSG] is an optional message first):
#   assertCapturedSuccess        RETURN is 0 and "$(cat STD_ERR)" is empty
#                                (so a stderr of blank lines passes)
#   assertCapturedError [[CODE] MSG]
#                                As the runner: RETURN is CODE (or, when no
#                                CODE was ever given, greater than 0); STDOUT
#                                (not stderr) contains MSG, and with no MSG
#                                stdout must still hold at least one line;
#                                stderr must be empty. A CODE is remembered
#                                for later calls given MSG alone: always give
#                                CODE. Most commands report errors on stderr,
#                                where this looks for nothing: the suites
#                                check RETURN and use helpers.sh's
#                                assertStderr instead.
#   assertCaptured [MSG] STR     STR is on stdout
#   assertNotCaptured [MSG] STR  STR is not on stdout; fails when nothing was
#                                captured (no STD_OUT file)
#   assertCapturedEquals [MSG] STR, assertCapturedNotEquals [MSG] STR
#                                "$(cat STD_OUT)" is (is not) STR
#   assertAppDetected NAME       assertCapturedSuccess, and stdout is NAME
#   assertNoAppDetected          As the runner: RETURN is exactly 1, stdout is
#                                exactly "no", stderr empty. bin/detect prints
#                                nothing when it does not detect: the suites
#                                use helpers.sh's assertNotDetected.
# Assertions on text and files:
#   assertContains [MSG] NEEDLE HAYSTACK, assertNotContains [MSG] NEEDLE HAYSTACK
#                                NEEDLE first, HAYSTACK second (shunit2
#                                2.1.8's own assertContains, which this
#                                replaces, takes them the other way round;
#                                2.1.6 has none). HAYSTACK is printed with
#                                echo, as the runner does: under dash, echo
#                                turns backslash escapes into characters.
#   assertFileContains [MSG] NEEDLE FILE, assertFileNotContains [MSG] NEEDLE FILE
#                                As the runner, a missing FILE fails both.
#   assertFileMD5 HASH FILE
# (The runner has no assertFileExists or assertFileDoesNotExist, nor does
# either shunit2: helpers.sh defines them.)
#
# NEEDLE is a fixed string (grep -F); with a newline in it, any of its lines
# is enough.
#
# Differences from the runner, none of which can change a result:
#   - a failure also prints the captured command, its exit code and output;
#   - tearDown makes what a test left read-only writable before removing it
#     (the runner's rm -rf would leave it in the temporary folder);
#   - the runner's helpers leave global variables set (msg, needle,
#     haystack, expectation, haystack_type, expectedErrorCode,
#     expectedErrorMsg, expectedAppType, ...); these use _tu_* names. No
#     suite uses any of those names.

# --- set up and tear down ----------------------------------------------------

oneTimeSetUp() {
  TEST_SUITE_CACHE=$(mktemp -d "${SHUNIT_TMPDIR}/test_suite_cache.XXXX")
}

oneTimeTearDown() {
  rm -rf "${TEST_SUITE_CACHE}"
}

# The hooks; a suite defines its own after sourcing this file.
beforeSetUp() { :; }
afterSetUp() { :; }
beforeTearDown() { :; }
afterTearDown() { :; }

setUp() {
  beforeSetUp
  OUTPUT_DIR=$(mktemp -d "${SHUNIT_TMPDIR}/output.XXXX")
  STD_OUT="${OUTPUT_DIR}/stdout"
  STD_ERR="${OUTPUT_DIR}/stderr"
  BUILD_DIR="${OUTPUT_DIR}/build"
  CACHE_DIR="${OUTPUT_DIR}/cache"
  ENV_DIR="${OUTPUT_DIR}/env"
  mkdir -p "${OUTPUT_DIR}" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
  afterSetUp
}

tearDown() {
  beforeTearDown
  if [ -n "${OUTPUT_DIR:-}" ] && [ -d "${OUTPUT_DIR}" ]; then
    chmod -R u+rwx "${OUTPUT_DIR}" 2>/dev/null
    rm -rf "${OUTPUT_DIR}"
  fi
  afterTearDown
}

# --- running the buildpack ---------------------------------------------------

resetCapture() {
  if [ -f "${STD_OUT}" ]; then
    rm "${STD_OUT}"
  fi
  if [ -f "${STD_ERR}" ]; then
    rm "${STD_ERR}"
  fi
  unset LAST_COMMAND RETURN rtrn
}

capture() {
  resetCapture
  LAST_COMMAND="$*"
  # As the runner: the words are split and globbed again.
  # shellcheck disable=SC2068
  $@ >"${STD_OUT}" 2>"${STD_ERR}"
  RETURN=$?
  # shellcheck disable=SC2034 # the older name, for suites that use it
  rtrn=${RETURN}
}

detect() {
  capture "${BUILDPACK_HOME}/bin/detect" "${BUILD_DIR}"
}

compile() {
  capture "${BUILDPACK_HOME}/bin/compile" "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
}

release() {
  capture "${BUILDPACK_HOME}/bin/release" "${BUILD_DIR}"
}

# --- what a failure shows ----------------------------------------------------

_tu_indent() {
  if [ -s "$1" ]; then
    sed 's/^/    | /' "$1"
  else
    echo "    (empty)"
  fi
}

# _tu_show STATUS: when STATUS is non-zero (an assertion just failed),
# prints the last captured command and its output; returns STATUS.
_tu_show() {
  if [ "$1" -ne 0 ]; then
    printf '  command: %s\n  exit code: %s\n  stdout:\n%s\n  stderr:\n%s\n' \
      "${LAST_COMMAND:-(nothing captured)}" "${RETURN:-}" \
      "$(_tu_indent "${STD_OUT:-}")" "$(_tu_indent "${STD_ERR:-}")"
  fi
  return "$1"
}

_tu_escape() {
  sed 's/\\/\\\\/g'
}

# "$(cat FILE)", without cat's complaint when FILE is missing.
_tu_cat() {
  if [ -f "$1" ]; then
    cat "$1"
  fi
}

# --- assertions on what was captured -----------------------------------------

assertCapturedEquals() {
  assertEquals "$@" "$(_tu_cat "${STD_OUT}")"
  _tu_show $?
}

assertCapturedNotEquals() {
  assertNotEquals "$@" "$(_tu_cat "${STD_OUT}")"
  _tu_show $?
}

assertCaptured() {
  assertFileContains "$@" "${STD_OUT}"
  _tu_show $?
}

assertNotCaptured() {
  assertFileNotContains "$@" "${STD_OUT}"
  _tu_show $?
}

# Takes no arguments (the runner ignores any).
assertCapturedSuccess() {
  _tu_ok=0
  assertEquals "expected exit code 0, was <${RETURN:-}>" "0" "${RETURN:-}" || _tu_ok=1
  assertEquals "expected nothing on stderr" "" "$(_tu_cat "${STD_ERR}")" || _tu_ok=1
  _tu_show "${_tu_ok}"
}

# assertCapturedError [[CODE] MSG]: see the header; CODE persists.
assertCapturedError() {
  if [ $# -gt 1 ]; then
    _tu_error_code=$1
    shift
  fi
  _tu_ok=0
  if [ -z "${_tu_error_code:-}" ]; then
    assertTrue "expected an exit code greater than 0, was <${RETURN:-}>" \
      "[ ${RETURN:-x} -gt 0 ]" || _tu_ok=1
  else
    assertTrue "expected exit code <${_tu_error_code}>, was <${RETURN:-}>" \
      "[ ${RETURN:-x} -eq ${_tu_error_code} ]" || _tu_ok=1
  fi
  assertFileContains "expected STD_OUT (not stderr) to contain <${1:-}>" "${1:-}" "${STD_OUT}" ||
    _tu_ok=1
  assertEquals "expected nothing on stderr" "" "$(_tu_cat "${STD_ERR}")" || _tu_ok=1
  _tu_show "${_tu_ok}"
}

assertAppDetected() {
  _tu_name=${1?"assertAppDetected: give the name detect prints"}
  _tu_ok=0
  assertCapturedSuccess || _tu_ok=1
  assertEquals "detect's output" "${_tu_name}" "$(_tu_cat "${STD_OUT}")" || _tu_ok=1
  unset _tu_name
  return "${_tu_ok}"
}

assertNoAppDetected() {
  _tu_ok=0
  assertEquals "detect's exit code" "1" "${RETURN:-}" || _tu_ok=1
  assertEquals "detect's output" "no" "$(_tu_cat "${STD_OUT}")" || _tu_ok=1
  assertEquals "detect's stderr" "" "$(_tu_cat "${STD_ERR}")" || _tu_ok=1
  _tu_show "${_tu_ok}"
}

# --- assertions on text and files --------------------------------------------

# _tu_contains [MSG] NEEDLE HAYSTACK WANT KIND: WANT is grep's status to
# pass with (0: found, 1: not found: a missing file, status 2, passes
# neither); KIND is text or file.
_tu_contains() {
  _tu_msg=
  if [ $# -eq 5 ]; then
    _tu_msg=$1
    shift
  elif [ $# -ne 4 ]; then
    fail "expected 2 or 3 arguments, got $(($# - 2))"
    return 1
  fi
  if [ "$4" = file ]; then
    # As the runner: the file name unquoted.
    # shellcheck disable=SC2086
    grep -q -F -e "$1" $2
  else
    # As the runner: echo, not printf.
    echo "$2" | grep -q -F -e "$1"
  fi
  _tu_got=$?
  if [ "${_tu_got}" = "$3" ]; then
    unset _tu_msg _tu_got
    return 0
  fi
  # The message goes through echo, which may read backslashes as escapes
  # (\c would end it, newline and all): they are doubled.
  if [ "$4" = file ]; then
    if [ -f "$2" ]; then
      _tu_what="file $2, which holds:
$(_tu_indent "$2" | _tu_escape)"
    else
      _tu_what="file $2, which does not exist"
    fi
  else
    _tu_what="<$(printf '%s' "$2" | _tu_escape)>"
  fi
  _tu_needle=$(printf '%s' "$1" | _tu_escape)
  if [ "$3" = 0 ]; then
    fail "${_tu_msg:+${_tu_msg}: }expected <${_tu_needle}> in ${_tu_what}"
  else
    fail "${_tu_msg:+${_tu_msg}: }did not expect <${_tu_needle}> in ${_tu_what}"
  fi
  unset _tu_msg _tu_got _tu_what _tu_needle
  return 1
}

assertContains() {
  _tu_contains "$@" 0 text
}

assertNotContains() {
  _tu_contains "$@" 1 text
}

assertFileContains() {
  _tu_contains "$@" 0 file
}

assertFileNotContains() {
  _tu_contains "$@" 1 file
}

command_exists() {
  type "$1" >/dev/null 2>&1
}

assertFileMD5() {
  if command_exists md5sum; then
    # shellcheck disable=SC2086
    assertEquals "$1  $2" "$(md5sum $2)"
  elif command_exists md5; then
    # shellcheck disable=SC2086
    assertEquals "MD5 ($2) = $1" "$(md5 $2)"
  else
    fail "no md5sum or md5 command to check $2 with"
  fi
}
