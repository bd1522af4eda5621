#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# The real Apache bundle, end to end: built by vendor/apache/build.sh from the
# pinned sources, installed by bin/compile into a build folder that is not
# the prefix it was built under, published with the publisher to moto's S3
# server (which checks SigV4 signatures), read back with the AWS CLI, and
# installed again from WHISKEY_BUCKET alone.

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

# The bundle is built for this machine's stack.
STACK=debian-12
export STACK
PUBLIC=whiskey-public
PRIVATE=whiskey-private

oneTimeSetUp() {
  WORK="${SHUNIT_TMPDIR}/bundle"
  mkdir -p "$WORK" || return 1
  HELPER=$(buildpackHelper) || return 1
  apache_bundle || return 1
  BUNDLE_NAME=$(basename "$APACHE_BUNDLE")
  # The prefix the bundle was built under, as it records it.
  BUILD_PREFIX=$(tar -xzOf "$APACHE_BUNDLE" .whiskey/apache/whiskey-bundle.json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["prefix"])') || return 1
  moto_start "$PRIVATE" --public "$PUBLIC" || return 1
  moto_put "$PUBLIC" "$BUNDLE_NAME" "$APACHE_BUNDLE" || return 1
  if [ -f "${BUILDPACK_HOME}/export" ]; then
    mv "${BUILDPACK_HOME}/export" "$WORK/export.saved"
  fi
}

oneTimeTearDown() {
  moto_stop
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "$WORK/export.saved" ]; then
    mv "$WORK/export.saved" "${BUILDPACK_HOME}/export"
  fi
}

setVar() {
  printf %s "$2" >"${ENV_DIR}/$1"
}

compileFromPublicUrl() {
  useFixture demo_flask_app
  setVar WHISKEY_URL "$(moto_url "$PUBLIC" "$BUNDLE_NAME")"
  setVar WHISKEY_SHA256 "$APACHE_BUNDLE_SHA256"
  compile
}

# compileFromPrivateBucket [SECRET]: compiles the app from the private
# bucket, reading it with moto's key and SECRET (the right one by default).
compileFromPrivateBucket() {
  setVar WHISKEY_BUCKET "$PRIVATE"
  setVar WHISKEY_S3_ENDPOINT "$MOTO_ENDPOINT"
  setVar AWS_ACCESS_KEY_ID "$MOTO_ACCESS_KEY_ID"
  setVar AWS_SECRET_ACCESS_KEY "${1:-$MOTO_SECRET_ACCESS_KEY}"
  compile
}

publish() {
  capture env AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" \
    "$HELPER" publish "$3" --bucket "$PRIVATE" \
    --endpoint "$MOTO_ENDPOINT" --region "$MOTO_REGION"
}

# A tiny bundle that describes itself as another stack's, for the manifest.
otherStackBundle() {
  local root="$WORK/other" out="$WORK/whiskey-heroku-24-amd64-apache-2.4.99.tar.gz"
  mkdir -p "$root/.whiskey/apache/bin"
  printf '#!/bin/sh\necho Apache/2.4.99\n' >"$root/.whiskey/apache/bin/httpd"
  cat >"$root/.whiskey/apache/whiskey-bundle.json" <<'JSON'
{"schema": 1, "stack": "heroku-24", "arch": "amd64", "apache": "2.4.99",
 "prefix": "/tmp/placeholder/.whiskey", "prefix_capacity": 25, "contents": ["apache"]}
JSON
  tar -C "$root" -czf "$out" .whiskey
  echo "$out"
}

# --- the recipe ---------------------------------------------------------------

testBundleIsNamedForWhatItHolds() {
  assertEquals "whiskey-debian-12-$(dpkg --print-architecture)-apache-2.4.68.tar.gz" "$BUNDLE_NAME"
  assertEquals "$APACHE_BUNDLE_SHA256  $BUNDLE_NAME" "$(cat "$APACHE_BUNDLE.sha256")"
  local entries
  entries=$(tar -tzf "$APACHE_BUNDLE")
  assertEquals "every entry is under .whiskey/" "" "$(grep -v '^\.whiskey/' <<<"$entries")"
  for folder in apache/bin/ apr/lib/ apr-util/lib/ apache/include/ apache/build/ apache/modules/; do
    assertContains ".whiskey/$folder" "$entries"
  done
  for pruned in manual man icons htdocs cgi-bin error; do
    assertNotContains ".whiskey/apache/$pruned/" "$entries"
  done
  assertEquals "static libraries are pruned" "" "$(grep '\.a$' <<<"$entries")"
}

