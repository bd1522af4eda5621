#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# Signed manifests end to end: key pairs made by `mod_wsgi-heroku keygen`, a
# small bundle published to moto's S3 server by the publisher with
# --signing-key, then bin/compile reading the bucket with WHISKEY_PUBLIC_KEYS
# (or the keys a buildpack.toml pins). A signed manifest installs and the
# log names the key; a tampered manifest, a wrong key, a missing signature
# and an older manifest played back are each refused with their own
# message, with nothing installed; a rotated key is accepted. Each test
# publishes to a bucket of its own.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"

# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/moto.sh
. "${BUILDPACK_HOME}/test/support/moto.sh"
# shellcheck source=test/support/cnb.sh
. "${BUILDPACK_HOME}/test/support/cnb.sh"

case "$(uname -m)" in
  x86_64) ARCH=amd64 ;;
  aarch64) ARCH=arm64 ;;
  *) ARCH=$(uname -m) ;;
esac
BUNDLE_NAME=whiskey-heroku-24-${ARCH}-apache-2.4.68.tar.gz

oneTimeSetUp() {
  WORK="${SHUNIT_TMPDIR}/signed"
  mkdir -p "$WORK/tree" || return 1
  HELPER=$(buildpackHelper) || return 1
  # The fixture bundle, describing itself as the publisher requires.
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" good "$WORK/good.tar.gz" &&
    tar -C "$WORK/tree" -xzf "$WORK/good.tar.gz" || return 1
  cat >"$WORK/tree/.whiskey/apache/whiskey-bundle.json" <<JSON || return 1
{"schema": 1, "stack": "heroku-24", "arch": "${ARCH}", "apache": "2.4.68",
 "prefix": "/tmp/whiskey-signed-fixture/.whiskey", "prefix_capacity": 4096,
 "contents": ["apache", "apr"]}
JSON
  tar -C "$WORK/tree" -czf "$WORK/$BUNDLE_NAME" .whiskey || return 1
  local name
  for name in old new stranger; do
    "$HELPER" keygen --out "$WORK" --name "$name" >/dev/null || return 1
  done
  moto_start || return 1
  if [ -f "${BUILDPACK_HOME}/export" ]; then
    mv "${BUILDPACK_HOME}/export" "$WORK/export.saved" || return 1
  fi
  EXPORT_TAKEN=1
  BUCKETS=0
}

# (shunit2 may call it twice: once at the end, once on exit.)
oneTimeTearDown() {
  moto_stop
  if [ -n "${EXPORT_TAKEN:-}" ]; then
    rm -f "${BUILDPACK_HOME}/export"
    if [ -f "$WORK/export.saved" ]; then
      mv "$WORK/export.saved" "${BUILDPACK_HOME}/export"
    fi
    EXPORT_TAKEN=
  fi
}

afterSetUp() {
  rm -f "${BUILDPACK_HOME}/export"
  BUCKETS=$((BUCKETS + 1))
  SIGNED="whiskey-signed-$BUCKETS"
  moto_public_bucket "$SIGNED" >/dev/null || fail "cannot make the bucket $SIGNED"
}

# pub NAME: the public key keygen wrote for NAME; keyId NAME: its id.
pub() {
  cat "$WORK/$1.pub"
}
keyId() {
  pub "$1" | cut -d: -f2 | base64 -d | sha256sum | cut -c1-16
}

# publishSigned [OPTION...]: publishes the bundle to this test's bucket.
publishSigned() {
  capture env AWS_ACCESS_KEY_ID="$MOTO_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$MOTO_SECRET_ACCESS_KEY" \
    "$HELPER" publish "$WORK/$BUNDLE_NAME" --bucket "$SIGNED" --endpoint "$MOTO_ENDPOINT" \
    --region "$MOTO_REGION" "$@"
}

# compileTrusting KEYS: builds an app from this test's bucket alone, with
# WHISKEY_PUBLIC_KEYS=KEYS.
compileTrusting() {
  [ -d "${BUILD_DIR}/.whiskey" ] || useFixture requirements_mod_wsgi
  setConfig WHISKEY_BUCKET "$SIGNED"
  setConfig WHISKEY_S3_ENDPOINT "$MOTO_ENDPOINT"
  setConfig WHISKEY_PUBLIC_KEYS "$1"
  compile
}

# object KEY FILE: downloads the bucket's object; putObject KEY FILE: uploads it.
object() {
  moto_aws s3 cp "s3://$SIGNED/$1" "$2" >/dev/null
}
putObject() {
  moto_put "$SIGNED" "$1" "$2" application/json
}

