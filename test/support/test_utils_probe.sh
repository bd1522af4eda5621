# shellcheck shell=sh
#
# Probes of lib/test_utils.sh for test/support/compare_test_utils: each
# test makes one or two checks on chosen inputs. Whether a test passes is
# what is compared between this repository's test_utils.sh and the test
# runner's; the name says what the probe would expect, not what must
# happen. Not a suite of its own (no _test.sh): shunit2 runs it with
# TEST_UTILS pointing at the library to probe.

# shellcheck source=test/lib/test_utils.sh
. "${TEST_UTILS:?}"

# probe: prints PROBE_OUT on stdout and PROBE_ERR on stderr (each when
# set, with a newline) and returns PROBE_CODE (0 by default). A function,
# for capture splits "sh -c 'a script'" into words.
probe() {
  if [ -n "${PROBE_OUT+set}" ]; then printf '%s\n' "${PROBE_OUT}"; fi
  if [ -n "${PROBE_ERR+set}" ]; then printf '%s\n' "${PROBE_ERR}" >&2; fi
  return "${PROBE_CODE:-0}"
}

# probeWith [OUT=...] [ERR=...] [CODE=...]: capture probe with those.
probeWith() {
  unset PROBE_OUT PROBE_ERR PROBE_CODE
  for _pw in "$@"; do
    case "${_pw}" in
      OUT=*) PROBE_OUT=${_pw#OUT=} ;;
      ERR=*) PROBE_ERR=${_pw#ERR=} ;;
      CODE=*) PROBE_CODE=${_pw#CODE=} ;;
    esac
  done
  unset _pw
  capture probe
}

# --- capture -----------------------------------------------------------------

testCaptureSplitsAnArgumentAtBlanks() {
  capture printf '[%s]' "a b"
  assertEquals "[a][b]" "$(cat "${STD_OUT}")"
}

testCaptureDropsAnEmptyArgument() {
  capture printf '[%s]' "" x
  assertEquals "[x]" "$(cat "${STD_OUT}")"
}

testCaptureGlobsAnArgument() {
  mkdir -p "${OUTPUT_DIR}/g"
  : >"${OUTPUT_DIR}/g/one"
  capture printf '[%s]' "${OUTPUT_DIR}/g/*"
  assertEquals "[${OUTPUT_DIR}/g/one]" "$(cat "${STD_OUT}")"
}

testCaptureRunsAFunction() {
  probeFunction() { echo "from a function"; }
  capture probeFunction
  assertEquals "from a function" "$(cat "${STD_OUT}")"
}

testCaptureSetsReturnAndRtrn() {
  probeWith CODE=7
  assertEquals "7 7" "${RETURN} ${rtrn}"
}

testLastCommandJoinsTheWords() {
  capture echo "a  b" c
  assertEquals "echo a  b c" "${LAST_COMMAND}"
}

testReturnIsKeptFromAnEarlierTest1() {
  probeWith CODE=5
  assertEquals 5 "${RETURN}"
}

testReturnIsKeptFromAnEarlierTest2() {
  assertEquals "5" "${RETURN:-}"
}

testOutputIsGoneInANewTest() {
  assertFalse "[ -e '${STD_OUT}' ]"
}

# --- set up ------------------------------------------------------------------

testFoldersAreInsideOutputDir() {
  assertEquals "${OUTPUT_DIR}/build ${OUTPUT_DIR}/cache ${OUTPUT_DIR}/env" \
    "${BUILD_DIR} ${CACHE_DIR} ${ENV_DIR}"
}

testFoldersExistAndAreEmpty() {
  assertEquals "" "$(ls -A "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}" 2>&1 | grep -v ':$' | grep -v '^$')"
}

testOutputDirNameHasFourRandomCharacters() {
  assertEquals "output.????" "$(basename "${OUTPUT_DIR}" | sed 's/\..*/.????/')"
  assertEquals 11 "$(basename "${OUTPUT_DIR}" | tr -d '\n' | wc -c)"
}

testOutputDirIsUnderShunitTmpdir() {
  assertEquals "${SHUNIT_TMPDIR}" "$(dirname "${OUTPUT_DIR}")"
}

testTheSuiteCacheExists() {
  assertTrue "[ -d '${TEST_SUITE_CACHE}' ]"
}

testHooksAreDefined() {
  assertTrue "beforeSetUp && afterSetUp && beforeTearDown && afterTearDown"
}

testDetectCompileReleaseRunTheBuildpack() {
  capture true
  detect
  assertEquals "${BUILDPACK_HOME}/bin/detect ${BUILD_DIR}" "${LAST_COMMAND}"
  compile
  assertEquals "${BUILDPACK_HOME}/bin/compile ${BUILD_DIR} ${CACHE_DIR} ${ENV_DIR}" "${LAST_COMMAND}"
  release
  assertEquals "${BUILDPACK_HOME}/bin/release ${BUILD_DIR}" "${LAST_COMMAND}"
}

# --- assertCapturedSuccess ---------------------------------------------------

testSuccessPasses() {
  capture true
  assertCapturedSuccess
}

testSuccessFailsOnAnExitCode() {
  capture false
  assertCapturedSuccess
}

testSuccessFailsOnStderr() {
  probeWith ERR=oops
  assertCapturedSuccess
}

testSuccessWithBlankLinesOnStderr() {
  probeWith "ERR=
"
  assertCapturedSuccess
}

testSuccessWithNothingCaptured() {
  assertCapturedSuccess
}

# --- assertCapturedError -----------------------------------------------------

testErrorWithCodeAndMessageOnStdout() {
  probeWith "OUT=Error: broken" CODE=2
  assertCapturedError 2 "Error: broken"
}

