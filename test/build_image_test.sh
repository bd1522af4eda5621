#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# A plain git checkout of the buildpack on Heroku's build image, as
# `heroku buildpacks:add https://github.com/ORG/mod_wsgi-heroku.git` runs it:
# no release package, nothing installed for it. The image is the stand-in of
# test/support/build_image_root.sh (Debian 12 with what heroku-24-build
# installs: no libarchive-dev, no nlohmann-json3-dev), entered with chroot;
# its apt sources are a signed repository on 127.0.0.1, and the real Apache
# bundle, named for heroku-24 and heroku-26, is in an S3 server on 127.0.0.1
# with its manifest. Every build runs bin/detect, bin/compile and
# bin/release of a fresh copy of the checkout, as each Heroku build clones
# the buildpack anew; the app's cache is what carries from one build to the
# next.
#
# Prints the figures of the first and later builds (FIGURE lines).
#
# Needs root (chroot, mount).

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
# shellcheck source=test/support/build_image_root.sh
. "${BUILDPACK_HOME}/test/support/build_image_root.sh"
# shellcheck source=test/support/source_mirror.sh
. "${BUILDPACK_HOME}/test/support/source_mirror.sh"

BUCKET=whiskey-image
# Where the checkout is, inside the root.
BP=/buildpack

oneTimeSetUp() {
  WORK="${SHUNIT_TMPDIR}/build-image"
  ROOT="$WORK/root"
  mkdir -p "$WORK" || return 1
  needsRoot build_image_test || return 1
  build_image_root || return 1
  build_image_root_unpack "$ROOT" || return 1
  mount -t proc proc "$ROOT/proc" && PROC_MOUNTED=1 || return 1
  apt_repo_start "$ROOT" || return 1
  # The dyno's user, as on Heroku's run image.
  chroot "$ROOT" useradd -u 1000 -m dyno >/dev/null 2>&1

  apache_bundle || return 1
  moto_start --public "$BUCKET" || return 1
  publishBundleFor heroku-24 && publishBundleFor heroku-26 || return 1
}

# (shunit2 may call it twice: once at the end, once on exit.)
oneTimeTearDown() {
  if [ -n "${WEB_PID:-}" ]; then
    stop_web 20
    WEB_PID=""
  fi
  moto_stop
  source_mirror_stop
  apt_repo_stop
  if [ -n "${PROC_MOUNTED:-}" ]; then
    umount "$ROOT/proc" && PROC_MOUNTED=""
  fi
  if [ -n "${ROOT:-}" ] && ! grep -q " $ROOT/" /proc/mounts; then
    rm -rf "$ROOT"
  fi
}

# publishBundleFor STACK: the real bundle, recorded as built for STACK (the
# root stands in for it), published to the bucket with its manifest.
publishBundleFor() {
  local bundle
  bundle="$WORK/$(basename "$APACHE_BUNDLE" | sed "s/-debian-12-/-$1-/")"
  python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" restack "$APACHE_BUNDLE" "$bundle" "$1" &&
    AWS_ACCESS_KEY_ID=$MOTO_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$MOTO_SECRET_ACCESS_KEY \
      "$(buildpackHelper)" publish "$bundle" --bucket "$BUCKET" --endpoint "$MOTO_ENDPOINT" >"$WORK/publish.log" 2>&1 ||
    { cat "$WORK/publish.log" >&2; return 1; }
}

# Each test's app, cache and config live in the root, as /app, /cache and /env.
afterSetUp() {
  rm -rf "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  BUILD_DIR="$ROOT/app"
  CACHE_DIR="$ROOT/cache"
  ENV_DIR="$ROOT/env"
  rm -rf "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  mkdir -p "$BUILD_DIR" "$CACHE_DIR" "$ENV_DIR"
  # The helper the first build kept, so that the tests after it do not
  # each build it again.
  if [ -d "$WORK/kept-helper" ]; then
    cp -a "$WORK/kept-helper" "$CACHE_DIR/mod_wsgi-heroku"
  fi
  useFixture demo_flask_app
  setConfig WHISKEY_BUCKET "$BUCKET"
  setConfig WHISKEY_S3_ENDPOINT "$MOTO_ENDPOINT"
  freshCheckout
}

