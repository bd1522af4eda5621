#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# bin/build called directly with the lifecycle's arguments and variables,
# for what test/lifecycle_test.sh (the real lifecycle, end to end) cannot
# arrange: a layer whose recorded digest is changed between builds, a cut
# download, a hostile bundle, buildpack.toml's default bundles (read by the
# CNB and the classic flow alike), and calls that fit neither contract.

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
# shellcheck source=test/support/cnb.sh
. "${BUILDPACK_HOME}/test/support/cnb.sh"
# shellcheck source=test/support/servers.sh
. "${BUILDPACK_HOME}/test/support/servers.sh"
# shellcheck source=test/support/static_server.sh
. "${BUILDPACK_HOME}/test/support/static_server.sh"

STACK=debian-12
export STACK
BUCKET=whiskey-cnb
WRONG_SHA=0000000000000000000000000000000000000000000000000000000000000000

oneTimeSetUp() {
  apache_bundle || return 1
  moto_start --public "$BUCKET" || return 1
  moto_put "$BUCKET" bundle.tar.gz "$APACHE_BUNDLE" || return 1
  BUNDLE_URL=$(moto_url "$BUCKET" bundle.tar.gz)
  # The real bundle, as .tar.gz and .tar.zst, damaged one way each.
  DAMAGED=$(mktemp -d "${SHUNIT_TMPDIR}/damaged.XXXX")
  damaged_bundles "$DAMAGED" || return 1
  static_server_start "$DAMAGED" || return 1
  # The buildpack's executables, built once.
  buildpackHelper >/dev/null
}

oneTimeTearDown() {
  static_server_stop
  moto_stop
}

afterSetUp() {
  cnb_dirs
}

beforeTearDown() {
  rm -rf "$CNB_ROOT"
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

testTheLayersBillOfMaterialsIsTheBundlesOwn() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  configure "$BUNDLE_URL" "$APACHE_BUNDLE_SHA256"
  cnb_build
  assertCapturedSuccess
  assertCaptured "Wrote the apache layer's bill of materials (CycloneDX): the bundle's own, apache/sbom.cdx.json"
  assertEquals "the bundle's document, naming the installed file" "ok" \
    "$(apache_sbom_check "$CNB_LAYERS/apache.sbom.cdx.json" "$STACK" "$(dpkg --print-architecture)" \
      bundle.tar.gz "$APACHE_BUNDLE_SHA256")"
}

testABundleWithoutABillOfMaterialsIsDescribedFromItsInfo() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  # The real bundle, as bundles were before the recipe wrote one.
  mkdir -p "$CNB_ROOT/older"
  tar -xzf "$APACHE_BUNDLE" -C "$CNB_ROOT/older"
  rm "$CNB_ROOT/older/.whiskey/apache/sbom.cdx.json"
  tar -czf "$CNB_ROOT/older.tar.gz" -C "$CNB_ROOT/older" .whiskey
  moto_put "$BUCKET" older.tar.gz "$CNB_ROOT/older.tar.gz" || fail "upload failed"
  local sha
  sha=$(sha256sum "$CNB_ROOT/older.tar.gz" | cut -d' ' -f1)
  configure "$(moto_url "$BUCKET" older.tar.gz)" "$sha"
  cnb_build
  assertCapturedSuccess
  assertCaptured "Wrote the apache layer's bill of materials (CycloneDX)"
  assertNotCaptured "the bundle's own"
  assertEquals "valid, naming the file, httpd, APR and APR-util, no patches" \
    "valid older.tar.gz $sha httpd apr apr-util False" \
    "$("${BUILDPACK_HOME}/build/cyclonedx-venv/bin/python" -c '
import json, sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
text = open(sys.argv[1]).read()
bom = json.loads(text)
c = bom["metadata"]["component"]
print(JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) or "valid", c["name"],
      c["hashes"][0]["content"], " ".join(x["name"] for x in bom["components"]),
      any("pedigree" in x for x in bom["components"]))' "$CNB_LAYERS/apache.sbom.cdx.json" 2>&1)"
}

