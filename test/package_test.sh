#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# The release package on a bare system: bin/support/package builds it, and
# it is unpacked into a minimal Debian root (debootstrap --variant=minbase:
# no libcurl, no libarchive, no -dev packages; see
# test/support/debian_root.sh), where bin/detect, bin/compile and
# bin/release run through chroot on an app inside the root. The real Apache
# bundle is served by moto on 127.0.0.1 (the root shares this machine's
# network), and over HTTPS by a server whose private CA the root keeps where
# Fedora keeps its CA file.
#
# Needs root (chroot, mount). /proc is mounted in the root when it can be;
# one test runs the build without it.

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
# shellcheck source=test/support/debian_root.sh
. "${BUILDPACK_HOME}/test/support/debian_root.sh"

BUCKET=whiskey-package
# The bundle is built for this machine's stack, as the root is.
ROOT_STACK=debian-12
# Where the package and the app are, inside the root.
BP=/buildpack
# Fedora's place for the CA file: not the one Debian's libcurl is built with.
ROOT_CA=/etc/pki/tls/certs/ca-bundle.crt

oneTimeSetUp() {
  WORK="${SHUNIT_TMPDIR}/package"
  ROOT="$WORK/root"
  mkdir -p "$WORK" || return 1
  needsRoot package_test || return 1
  apache_bundle || return 1
  BUNDLE_NAME=$(basename "$APACHE_BUNDLE")

  "${BUILDPACK_HOME}/bin/support/package" --out "$WORK/out" >"$WORK/package.log" 2>&1 ||
    { cat "$WORK/package.log" >&2; return 1; }
  PACKAGE=$(ls "$WORK"/out/mod_wsgi-heroku-*.tgz) || return 1

  debian_root_tarball || return 1
  debian_root_unpack "$ROOT" || return 1
  mkdir -p "$ROOT$BP" && tar -C "$ROOT$BP" -xzf "$PACKAGE" || return 1
  if mount -t proc proc "$ROOT/proc" 2>"$WORK/mount.log"; then
    PROC_MOUNTED=1
  else
    echo "package_test: /proc cannot be mounted in the root; the builds run without it" >&2
  fi

  moto_start --public "$BUCKET" || return 1
  moto_put "$BUCKET" "$BUNDLE_NAME" "$APACHE_BUNDLE" || return 1
  tlsServerStart || return 1
}

# (shunit2 may call it twice: once at the end, once on exit.)
oneTimeTearDown() {
  moto_stop
  if [ -n "${TLS_PID:-}" ]; then
    kill "$TLS_PID" 2>/dev/null
    wait "$TLS_PID" 2>/dev/null
    TLS_PID=""
  fi
  if [ -n "${PROC_MOUNTED:-}" ]; then
    umount "$ROOT/proc" && PROC_MOUNTED=""
  fi
  # Nothing may stay mounted under what is removed.
  if [ -n "${ROOT:-}" ] && ! grep -q " $ROOT/" /proc/mounts; then
    rm -rf "$ROOT"
  fi
}

# An HTTPS server for the bundle, its certificate signed by a CA of its own.
tlsServerStart() {
  local tls="$WORK/tls"
  test_certificates "$tls" 127.0.0.1 IP:127.0.0.1 || return 1
  fault_server_start "$APACHE_BUNDLE" "$tls" --tls "$tls/server.pem" "$tls/server.key" || return 1
  TLS_PID=$FAULT_PID
  TLS_URL="https://127.0.0.1:$FAULT_PORT/$BUNDLE_NAME"
  TLS_CA="$tls/ca.pem"
}

# Each test's app, cache and config live in the root, as /app, /cache and
# /env there.
afterSetUp() {
  rm -rf "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  BUILD_DIR="$ROOT/app"
  CACHE_DIR="$ROOT/cache"
  ENV_DIR="$ROOT/env"
  rm -rf "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR" "$ROOT$BP/export" "$ROOT$ROOT_CA"
  mkdir -p "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  useFixture requirements_mod_wsgi
}

# inRoot COMMAND [ARG...]: captures COMMAND run in the root, with an
# environment of its own.
inRoot() {
  captureExact chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME=/root LANG=C.UTF-8 STACK="$ROOT_STACK" "$@"
}