# assertRefusedAgain HEADLINE: a build over an app built before failed with
# the error HEADLINE, and left no staging folder.
assertRefusedAgain() {
  assertEquals "compile exits 1" 1 "$RETURN"
  assertStderr " !     Error: $1"
  assertNoStaging
}

testASignedManifestInstallsAndTheLogNamesTheKey() {
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  assertCaptured "Signed it with key $(keyId old): $(pub old)"
  assertCaptured "(1 listed, serial 1)"
  assertNotOutput "PRIVATE KEY"
  compileTrusting "$(pub old)"
  assertCapturedSuccess
  assertCaptured "Signed by key $(keyId old) (WHISKEY_PUBLIC_KEYS), manifest serial 1: $(pub old)"
  assertCaptured "Verified sha256:$(sha256sum <"$WORK/$BUNDLE_NAME" | cut -d' ' -f1)"
  assertFileExists "${BUILD_DIR}/.whiskey/apache/bin/httpd"
}

testATamperedManifestIsRefused() {
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  object manifest.json "$WORK/manifest.json"
  # Someone who can write to the bucket points the entry at another bundle.
  sed -i "s/\"sha256\": \"[0-9a-f]*\"/\"sha256\": \"$(printf '%064d' 0)\"/" "$WORK/manifest.json"
  putObject manifest.json "$WORK/manifest.json"
  compileTrusting "$(pub old)"
  assertBuildFailed "The bucket's manifest was changed after it was signed"
  assertStderr "treat it"
}

testASignatureThatDoesNotMatchIsRefused() {
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  object manifest.json "$WORK/manifest.json"
  object manifest.json.sig "$WORK/manifest.json.sig"
  # The manifest changed, and the digest the signature file gives with it.
  sed -i 's/"serial": 1/"serial": 9/' "$WORK/manifest.json"
  python3 - "$WORK/manifest.json" "$WORK/manifest.json.sig" <<'PY'
import hashlib, json, sys
sig = json.load(open(sys.argv[2]))
sig["manifest_sha256"] = hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()
json.dump(sig, open(sys.argv[2], "w"))
PY
  putObject manifest.json "$WORK/manifest.json"
  putObject manifest.json.sig "$WORK/manifest.json.sig"
  compileTrusting "$(pub old)"
  assertBuildFailed "The manifest's signature is not valid"
}

testAWrongKeyIsRefused() {
  publishSigned --signing-key "$WORK/stranger.key"
  assertCapturedSuccess
  compileTrusting "$(pub old)"
  assertBuildFailed "The manifest is signed by a key this app does not trust"
  assertStderr "$(pub stranger)"
  assertStderr "$(keyId old) (WHISKEY_PUBLIC_KEYS)"
}

testAMissingSignatureIsRefused() {
  publishSigned
  assertCapturedSuccess
  assertNotCaptured "Signed it"
  compileTrusting "$(pub old)"
  assertBuildFailed "The bucket's manifest is not signed"
  assertStderr "manifest.json.sig was not found"

  # Signed, and then the signature removed.
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  assertCaptured "manifest.json was not signed; it is signed from now on"
  moto_aws s3 rm "s3://$SIGNED/manifest.json.sig" >/dev/null
  compileTrusting "$(pub old)"
  assertBuildFailed "The bucket's manifest is not signed"
}

testAnOlderManifestPlayedBackIsRefused() {
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  object manifest.json "$WORK/manifest-1.json"
  object manifest.json.sig "$WORK/manifest-1.json.sig"
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  assertCaptured "serial 2)"
  compileTrusting "$(pub old)"
  assertCapturedSuccess
  assertCaptured "manifest serial 2"
  local before
  before=$(treeState "${BUILD_DIR}/.whiskey")

  # The first manifest, with its own good signature, played back.
  putObject manifest.json "$WORK/manifest-1.json"
  putObject manifest.json.sig "$WORK/manifest-1.json.sig"
  compileTrusting "$(pub old)"
  assertRefusedAgain "The bucket's manifest is older than one this app already trusted"
  assertStderr "has serial 1, and an earlier build"
  assertStderr "trusted serial 2"
  assertEquals "the app's .whiskey is as it was" "$before" "$(treeState "${BUILD_DIR}/.whiskey")"
}

