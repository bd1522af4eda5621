# shellcheck shell=bash
#
# A minimal Debian root for running the release package on a bare system:
# `debootstrap --variant=minbase`, so the C library, the C++ runtime and
# little else (no libcurl, no libarchive, no -dev packages). Made once and
# kept as a tarball in build/debian-root/ (or WHISKEY_TEST_CACHE), named for the debootstrap
# arguments; each test run unpacks a fresh copy.
#
#   . "${BUILDPACK_HOME}/test/support/debian_root.sh"
#   debian_root_tarball    # sets DEBIAN_ROOT_TARBALL, making it when missing
#   debian_root_unpack DIR # a fresh root in DIR (an empty or missing folder)
#
# Needs root (debootstrap, chroot) and the Debian mirror.

DEBIAN_ROOT_ARGS=(--variant=minbase bookworm)
DEBIAN_ROOT_MIRROR=${DEBIAN_ROOT_MIRROR:-http://deb.debian.org/debian}
# WHISKEY_TEST_CACHE, when set, keeps it beyond this clone (.ci/run sets it).
DEBIAN_ROOT_DIR="${WHISKEY_TEST_CACHE:-${BUILDPACK_HOME}/build}/debian-root"

debian_root_tarball() {
  local key work log
  key=$(printf '%s\n' "${DEBIAN_ROOT_ARGS[@]}" "$DEBIAN_ROOT_MIRROR" "$(dpkg --print-architecture)" |
    sha256sum | cut -c 1-16)
  DEBIAN_ROOT_TARBALL="$DEBIAN_ROOT_DIR/bookworm-minbase-$key.tar"
  if [ -f "$DEBIAN_ROOT_TARBALL" ]; then
    return 0
  fi
  mkdir -p "$DEBIAN_ROOT_DIR" || return 1
  work=$(mktemp -d "$DEBIAN_ROOT_DIR/make.XXXXXX") || return 1
  log="$DEBIAN_ROOT_DIR/debootstrap.log"
  echo "Making a minimal Debian root with debootstrap (a few minutes; kept in build/debian-root)" >&2
  if ! debootstrap "${DEBIAN_ROOT_ARGS[@]}" "$work/root" "$DEBIAN_ROOT_MIRROR" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -rf "$work"
    return 1
  fi
  # apt's downloads are not part of the system.
  rm -rf "$work/root/var/cache/apt/archives/"*.deb
  tar -C "$work/root" --numeric-owner -cf "$work/root.tar" . &&
    mv "$work/root.tar" "$DEBIAN_ROOT_TARBALL"
  local status=$?
  rm -rf "$work"
  return "$status"
}

debian_root_unpack() {
  mkdir -p "$1" && tar -C "$1" --numeric-owner -xpf "$DEBIAN_ROOT_TARBALL"
}
