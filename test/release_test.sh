#!/bin/sh
# shellcheck shell=sh source-path=SCRIPTDIR/..
#
# bin/release: the YAML that names the default web process.

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"

# releaseFixture NAME: release on a copy of the fixture app NAME.
releaseFixture() {
  useFixture "$1"
  release
}

# The YAML naming ENTRY as the web process's WSGI script.
webYaml() {
  printf -- '---\ndefault_process_types:\n  web: mod_wsgi-heroku-start %s' "$1"
}

testWsgiPyIsTheWebProcess() {
  releaseFixture requirements_mod_wsgi
  assertCapturedSuccess
  assertCapturedEquals "$(webYaml wsgi.py)"
}

testAppPyIsTheWebProcess() {
  releaseFixture flask_app_py
  assertCapturedSuccess
  assertCapturedEquals "$(webYaml app.py)"
}

testWsgiPyWinsOverAppPy() {
  useFixture flask_app_py
  cp "${FIXTURES_DIR}/requirements_mod_wsgi/wsgi.py" "${BUILD_DIR}/wsgi.py"
  release
  assertCapturedSuccess
  assertCapturedEquals "$(webYaml wsgi.py)"
}

testDjangoProjectNamedByManagePyIsTheWebProcess() {
  releaseFixture django_project
  assertCapturedSuccess
  # another/wsgi.py comes first by name, but manage.py names mysite.
  assertCapturedEquals "$(webYaml mysite/wsgi.py)"
}

testOnlyDjangoProjectIsTheWebProcessWithoutManagePy() {
  useFixture django_project
  rm -r "${BUILD_DIR}/manage.py" "${BUILD_DIR}/another"
  release
  assertCapturedSuccess
  assertCapturedEquals "$(webYaml mysite/wsgi.py)"
}

testNoEntryHasNoDefaultProcessTypes() {
  releaseFixture no_entry
  assertCapturedSuccess
  assertCapturedEquals "---"
  assertNotCaptured "default_process_types"
}

testEmptyAppHasNoDefaultProcessTypes() {
  releaseFixture empty_app
  assertCapturedSuccess
  assertCapturedEquals "---"
}
