#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# The maintainers' release (bin/support/release) end to end, and the release
# workflow (.github/workflows/release.yml) through actionlint.
#
# The release runs in a copy of the checkout (it rewrites buildpack.toml),
# with --bundles: a stand-in for each of the five Heroku targets, the real
# Apache bundle (test/support/apache_bundle.sh) with the target's stack and
# arch recorded in its whiskey-bundle.json. It publishes them to moto on
# 127.0.0.1, into a public bucket (everyone may read its objects); the copy
# shares this checkout's package build (build/package-build).
#
# After the release: the bucket's manifest lists the five; buildpack.toml
# records one default per stack/arch whose URL and sha256 are the bucket's
# objects'; the package holds that buildpack.toml; SHA256SUMS verifies; and
# the package's compile installs its default bundle into an app with no
# WHISKEY_* config var. Each bad input stops the release with its own error
# and leaves buildpack.toml and the output folder as they were.

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

PUBLIC=whiskey-release
PRIVATE=whiskey-release-private
UNUSED=whiskey-release-unused
TARGETS="heroku-22/amd64 heroku-24/amd64 heroku-24/arm64 heroku-26/amd64 heroku-26/arm64"
ACTIONLINT="${BUILDPACK_HOME}/build/actionlint/v1.7.12/actionlint"

oneTimeSetUp() {
  WORK="${SHUNIT_TMPDIR}/publish_release"
  mkdir -p "$WORK" || return 1
  apache_bundle || return 1
  APACHE=$(awk '$1 == "httpd" { print $2 }' "${BUILDPACK_HOME}/vendor/apache/sources.txt")
  VERSION=$("${BUILDPACK_HOME}/build/mod_wsgi-heroku" buildpack-version "${BUILDPACK_HOME}/buildpack.toml")
  [ -n "$APACHE" ] && [ -n "$VERSION" ] || return 1

  # The package build the copy shares, configured from this checkout.
  "${BUILDPACK_HOME}/bin/support/package" --out "$WORK/warm" >"$WORK/warm.log" 2>&1 ||
    { cat "$WORK/warm.log" >&2; return 1; }

  BUNDLES="$WORK/bundles"
  mkdir -p "$BUNDLES"
  local target
  for target in $TARGETS; do
    python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" restack "$APACHE_BUNDLE" \
      "$BUNDLES/$(bundleName "$target")" "${target%/*}" "${target#*/}" || return 1
  done

  moto_start "$PRIVATE" --public "$PUBLIC" "$UNUSED" || return 1

  # The release, once; the tests look at what it did.
  REPO=$(checkoutCopy release) || return 1
  ORIGINAL_TOML=$(cat "$REPO/buildpack.toml")
  OUT="$WORK/release-out"
  # (capture writes where setUp points it; this is before any test's setUp)
  STD_OUT="$WORK/release.stdout"
  STD_ERR="$WORK/release.stderr"
  runRelease "$REPO" "$VERSION" --bundles "$BUNDLES" --out "$OUT" --bucket "$PUBLIC" \
    --endpoint "$MOTO_ENDPOINT"
  RELEASE_STATUS=$RETURN
}

oneTimeTearDown() {
  moto_stop
}

# bundleName STACK/ARCH: the file name of its bundle.
bundleName() {
  echo "whiskey-${1%/*}-${1#*/}-apache-$APACHE.tar.gz"
}

# checkoutCopy NAME: a copy of this checkout for one release (it rewrites
# buildpack.toml), sharing this checkout's helper and package build; prints
# its path.
checkoutCopy() {
  local copy="$WORK/checkout-$1"
  rm -rf "$copy"
  mkdir -p "$copy/build" || return 1
  # Sources keep their times: the helper copied below is newer than they.
  (cd "${BUILDPACK_HOME}" && tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - .) |
    (cd "$copy" && tar -xf -) || return 1
  cp "${BUILDPACK_HOME}/build/mod_wsgi-heroku" "${BUILDPACK_HOME}/build/mod_wsgi-heroku-start" \
    "$copy/build/" || return 1
  ln -s "${BUILDPACK_HOME}/build/package-build" "$copy/build/package-build" || return 1
  echo "$copy"
}