testARotatedKeyIsAccepted() {
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  # The new key alone may not sign over a manifest the old one signed...
  publishSigned --signing-key "$WORK/new.key"
  assertEquals "the publisher exits 1" 1 "$RETURN"
  assertStderr "The bucket's manifest does not carry a signature this publisher trusts"
  assertStderr "--trust ed25519:"
  # ... unless the old one is named; then both sign, for builds that pin either.
  publishSigned --signing-key "$WORK/new.key" --signing-key "$WORK/old.key" --trust "$(pub old)"
  assertCapturedSuccess
  assertCaptured "Signed it with key $(keyId new)"
  assertCaptured "Signed it with key $(keyId old)"
  compileTrusting "$(pub old)"
  assertCapturedSuccess
  assertCaptured "Signed by key $(keyId old) (WHISKEY_PUBLIC_KEYS)"

  # The old key retired: builds that pin both take the new one's word.
  publishSigned --signing-key "$WORK/new.key"
  assertCapturedSuccess
  compileTrusting "$(pub old),$(pub new)"
  assertCapturedSuccess
  assertCaptured "Signed by key $(keyId new) (WHISKEY_PUBLIC_KEYS), manifest serial 3"
}

testKeysPinnedInBuildpackTomlAreChecked() {
  publishSigned --signing-key "$WORK/new.key"
  assertCapturedSuccess
  local bp="$WORK/pinned-buildpack"
  mkdir -p "$bp"
  printf '[metadata]\npublic-keys = ["%s"]\n' "$(pub new)" >"$bp/buildpack.toml"
  useFixture requirements_mod_wsgi
  setConfig WHISKEY_BUCKET "$SIGNED"
  setConfig WHISKEY_S3_ENDPOINT "$MOTO_ENDPOINT"
  capture env WHISKEY_BUILDPACK_DIR="$bp" "$HELPER" compile "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
  assertCapturedSuccess
  assertCaptured "Signed by key $(keyId new) (buildpack.toml)"

  # The same buildpack refuses the bucket once it is signed by another key.
  publishSigned --signing-key "$WORK/stranger.key" --trust "$(pub new)"
  assertCapturedSuccess
  capture env WHISKEY_BUILDPACK_DIR="$bp" "$HELPER" compile "${BUILD_DIR}" "${CACHE_DIR}" "${ENV_DIR}"
  assertRefusedAgain "The manifest is signed by a key this app does not trust"
}

testTheCloudNativeBuildChecksTheSignatureToo() {
  publishSigned --signing-key "$WORK/new.key"
  assertCapturedSuccess
  cnb_dirs
  cp -R "${FIXTURES_DIR}/requirements_mod_wsgi/." "$CNB_APP/"
  printf %s "$SIGNED" >"$CNB_PLATFORM/env/WHISKEY_BUCKET"
  printf %s "$MOTO_ENDPOINT" >"$CNB_PLATFORM/env/WHISKEY_S3_ENDPOINT"
  printf %s "$(pub old)" >"$CNB_PLATFORM/env/WHISKEY_PUBLIC_KEYS"
  cnb_build
  assertEquals "bin/build exits 1" 1 "$RETURN"
  assertStderr "The manifest is signed by a key this app does not trust"
  assertFileDoesNotExist "no apache layer" "$CNB_LAYERS/apache.toml"

  printf %s "$(pub new)" >"$CNB_PLATFORM/env/WHISKEY_PUBLIC_KEYS"
  cnb_build
  assertCapturedSuccess
  assertCaptured "Signed by key $(keyId new) (WHISKEY_PUBLIC_KEYS), manifest serial 1"
  assertFileExists "$CNB_LAYERS/apache/apache/bin/httpd"
  rm -rf "$CNB_ROOT"
}

testKeysAreNotUsedWhenNoManifestIsRead() {
  publishSigned --signing-key "$WORK/old.key"
  assertCapturedSuccess
  useFixture requirements_mod_wsgi
  setConfig WHISKEY_BUCKET "$SIGNED"
  setConfig WHISKEY_S3_ENDPOINT "$MOTO_ENDPOINT"
  setConfig WHISKEY_PACKAGE "$BUNDLE_NAME"
  setConfig WHISKEY_SHA256 "$(sha256sum <"$WORK/$BUNDLE_NAME" | cut -d' ' -f1)"
  setConfig WHISKEY_PUBLIC_KEYS "$(pub stranger)"
  compile
  assertCapturedSuccess
  assertCaptured "WHISKEY_PUBLIC_KEYS is not used: no manifest was read"
}

testKeygenNeverOverwritesAKey() {
  local before
  before=$(sha256sum <"$WORK/old.key")
  capture "$HELPER" keygen --out "$WORK" --name old
  assertEquals "keygen exits 1" 1 "$RETURN"
  assertStderr "Cannot write $WORK/old.key"
  assertEquals "the key is as it was" "$before" "$(sha256sum <"$WORK/old.key")"
  assertEquals "the private key is the owner's alone" 600 "$(stat -c %a "$WORK/old.key")"
}