# freshCheckout: the buildpack as a new build clones it: the checkout's
# files, no build/ folder.
freshCheckout() {
  rm -rf "${ROOT:?}$BP"
  mkdir -p "$ROOT$BP" &&
    tar -C "${BUILDPACK_HOME}" --exclude=./build --exclude='./build-*' --exclude=./.git -cf - . |
    tar -C "$ROOT$BP" -xf -
}

# inRoot STACK COMMAND [ARG...]: captures COMMAND run in the root on STACK,
# with an environment of its own.
inRoot() {
  local stack=$1
  shift
  captureExact chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    HOME=/root LANG=C.UTF-8 STACK="$stack" "$@"
}

# build STACK: detect, compile and release, as a Heroku build runs them;
# stops at the first that fails. Sets SECONDS_DETECT and SECONDS_COMPILE.
build() {
  local start=$SECONDS
  inRoot "$1" "$BP/bin/detect" /app
  SECONDS_DETECT=$((SECONDS - start))
  assertAppDetected "${DETECTED_NAME}" || return 1
  start=$SECONDS
  inRoot "$1" "$BP/bin/compile" /app /cache /env
  SECONDS_COMPILE=$((SECONDS - start))
  assertCapturedSuccess || return 1
  assertCaptured "Verified sha256:" || return 1
  assertFileExists "$BUILD_DIR/.whiskey/apache/bin/httpd" || return 1
  cp "$STD_OUT" "$WORK/compile.out"
  inRoot "$1" "$BP/bin/release" /app
  assertCapturedSuccess || return 1
  assertCaptured "web: mod_wsgi-heroku-start wsgi.py"
}

# --- the stand-in itself ----------------------------------------------------------

testTheRootLacksWhatHerokusBuildImageLacks() {
  captureExact chroot "$ROOT" dpkg-query -W -f '${Package} ${Status}\n' cmake g++ make pkgconf \
    libcurl4-openssl-dev libssl-dev zlib1g-dev
  assertCapturedSuccess
  assertEquals "what the image has" 7 "$(grep -c ' installed$' "$STD_OUT")"
  for package in libarchive-dev nlohmann-json3-dev catch2 ninja-build; do
    captureExact chroot "$ROOT" dpkg-query -W -f '${Status}' "$package"
    assertNotContains "$package is not installed" "install ok installed" "$(cat "$STD_OUT")"
  done
  assertFalse "no libarchive headers" "[ -e '$ROOT/usr/include/archive.h' ]"
  assertFalse "no nlohmann headers" "[ -e '$ROOT/usr/include/nlohmann/json.hpp' ]"
}

# --- builds -------------------------------------------------------------------------

testAHelperBuildCutOffFailsTheSameWayTwiceThenSucceeds() {
  apt_repo_stop
  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  assertEquals "compile fails" 1 "$RETURN"
  assertStderr "Error: the mod_wsgi-heroku buildpack could not be built"
  assertStderr "This system lacks: libarchive-dev nlohmann-json3-dev."
  assertStderr "Could not connect to 127.0.0.1"
  sed 's/[0-9]\+ s\b/N s/g' "$STD_ERR" >"$WORK/first.err"
  assertEquals "nothing kept in the cache" "" "$(ls -A "$CACHE_DIR/mod_wsgi-heroku" 2>/dev/null)"
  assertEquals "no stray folders in the build folder" "" \
    "$(find "$ROOT$BP/build" -maxdepth 1 -name '*.tmp*' 2>/dev/null)"

  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  assertEquals "the same failure" 1 "$RETURN"
  sed 's/[0-9]\+ s\b/N s/g' "$STD_ERR" >"$WORK/second.err"
  assertEquals "the same error, word for word" "$(cat "$WORK/first.err")" "$(cat "$WORK/second.err")"

  apt_repo_start "$ROOT"
  local start=$SECONDS
  build heroku-24
  echo "FIGURE first build on heroku-24: detect ${SECONDS_DETECT} s (the detect program built), compile ${SECONDS_COMPILE} s (of which the fetch and the helper's build: $(sed -n 's/^ *Built in //p' "$WORK/compile.out")), whole $((SECONDS - start)) s"
  assertFileContains "Building the buildpack's helper from source" "$WORK/compile.out"
  assertFileContains "Fetching what this system lacks for the build with apt-get: libarchive-dev nlohmann-json3-dev" \
    "$WORK/compile.out"
  assertFileContains "Installing Apache from whiskey-heroku-24-" "$WORK/compile.out"
  cp -a "$CACHE_DIR/mod_wsgi-heroku" "$WORK/kept-helper"
}

