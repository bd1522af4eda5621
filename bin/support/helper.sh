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

whiskey_compile_helper() {
  local bp=$1 out=$2 log=$3
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
      cmake -S "$bp" -B "$out" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo ||
        { rm -f "$out/CMakeCache.txt"; return 1; }
    fi
    cmake --build "$out" --target mod_wsgi-heroku mod_wsgi-heroku-start -j "$(nproc 2>/dev/null || echo 2)"
  else
    local cxx=${CXX:-c++} flags=(-std=c++20 -O2 -Wall -Wextra -I"$bp/src") sources=() f
    for f in "$bp"/src/*.cc; do
      [ "$(basename "$f")" = launcher_main.cc ] || sources+=("$f")
    done
    # shellcheck disable=SC2046
    "$cxx" "${flags[@]}" "${sources[@]}" -o "$out/mod_wsgi-heroku.tmp" \
      $(pkg-config --cflags --libs libcurl libarchive libcrypto zlib) &&
      "$cxx" "${flags[@]}" "$bp/src/launcher_main.cc" "$bp/src/launch.cc" "$bp/src/relocate.cc" \
        "$bp/src/disk.cc" "$bp/src/process.cc" "$bp/src/supervise.cc" -s -o "$out/mod_wsgi-heroku-start" &&
      mv "$out/mod_wsgi-heroku.tmp" "$out/mod_wsgi-heroku"
  fi
}

whiskey_helper() {
  local bp prebuilt out lock log
  bp=$(whiskey_buildpack_dir)
  prebuilt="$bp/bin/support/mod_wsgi-heroku"
  if [ -x "$prebuilt" ]; then
    echo "$prebuilt"
    return
  fi
  out="$bp/build"
  if ! mkdir -p "$out" 2>/dev/null || [ ! -w "$out" ]; then
    out="${TMPDIR:-/tmp}/mod_wsgi-heroku-build-$(id -u)-$(echo "$bp" | cksum | cut -d' ' -f1)"
    mkdir -p "$out" || whiskey_fail "Cannot create a build folder at $out."
  fi
  local helper="$out/mod_wsgi-heroku"
  if whiskey_stale "$helper" "$bp"; then
    log="$out/helper-build.log"
    lock="$out/.helper.lock"
    (
      # One build at a time, when flock is there to say so.
      if command -v flock >/dev/null 2>&1; then flock 9; fi
      if whiskey_stale "$helper" "$bp"; then
        whiskey_compile_helper "$bp" "$out" "$log" >"$log" 2>&1
      fi
    ) 9>"$lock" || whiskey_fail "Building the helper from source failed. The end of the build log:
$(tail -n 15 "$log" 2>/dev/null)

It needs a C++20 compiler, CMake or pkg-config, and the development files of
libcurl, libarchive, OpenSSL and zlib. Use a release package of the buildpack
to skip the build."
  fi
  echo "$helper"
}

whiskey_run() {
  local phase=$1 helper
  shift
  helper=$(whiskey_helper) || exit 1
  # Without /proc (in a chroot, say) the dynamic loader cannot tell which
  # folder the helper is in, so cannot find the libraries a release package
  # carries beside it ($ORIGIN/lib): tell it.
  if [ ! -e /proc/self/exe ]; then
    export LD_ORIGIN_PATH="${helper%/*}"
  fi
  WHISKEY_BUILDPACK_DIR=$(whiskey_buildpack_dir) exec -a "$phase" "$helper" "$@"
}