compileInRoot() {
  inRoot "$BP/bin/compile" /app /cache /env
}

useBucketBundle() {
  setConfig WHISKEY_URL "$(moto_url "$BUCKET" "$BUNDLE_NAME")"
  setConfig WHISKEY_SHA256 "$1"
}

assertInstalled() {
  assertCapturedSuccess
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertFileExists "$BUILD_DIR/.whiskey/apache/bin/httpd"
  assertNoStaging
}

# --- the package itself ----------------------------------------------------------

testThePackageHoldsTheBuildpackAtTheTopOfTheArchive() {
  local entries
  entries=$(tar -tzf "$PACKAGE")
  for entry in bin/detect bin/compile bin/release bin/build bin/support/helper.sh \
    bin/support/mod_wsgi-heroku bin/support/mod_wsgi-heroku-start bin/support/lib/libcurl.so.4 \
    buildpack.toml README.md vendor/apache/sources.txt vendor/apache/build-tree.sh; do
    grep -qxF -e "$entry" <<<"$entries" || fail "no $entry in the archive"
  done
  assertEquals "entries are sorted" "$(LC_ALL=C sort <<<"$entries")" "$entries"
  assertEquals "no build tree, sources or tests" "" "$(grep -E '^(build|src|test)/' <<<"$entries")"
  # Of the recipe, what compile builds Apache with: its pins, its steps and
  # its patches (not the maintainers' build.sh and Dockerfiles).
  assertEquals "the recipe compile builds Apache with" \
    "$(cd "${BUILDPACK_HOME}" && { printf '%s\n' vendor/ vendor/apache/ vendor/apache/build-tree.sh vendor/apache/patches/ vendor/apache/sources.txt; ls vendor/apache/patches/*.patch; } | LC_ALL=C sort)" \
    "$(grep -E '^vendor/' <<<"$entries")"
  assertEquals "owned by 0:0" "" "$(tar -tvzf "$PACKAGE" | awk '$2 != "0/0"')"
  assertEquals "the C library and C++ runtime are the system's" "" \
    "$(grep -E 'lib/(libc|libm|libstdc\+\+|libgcc_s|ld-linux)[.-]' <<<"$entries")"
  # (tar marks folders with a trailing slash)
  assertEquals "the folder holds the same tree" "$entries" \
    "$(cd "${PACKAGE%.tgz}" && find . -mindepth 1 \( -type d -printf '%P/\n' \) -o -printf '%P\n' |
      LC_ALL=C sort)"
}

testThePackageIsReproducible() {
  SOURCE_DATE_EPOCH=1700000000 "${BUILDPACK_HOME}/bin/support/package" --out "$WORK/again1" \
    >"$WORK/again.log" 2>&1 || fail "package: $(cat "$WORK/again.log")"
  SOURCE_DATE_EPOCH=1700000000 "${BUILDPACK_HOME}/bin/support/package" --out "$WORK/again2" \
    >"$WORK/again.log" 2>&1 || fail "package: $(cat "$WORK/again.log")"
  assertEquals "$(cd "$WORK/again1" && sha256sum ./*.tgz)" "$(cd "$WORK/again2" && sha256sum ./*.tgz)"
  assertContains "every time is SOURCE_DATE_EPOCH" " 2023-11-14 22:13 bin/detect" \
    "$(TZ=UTC tar -tvzf "$WORK"/again1/*.tgz bin/detect)"
  rm -rf "$WORK/again1" "$WORK/again2"
}

# packageVersion BUILDPACK_TOML: the version bin/support/package gives a
# repository with this CMakeLists.txt and BUILDPACK_TOML ("" for none). The
# copy has this checkout's package build (made by oneTimeSetUp), whose
# helper reads buildpack.toml: --version builds nothing.
packageVersion() {
  local repo="$WORK/version-repo"
  rm -rf "$repo"
  mkdir -p "$repo/bin/support" "$repo/build"
  cp "${BUILDPACK_HOME}/bin/support/package" "$repo/bin/support/"
  cp "${BUILDPACK_HOME}/CMakeLists.txt" "$repo/"
  ln -s "${BUILDPACK_HOME}/build/package-build" "$repo/build/package-build"
  [ -z "$1" ] || printf '%s\n' "$1" >"$repo/buildpack.toml"
  "$repo/bin/support/package" --version
}