# runRelease REPO ARG...: captures REPO's bin/support/release with moto's
# credentials, in an environment of its own (no WHISKEY_* but those given).
runRelease() {
  local repo=$1
  shift
  captureExact env -u WHISKEY_BUCKET -u WHISKEY_REGION -u WHISKEY_S3_ENDPOINT \
    AWS_ACCESS_KEY_ID="$MOTO_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$MOTO_SECRET_ACCESS_KEY" \
    SOURCE_DATE_EPOCH=1700000000 "$repo/bin/support/release" "$@"
}

# tomlDefaults FILE: the apache entries of buildpack.toml FILE, one line
# each: "STACKS ARCH VERSION URI CHECKSUM" (Python's own TOML reader).
tomlDefaults() {
  python3 -c 'import sys, tomllib
doc = tomllib.load(open(sys.argv[1], "rb"))
for d in doc.get("metadata", {}).get("dependencies", []):
    if d.get("id") == "apache":
        print(",".join(d["stacks"]), d["arch"], d["version"], d["uri"], d["checksum"])' "$1"
}

# assertRefused HEADLINE REPO: the release failed with HEADLINE in the
# buildpack's error shape on stderr, and left REPO's buildpack.toml and
# the output folder as they were.
assertRefused() {
  _check "expected the release to fail, it exited <${RETURN:-}>" _exited_nonzero
  _check "expected the error <$1> on stderr" _has " !     Error: $1" "${STD_ERR}"
  assertEquals "buildpack.toml is untouched" "$ORIGINAL_TOML" "$(cat "$2/buildpack.toml")"
  assertFileDoesNotExist "no output folder" "$WORK/failed-out"
  assertEquals "no partial folder is left" "" "$(ls -d "$WORK"/failed-out.partial.* 2>/dev/null)"
  assertNotOutput "$MOTO_SECRET_ACCESS_KEY"
}

# --- the workflow ------------------------------------------------------------------

testActionlintPassesTheWorkflows() {
  assertTrue "actionlint is installed (test/support/install-deps)" "[ -x '$ACTIONLINT' ]"
  local workflows=("${BUILDPACK_HOME}"/.github/workflows/*.yml)
  assertTrue "there are workflows" "[ -f '${workflows[0]}' ]"
  captureExact "$ACTIONLINT" -no-color "${workflows[@]}"
  assertCapturedSuccess
  assertEquals "nothing to report" "" "$(cat "$STD_OUT" "$STD_ERR")"
}

testActionlintFindsWhatIsWrong() {
  # The same workflow with a mistake: actionlint must say so.
  local bad="$WORK/bad.yml"
  sed 's/needs: publish$/needs: no-such-job/' "${BUILDPACK_HOME}/.github/workflows/release.yml" >"$bad"
  assertNotEquals "the mistake is made" "" "$(grep 'needs: no-such-job' "$bad")"
  captureExact "$ACTIONLINT" -no-color "$bad"
  assertEquals "actionlint fails" 1 "$RETURN"
  assertCaptured "no-such-job"
}

testTheWorkflowBuildsEveryTargetOnItsArchitecture() {
  local wf="${BUILDPACK_HOME}/.github/workflows/release.yml" target
  for target in $TARGETS; do
    grep -qE "stack: ${target%/*}, arch: ${target#*/}, runner: ubuntu-24.04$([ "${target#*/}" = arm64 ] && echo -arm) " "$wf" ||
      fail "no matrix entry for $target on its runner"
  done
  assertEquals "every action is pinned to a version" "" \
    "$(grep -E 'uses: ' "$wf" | grep -vE 'uses: [a-z-]+/[a-z-]+@v[0-9]+\.[0-9]+\.[0-9]+$')"
  assertContains "the release command" 'bin/support/release "$TAG" --bundles bundles' "$(cat "$wf")"
}

# --- the release -------------------------------------------------------------------

testTheReleaseSucceeds() {
  assertEquals "exit status$(cat "$WORK/release.stderr")" 0 "$RELEASE_STATUS"
  assertContains "Released mod_wsgi-heroku $VERSION into $OUT" "$(cat "$WORK/release.stdout")"
  assertNotContains "the secret is never printed" "$MOTO_SECRET_ACCESS_KEY" \
    "$(cat "$WORK/release.stdout" "$WORK/release.stderr")"
}

