# shellcheck shell=bash
#
# Building the buildpack for arm64 on this amd64 machine, against the arm64
# Debian root of arm64_root.sh. Compiling under qemu is slow (the helper
# and its unit tests take about ten times as long as natively), so both are
# built with Debian's aarch64 cross compiler (g++-aarch64-linux-gnu: GCC 12.2
# and binutils 2.40, the versions of the root's own gcc and binutils):
#
#   - the helper and its unit tests on this machine, with the root as the
#     sysroot (test/support/arm64-toolchain.cmake);
#   - the Apache bundle by vendor/apache/build.sh, unchanged, inside the root
#     under qemu: the recipe, configure's checks, the programs the builds
#     make and run, strip and patchelf are all arm64 programs; only the
#     compiler, assembler and linker it finds (gcc, first on PATH) are this
#     machine's, copied into the root (/opt/cross), with the x86-64
#     libraries they need.
#
#   . "${BUILDPACK_HOME}/test/support/arm64_build.sh"   # after arm64_root.sh
#   arm64_sysroot              # ARM64_SYSROOT: the root, unpacked once (build-arm64/sysroot)
#   arm64_build_helper         # cross-compiles into ARM64_HELPER_BUILD (build-arm64/helper)
#   arm64_apache_bundle ROOT   # ARM64_BUNDLE, ARM64_BUNDLE_SHA256: the recipe's arm64 bundle,
#                              # built in ROOT (its /proc mounted) unless kept from an earlier run
#
# Needs root (chroot), g++-aarch64-linux-gnu, and Debian's mirror when the
# Apache sources are not at hand.

ARM64_BUILD_DIR="${BUILDPACK_HOME}/build-arm64"
ARM64_HELPER_BUILD="$ARM64_BUILD_DIR/helper"
ARM64_BUNDLE_DIR="${WHISKEY_TEST_CACHE:-${BUILDPACK_HOME}/build}/arm64-apache-bundle"
# The cross compiler's packages, copied into the root for the Apache build.
ARM64_CROSS_PACKAGES=(cpp-12-aarch64-linux-gnu gcc-12-aarch64-linux-gnu binutils-aarch64-linux-gnu
  libgcc-12-dev-arm64-cross libgcc-s1-arm64-cross)

