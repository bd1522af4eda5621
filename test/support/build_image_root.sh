# shellcheck shell=bash
#
# A stand-in for Heroku's heroku-24 build image: the minimal Debian 12 root
# of debian_root.sh plus the packages of
# test/fixtures/heroku-24-build.packages, installed as the image installs
# them (--no-install-recommends). It has the compilers, CMake and the
# development files of libcurl, OpenSSL and zlib, and lacks what the image
# lacks: libarchive's and nlohmann-json's development files, Catch2, Ninja.
#
# Made once (debootstrap, then about 400 packages from Debian's mirror) and
# kept in BUILD_IMAGE_ROOT_DIR: WHISKEY_TEST_CACHE when set (a folder that
# outlives clones of the buildpack), else build/build-image-root. Beside the
# root's tarball, what the tests serve the root from 127.0.0.1 once it is
# made, so nothing in a test reaches past this machine:
#   apt-repo/   an apt repository signed by a key of its own (apt-repo.gpg,
#               which the unpacked root trusts), holding the development
#               packages the buildpack fetches where the image lacks them
#               (libarchive-dev, nlohmann-json3-dev), as the image's own
#               package sources would
#   python/     for the Python buildpack's stand-in, which runs after this
#               buildpack: python3-dev and python3-venv (debs/), as
#               heroku/python brings a Python of its own with headers and pip
#
#   . "${BUILDPACK_HOME}/test/support/build_image_root.sh"   # after helpers.sh
#   build_image_root             # sets BUILD_IMAGE_ROOT_DIR, making it when missing
#   build_image_root_unpack DIR  # a fresh root in DIR
#   apt_repo_start DIR           # serves apt-repo/ on 127.0.0.1 and points the root
#                                # in DIR at it; sets APT_REPO_PID, APT_REPO_PORT
#   apt_repo_stop
#
# Needs root (debootstrap, chroot, mount), gpg, apt-ftparchive and the mirror.

# shellcheck source=test/support/debian_root.sh
. "${BUILDPACK_HOME}/test/support/debian_root.sh"

BUILD_IMAGE_PACKAGES="${BUILDPACK_HOME}/test/fixtures/heroku-24-build.packages"
# The development packages the buildpack fetches on the image.
BUILD_IMAGE_FETCHED=(libarchive-dev nlohmann-json3-dev)
BUILD_IMAGE_PYTHON=(python3-dev python3-venv)

_build_image_key() {
  {
    printf '%s\n' "${DEBIAN_ROOT_ARGS[@]}" "$DEBIAN_ROOT_MIRROR" "$(dpkg --print-architecture)"
    printf '%s\n' "${BUILD_IMAGE_FETCHED[@]}" "${BUILD_IMAGE_PYTHON[@]}"
    grep -v '^#' "$BUILD_IMAGE_PACKAGES"
    cat "${BUILDPACK_HOME}/test/support/build_image_root.sh"
  } | sha256sum | cut -c 1-16
}