testTheBucketsManifestListsEveryBundle() {
  local manifest="$WORK/bucket-manifest.json" target
  moto_aws s3 cp "s3://$PUBLIC/manifest.json" "$manifest" >/dev/null || fail "no manifest.json in the bucket"
  for target in $TARGETS; do
    assertEquals "$target in the manifest" \
      "$(bundleName "$target") ${target%/*} ${target#*/} $APACHE sha256:$(sha256sum <"$BUNDLES/$(bundleName "$target")" | cut -d' ' -f1)" \
      "$(python3 -c 'import json, sys
for b in json.load(open(sys.argv[1]))["bundles"]:
    if b["key"] == sys.argv[2]:
        print(b["key"], b["stack"], b["arch"], b["apache"], "sha256:" + b["sha256"].removeprefix("sha256:"))' \
        "$manifest" "$(bundleName "$target")")"
  done
  assertEquals "five bundles" 5 "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["bundles"]))' "$manifest")"
  assertEquals "the release's manifest.json is the bucket's" "$(cat "$manifest")" "$(cat "$OUT/manifest.json")"
}

testBuildpackTomlRecordsOneDefaultPerTargetAsTheBucketHasIt() {
  local defaults target line uri checksum
  defaults=$(tomlDefaults "$REPO/buildpack.toml")
  assertEquals "one entry per target" 5 "$(grep -c . <<<"$defaults")"
  for target in $TARGETS; do
    line=$(awk -v s="${target%/*}" -v a="${target#*/}" '$1 == s && $2 == a' <<<"$defaults")
    assertNotEquals "an entry for $target" "" "$line"
    read -r _ _ version uri checksum <<<"$line"
    assertEquals "$target: Apache's version" "$APACHE" "$version"
    assertEquals "$target: the object's URL" "$(moto_url "$PUBLIC" "$(bundleName "$target")")" "$uri"
    # What anyone downloads from that URL, without credentials.
    assertEquals "$target: the object's digest" \
      "sha256:$(curl -fsS --noproxy '*' "$uri" | sha256sum | cut -d' ' -f1)" "$checksum"
    assertEquals "$target: the bundle's digest" \
      "sha256:$(sha256sum <"$BUNDLES/$(bundleName "$target")" | cut -d' ' -f1)" "$checksum"
  done
  assertEquals "everything before the entries is as it was" "$ORIGINAL_TOML" \
    "$(head -n "$(grep -c '' <<<"$ORIGINAL_TOML")" "$REPO/buildpack.toml")"
  assertEquals "the release files have the same buildpack.toml" \
    "$(cat "$REPO/buildpack.toml")" "$(cat "$OUT/buildpack.toml")"
}

testThePackageHoldsThatBuildpackToml() {
  local package="$OUT/mod_wsgi-heroku-$VERSION.tgz"
  assertFileExists "$package"
  assertEquals "$(cat "$REPO/buildpack.toml")" "$(tar -xOzf "$package" buildpack.toml)"
  assertContains "with its executables" "bin/support/mod_wsgi-heroku" "$(tar -tzf "$package")"
}

testSha256sumsCoversEveryReleaseFileAndVerifies() {
  local target expected
  expected=$( (for target in $TARGETS; do bundleName "$target"; done
    echo buildpack.toml
    echo manifest.json
    echo "mod_wsgi-heroku-$VERSION.tgz") | LC_ALL=C sort)
  assertEquals "the files listed" "$expected" "$(awk '{ print $2 }' "$OUT/SHA256SUMS")"
  assertEquals "the files in the folder" "$( (echo "$expected"; echo SHA256SUMS) | LC_ALL=C sort)" \
    "$(ls "$OUT" | LC_ALL=C sort)"
  captureExact sh -c 'cd "$1" && sha256sum -c SHA256SUMS' sh "$OUT"
  assertCapturedSuccess
  assertEquals "every file checks" 8 "$(grep -c ': OK$' "$STD_OUT")"
  # It is the files' sums: another byte fails it.
  cp -R "$OUT" "$WORK/tampered"
  echo >>"$WORK/tampered/manifest.json"
  captureExact sh -c 'cd "$1" && sha256sum -c SHA256SUMS' sh "$WORK/tampered"
  assertEquals "a changed file fails the check" 1 "$RETURN"
}