testALaterBuildReusesTheHelperFromTheCache() {
  build heroku-24 || return
  # The next build: a new clone of the buildpack, the same app cache.
  freshCheckout
  local start=$SECONDS
  build heroku-24
  echo "FIGURE later build on heroku-24 (helper from the cache, bundle from the cache): detect ${SECONDS_DETECT} s, compile ${SECONDS_COMPILE} s, whole $((SECONDS - start)) s"
  assertFileNotContains "Building the buildpack's helper" "$WORK/compile.out"
  assertFileNotContains "Fetching what this system lacks" "$WORK/compile.out"
}

testHeroku26() {
  build heroku-26 || return
  assertFileContains "Stack: heroku-26" "$WORK/compile.out"
  assertFileContains "Installing Apache from whiskey-heroku-26-" "$WORK/compile.out"
}

# --- the web process --------------------------------------------------------------

# The Python buildpack's part, after this one's as on Heroku: a Python with
# its headers (installed from the debs kept with the root; heroku/python
# brings its own), a virtualenv at /app/.heroku/python and the app's
# requirements from PyPI, mod_wsgi built against the app's Apache through
# the export this buildpack wrote.
pythonBuildpackInRoot() {
  mkdir -p "$ROOT/tmp/python" && cp -R "$BUILD_IMAGE_ROOT_DIR/python/." "$ROOT/tmp/python/" &&
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf" &&
    # This machine's CAs, which may include a proxy's that Debian's lack.
    cp "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$ROOT/tmp/python/ca.pem" &&
    chroot "$ROOT" sh -c 'dpkg -i /tmp/python/debs/*.deb' >"$WORK/python.log" 2>&1 &&
    chroot "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root PIP_CERT=/tmp/python/ca.pem sh -c '
      . /buildpack/export &&
      python3 -m venv /app/.heroku/python &&
      /app/.heroku/python/bin/pip install -q --disable-pip-version-check \
        -r /app/requirements.txt' >>"$WORK/python.log" 2>&1 ||
    { cat "$WORK/python.log" >&2; return 1; }
  mkdir -p "$BUILD_DIR/.profile.d" &&
    echo 'export PATH="$HOME/.heroku/python/bin:$PATH"' >"$BUILD_DIR/.profile.d/python.sh"
}

