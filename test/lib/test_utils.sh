# shellcheck shell=sh
#
# Helpers for shunit2 suites of a classic buildpack, with the names and the
# behaviour of heroku-buildpack-testrunner's lib/test_utils.sh, so a suite
# runs the same under that runner and under this one. A suite sources it
# first thing:
#
#   . "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
#
# POSIX sh: shunit2 runs suites with /bin/sh.
#
# Per test (setUp/tearDown):
#   BUILD_DIR, CACHE_DIR, ENV_DIR   fresh empty folders (mktemp -d under
#                                   SHUNIT_TMPDIR, else TMPDIR, else /tmp)
#   OUTPUT_DIR                      holds the captured output:
#   STD_OUT, STD_ERR                ${OUTPUT_DIR}/stdout, ${OUTPUT_DIR}/stderr
#   beforeSetUp afterSetUp beforeTearDown afterTearDown
#                                   hooks, called when the suite defines them
#
# Running things:
#   capture CMD [ARG...]   runs CMD with stdout in STD_OUT and stderr in
#                          STD_ERR; RETURN is its exit code, LAST_COMMAND the
#                          command line
#   detect                 capture ${BUILDPACK_HOME}/bin/detect BUILD_DIR
#   compile                capture ${BUILDPACK_HOME}/bin/compile BUILD_DIR
#                                  CACHE_DIR ENV_DIR
#   release                capture ${BUILDPACK_HOME}/bin/release BUILD_DIR
#
# Assertions on what was captured (each takes an optional message first):
#   assertCapturedSuccess             exit code 0 and nothing on stderr
#   assertCapturedError [CODE] [MSG]  exit code CODE (default: any non-zero);
#                                     MSG, when given, is on stderr
#   assertCaptured STR                STR is on stdout
#   assertNotCaptured STR             STR is not on stdout
#   assertCapturedEquals STR          stdout is STR (trailing newlines aside)
#   assertCapturedNotEquals STR       stdout is not STR
#   assertAppDetected NAME            after detect: success, stdout is NAME
#   assertNoAppDetected               after detect: non-zero exit, nothing on
#                                     stdout or stderr
# Assertions on text and files:
#   assertContains STR TEXT, assertNotContains STR TEXT
#   assertFileContains STR FILE, assertFileNotContains STR FILE
#   assertFileExists FILE, assertFileDoesNotExist FILE
#   assertFileMD5 HASH FILE
#
# Every failure message of the capture assertions ends with the command, its
# exit code and what it printed on stdout and stderr.

# --- set up and tear down ----------------------------------------------------

_tu_tmpdir() {
  mktemp -d "${SHUNIT_TMPDIR:-${TMPDIR:-/tmp}}/$1.XXXXXX"
}

# Calls the hook $1 when the suite defines it.
_tu_hook() {
  if command -v "$1" >/dev/null 2>&1; then
    "$1"
  fi
}

oneTimeSetUp() {
  TEST_SUITE_CACHE=$(_tu_tmpdir suite_cache)
}

oneTimeTearDown() {
  if [ -n "${TEST_SUITE_CACHE:-}" ]; then
    rm -rf "${TEST_SUITE_CACHE}"
  fi
}

setUp() {
  _tu_hook beforeSetUp
  OUTPUT_DIR=$(_tu_tmpdir output)
  STD_OUT="${OUTPUT_DIR}/stdout"
  STD_ERR="${OUTPUT_DIR}/stderr"
  BUILD_DIR=$(_tu_tmpdir build)
  CACHE_DIR=$(_tu_tmpdir cache)
  ENV_DIR=$(_tu_tmpdir env)
  resetCapture
  _tu_hook afterSetUp
}

tearDown() {
  _tu_hook beforeTearDown
  for _tu_dir in "${OUTPUT_DIR:-}" "${BUILD_DIR:-}" "${CACHE_DIR:-}" "${ENV_DIR:-}"; do
    if [ -n "${_tu_dir}" ] && [ -d "${_tu_dir}" ]; then
      # A test may leave read-only folders behind.
      chmod -R u+rwx "${_tu_dir}" 2>/dev/null
      rm -rf "${_tu_dir}"
    fi
  done
  unset _tu_dir
  _tu_hook afterTearDown
}