testThePackagesCompileInstallsItsDefaultWithNoConfigVar() {
  local bp="$WORK/package-unpacked"
  rm -rf "$bp"
  mkdir -p "$bp"
  tar -C "$bp" -xzf "$OUT/mod_wsgi-heroku-$VERSION.tgz" || fail "cannot unpack the package"
  useFixture requirements_mod_wsgi
  assertEquals "no config var" "" "$(ls "$ENV_DIR")"
  # This machine's architecture: the stand-in bundle built here runs here.
  local arch
  case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
  captureExact env STACK=heroku-24 "$bp/bin/compile" "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  assertCapturedSuccess
  assertCaptured "default for heroku-24/$arch"
  assertCaptured "Verified sha256:$(sha256sum <"$BUNDLES/$(bundleName "heroku-24/$arch")" | cut -d' ' -f1)"
  assertFileExists "$BUILD_DIR/.whiskey/apache/bin/httpd"
  assertNoStaging
}

# --- bad inputs ---------------------------------------------------------------------

testAMissingBundleStopsItBeforeAnythingIsPublished() {
  local repo partial="$WORK/partial-bundles"
  repo=$(checkoutCopy missing)
  rm -rf "$partial"
  cp -R "$BUNDLES" "$partial"
  rm "$partial/$(bundleName heroku-26/arm64)"
  runRelease "$repo" "$VERSION" --bundles "$partial" --out "$WORK/failed-out" --bucket "$UNUSED" \
    --endpoint "$MOTO_ENDPOINT"
  assertRefused "A bundle is missing for heroku-26/arm64" "$repo"
  assertStderr "whiskey-heroku-26-arm64-apache-$APACHE.tar.zst (or .tar.gz)"
  assertStderr "Nothing was published."
  assertFalse "no manifest in the bucket" "moto_aws s3 ls 's3://$UNUSED/manifest.json' >/dev/null 2>&1"
}

testABundleForAnotherTargetStopsItBeforeAnythingIsPublished() {
  local repo wrong="$WORK/wrong-bundles"
  repo=$(checkoutCopy wrong)
  rm -rf "$wrong"
  cp -R "$BUNDLES" "$wrong"
  cp "$BUNDLES/$(bundleName heroku-24/amd64)" "$wrong/$(bundleName heroku-24/arm64)"
  runRelease "$repo" "$VERSION" --bundles "$wrong" --out "$WORK/failed-out" --bucket "$UNUSED" \
    --endpoint "$MOTO_ENDPOINT"
  assertRefused "The bundle for heroku-24/arm64 is another one" "$repo"
  assertStderr "says it is for heroku-24/amd64 Apache $APACHE"
  assertFalse "no manifest in the bucket" "moto_aws s3 ls 's3://$UNUSED/manifest.json' >/dev/null 2>&1"
}

testNoBucketStopsIt() {
  local repo
  repo=$(checkoutCopy nobucket)
  runRelease "$repo" "$VERSION" --bundles "$BUNDLES" --out "$WORK/failed-out" --endpoint "$MOTO_ENDPOINT"
  assertRefused "No bucket to publish to" "$repo"
  assertStderr "Neither --bucket nor WHISKEY_BUCKET is set."
}

testAnotherVersionThanBuildpackTomlsStopsIt() {
  local repo
  repo=$(checkoutCopy version)
  runRelease "$repo" "v9.9.9" --bundles "$BUNDLES" --out "$WORK/failed-out" --bucket "$UNUSED" \
    --endpoint "$MOTO_ENDPOINT"
  assertRefused "The version does not match buildpack.toml" "$repo"
  assertStderr "The release is of 9.9.9, and buildpack.toml's [buildpack] version is $VERSION."
  runRelease "$repo" "latest" --bundles "$BUNDLES" --out "$WORK/failed-out" --bucket "$UNUSED"
  assertRefused "Invalid version 'latest'" "$repo"
}

testAPrivateBucketIsPublishedButNotRecorded() {
  local repo
  repo=$(checkoutCopy private)
  runRelease "$repo" "$VERSION" --bundles "$BUNDLES" --out "$WORK/failed-out" --bucket "$PRIVATE" \
    --endpoint "$MOTO_ENDPOINT"
  assertRefused "The bundle cannot be downloaded without credentials" "$repo"
  assertStderr " !     Error: Publishing heroku-22/amd64 failed"
  assertStderr "Nothing was published before it."
}

testWithoutCredentialsItStopsAtOnce() {
  local repo
  repo=$(checkoutCopy nocreds)
  captureExact env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$repo/bin/support/release" \
    "$VERSION" --bundles "$BUNDLES" --out "$WORK/failed-out" --bucket "$UNUSED"
  assertRefused "No AWS credentials" "$repo"
}