testAHostileBundleLeavesNoLayer() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" traversal "$CNB_ROOT/hostile.tar.gz"
  moto_put "$BUCKET" hostile.tar.gz "$CNB_ROOT/hostile.tar.gz" || fail "upload failed"
  configure "$(moto_url "$BUCKET" hostile.tar.gz)" \
    "$(sha256sum "$CNB_ROOT/hostile.tar.gz" | cut -d' ' -f1)"
  cnb_build
  assertEquals "exit status" 1 "$RETURN"
  assertStderr "The Apache bundle holds an unsafe entry"
  assertFalse "no layer" "[ -e '$CNB_LAYERS/apache' ]"
  assertFalse "nothing escaped" "[ -e '$CNB_ROOT/layers/escaped.txt' ] || [ -e '$CNB_LAYERS/escaped.txt' ]"
}

# Damaged bundles, each with the SHA-256 of the damaged file: each refused
# with its own message, and no layer is left, whole or half-made.
testDamagedBundlesLeaveNoLayer() {
  local how ext file headline
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  for file in check.tar.gz check.tar.zst flip.tar.gz flip.tar.zst cut.tar.gz cut.tar.zst \
    after.tar.gz after.tar.zst; do
    how=${file%%.*}
    ext=${file##*.}
    configure "${STATIC_SERVER_URL}$file" "$(sha256sum "$DAMAGED/$file" | cut -d' ' -f1)"
    cnb_build
    assertEquals "$file: exit status" 1 "$RETURN"
    case "$how" in
      check) headline="The Apache bundle failed its compressor.s check" ;;
      flip) headline="The Apache bundle (is damaged|failed its compressor.s check)" ;;
      cut) headline="The Apache bundle is cut short" ;;
      after) headline="The Apache bundle has data after its end" ;;
    esac
    assertTrue "$file: $headline: $(cat "$STD_ERR")" "grep -qE 'Error: $headline' '$STD_ERR'"
    [ "$how" = flip ] || assertTrue "$file: says which ($ext): $(cat "$STD_ERR")" \
      "grep -qE '(gzip|zstd) (CRC-32|frame checksum|stream)' '$STD_ERR'"
    assertEquals "$file: no layer, whole or half-made" "" "$(ls -A "$CNB_LAYERS" | grep -v -E '^cache(\.toml)?$')"
    assertEquals "$file: nothing kept in the cache layer" "" "$(find "$CNB_LAYERS/cache" -type f)"
  done
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

testNoDefaultForTheVersionAskedIsAClearError() {
  local bp
  bp=$(buildpack_with_default heroku-24)
  cp -R "${BUILDPACK_HOME}/vendor" "$bp/"
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  printf 2.2.34 >"$CNB_PLATFORM/env/WHISKEY_APACHE_VERSION"
  cnb_build "$bp"
  assertEquals "exit status" 1 "$RETURN"
  assertStderr "No Apache bundle is configured"
  assertContains "has no default bundle for $STACK/" "$(cat "$STD_ERR")"
  assertContains "Its defaults are:" "$(cat "$STD_ERR")"
  assertTrue "Cloud Native advice: $(cat "$STD_ERR")" \
    "grep -qF 'pack build my-app --env WHISKEY_BUCKET=my-bucket' '$STD_ERR'"
  assertFalse "no Heroku command" "grep -qF 'heroku config:set' '$STD_ERR'"
  assertFalse "no layer" "[ -e '$CNB_LAYERS/apache' ]"
}

