#!/usr/bin/env bash
# Runs the buildpack's compiled helper for the phase named by the calling
# script (bin/detect, bin/compile, bin/release), building it on first use.
#
# A release package ships the helper prebuilt in bin/support/mod_wsgi-heroku.
# From a plain git checkout it is built with CMake (or the C++ compiler
# directly when CMake is missing) into the buildpack's build/ folder, or into
# a folder under TMPDIR when the buildpack's folder is read-only. The build's
# output goes to a log file, so detect's stdout stays clean.

whiskey_buildpack_dir() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

whiskey_fail() {
  {
    echo
    echo " !     Error: the mod_wsgi-heroku buildpack could not be built"
    echo " !"
    while IFS= read -r line; do echo " !     $line"; done <<<"$1"
    echo
  } >&2
  exit 1
}

# Whether the helper at $1 or the launcher beside it is missing, or any
# source is newer than either.
whiskey_stale() {
  local helper=$1 bp=$2 bin
  for bin in "$helper" "$(dirname "$helper")/mod_wsgi-heroku-start"; do
    [ -x "$bin" ] || return 0
    [ -z "$(find "$bp/src" "$bp/CMakeLists.txt" -newer "$bin" -print -quit 2>/dev/null)" ] || return 0
  done
  return 1
}

# The development files the helper's build needs and this system lacks, as
# the names of the packages that carry them (Debian's and Ubuntu's names).
# Heroku's build images have libcurl, OpenSSL and zlib's, not libarchive's
# or nlohmann-json's.
whiskey_missing_dev_packages() {
  local missing=()
  pkg-config --exists libarchive 2>/dev/null || [ -f /usr/include/archive.h ] ||
    missing+=(libarchive-dev)
  pkg-config --exists nlohmann_json 2>/dev/null || [ -f /usr/include/nlohmann/json.hpp ] ||
    missing+=(nlohmann-json3-dev)
  echo "${missing[@]}"
}