testBinariesAreStrippedAndFindTheirLibrariesByOrigin() {
  tar -C "$WORK" -xzf "$APACHE_BUNDLE" .whiskey/apache/bin/httpd .whiskey/apr-util/lib
  local httpd="$WORK/.whiskey/apache/bin/httpd"
  assertNotContains "not stripped" "$(file "$httpd")"
  assertContains '$ORIGIN/../../apr/lib' "$(readelf -d "$httpd")"
  assertContains '$ORIGIN/../../apr/lib' "$(readelf -d "$WORK/.whiskey/apr-util/lib/libaprutil-1.so.0")"
  local entries
  entries=$(tar -tzf "$APACHE_BUNDLE")
  for module in mpm_event mpm_worker mpm_prefork authz_core unixd mime rewrite headers alias dir \
    env deflate log_config status reqtimeout proxy proxy_http ssl http2; do
    assertContains "the modules mod_wsgi-express loads" ".whiskey/apache/modules/mod_$module.so" "$entries"
  done
}

testRecipeStopsOnASourceThatDoesNotMatchItsPin() {
  local sources="$WORK/tampered-sources"
  mkdir -p "$sources"
  cp "${BUILDPACK_HOME}"/build/apache-sources/*.tar.* "$sources/"
  echo tampered >>"$sources/httpd-2.4.68.tar.gz"
  capture env WHISKEY_SOURCES=local WHISKEY_SOURCES_DIR="$sources" \
    "${BUILDPACK_HOME}/vendor/apache/build.sh" --out "$WORK/tampered-out"
  assertEquals "the recipe exits 1" 1 "$RETURN"
  assertStderr "httpd-2.4.68.tar.gz does not match its pinned SHA-256"
  assertStderr "expected: ed9a9d4500fb48bb28eaffb3ba71d06ccf86d498fa13ab9f781da010cc488498"
  assertEquals "no bundle is packed" "" "$(ls "$WORK/tampered-out"/*.tar.gz 2>/dev/null)"
}

# --- relocation ---------------------------------------------------------------

testTheBundleCarriesItsBillOfMaterials() {
  local sbom="$WORK/sbom.cdx.json"
  tar -xzOf "$APACHE_BUNDLE" .whiskey/apache/sbom.cdx.json >"$sbom"
  assertTrue "the bundle holds .whiskey/apache/sbom.cdx.json" "[ -s '$sbom' ]"
  assertEquals "valid CycloneDX 1.5, saying what the recipe builds" "ok" \
    "$(apache_sbom_check "$sbom" debian-12 "$(dpkg --print-architecture)")"
  assertEquals "the compiler is the one the recipe ran" "$(cc --version | head -n 1)" \
    "$(python3 -c 'import json, sys
print({p["name"]: p["value"] for p in json.load(open(sys.argv[1]))["metadata"]["component"]["properties"]}["mod_wsgi-heroku:compiler"])' "$sbom")"
  assertEquals "no timestamp, serial number or build path" "" \
    "$(grep -E '"(timestamp|serialNumber)"|/tmp/|whiskey-build' "$sbom")"
  assertEquals "the .tar.zst holds the same document" "$(sha256sum <"$sbom")" \
    "$(tar --zstd -xOf "$APACHE_BUNDLE_ZST" .whiskey/apache/sbom.cdx.json | sha256sum)"
}

testCompileRelocatesTheBundleIntoTheBuildFolder() {
  compileFromPublicUrl
  assertCapturedSuccess
  local real
  real=$(cd "$BUILD_DIR" && pwd -P)
  assertCaptured "to $real/.whiskey"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertCaptured "Bill of materials: .whiskey/apache/sbom.cdx.json"

  local whiskey="$BUILD_DIR/.whiskey"
  capture env -u LD_LIBRARY_PATH "$whiskey/apache/bin/httpd" -v
  assertCapturedSuccess
  assertCaptured "Server version: Apache/2.4.68 (Unix)"

  assertEquals "$real/.whiskey/apache/include" "$("$whiskey/apache/bin/apxs" -q INCLUDEDIR)"
  assertTrue "apxs's include folder exists" "[ -f '$whiskey/apache/include/httpd.h' ]"
  assertEquals "$real/.whiskey/apache/modules" "$("$whiskey/apache/bin/apxs" -q LIBEXECDIR)"
  assertEquals "$real/.whiskey/apr/include/apr-1" "$("$whiskey/apr/bin/apr-1-config" --includedir)"
  assertEquals "$real/.whiskey/apr-util/include/apr-1" \
    "$("$whiskey/apr-util/bin/apu-1-config" --includedir)"

  assertEquals "no file names the build prefix" "" "$(grep -rlF "$BUILD_PREFIX" "$whiskey")"
  assertEquals "nor the build machine's work folder" "" \
    "$(grep -rlF "$(dirname "$(dirname "$BUILD_PREFIX")")" "$whiskey")"

  assertEquals "the bill of materials is in the slug, as the bundle holds it" \
    "$(tar -xzOf "$APACHE_BUNDLE" .whiskey/apache/sbom.cdx.json | sha256sum)" \
    "$(sha256sum <"$whiskey/apache/sbom.cdx.json")"
  assertEquals "and valid" "ok" \
    "$(apache_sbom_check "$whiskey/apache/sbom.cdx.json" debian-12 "$(dpkg --print-architecture)")"
}

testRelocatedApacheAcceptsAMinimalConfig() {
  compileFromPublicUrl
  assertCapturedSuccess
  local root="$BUILD_DIR/.whiskey/apache" conf="$BUILD_DIR/minimal.conf"
  cat >"$conf" <<EOF
ServerRoot "$root"
LoadModule mpm_event_module modules/mod_mpm_event.so
LoadModule authz_core_module modules/mod_authz_core.so
LoadModule unixd_module modules/mod_unixd.so
LoadModule mime_module modules/mod_mime.so
LoadModule rewrite_module modules/mod_rewrite.so
LoadModule headers_module modules/mod_headers.so
Listen 127.0.0.1:18099
ServerName localhost
PidFile $BUILD_DIR/httpd.pid
ErrorLog /dev/stderr
EOF
  capture env -u LD_LIBRARY_PATH "$root/bin/apachectl" -t -f "$conf"
  assertEquals 0 "$RETURN"
  assertContains "Syntax OK" "$(cat "$STD_OUT" "$STD_ERR")"
}

testAprResolvesAnAddressWithoutListingInterfaces() {
  compileFromPublicUrl
  assertCapturedSuccess
  # A program built against the relocated APR, as mod_wsgi is, that reports
  # the flags APR passes to getaddrinfo().
  local apr="$BUILD_DIR/.whiskey/apr" program="$WORK/resolve"
  # shellcheck disable=SC2046 # apr-1-config prints several flags
  gcc -o "$program" "${FIXTURES_DIR}/apr_resolve/resolve.c" \
    $("$apr/bin/apr-1-config" --cflags --cppflags --includes) \
    -L"$apr/lib" -Wl,-rpath,"$apr/lib" -lapr-1 -ldl
  assertEquals "the program builds" 0 $?
  capture env -u LD_LIBRARY_PATH "$program" 127.0.0.1 10.1.2.3 ::1 localhost
  assertCapturedSuccess
  # Addresses: no interface listing (the patch in vendor/apache/patches).
  assertCaptured "lookup 127.0.0.1 plain"
  assertCaptured "lookup 10.1.2.3 plain"
  assertCaptured "lookup ::1 plain"
  assertCaptured "10.1.2.3 is 10.1.2.3"
  # Names: as APR always looked them up.
  assertCaptured "lookup localhost AI_ADDRCONFIG"
  assertNotCaptured "not found"
}

testBundleMovesAgainWithinItsPlaceholder() {
  compileFromPublicUrl
  assertCapturedSuccess
  # A second build into a longer path than the first reuses the padding.
  local longer="$BUILD_DIR/a-much-longer-folder-name-for-the-second-build"
  mkdir -p "$longer"
  cp "${FIXTURES_DIR}/demo_flask_app/wsgi.py" "${FIXTURES_DIR}/demo_flask_app/requirements.txt" "$longer/"
  capture "${BUILDPACK_HOME}/bin/compile" "$longer" "$CACHE_DIR" "$ENV_DIR"
  assertCapturedSuccess
  capture env -u LD_LIBRARY_PATH "$longer/.whiskey/apache/bin/httpd" -v
  assertCaptured "Apache/2.4.68"
  assertEquals "$(cd "$longer" && pwd -P)/.whiskey/apache/include" \
    "$("$longer/.whiskey/apache/bin/apxs" -q INCLUDEDIR)"
}

# --- publishing -----------------------------------------------------------------

testPublishRefusesAWrongSecretAndNeverPrintsIt() {
  local wrong="Wr0ngSecretThatMustNotShow/${RANDOM}"
  publish "$MOTO_ACCESS_KEY_ID" "$wrong" "$APACHE_BUNDLE"
  assertEquals "the publisher exits 1" 1 "$RETURN"
  assertStderr " !     Error: Publishing failed"
  assertStderr "SignatureDoesNotMatch"
  assertStderr "Check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
  assertNotOutput "$wrong"
  assertNotOutput "$MOTO_SECRET_ACCESS_KEY"
}

testPublishThenReadBackWithTheAwsCli() {
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  assertCaptured "Verified the upload by reading it back"
  assertCaptured "WHISKEY_BUCKET=$PRIVATE"
  assertCaptured "WHISKEY_SHA256=$APACHE_BUNDLE_SHA256"
  assertNotOutput "$MOTO_SECRET_ACCESS_KEY"

  moto_aws s3 cp "s3://$PRIVATE/$BUNDLE_NAME" "$WORK/read-back.tar.gz" >/dev/null
  assertEquals "$APACHE_BUNDLE_SHA256" "$(sha256sum <"$WORK/read-back.tar.gz" | cut -d' ' -f1)"
  moto_aws s3 cp "s3://$PRIVATE/manifest.json" "$WORK/manifest.json" >/dev/null
  local entry
  entry=$(python3 - "$WORK/manifest.json" "$BUNDLE_NAME" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
e = [b for b in m["bundles"] if b["key"] == sys.argv[2]][0]
print(m["schema"], e["stack"], e["arch"], e["apache"], e["size"], e["sha256"], e["sbom_sha256"])
PY
  )
  local sbom_sha256
  sbom_sha256=$(tar -xzOf "$APACHE_BUNDLE" .whiskey/apache/sbom.cdx.json | sha256sum | cut -d' ' -f1)
  assertEquals "1 debian-12 $(dpkg --print-architecture) 2.4.68 $(stat -c %s "$APACHE_BUNDLE") $APACHE_BUNDLE_SHA256 $sbom_sha256" \
    "$entry"
  assertCaptured "Bill of materials: .whiskey/apache/sbom.cdx.json, sha256:$sbom_sha256"
}

testPublishingAnotherBundleKeepsEveryEntry() {
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  local other
  other=$(otherStackBundle)
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$other"
  assertCapturedSuccess
  assertCaptured "added $(basename "$other")"
  # Publishing the first again replaces its entry, and loses none.
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  assertCaptured "replaced $BUNDLE_NAME (2 listed, serial "
  moto_aws s3 cp "s3://$PRIVATE/manifest.json" "$WORK/manifest.json" >/dev/null
  assertEquals "$BUNDLE_NAME $(basename "$other")" \
    "$(python3 -c 'import json,sys; print(" ".join(sorted(b["key"] for b in json.load(open(sys.argv[1]))["bundles"])))' "$WORK/manifest.json")"
}

testCompileFromTheBucketAloneInstallsTheNewestForTheStack() {
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$(otherStackBundle)"
  assertCapturedSuccess

  useFixture demo_flask_app
  compileFromPrivateBucket
  assertCapturedSuccess
  assertCaptured "Installing Apache from $BUNDLE_NAME"
  assertCaptured "chosen by the newest for debian-12/$(dpkg --print-architecture) in manifest.json"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertCaptured "Its bill of materials is the published one: sha256:$(sha256sum <"$BUILD_DIR/.whiskey/apache/sbom.cdx.json" | cut -d' ' -f1)"
  assertNotOutput "$MOTO_SECRET_ACCESS_KEY"
  capture env -u LD_LIBRARY_PATH "$BUILD_DIR/.whiskey/apache/bin/httpd" -v
  assertCaptured "Apache/2.4.68"
  assertEquals "the secret is nowhere in the slug or the cache" "" \
    "$(grep -rlF "$MOTO_SECRET_ACCESS_KEY" "$BUILD_DIR" "$CACHE_DIR" "${BUILDPACK_HOME}/export" 2>/dev/null)"
}

testCompileRefusesABillOfMaterialsTheManifestDoesNotRecord() {
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  moto_aws s3 cp "s3://$PRIVATE/manifest.json" "$WORK/manifest.json" >/dev/null
  local recorded
  recorded=$(python3 - "$WORK/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
print(m["bundles"][0]["sbom_sha256"])
m["bundles"][0]["sbom_sha256"] = "0" * 64
json.dump(m, open(sys.argv[1], "w"))
PY
  )
  moto_aws s3 cp "$WORK/manifest.json" "s3://$PRIVATE/manifest.json" >/dev/null

  useFixture demo_flask_app
  compileFromPrivateBucket
  assertBuildFailed "The Apache bundle's bill of materials is not the published one"
  assertStderr "expected: $(printf '0%.0s' $(seq 64))"
  assertStderr "actual:   $recorded"
  assertStderr "Publish it again"
  # As the message says: publishing again records the bundle's own.
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  assertCaptured "Bill of materials: .whiskey/apache/sbom.cdx.json, sha256:$recorded"
}

testCompileFromAPrivateBucketWithAWrongSecret() {
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE"
  assertCapturedSuccess
  local wrong="AlsoWrong/${RANDOM}Secret"
  useFixture demo_flask_app
  compileFromPrivateBucket "$wrong"
  assertBuildFailed "Access to the bundle manifest was denied"
  assertStderr "SignatureDoesNotMatch"
  assertStderr "The bucket refused the AWS credentials in the config vars"
  assertNotOutput "$wrong"
}

# --- zstd ----------------------------------------------------------------------

testZstdBundleHoldsTheSameTarAsTheGzipOne() {
  # build.sh --compression both packs one tar twice.
  assertEquals "$(basename "$APACHE_BUNDLE" .tar.gz).tar.zst" "$(basename "$APACHE_BUNDLE_ZST")"
  assertEquals "$APACHE_BUNDLE_ZST_SHA256  $(basename "$APACHE_BUNDLE_ZST")" \
    "$(cat "$APACHE_BUNDLE_ZST.sha256")"
  assertEquals "$(gzip -dc "$APACHE_BUNDLE" | sha256sum)" "$(zstd -dcq "$APACHE_BUNDLE_ZST" | sha256sum)"
}

testZstdBundlePublishesAndInstallsThroughCompile() {
  local name
  name=$(basename "$APACHE_BUNDLE_ZST")
  publish "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$APACHE_BUNDLE_ZST"
  assertCapturedSuccess
  assertCaptured "WHISKEY_SHA256=$APACHE_BUNDLE_ZST_SHA256"

  useFixture demo_flask_app
  setVar WHISKEY_PACKAGE "$name"
  compileFromPrivateBucket
  assertCapturedSuccess
  assertCaptured "Installing Apache from $name"
  assertCaptured "Verified sha256:$APACHE_BUNDLE_ZST_SHA256"
  capture env -u LD_LIBRARY_PATH "$BUILD_DIR/.whiskey/apache/bin/httpd" -v
  assertCaptured "Apache/2.4.68"
  local real
  real=$(cd "$BUILD_DIR" && pwd -P)
  assertEquals "$real/.whiskey/apache/include" "$("$BUILD_DIR/.whiskey/apache/bin/apxs" -q INCLUDEDIR)"
}

testDockerDefaultCommandPublishesTheBundle() {
  # What the per-stack images run, natively, with the bundle already built.
  local dist="$WORK/dist"
  mkdir -p "$dist"
  # The recipe's default is the zstd bundle.
  local name
  name=$(basename "$APACHE_BUNDLE_ZST")
  cp "$APACHE_BUNDLE_ZST" "$APACHE_BUNDLE_ZST.sha256" "$dist/"
  capture env STACK=debian-12 WHISKEY_DIST="$dist" WHISKEY_BUCKET="$PRIVATE" \
    WHISKEY_S3_ENDPOINT="$MOTO_ENDPOINT" AWS_ACCESS_KEY_ID="$MOTO_ACCESS_KEY_ID" \
    AWS_SECRET_ACCESS_KEY="$MOTO_SECRET_ACCESS_KEY" \
    "${BUILDPACK_HOME}/vendor/apache/build-and-publish.sh"
  assertCapturedSuccess
  assertCaptured "Keeping $name from an earlier run"
  assertCaptured "Publishing $name"
  assertCaptured "WHISKEY_SHA256=$APACHE_BUNDLE_ZST_SHA256"
  assertNotOutput "$MOTO_SECRET_ACCESS_KEY"
  for stack in 22 24; do
    assertFileContains "FROM heroku/heroku:$stack-build" \
      "${BUILDPACK_HOME}/vendor/apache/Dockerfile.heroku-$stack"
    assertFileContains 'CMD ["/buildpack/vendor/apache/build-and-publish.sh"]' \
      "${BUILDPACK_HOME}/vendor/apache/Dockerfile.heroku-$stack"
    assertFileContains "the image can pack zstd" " zstd " \
      "${BUILDPACK_HOME}/vendor/apache/Dockerfile.heroku-$stack"
  done
}