# No default for the stack: the build compiles Apache from the recipe (here
# its sources cannot be had: the mirror is a closed port).
testNoDefaultForTheStackBuildsApacheFromTheRecipe() {
  local bp
  bp=$(buildpack_with_default heroku-24)
  cp -R "${BUILDPACK_HOME}/vendor" "$bp/"
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  printf %s "http://127.0.0.1:$(closedPort)/" >"$CNB_PLATFORM/env/WHISKEY_APACHE_MIRROR"
  printf 1 >"$CNB_PLATFORM/env/WHISKEY_DOWNLOAD_ATTEMPTS"
  cnb_build "$bp"
  assertEquals "exit status" 1 "$RETURN"
  assertCaptured "Building Apache 2.4.68 from the buildpack's recipe"
  assertStderr "Apache 2.4.68 could not be built: its sources could not be downloaded"
  assertTrue "Cloud Native advice: $(cat "$STD_ERR")" \
    "grep -qF 'leave WHISKEY_APACHE_MIRROR out of the build' '$STD_ERR'"
  assertFalse "no Heroku command" "grep -qF 'heroku config:' '$STD_ERR'"
  assertFalse "no layer" "[ -e '$CNB_LAYERS/apache' ]"
  assertEquals "nothing kept in the cache layer" "" \
    "$(find "$CNB_LAYERS" -path '*whiskey-apache-build*' -type f)"
}

testBuildpackTomlDescribesBothGenerations() {
  local toml="${BUILDPACK_HOME}/buildpack.toml" version
  assertEquals "CNB API" "0.10" "$(cnb_toml_get "$toml" api)"
  assertEquals "id" "whiskey/mod-wsgi" "$(cnb_toml_get "$toml" buildpack.id)"
  assertEquals "the classic registry's name" "$DETECTED_NAME" "$(cnb_toml_get "$toml" buildpack.name)"
  version=$(sed -n 's/^project(mod_wsgi_heroku VERSION \([0-9.]*\).*/\1/p' "${BUILDPACK_HOME}/CMakeLists.txt")
  assertEquals "the version is the project's" "$version" "$(cnb_toml_get "$toml" buildpack.version)"
  assertEquals "a target" "linux" "$(cnb_toml_get "$toml" targets.0.os)"
  assertEquals "the architectures" "amd64 arm64" "$(python3 -c 'import sys, tomllib
print(" ".join(t["arch"] for t in tomllib.load(open(sys.argv[1], "rb"))["targets"]))' "$toml")"
  assertEquals "its SBOM" "application/vnd.cyclonedx+json" "$(cnb_toml_get "$toml" buildpack.sbom-formats)"
  assertContains "test/" "$(cnb_toml_get "$toml" publish.Ignore.files)"
}

testCallsThatFitNeitherContractNameBoth() {
  capture "${BUILDPACK_HOME}/bin/detect" a b c
  assertEquals "exit status" 2 "$RETURN"
  assertTrue "both detect forms: $(cat "$STD_ERR")" \
    "grep -qF 'bin/detect BUILD_DIR' '$STD_ERR' && grep -qF 'bin/detect PLATFORM_DIR PLAN_PATH' '$STD_ERR'"
  capture "${BUILDPACK_HOME}/bin/build" "$BUILD_DIR" "$CACHE_DIR"
  assertEquals "exit status" 2 "$RETURN"
  assertTrue "build is the Cloud Native phase: $(cat "$STD_ERR")" \
    "grep -qF 'the classic contract runs compile instead' '$STD_ERR'"
  capture "${BUILDPACK_HOME}/bin/compile" "$CNB_LAYERS" "$CNB_PLATFORM" "$CNB_ROOT/plan.toml" x
  assertEquals "exit status" 2 "$RETURN"
  assertTrue "compile names build: $(cat "$STD_ERR")" \
    "grep -qF 'bin/build LAYERS_DIR PLATFORM_DIR PLAN_PATH' '$STD_ERR'"
}

testTheLifecyclesDetectArgumentsWithoutItsVariables() {
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app/." "$CNB_APP/"
  (cd "$CNB_APP" && "${BUILDPACK_HOME}/bin/detect" "$CNB_PLATFORM" "$CNB_ROOT/plan.toml")
  assertEquals "detected (0), from the working directory" 0 $?
  rm -rf "${CNB_APP:?}"/*
  cp -R "${BUILDPACK_HOME}/test/fixtures/gunicorn_wsgi_py/." "$CNB_APP/"
  (cd "$CNB_APP" && "${BUILDPACK_HOME}/bin/detect" "$CNB_PLATFORM" "$CNB_ROOT/plan.toml")
  assertEquals "not detected (100)" 100 $?
}