# --- running the buildpack ---------------------------------------------------

resetCapture() {
  if [ -n "${STD_OUT:-}" ]; then
    rm -f "${STD_OUT}"
  fi
  if [ -n "${STD_ERR:-}" ]; then
    rm -f "${STD_ERR}"
  fi
  unset LAST_COMMAND RETURN rtrn
}

capture() {
  resetCapture
  LAST_COMMAND="$*"
  "$@" >"${STD_OUT}" 2>"${STD_ERR}"
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

# --- assertions on what was captured -----------------------------------------

# The last captured command and its output, to end a failure message with.
_tu_captured() {
  printf '\n  command: %s\n  exit code: %s\n  stdout:\n%s\n  stderr:\n%s\n' \
    "${LAST_COMMAND:-(nothing captured)}" "${RETURN:-}" \
    "$(_tu_indent "${STD_OUT:-}")" "$(_tu_indent "${STD_ERR:-}")"
}

_tu_indent() {
  if [ -s "$1" ]; then
    sed 's/^/    | /' "$1"
  else
    echo "    (empty)"
  fi
}

_tu_read() {
  if [ -f "$1" ]; then
    cat "$1"
  fi
}

# _tu_fail_unless MESSAGE COMMAND...: passes when COMMAND succeeds, else
# fails with MESSAGE and the captured output.
_tu_fail_unless() {
  _tu_msg=$1
  shift
  if "$@"; then
    assertTrue true
  else
    fail "${_tu_msg}$(_tu_captured)"
  fi
  unset _tu_msg
}

_tu_is_int() {
  case "$1" in
    '' | *[!0-9]*) return 1 ;;
    *) return 0 ;;
  esac
}

_tu_return_is() {
  _tu_is_int "${RETURN:-}" && [ "${RETURN}" -eq "$1" ]
}

_tu_return_nonzero() {
  _tu_is_int "${RETURN:-}" && [ "${RETURN}" -ne 0 ]
}

_tu_empty() {
  [ ! -s "$1" ]
}

_tu_grep() {
  [ -f "$2" ] && grep -q -F -e "$1" "$2"
}

_tu_not_grep() {
  ! _tu_grep "$@"
}

assertCapturedSuccess() {
  _tu_fail_unless "${1:+$1: }expected exit code 0, was <${RETURN:-}>" _tu_return_is 0
  _tu_fail_unless "${1:+$1: }expected nothing on stderr" _tu_empty "${STD_ERR}"
}