# webAnswers: the app's web process, run as a dyno runs it (the dyno's user,
# HOME the app, .profile.d sourced), answers HTTP and stops on SIGTERM.
webAnswers() {
  chown -R 1000:1000 "$BUILD_DIR"
  local port
  port=$(closedPort)
  setsid chroot --userspec=1000:1000 "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
    HOME=/app PORT="$port" DYNO=web.1 TMPDIR=/tmp bash -c '
      cd /app && for f in .profile.d/*.sh; do . "$f"; done
      exec mod_wsgi-heroku-start wsgi.py' >"$WORK/web.log" 2>&1 </dev/null &
  WEB_PID=$!
  local body=""
  wait_http "$port" 30 && body=$(curl -s --max-time 5 "http://127.0.0.1:$port/")
  assertNotNull "the web process answers (log: $(tail -n 20 "$WORK/web.log"))" "$body"
  assertFileContains "mod_wsgi-heroku-start:" "$WORK/web.log"
  assertTrue "every process of the web process stops on SIGTERM" "stop_web 20"
  WEB_PID=""
}

testTheWebProcessAnswersOnTheImage() {
  build heroku-24 || return
  pythonBuildpackInRoot || { fail "the Python buildpack's stand-in failed"; return; }
  webAnswers
}

# --- Apache built from the recipe: no bundle configured or published ---------------

# noBundleConfigured: the app's config names no bundle; Apache's sources
# come from the mirror on 127.0.0.1.
noBundleConfigured() {
  rm -f "$ENV_DIR/WHISKEY_BUCKET" "$ENV_DIR/WHISKEY_S3_ENDPOINT"
  setConfig WHISKEY_APACHE_MIRROR "$SOURCE_MIRROR_URL"
}

# assertNothingKept: a failed build of Apache left nothing: no built bundle
# in the cache, no Apache in the app, no work folder.
assertNothingKept() {
  assertEquals "no built Apache in the cache" "" \
    "$(find "$CACHE_DIR" -path '*whiskey-apache-build*' -type f 2>/dev/null)"
  assertFalse "no Apache in the app" "[ -e '$BUILD_DIR/.whiskey/apache' ]"
  assertEquals "no work folder left" "" "$(find "$ROOT/tmp" -maxdepth 1 -name 'whiskey-apache.*')"
}

testWithNoBundleApacheIsBuiltCachedAndTheAppAnswers() {
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  noBundleConfigured
  local start=$SECONDS
  build heroku-24 || { source_mirror_stop; return; }
  local first=$SECONDS_COMPILE
  echo "FIGURE first build with no bundle (Apache compiled from the recipe) on heroku-24: compile ${first} s ($(sed -n 's/^ *Built Apache [0-9.]* in \([^;]*\);.*/Apache built in \1/p' "$WORK/compile.out")), whole $((SECONDS - start)) s"
  assertFileContains "Building Apache 2.4.68 from the buildpack's recipe" "$WORK/compile.out"
  assertFileContains "No Apache bundle is configured, and this buildpack records none for heroku-24/" \
    "$WORK/compile.out"
  assertFileContains "To skip this build, publish a bundle and set WHISKEY_BUCKET" "$WORK/compile.out"
  assertFileContains "httpd-2.4.68.tar.gz: " "$WORK/compile.out"
  assertFileContains "Building httpd 2.4.68 (" "$WORK/compile.out"
  assertFileContains "Built Apache 2.4.68 in " "$WORK/compile.out"
  assertFileContains "Installing Apache 2.4.68, built from the buildpack's recipe" "$WORK/compile.out"
  # Progress at least every 10 s: the progress lines' times (the compile so
  # far) are 10 s apart, from the first 10 s to the end of the compile.
  local times built
  times=$(sed -n -E 's/^       [A-Z][^(]* \((([0-9]+)m)?([0-9]+) ?s\)$/\2:\3/p' "$WORK/compile.out" |
    awk -F: '{ print $1 * 60 + $2 }' | tr '\n' ' ')
  built=$(sed -n -E 's/^ *Built Apache [0-9.]+ in (([0-9]+)m)?([0-9]+) ?s;.*/\2:\3/p' "$WORK/compile.out" |
    awk -F: '{ print $1 * 60 + $2 }')
  assertTrue "progress lines every 10 s, to the end ($times; built in $built s)" \
    "echo $times | awk -v built=$built '{ last = 0; for (i = 1; i <= NF; i++) { if (\$i - last > 10) exit 1; last = \$i } exit (built - last > 15) }'"
  assertEquals "one bundle and its key in the cache" 2 \
    "$(find "$CACHE_DIR/whiskey-apache-build" -type f | wc -l)"
  # heroku-24-build has no nghttp2 headers: no mod_http2.
  assertFalse "no mod_http2" "[ -e '$BUILD_DIR/.whiskey/apache/modules/mod_http2.so' ]"
  assertTrue "mod_ssl" "[ -e '$BUILD_DIR/.whiskey/apache/modules/mod_ssl.so' ]"
  # The recipe's bill of materials, written on the build image, is in the slug.
  assertFileContains "Bill of materials: .whiskey/apache/sbom.cdx.json" "$WORK/compile.out"
  assertEquals "a valid bill of materials for heroku-24" "ok" \
    "$(apache_sbom_check "$BUILD_DIR/.whiskey/apache/sbom.cdx.json" heroku-24 "$(dpkg --print-architecture)")"
  pythonBuildpackInRoot || { fail "the Python buildpack's stand-in failed"; return; }
  webAnswers

  # The next build: a new clone, the same cache, and the sources gone.
  source_mirror_stop
  rm -rf "${BUILD_DIR:?}"/.whiskey "$BUILD_DIR/.heroku" "$BUILD_DIR/.profile.d"
  freshCheckout
  start=$SECONDS
  build heroku-24 || return
  echo "FIGURE second build with no bundle (Apache from the build cache) on heroku-24: compile ${SECONDS_COMPILE} s, whole $((SECONDS - start)) s"
  assertFileContains "Built by an earlier build of this app" "$WORK/compile.out"
  assertFileNotContains "Building Apache" "$WORK/compile.out"
  assertFileContains "Reused the bundle from the build cache" "$WORK/compile.out"
}

