# shellcheck shell=bash
#
# An arm64 Debian 12 root on this (amd64) machine, entered with chroot: the
# kernel hands its arm64 programs to qemu-user-static through binfmt_misc.
# It has what building the helper and its unit tests needs (the compiler,
# CMake, Ninja, Catch2, the development files of libcurl, libarchive,
# OpenSSL, zlib and nlohmann-json) and what vendor/apache/build.sh needs.
#
# Made once (debootstrap, then the packages of ARM64_ROOT_PACKAGES, all
# under qemu) and kept as a tarball in ARM64_ROOT_DIR: WHISKEY_TEST_CACHE
# when set (a folder that outlives clones of the buildpack), else
# build/arm64-root; named for what goes into it. Each test run unpacks a
# fresh copy.
#
#   . "${BUILDPACK_HOME}/test/support/arm64_root.sh"
#   arm64_binfmt           # arm64 programs run here (mounts binfmt_misc, registers qemu)
#   arm64_root             # sets ARM64_ROOT_TARBALL, making it when missing
#   arm64_root_unpack DIR  # a fresh root in DIR
#   arm64_in_root DIR COMMAND...  # COMMAND in the root DIR, with a plain environment
#
# Needs root (mount, debootstrap, chroot), qemu-user-static and the mirror.

ARM64_ROOT_MIRROR=${DEBIAN_ROOT_MIRROR:-http://deb.debian.org/debian}
ARM64_ROOT_DIR="${WHISKEY_TEST_CACHE:-${BUILDPACK_HOME}/build}/arm64-root"
ARM64_ROOT_PACKAGES=(
  # the helper and its unit tests
  g++ make cmake ninja-build pkgconf libcurl4-openssl-dev libarchive-dev zlib1g-dev libzstd-dev
  nlohmann-json3-dev catch2 libssl-dev
  # vendor/apache/build.sh
  libpcre2-dev libexpat1-dev libnghttp2-dev uuid-dev patch patchelf bzip2 zstd curl ca-certificates
)

# arm64_binfmt: the kernel runs aarch64 programs with qemu-aarch64-static,
# opened when registered (the F flag), so that a chroot needs no copy of
# qemu. Says what is wrong on stderr when it cannot be done.
arm64_binfmt() {
  local entry=/proc/sys/fs/binfmt_misc/qemu-aarch64 conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  if [ ! -f "$conf" ]; then
    echo "arm64_binfmt: $conf is missing (apt-get install qemu-user-static)" >&2
    return 1
  fi
  if ! mountpoint -q /proc/sys/fs/binfmt_misc &&
    ! mount binfmt_misc -t binfmt_misc /proc/sys/fs/binfmt_misc; then
    echo "arm64_binfmt: cannot mount binfmt_misc" >&2
    return 1
  fi
  if [ ! -e "$entry" ] && ! cat "$conf" >/proc/sys/fs/binfmt_misc/register; then
    echo "arm64_binfmt: cannot register qemu-aarch64 with binfmt_misc" >&2
    return 1
  fi
  if ! grep -qx enabled "$entry" || ! grep -q '^flags: .*F' "$entry"; then
    echo "arm64_binfmt: $entry is not enabled with the F flag:" >&2
    cat "$entry" >&2
    return 1
  fi
}

_arm64_root_key() {
  {
    printf '%s\n' "$ARM64_ROOT_MIRROR" "${ARM64_ROOT_PACKAGES[@]}"
    cat "${BUILDPACK_HOME}/test/support/arm64_root.sh"
  } | sha256sum | cut -c 1-16
}

arm64_in_root() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# _make_arm64_root DIR: the root's tarball, DIR/root.tar.
_make_arm64_root() {
  local dir=$1 root=$1/root status=0
  debootstrap --arch=arm64 --variant=minbase bookworm "$root" "$ARM64_ROOT_MIRROR" || return 1
  cp /etc/resolv.conf "$root/etc/resolv.conf" || return 1
  mount -t proc proc "$root/proc" || return 1
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
  {
    arm64_in_root "$root" apt-get update -q &&
      arm64_in_root "$root" apt-get install -y -q --no-install-recommends "${ARM64_ROOT_PACKAGES[@]}" &&
      arm64_in_root "$root" apt-get clean
  } || status=1
  umount "$root/proc"
  [ "$status" -eq 0 ] || return 1
  [ "$(arm64_in_root "$root" uname -m)" = aarch64 ] || { echo "the root's programs do not run as aarch64" >&2; return 1; }
  rm -rf "$root"/var/lib/apt/lists/* "$root/etc/resolv.conf" "$root/usr/sbin/policy-rc.d"
  tar -C "$root" --numeric-owner -cf "$dir/root.tar" . && rm -rf "$root"
}

arm64_root() {
  local work log start=$SECONDS
  arm64_binfmt || return 1
  ARM64_ROOT_TARBALL="$ARM64_ROOT_DIR/bookworm-arm64-$(_arm64_root_key).tar"
  if [ -f "$ARM64_ROOT_TARBALL" ]; then
    return 0
  fi
  mkdir -p "$ARM64_ROOT_DIR" || return 1
  work=$(mktemp -d "$ARM64_ROOT_DIR/make.XXXXXX") || return 1
  log="$ARM64_ROOT_DIR/make.log"
  echo "Making an arm64 Debian 12 root (debootstrap and apt-get under qemu, several minutes; kept in $ARM64_ROOT_DIR)" >&2
  if ! _make_arm64_root "$work" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    grep -q " $work/" /proc/mounts && umount "$work/root/proc"
    rm -rf "$work"
    return 1
  fi
  mv "$work/root.tar" "$ARM64_ROOT_TARBALL" && rmdir "$work"
  echo "FIGURE made the arm64 root in $((SECONDS - start)) s" >&2
}

arm64_root_unpack() {
  mkdir -p "$1" && tar -C "$1" --numeric-owner -xpf "$ARM64_ROOT_TARBALL"
}