testErrorWithCodeAndMessageOnStderr() {
  probeWith "ERR=Error: broken" CODE=2
  assertCapturedError 2 "Error: broken"
}

testErrorWithAnotherCode() {
  probeWith "OUT=Error: broken" CODE=3
  assertCapturedError 2 "Error: broken"
}

testErrorWithMessageOnlyAfterACodeWasGiven() {
  probeWith "OUT=Error: broken" CODE=4
  assertCapturedError "Error: broken"
}

testErrorWithNoArgumentsAndNothingPrinted() {
  probeWith CODE=1
  assertCapturedError
}

testErrorWithNoArgumentsAndStdout() {
  probeWith OUT=x CODE=2
  assertCapturedError
}

testErrorOnSuccess() {
  probeWith "OUT=Error: broken"
  assertCapturedError 0 "Error: broken"
}

# --- assertCaptured and co ---------------------------------------------------

testCapturedFindsAString() {
  capture echo "hello world"
  assertCaptured "lo wo"
}

testCapturedWithAMessage() {
  capture echo "hello world"
  assertCaptured "a message" "lo wo"
}

testCapturedMissesAString() {
  capture echo "hello world"
  assertCaptured "bye"
}

testCapturedLooksAtStdoutOnly() {
  probeWith ERR=hello
  assertCaptured "hello"
}

testCapturedIsAFixedString() {
  capture echo "a.c"
  assertCaptured "a*c"
}

testCapturedEmptyStringOnEmptyOutput() {
  capture true
  assertCaptured ""
}

testNotCapturedPasses() {
  capture echo "hello"
  assertNotCaptured "bye"
}

testNotCapturedFails() {
  capture echo "hello"
  assertNotCaptured "hell"
}

testNotCapturedWithNothingCaptured() {
  assertNotCaptured "anything"
}

testCapturedWithThreeArguments() {
  capture echo "a b c"
  assertCaptured "msg" "a" "b"
}

testCapturedEqualsIgnoresTrailingNewlines() {
  capture printf 'one\n\n\n'
  assertCapturedEquals "one"
}

testCapturedEqualsWithAMessage() {
  capture echo two
  assertCapturedEquals "a message" "two"
}

testCapturedEqualsFails() {
  capture echo two
  assertCapturedEquals "three"
}

testCapturedNotEquals() {
  capture echo two
  assertCapturedNotEquals "three"
}

testCapturedNotEqualsFails() {
  capture echo two
  assertCapturedNotEquals "two"
}

# --- detection ---------------------------------------------------------------

testAppDetected() {
  capture echo "My/App"
  assertAppDetected "My/App"
}

testAppDetectedWithStderr() {
  probeWith OUT=My/App ERR=warn
  assertAppDetected "My/App"
}

testAppDetectedWrongName() {
  capture echo "My/App"
  assertAppDetected "Other"
}

testNoAppDetectedPrintingNo() {
  probeWith OUT=no CODE=1
  assertNoAppDetected
}

testNoAppDetectedPrintingNothing() {
  probeWith CODE=1
  assertNoAppDetected
}

testNoAppDetectedExitingTwo() {
  probeWith OUT=no CODE=2
  assertNoAppDetected
}

# --- contains ----------------------------------------------------------------

testContainsNeedleFirst() {
  assertContains "b" "abc"
}

testContainsHaystackFirst() {
  assertContains "abc" "b"
}

testContainsWithAMessage() {
  assertContains "a message" "b" "abc"
}

testContainsWithFourArguments() {
  assertContains "a" "b" "c" "d"
}

testContainsWithOneArgument() {
  assertContains "abc"
}

testContainsAcrossLines() {
  assertContains "two" "one
two"
}

testContainsANewlineInTheNeedle() {
  assertContains "zzz
two" "one
two"
}

testContainsBackslashN() {
  assertContains 'a\nb' 'a\nb'
}

# (Under dash, echo stops at \c; a failure message with \c in it would
# lose its newline too, and the next test's name with it.)
testNotContainsAfterBackslashC() {
  assertNotContains 'after' 'before\cafter'
}

testContainsADashHaystack() {
  assertContains '-n' '-n'
}

testContainsADashNeedle() {
  assertContains '-v' 'a -v b'
}

testNotContainsPasses() {
  assertNotContains "z" "abc"
}

testNotContainsFails() {
  assertNotContains "b" "abc"
}

testNotContainsWithAMessage() {
  assertNotContains "a message" "b" "abc"
}

testFileContains() {
  echo "hello" >"${OUTPUT_DIR}/f"
  assertFileContains "ell" "${OUTPUT_DIR}/f"
}

testFileContainsMissingFile() {
  assertFileContains "ell" "${OUTPUT_DIR}/missing"
}

testFileNotContainsMissingFile() {
  assertFileNotContains "ell" "${OUTPUT_DIR}/missing"
}

testFileNotContainsFails() {
  echo "hello" >"${OUTPUT_DIR}/f"
  assertFileNotContains "a message" "ell" "${OUTPUT_DIR}/f"
}

testFileContainsOnAFolder() {
  assertFileContains "x" "${OUTPUT_DIR}"
}

testFileMD5() {
  printf 'abc' >"${OUTPUT_DIR}/f"
  assertFileMD5 900150983cd24fb0d6963f7d28e17f72 "${OUTPUT_DIR}/f"
}

testFileMD5Fails() {
  printf 'abd' >"${OUTPUT_DIR}/f"
  assertFileMD5 900150983cd24fb0d6963f7d28e17f72 "${OUTPUT_DIR}/f"
}

testCommandExists() {
  assertTrue "command_exists sh && ! command_exists no-such-command-here"
}