testTheVersionIsBuildpackTomlsElseCMakes() {
  local cmake
  cmake=$(sed -n 's/^project(.*VERSION \([0-9.]*\).*/\1/p' "${BUILDPACK_HOME}/CMakeLists.txt")
  assertNotEquals "" "$cmake"
  assertEquals "$cmake" "$(packageVersion "")"
  assertEquals "$cmake" "$(packageVersion '[buildpack]
name = "Apache/mod_wsgi"')"
  assertEquals "2.3.4" "$(packageVersion 'api = "0.10"

[buildpack]
id = "whiskey/mod-wsgi"
  version   =   "2.3.4"  # a comment

[publish.Ignore]
files = ["build/"]')"
  assertEquals "a version in another table is not the buildpack's" "$cmake" \
    "$(packageVersion '[buildpack]
name = "x"
[[targets]]
version = "9.9.9"')"
  assertEquals "TOML's other forms are read as the buildpack reads them" "2.3.5" \
    "$(packageVersion "[buildpack]
'version' = '2.3.5'")"
}

testAMalformedBuildpackTomlStopsThePackage() {
  local status=0 err
  packageVersion '[buildpack]
version = "2.3.4' >"$WORK/version.out" 2>"$WORK/version.err" || status=$?
  err=$(cat "$WORK/version.err")
  assertEquals "the exit status" 1 "$status"
  assertContains "the reader's words" "buildpack.toml: line 2: a string is not closed on its line" "$err"
  assertContains "package: buildpack.toml cannot be read" "$err"
  assertEquals "no version" "" "$(cat "$WORK/version.out")"
}

# --- the root is bare ---------------------------------------------------------

testTheRootHasNoLibcurlLibarchiveOrDevelopmentFiles() {
  # shellcheck disable=SC2016 # dpkg-query's fields
  inRoot dpkg-query -W -f '${Package} ${Status}\n'
  assertCapturedSuccess
  local installed
  installed=$(awk '$NF == "installed" { print $1 }' "$STD_OUT")
  assertContains "the C library" "libc6" "$installed"
  assertContains "the C++ runtime" "libstdc++6" "$installed"
  assertEquals "no libcurl, libarchive or -dev package" "" \
    "$(grep -E '^(libcurl|libarchive)|-dev(:|$)' <<<"$installed")"
  assertFileDoesNotExist "no CA file where Debian keeps it" \
    "$ROOT/etc/ssl/certs/ca-certificates.crt"
}

