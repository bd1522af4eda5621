#!/bin/sh
# shellcheck shell=sh source-path=SCRIPTDIR/..
#
# bin/detect: which apps are ours. Ours print exactly "Apache/mod_wsgi" and
# exit 0; the others print nothing and exit non-zero.

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"

# detectFixture NAME: detect on a copy of the fixture app NAME.
detectFixture() {
  useFixture "$1"
  detect
}

testRequirementsNamingModWsgiIsDetected() {
  detectFixture requirements_mod_wsgi
  assertAppDetected "${DETECTED_NAME}"
}

testRequirementsNamingModWsgiInAnyCaseWithDashIsDetected() {
  detectFixture requirements_mod_wsgi_uppercase_dash
  assertAppDetected "${DETECTED_NAME}"
}

testRequirementsFolderNamingModWsgiIsDetected() {
  detectFixture requirements_folder_mod_wsgi
  assertAppDetected "${DETECTED_NAME}"
}

testPipfileNamingModWsgiIsDetected() {
  detectFixture pipfile_mod_wsgi
  assertAppDetected "${DETECTED_NAME}"
}

testPyprojectNamingModWsgiIsDetected() {
  detectFixture pyproject_mod_wsgi
  assertAppDetected "${DETECTED_NAME}"
}

testSetupPyNamingModWsgiIsDetected() {
  detectFixture setup_py_mod_wsgi
  assertAppDetected "${DETECTED_NAME}"
}

testSetupCfgNamingModWsgiIsDetected() {
  detectFixture setup_cfg_mod_wsgi
  assertAppDetected "${DETECTED_NAME}"
}

testProcfileRunningModWsgiExpressIsDetected() {
  detectFixture procfile_mod_wsgi_express
  assertAppDetected "${DETECTED_NAME}"
}

testProcfileRunningTheLauncherIsDetected() {
  detectFixture procfile_launcher
  assertAppDetected "${DETECTED_NAME}"
}

testWhiskeyFolderAloneIsDetected() {
  detectFixture whiskey_folder_only
  assertAppDetected "${DETECTED_NAME}"
}

testEmptyWhiskeyFolderIsDetected() {
  mkdir "${BUILD_DIR}/.whiskey"
  detect
  assertAppDetected "${DETECTED_NAME}"
}

testFlaskAppIsDetected() {
  detectFixture flask_app_py
  assertAppDetected "${DETECTED_NAME}"
}

testDjangoProjectIsDetected() {
  detectFixture django_project
  assertAppDetected "${DETECTED_NAME}"
}

testAppWithItsOwnWebProcessIsDetected() {
  detectFixture procfile_with_web
  assertAppDetected "${DETECTED_NAME}"
}

testAppWithoutEntryIsDetected() {
  detectFixture no_entry
  assertAppDetected "${DETECTED_NAME}"
}

testAppWithWhiskeyUserFilesIsDetected() {
  detectFixture whiskey_user_files
  assertAppDetected "${DETECTED_NAME}"
}

testGunicornAppIsNotDetected() {
  detectFixture gunicorn_wsgi_py
  assertNotDetected
}

testModWsgiStandaloneAloneIsNotDetected() {
  detectFixture mod_wsgi_standalone_only
  assertNotDetected
}

testCommentedOutModWsgiIsNotDetected() {
  detectFixture commented_mod_wsgi
  assertNotDetected
}

testEmptyAppIsNotDetected() {
  detectFixture empty_app
  assertNotDetected
}

testDetectLeavesTheAppAsItWas() {
  useFixture django_project
  before=$(treeState "${BUILD_DIR}")
  detect
  assertAppDetected "${DETECTED_NAME}"
  assertEquals "the app after detect" "${before}" "$(treeState "${BUILD_DIR}")"
}