# assertCapturedError [[CODE] MESSAGE]
assertCapturedError() {
  _tu_code=
  if [ $# -gt 1 ]; then
    _tu_code=$1
    shift
  fi
  _tu_expected=${1:-}
  if [ -n "${_tu_code}" ]; then
    _tu_fail_unless "expected exit code ${_tu_code}, was <${RETURN:-}>" _tu_return_is "${_tu_code}"
  else
    _tu_fail_unless "expected a non-zero exit code, was <${RETURN:-}>" _tu_return_nonzero
  fi
  if [ -n "${_tu_expected}" ]; then
    _tu_fail_unless "expected stderr to contain <${_tu_expected}>" _tu_grep "${_tu_expected}" "${STD_ERR}"
  fi
  unset _tu_code _tu_expected
}

assertCaptured() {
  if [ $# -gt 1 ]; then
    _tu_fail_unless "$1: expected stdout to contain <$2>" _tu_grep "$2" "${STD_OUT}"
  else
    _tu_fail_unless "expected stdout to contain <$1>" _tu_grep "$1" "${STD_OUT}"
  fi
}

assertNotCaptured() {
  if [ $# -gt 1 ]; then
    _tu_fail_unless "$1: did not expect stdout to contain <$2>" _tu_not_grep "$2" "${STD_OUT}"
  else
    _tu_fail_unless "did not expect stdout to contain <$1>" _tu_not_grep "$1" "${STD_OUT}"
  fi
}

_tu_stdout_is() {
  [ "$(_tu_read "${STD_OUT}")" = "$1" ]
}

_tu_stdout_is_not() {
  ! _tu_stdout_is "$1"
}

assertCapturedEquals() {
  if [ $# -gt 1 ]; then
    _tu_fail_unless "$1: expected stdout to be <$2>" _tu_stdout_is "$2"
  else
    _tu_fail_unless "expected stdout to be <$1>" _tu_stdout_is "$1"
  fi
}

assertCapturedNotEquals() {
  if [ $# -gt 1 ]; then
    _tu_fail_unless "$1: did not expect stdout to be <$2>" _tu_stdout_is_not "$2"
  else
    _tu_fail_unless "did not expect stdout to be <$1>" _tu_stdout_is_not "$1"
  fi
}

assertAppDetected() {
  _tu_name=${1:?"assertAppDetected: give the name detect prints"}
  assertCapturedSuccess "detect"
  _tu_fail_unless "expected detect to print <${_tu_name}>" _tu_stdout_is "${_tu_name}"
  unset _tu_name
}

assertNoAppDetected() {
  _tu_fail_unless "expected detect to exit non-zero, was <${RETURN:-}>" _tu_return_nonzero
  _tu_fail_unless "expected detect to print nothing on stdout" _tu_empty "${STD_OUT}"
  _tu_fail_unless "expected detect to print nothing on stderr" _tu_empty "${STD_ERR}"
}

# --- assertions on text and files --------------------------------------------

# _tu_contains [MESSAGE] NEEDLE HAYSTACK WANT KIND: WANT is 0 for "contains",
# 1 for "does not contain"; KIND is text or file.
_tu_contains() {
  _tu_msg=
  if [ $# -eq 5 ]; then
    _tu_msg=$1
    shift
  elif [ $# -ne 4 ]; then
    fail "expected 2 or 3 arguments, got $(($# - 2))"
    return
  fi
  if [ "$4" = file ]; then
    [ -f "$2" ] && grep -q -F -e "$1" "$2"
  else
    printf '%s\n' "$2" | grep -q -F -e "$1"
  fi
  _tu_got=$?
  [ "${_tu_got}" -gt 1 ] && _tu_got=1
  if [ "${_tu_got}" -eq "$3" ]; then
    assertTrue true
  else
    if [ "$4" = file ]; then
      if [ -f "$2" ]; then
        _tu_what="file $2, which holds:
$(_tu_indent "$2")
"
      else
        _tu_what="file $2, which does not exist
"
      fi
    else
      _tu_what="<$2>"
    fi
    if [ "$3" -eq 0 ]; then
      fail "${_tu_msg:+${_tu_msg}: }expected <$1> in ${_tu_what}"
    else
      fail "${_tu_msg:+${_tu_msg}: }did not expect <$1> in ${_tu_what}"
    fi
  fi
  unset _tu_msg _tu_got _tu_what
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

assertFileExists() {
  if [ $# -gt 1 ]; then
    _tu_file_exists "$1: " "$2"
  else
    _tu_file_exists "" "$1"
  fi
}

_tu_file_exists() {
  if [ -e "$2" ] || [ -L "$2" ]; then
    assertTrue true
  else
    fail "$1expected $2 to exist"
  fi
}

assertFileDoesNotExist() {
  if [ $# -gt 1 ]; then
    _tu_file_does_not_exist "$1: " "$2"
  else
    _tu_file_does_not_exist "" "$1"
  fi
}

_tu_file_does_not_exist() {
  if [ -e "$2" ] || [ -L "$2" ]; then
    fail "$1did not expect $2 to exist"
  else
    assertTrue true
  fi
}

assertFileMD5() {
  if command -v md5sum >/dev/null 2>&1; then
    _tu_md5=$(md5sum <"$2" | cut -d' ' -f1)
  elif command -v md5 >/dev/null 2>&1; then
    _tu_md5=$(md5 -q "$2")
  else
    fail "no md5sum or md5 command to check $2 with"
    return
  fi
  assertEquals "MD5 of $2" "$1" "${_tu_md5}"
  unset _tu_md5
}