testASourceOffItsPinFailsAndKeepsNothing() {
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  echo tampered >>"$SOURCE_MIRROR_DIR/httpd/httpd-2.4.68.tar.gz"
  noBundleConfigured
  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  source_mirror_stop
  assertEquals "compile fails" 1 "$RETURN"
  assertStderr "Apache 2.4.68 could not be built: a source does not match its pin"
  assertStderr "httpd-2.4.68.tar.gz from ${SOURCE_MIRROR_URL}httpd/httpd-2.4.68.tar.gz"
  assertStderr "It was altered or damaged: nothing was compiled."
  assertNotCaptured "Compiling with"
  assertNothingKept
}

testASourceNotFoundFailsAndKeepsNothing() {
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  rm "$SOURCE_MIRROR_DIR/apr/apr-util-1.6.3.tar.bz2"
  noBundleConfigured
  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  source_mirror_stop
  assertEquals "compile fails" 1 "$RETURN"
  assertStderr "Apache 2.4.68 could not be built: its sources could not be downloaded"
  assertStderr "answered 404"
  assertStderr "WHISKEY_APACHE_MIRROR names a mirror without apr-util-1.6.3.tar.bz2"
  assertNotCaptured "Compiling with"
  assertNothingKept
}

testNoCompilerFailsAndKeepsNothing() {
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  noBundleConfigured
  # The image without its C compiler (the helper is kept from an earlier
  # build, and detect needs only c++).
  mv "$ROOT/usr/bin/cc" "$ROOT/usr/bin/cc.hidden" && mv "$ROOT/usr/bin/gcc" "$ROOT/usr/bin/gcc.hidden"
  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  mv "$ROOT/usr/bin/cc.hidden" "$ROOT/usr/bin/cc" && mv "$ROOT/usr/bin/gcc.hidden" "$ROOT/usr/bin/gcc"
  source_mirror_stop
  assertEquals "compile fails" 1 "$RETURN"
  assertStderr "Apache 2.4.68 could not be built"
  assertStderr "but this machine lacks what that needs:"
  assertStderr "a C compiler, cc (package build-essential)"
  assertEquals "nothing downloaded" "" "$(grep -v 'GET / ' "$SOURCE_MIRROR_LOG" | grep GET)"
  assertNothingKept
}

testAFailingCompilerFailsAndKeepsNothing() {
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  noBundleConfigured
  setConfig CC /bin/false
  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  source_mirror_stop
  assertEquals "compile fails" 1 "$RETURN"
  assertStderr "Apache 2.4.68 could not be built"
  assertStderr "The recipe's build stopped at \"Building APR 1.7.2\""
  assertStderr "C compiler cannot create executables"
  assertNothingKept
}

testABuildPastItsTimeLimitFailsAndKeepsNothing() {
  source_mirror_start "$APACHE_SOURCES_DIR" || { fail "the source mirror did not start"; return; }
  noBundleConfigured
  setConfig WHISKEY_APACHE_BUILD_TIMEOUT 5
  inRoot heroku-24 "$BP/bin/compile" /app /cache /env
  source_mirror_stop
  assertEquals "compile fails" 1 "$RETURN"
  assertStderr "Apache 2.4.68 could not be built in time"
  # Stopped at its limit, in APR's configure: long before the build's end.
  assertStderr "WHISKEY_APACHE_BUILD_TIMEOUT (5 s) during \"Building APR 1.7.2\""
  assertEquals "nothing of the build left running" "" "$(pgrep -f '/tmp/whiskey-apache\.')"
  assertNothingKept
}