# The system's libarchive, the run-time library the fetched headers go with.
whiskey_system_libarchive() {
  local lib
  lib=$(/sbin/ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libarchive\.so\.13 .*=> //p' | head -n 1)
  [ -n "$lib" ] || lib=$(ls /usr/lib/*/libarchive.so.13 /usr/lib/libarchive.so.13 2>/dev/null | head -n 1)
  echo "$lib"
}

# whiskey_fetch_dev_packages DEST PACKAGE...: downloads PACKAGEs from the
# system's own apt sources, with apt's own checks (the indexes signed by the
# distribution's keys, each package's SHA-256 in them), and unpacks them
# into DEST without installing anything, as Heroku's apt buildpack does. No
# root needed: apt's lists and downloads go to a private folder. DEST
# appears only whole: a failed attempt leaves nothing behind.
whiskey_fetch_dev_packages() {
  local dest=$1 work deb status=0
  shift
  work=$(mktemp -d "$dest.tmp.XXXXXX") || return 1
  local opts=(-q -o Debug::NoLocking=1 -o Dir::State="$work/state" -o Dir::Cache="$work/cache"
    -o Dir::State::status=/var/lib/dpkg/status)
  # As root, apt would hand the download to its _apt user, who cannot write here.
  [ "$(id -u)" -eq 0 ] && opts+=(-o APT::Sandbox::User=root)
  mkdir -p "$work/state/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
  echo "       Fetching what this system lacks for the build with apt-get: $*" >&3
  apt-get "${opts[@]}" update &&
    (cd "$work/debs" && apt-get "${opts[@]}" download "$@") || status=1
  if [ "$status" -eq 0 ]; then
    for deb in "$work"/debs/*.deb; do
      dpkg-deb -x "$deb" "$work/root" || { status=1; break; }
    done
  fi
  [ "$status" -eq 0 ] && mv "$work/root" "$dest" || status=1
  rm -rf "$work"
  return "$status"
}

whiskey_compile_helper() {
  local bp=$1 out=$2 deps=$3 missing libarchive cmake_hints=()
  missing=$(whiskey_missing_dev_packages)
  if [ -n "$missing" ]; then
    libarchive=$(whiskey_system_libarchive)
    if [ -z "$libarchive" ]; then
      echo "This system has neither libarchive's development files nor its run-time library (libarchive.so.13)."
      return 1
    fi
    if [ ! -d "$deps" ]; then
      # shellcheck disable=SC2086 # the package names
      whiskey_fetch_dev_packages "$deps" $missing || return 1
    fi
    # pkg-config is kept off the fetched files: it would offer the static
    # libarchive.a of libarchive-dev, without the libraries that one needs.
    cmake_hints=(-DCMAKE_PREFIX_PATH="$deps/usr" -DPKG_CONFIG_USE_CMAKE_PREFIX_PATH=OFF
      -DLibArchive_INCLUDE_DIR="$deps/usr/include" -DLibArchive_LIBRARY="$libarchive")
  fi
  if command -v cmake >/dev/null 2>&1; then
    local generator=()
    command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
    # A build folder copied along with the buildpack still names the folder
    # it was configured in: configure this one afresh.
    if [ -f "$out/CMakeCache.txt" ] &&
      [ "$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$out/CMakeCache.txt")" != "$bp" ]; then
      rm -rf "$out/CMakeCache.txt" "$out/CMakeFiles" "$out/build.ninja" "$out/Makefile" \
        "$out/cmake_install.cmake" "$out/.ninja_deps" "$out/.ninja_log"
    fi
    # A configure that failed (or was cut) leaves a cache and no build file:
    # configure again, and leave no cache behind when it fails, so that the
    # next attempt does not inherit this one's state.
    if [ ! -f "$out/CMakeCache.txt" ] || { [ ! -f "$out/build.ninja" ] && [ ! -f "$out/Makefile" ]; }; then
      # Release: without debug information the build takes half the time.
      cmake -S "$bp" -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "${cmake_hints[@]}" ||
        { rm -f "$out/CMakeCache.txt"; return 1; }
    fi
    cmake --build "$out" --target mod_wsgi-heroku mod_wsgi-heroku-start -j "$(nproc 2>/dev/null || echo 2)"
  else
    local cxx=${CXX:-c++} flags=(-std=c++20 -O2 -Wall -Wextra -I"$bp/src") sources=() f libs=()
    for f in "$bp"/src/*.cc; do
      case $(basename "$f") in launcher_main.cc | detect_main.cc) ;; *) sources+=("$f") ;; esac
    done
    if [ -n "$missing" ]; then
      flags+=(-I"$deps/usr/include")
      # shellcheck disable=SC2207
      libs=($(pkg-config --cflags --libs libcurl libcrypto zlib) "$libarchive")
    else
      # shellcheck disable=SC2207
      libs=($(pkg-config --cflags --libs libcurl libarchive libcrypto zlib))
    fi
    "$cxx" "${flags[@]}" "${sources[@]}" -o "$out/mod_wsgi-heroku.tmp" "${libs[@]}" &&
      "$cxx" "${flags[@]}" "$bp/src/launcher_main.cc" "$bp/src/launch.cc" "$bp/src/relocate.cc" \
        "$bp/src/disk.cc" "$bp/src/process.cc" "$bp/src/supervise.cc" -s -o "$out/mod_wsgi-heroku-start" &&
      mv "$out/mod_wsgi-heroku.tmp" "$out/mod_wsgi-heroku"
  fi
}

# What the helper's build needs, and what this system lacks of it.
whiskey_build_needs() {
  local missing
  missing=$(whiskey_missing_dev_packages)
  echo "It needs a C++20 compiler, CMake or pkg-config, and the development files of
libcurl, OpenSSL, zlib, libarchive and nlohmann-json."
  if [ -n "$missing" ]; then
    echo "This system lacks: $missing. They are fetched with apt-get from the
system's package sources, which failed or could not be reached (the log
above says which): install them, or use a release package of the
buildpack, which needs no build."
  else
    echo "Use a release package of the buildpack, which needs no build."
  fi
}

# The folder the helper is built in: the buildpack's build/, or a folder
# under TMPDIR when the buildpack's folder is read-only.
whiskey_build_dir() {
  local bp=$1 out
  out="$bp/build"
  if ! mkdir -p "$out" 2>/dev/null || [ ! -w "$out" ]; then
    out="${TMPDIR:-/tmp}/mod_wsgi-heroku-build-$(id -u)-$(echo "$bp" | cksum | cut -d' ' -f1)"
    mkdir -p "$out" || whiskey_fail "Cannot create a build folder at $out."
  fi
  echo "$out"
}

# What a built helper depends on: the buildpack's sources, the compiler and
# the system it was built on. Names the helper kept in an app's cache.
whiskey_build_key() {
  local bp=$1
  {
    (cd "$bp" && find src CMakeLists.txt bin/support/helper.sh -type f | LC_ALL=C sort | xargs cat)
    "${CXX:-c++}" --version 2>&1 | head -n 1
    uname -m
    cat /etc/os-release 2>/dev/null
  } | sha256sum | cut -c 1-16
}

# The helper's folder in the cache folder $1 (bin/compile's CACHE_DIR).
whiskey_cached_helper_dir() {
  echo "$1/mod_wsgi-heroku/helper-$(whiskey_build_key "$2")"
}

# whiskey_helper [CACHE_DIR]: the path of the helper, building it when a
# plain checkout has none or an outdated one. With CACHE_DIR (compile), a
# helper built by an earlier build of the app is reused from there, and a
# new one is kept there, with the development files fetched for it.
whiskey_helper() {
  local cache=${1:-} bp prebuilt out lock log helper kept="" deps started=$SECONDS
  # Progress goes to fd 3, which callers open (whiskey_run); nowhere if not.
  { true >&3; } 2>/dev/null || exec 3>/dev/null
  bp=$(whiskey_buildpack_dir)
  prebuilt="$bp/bin/support/mod_wsgi-heroku"
  if [ -x "$prebuilt" ]; then
    echo "$prebuilt"
    return
  fi
  out=$(whiskey_build_dir "$bp") || exit 1
  helper="$out/mod_wsgi-heroku"
  deps="$out/dev-packages"
  if [ -n "$cache" ] && mkdir -p "$cache/mod_wsgi-heroku" 2>/dev/null; then
    kept=$(whiskey_cached_helper_dir "$cache" "$bp")
    deps="$cache/mod_wsgi-heroku/dev-packages-$(. /etc/os-release 2>/dev/null; echo "${ID:-}-${VERSION_ID:-}")-$(uname -m)"
  fi
  if whiskey_stale "$helper" "$bp" && [ -n "$kept" ] && [ -x "$kept/mod_wsgi-heroku" ] &&
    [ -x "$kept/mod_wsgi-heroku-start" ]; then
    # Copies, with new times, so the sources are older than they.
    cp "$kept/mod_wsgi-heroku" "$helper.tmp" && cp "$kept/mod_wsgi-heroku-start" "$out/" &&
      mv "$helper.tmp" "$helper"
  fi
  if whiskey_stale "$helper" "$bp"; then
    echo "-----> Building the buildpack's helper from source${kept:+ (kept in the build cache for later builds)}" >&3
    log="$out/helper-build.log"
    lock="$out/.helper.lock"
    (
      # One build at a time, when flock is there to say so.
      if command -v flock >/dev/null 2>&1; then flock 9; fi
      if whiskey_stale "$helper" "$bp"; then
        whiskey_compile_helper "$bp" "$out" "$deps" >"$log" 2>&1
      fi
    ) 9>"$lock" || whiskey_fail "Building the helper from source failed. The end of the build log:
$(tail -n 15 "$log" 2>/dev/null)

$(whiskey_build_needs)"
    echo "       Built in $((SECONDS - started)) s" >&3
    if [ -n "$kept" ] && [ ! -d "$kept" ]; then
      # Kept whole or not at all, in place of the helpers of other versions.
      rm -rf "$cache/mod_wsgi-heroku/helper-"*
      mkdir -p "$kept.tmp.$$" && cp "$helper" "$out/mod_wsgi-heroku-start" "$kept.tmp.$$/" &&
        mv "$kept.tmp.$$" "$kept" || rm -rf "$kept.tmp.$$"
    fi
  fi
  echo "$helper"
}

# The program bin/detect runs: the helper when it is at hand, else the
# detect-only program (src/detect_main.cc), which a plain checkout builds in
# seconds with the C++ compiler alone. Detect is given no cache folder: were
# it to build the whole helper, every build of an app would pay for it.
whiskey_detect_program() {
  local bp out helper program
  bp=$(whiskey_buildpack_dir)
  if [ -x "$bp/bin/support/mod_wsgi-heroku" ]; then
    echo "$bp/bin/support/mod_wsgi-heroku"
    return
  fi
  out=$(whiskey_build_dir "$bp") || exit 1
  helper="$out/mod_wsgi-heroku"
  if ! whiskey_stale "$helper" "$bp"; then
    echo "$helper"
    return
  fi
  program="$out/mod_wsgi-heroku-detect"
  if [ ! -x "$program" ] ||
    [ -n "$(find "$bp/src" -newer "$program" -print -quit 2>/dev/null)" ]; then
    "${CXX:-c++}" -std=c++20 -O1 -I"$bp/src" "$bp/src/detect_main.cc" "$bp/src/detect.cc" \
      "$bp/src/disk.cc" "$bp/src/invocation.cc" -o "$program.tmp.$$" >"$out/detect-build.log" 2>&1 &&
      mv "$program.tmp.$$" "$program" || {
      rm -f "$program.tmp.$$"
      whiskey_fail "Building the detect program from source failed. The end of its log:
$(tail -n 15 "$out/detect-build.log" 2>/dev/null)

It needs a C++20 compiler (g++ 10 or newer, or clang 13 or newer). Use a
release package of the buildpack, which needs no build."
    }
  fi
  echo "$program"
}

whiskey_run() {
  local phase=$1 helper
  shift
  case $phase in
    detect) { helper=$(whiskey_detect_program) || exit 1; } 3>/dev/null ;;
    compile) { helper=$(whiskey_helper "${2:-}") || exit 1; } 3>&1 ;;
    *) { helper=$(whiskey_helper) || exit 1; } 3>/dev/null ;;
  esac
  # Without /proc (in a chroot, say) the dynamic loader cannot tell which
  # folder the helper is in, so cannot find the libraries a release package
  # carries beside it ($ORIGIN/lib): tell it.
  if [ ! -e /proc/self/exe ]; then
    export LD_ORIGIN_PATH="${helper%/*}"
  fi
  WHISKEY_BUILDPACK_DIR=$(whiskey_buildpack_dir) exec -a "$phase" "$helper" "$@"
}