# _in_root ROOT COMMAND...: COMMAND in ROOT, with a plain environment.
_in_root() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# _make_build_image_root DIR: makes the root's tarball, apt-repo/ and python/ in DIR.
_make_build_image_root() {
  local dir=$1 root=$1/root status=0
  debian_root_unpack "$root" || return 1
  cp /etc/resolv.conf "$root/etc/resolv.conf" || return 1
  mount -t proc proc "$root/proc" || return 1
  # No service starts in the root (openssh-server's would).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
  mkdir -p "$root/tmp/fetched" "$root/tmp/python"
  # shellcheck disable=SC2046 # the package names
  {
    _in_root "$root" apt-get update -q &&
      _in_root "$root" apt-get install -y -q --no-install-recommends \
        $(grep -v -e '^#' -e '^$' "$BUILD_IMAGE_PACKAGES") &&
      _in_root "$root" sh -c "cd /tmp/fetched && apt-get download ${BUILD_IMAGE_FETCHED[*]}" &&
      _in_root "$root" apt-get clean &&
      _in_root "$root" apt-get install -y -q --no-install-recommends --download-only \
        "${BUILD_IMAGE_PYTHON[@]}"
  } || status=1
  umount "$root/proc"
  [ "$status" -eq 0 ] || return 1
  # Nothing here may have brought what the image lacks.
  if _in_root "$root" dpkg -s "${BUILD_IMAGE_FETCHED[@]}" >/dev/null 2>&1; then
    echo "build_image_root: the root has ${BUILD_IMAGE_FETCHED[*]} installed; Heroku's image has not" >&2
    return 1
  fi
  mkdir -p "$dir/apt-repo" "$dir/python/debs" &&
    mv "$root"/tmp/fetched/*.deb "$dir/apt-repo/" &&
    mv "$root"/var/cache/apt/archives/*.deb "$dir/python/debs/" || return 1
  _in_root "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/* "$root/etc/resolv.conf" "$root/usr/sbin/policy-rc.d" \
    "$root/tmp/fetched" "$root/tmp/python"
  _make_apt_repo "$dir" || return 1
  tar -C "$root" --numeric-owner -cf "$dir/root.tar" . && rm -rf "$root"
}

# _make_apt_repo DIR: indexes DIR/apt-repo as a flat repository and signs
# it with a key made for it, whose public part is DIR/apt-repo.gpg.
_make_apt_repo() {
  local dir=$1 gnupg
  gnupg=$(mktemp -d) || return 1
  (
    set -e
    cd "$dir/apt-repo"
    apt-ftparchive packages . >Packages
    apt-ftparchive release . >Release
    export GNUPGHOME="$gnupg"
    gpg --batch --quiet --passphrase '' --quick-gen-key "mod_wsgi-heroku test repository" ed25519 sign never
    gpg --batch --quiet --clearsign -o InRelease Release
    gpg --batch --quiet --export >"$dir/apt-repo.gpg"
  )
  local status=$?
  rm -rf "$gnupg"
  return "$status"
}

build_image_root() {
  local base work log
  base=${WHISKEY_TEST_CACHE:-${BUILDPACK_HOME}/build}
  BUILD_IMAGE_ROOT_DIR="$base/build-image-root/heroku-24-$(_build_image_key)"
  if [ -f "$BUILD_IMAGE_ROOT_DIR/root.tar" ]; then
    return 0
  fi
  debian_root_tarball || return 1
  mkdir -p "$base/build-image-root" || return 1
  work=$(mktemp -d "$base/build-image-root/make.XXXXXX") || return 1
  log="$base/build-image-root/make.log"
  echo "Making a stand-in for Heroku's heroku-24 build image (several minutes; kept in $base/build-image-root)" >&2
  if ! _make_build_image_root "$work" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    grep -q " $work/" /proc/mounts && umount "$work/root/proc"
    rm -rf "$work"
    return 1
  fi
  rm -rf "$BUILD_IMAGE_ROOT_DIR" && mv "$work" "$BUILD_IMAGE_ROOT_DIR"
}

build_image_root_unpack() {
  mkdir -p "$1" && tar -C "$1" --numeric-owner -xpf "$BUILD_IMAGE_ROOT_DIR/root.tar" &&
    mkdir -p "$1/etc/apt/keyrings" &&
    cp "$BUILD_IMAGE_ROOT_DIR/apt-repo.gpg" "$1/etc/apt/keyrings/local-repo.gpg"
}

apt_repo_start() {
  local root=$1 i
  APT_REPO_PORT=$(closedPort)
  python3 -m http.server --bind 127.0.0.1 --directory "$BUILD_IMAGE_ROOT_DIR/apt-repo" \
    "$APT_REPO_PORT" >/dev/null 2>&1 &
  APT_REPO_PID=$!
  for ((i = 0; i < 50; i++)); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $APT_REPO_PORT), 1)" \
      2>/dev/null && break
    sleep 0.1
  done
  rm -f "$root"/etc/apt/sources.list.d/*
  echo "deb [signed-by=/etc/apt/keyrings/local-repo.gpg] http://127.0.0.1:$APT_REPO_PORT/ ./" \
    >"$root/etc/apt/sources.list"
}

apt_repo_stop() {
  if [ -n "${APT_REPO_PID:-}" ]; then
    kill "$APT_REPO_PID" 2>/dev/null
    wait "$APT_REPO_PID" 2>/dev/null
    APT_REPO_PID=""
  fi
}