testEveryExecutableAndCarriedLibraryFindsItsLibraries() {
  local file files=("$BP/bin/support/mod_wsgi-heroku" "$BP/bin/support/mod_wsgi-heroku-start")
  for file in "$ROOT$BP"/bin/support/lib/*.so*; do files+=("$BP/bin/support/lib/$(basename "$file")"); done
  assertTrue "libraries are carried" "[ ${#files[@]} -gt 2 ]"
  for file in "${files[@]}"; do
    inRoot ldd "$file"
    assertEquals "ldd $file$(capturedOutput)" 0 "$RETURN"
    assertNotCaptured "not found"
    assertCaptured "libc.so.6"
  done
  inRoot ldd "$BP/bin/support/mod_wsgi-heroku"
  assertCaptured "libcurl.so.4 => $BP/bin/support/lib/libcurl.so.4"
  assertCaptured "libssl.so.3 => $BP/bin/support/lib/libssl.so.3"
  assertNotCaptured "libarchive"
  inRoot ldd "$BP/bin/support/mod_wsgi-heroku-start"
  assertNotCaptured "$BP/bin/support/lib/"
}

# --- the classic flow ------------------------------------------------------------

testDetect() {
  inRoot "$BP/bin/detect" /app
  assertAppDetected "${DETECTED_NAME}"
}

testDetectOfAnotherApp() {
  rm -rf "${BUILD_DIR:?}"/*
  echo "just text" >"$BUILD_DIR/README"
  inRoot "$BP/bin/detect" /app
  assertNotDetected
}

testCompileInstallsTheVerifiedBundleAndReleaseNamesTheWebProcess() {
  useBucketBundle "$APACHE_BUNDLE_SHA256"
  compileInRoot
  assertInstalled
  assertCaptured "Installing Apache from $BUNDLE_NAME"
  assertFileExists "$BUILD_DIR/.whiskey/bin/mod_wsgi-heroku-start"
  assertFileExists "$BUILD_DIR/.profile.d/whiskey.sh"
  assertFileExists "the environment for the buildpacks after this one" "$ROOT$BP/export"

  inRoot "$BP/bin/release" /app
  assertCapturedSuccess
  assertCaptured "default_process_types:"
  assertCaptured "web: mod_wsgi-heroku-start wsgi.py"
}

testTheCloudNativeFlowRunsInTheRootToo() {
  rm -rf "$ROOT/layers" "$ROOT/platform"
  mkdir -p "$ROOT/layers/bp" "$ROOT/platform/env"
  printf %s "$(moto_url "$BUCKET" "$BUNDLE_NAME")" >"$ROOT/platform/env/WHISKEY_URL"
  printf %s "$APACHE_BUNDLE_SHA256" >"$ROOT/platform/env/WHISKEY_SHA256"
  captureExact chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
    LANG=C.UTF-8 STACK="$ROOT_STACK" CNB_PLATFORM_DIR=/platform CNB_BUILD_PLAN_PATH=/plan.toml \
    sh -c 'cd /app && exec "$1/bin/detect"' sh "$BP"
  assertEquals "CNB detect passes" 0 "$RETURN"
  captureExact chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
    LANG=C.UTF-8 STACK="$ROOT_STACK" CNB_LAYERS_DIR=/layers/bp CNB_PLATFORM_DIR=/platform \
    CNB_BP_PLAN_PATH=/bp-plan.toml CNB_BUILDPACK_DIR="$BP" sh -c 'cd /app && exec "$1/bin/build"' sh "$BP"
  assertCapturedSuccess
  assertCaptured "Verified sha256:$APACHE_BUNDLE_SHA256"
  assertFileExists "$ROOT/layers/bp/apache/apache/bin/httpd"
  assertFileExists "$ROOT/layers/bp/apache/bin/mod_wsgi-heroku-start"
  assertFileExists "$ROOT/layers/bp/launch.toml"
  rm -rf "$ROOT/layers" "$ROOT/platform"
}

testWrongDigestIsRefusedAndNothingIsInstalled() {
  local wrong
  wrong=$(sha256sum <<<"another bundle" | cut -d' ' -f1)
  useBucketBundle "$wrong"
  compileInRoot
  assertBuildFailed "The Apache bundle failed verification"
  assertStderr "expected: $wrong"
  assertStderr "actual:   $APACHE_BUNDLE_SHA256"
  assertFileDoesNotExist "$ROOT$BP/export"
}

testCompileWithoutProc() {
  if [ -n "${PROC_MOUNTED:-}" ]; then
    umount "$ROOT/proc" || fail "cannot unmount the root's /proc"
  fi
  useBucketBundle "$APACHE_BUNDLE_SHA256"
  compileInRoot
  if [ -n "${PROC_MOUNTED:-}" ]; then
    mount -t proc proc "$ROOT/proc" || fail "cannot mount the root's /proc again"
  fi
  assertInstalled
  assertFileExists "the launcher is found beside the helper" \
    "$BUILD_DIR/.whiskey/bin/mod_wsgi-heroku-start"
  assertEquals "it is the package's launcher" \
    "$(sha256sum <"$ROOT$BP/bin/support/mod_wsgi-heroku-start")" \
    "$(sha256sum <"$BUILD_DIR/.whiskey/bin/mod_wsgi-heroku-start")"
}

# --- the system's CA file ---------------------------------------------------------

testHttpsTrustsTheSystemsCaFile() {
  mkdir -p "$(dirname "$ROOT$ROOT_CA")"
  cp "$TLS_CA" "$ROOT$ROOT_CA"
  setConfig WHISKEY_URL "$TLS_URL"
  setConfig WHISKEY_SHA256 "$APACHE_BUNDLE_SHA256"
  compileInRoot
  assertInstalled
}

testHttpsWithoutTheCaIsRefused() {
  setConfig WHISKEY_URL "$TLS_URL"
  setConfig WHISKEY_SHA256 "$APACHE_BUNDLE_SHA256"
  compileInRoot
  assertBuildFailed "The Apache bundle could not be downloaded"
  assertStderr "certificate"
}