# The root unpacked where the cross builds find it; unpacked again when the
# root's tarball changes (and the helper's build then starts afresh).
arm64_sysroot() {
  local stamp="$ARM64_BUILD_DIR/sysroot.tarball"
  ARM64_SYSROOT="$ARM64_BUILD_DIR/sysroot"
  if [ -d "$ARM64_SYSROOT" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$ARM64_ROOT_TARBALL" ]; then
    return 0
  fi
  rm -rf "$ARM64_SYSROOT" "$stamp" "$ARM64_HELPER_BUILD"
  mkdir -p "$ARM64_SYSROOT" &&
    tar -C "$ARM64_SYSROOT" --numeric-owner -xpf "$ARM64_ROOT_TARBALL" || return 1
  # Links to absolute paths (libz.so -> /lib/aarch64-linux-gnu/libz.so.1...)
  # would lead out of the sysroot: made relative, to the same file in it.
  local link target
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$ARM64_SYSROOT$target")" "$link" || return 1
  done < <(find "$ARM64_SYSROOT/usr/lib" "$ARM64_SYSROOT/usr/include" -type l -lname '/*' -print0)
  echo "$ARM64_ROOT_TARBALL" >"$stamp"
}

# arm64_build_helper: the helper, the launcher, the detect program and the
# unit tests, built as bin/compile builds the helper (Release); the log is
# ARM64_HELPER_BUILD/build.log.
arm64_build_helper() {
  local log="$ARM64_BUILD_DIR/helper-build.log"
  mkdir -p "$ARM64_HELPER_BUILD" || return 1
  : >"$log"
  if [ ! -f "$ARM64_HELPER_BUILD/build.ninja" ]; then
    cmake -S "$BUILDPACK_HOME" -B "$ARM64_HELPER_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_TOOLCHAIN_FILE="$BUILDPACK_HOME/test/support/arm64-toolchain.cmake" \
      -DCMAKE_SYSROOT="$ARM64_SYSROOT" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; rm -f "$ARM64_HELPER_BUILD/CMakeCache.txt"; return 1; }
  fi
  cmake --build "$ARM64_HELPER_BUILD" -j "$(nproc)" --target mod_wsgi-heroku mod_wsgi-heroku-start \
    mod_wsgi-heroku-detect unit_tests >>"$log" 2>&1 || { tail -n 30 "$log" >&2; return 1; }
}

# _arm64_cross_into ROOT: the cross compiler's files under ROOT/opt/cross
# (keeping their layout, so that GCC finds its parts relative to itself),
# and the x86-64 loader and libraries they run with, where that loader
# looks for them. GCC's sysroot stays /: inside the root, the root's own
# headers and libraries.
_arm64_cross_into() {
  local root=$1 files lib f hdr
  files=$(dpkg -L "${ARM64_CROSS_PACKAGES[@]}" | while IFS= read -r f; do
    if [ -L "$f" ] || [ -f "$f" ]; then echo "$f"; fi
  done) || return 1
  mkdir -p "$root/opt/cross" && printf '%s\n' "$files" | sed 's|^/||' | tar -C / -cf - -T - | tar -C "$root/opt/cross" -xf - ||
    return 1
  # As gcc, first on PATH: what configure finds and the bundle's build
  # files record (apxs builds mod_wsgi with it), as a native build's.
  mkdir -p "$root/opt/cross/bin" && ln -sfn /opt/cross/usr/bin/aarch64-linux-gnu-gcc-12 "$root/opt/cross/bin/gcc" ||
    return 1
  mkdir -p "$root/lib64" "$root/usr/lib/x86_64-linux-gnu" || return 1
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/" || return 1
  # The x86-64 programs' libraries (EM_X86_64 is 0x3e).
  for lib in $(printf '%s\n' "$files" | while IFS= read -r f; do
    [ -L "$f" ] && continue
    hdr=$(od -An -tx1 -N20 "$f" | tr -d ' \n')
    [ "${hdr:0:10}" = 7f454c4602 ] && [ "${hdr:36:4}" = 3e00 ] && ldd "$f" 2>/dev/null
  done | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | sort -u); do
    cp -L "$lib" "$root/usr/lib/x86_64-linux-gnu/" || return 1
  done
}

# arm64_apache_bundle ROOT: kept in ARM64_BUNDLE_DIR by the recipe's digest
# (build.sh, sources.txt, patches) and what it was built with (the root,
# the cross compiler).
arm64_apache_bundle() {
  local root=$1 recipe="${BUILDPACK_HOME}/vendor/apache" digest tools dir log start=$SECONDS
  local host_sources="${BUILDPACK_HOME}/build/apache-sources"
  digest=$(cat "$recipe/build.sh" "$recipe/sources.txt" "$recipe"/patches/* | sha256sum | cut -c 1-16)
  tools=$({
    basename "$ARM64_ROOT_TARBALL"
    aarch64-linux-gnu-gcc --version | head -n 1
    declare -f arm64_apache_bundle _arm64_cross_into
  } | sha256sum | cut -c 1-8)
  dir="$ARM64_BUNDLE_DIR/$digest-$tools"
  ARM64_BUNDLE=$(ls "$dir"/whiskey-*-arm64-apache-*.tar.zst 2>/dev/null | head -n 1 || true)
  if [ -z "$ARM64_BUNDLE" ]; then
    echo "Building the arm64 Apache bundle in the arm64 root (several minutes; kept in $ARM64_BUNDLE_DIR)" >&2
    log="$ARM64_BUNDLE_DIR/build.log"
    mkdir -p "$ARM64_BUNDLE_DIR" "$root/tmp/recipe" "$root/tmp/sources" "$root/tmp/out" || return 1
    cp -R "$recipe/." "$root/tmp/recipe/" || return 1
    # The sources the amd64 bundle's build fetched, if it ran first; what
    # this build fetches is left there for it.
    cp "$host_sources"/*.tar.* "$root/tmp/sources/" 2>/dev/null
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # The mirror's deb-src, as the amd64 build has them (WHISKEY_SOURCES=debian).
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
    else
      printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: http://deb.debian.org/debian-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$ARM64_ROOT_MIRROR" >"$root/etc/apt/sources.list.d/debian.sources"
    fi
    _arm64_cross_into "$root" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    if ! chroot "$root" /usr/bin/env -i PATH=/opt/cross/bin:/usr/bin:/bin:/usr/sbin:/sbin \
      HOME=/root LANG=C.UTF-8 WHISKEY_SOURCES=debian \
      WHISKEY_SOURCES_DIR=/tmp/sources /tmp/recipe/build.sh --stack debian-12 --compression zstd \
      --out /tmp/out >>"$log" 2>&1; then
      tail -n 30 "$log" >&2
      tail -n 30 "$root/tmp/out/build-debian-12.log" >&2
      return 1
    fi
    mkdir -p "$host_sources" && cp -n "$root"/tmp/sources/*.tar.* "$host_sources/"
    rm -rf "${ARM64_BUNDLE_DIR:?}"/*-* && mkdir -p "$dir" &&
      mv "$root"/tmp/out/whiskey-*.tar.zst "$root"/tmp/out/whiskey-*.tar.zst.sha256 "$dir/" || return 1
    ARM64_BUNDLE=$(ls "$dir"/whiskey-*-arm64-apache-*.tar.zst | head -n 1)
    echo "FIGURE built the arm64 Apache bundle in $((SECONDS - start)) s" >&2
  fi
  ARM64_BUNDLE_SHA256=$(sha256sum "$ARM64_BUNDLE" | cut -d' ' -f1)
}
