#!/usr/bin/env bash
# Builds the relocatable Apache bundle: APR, APR-util and httpd from pinned
# sources, installed under a .whiskey layout, stripped, pruned of what a dyno
# never uses, with $ORIGIN rpaths (the steps of build-tree.sh, which compile
# also runs when no bundle is published for an app's stack), packed as
#   whiskey-<stack>-<arch>-apache-<version>.tar.zst (or .tar.gz)
# holding .whiskey/{apr,apr-util,apache}/..., .whiskey/apache/whiskey-bundle.json
# and the bill of materials, .whiskey/apache/sbom.cdx.json (CycloneDX 1.5).
# APR and httpd carry the patches in patches/ (each says what it does and why).
#
# The tree is installed under a long placeholder prefix, recorded in
# whiskey-bundle.json. The buildpack rewrites that prefix, in text and binary
# files alike, to wherever the bundle is unpacked.
#
# Usage: vendor/apache/build.sh [--out DIR] [--stack NAME] [--jobs N]
#                               [--compression gzip|zstd|both] [--seed-layout]
#   --compression  how the tar is packed: zstd (.tar.zst, zstd -19, the
#                  default: a quarter smaller than gzip -9, and installed
#                  faster), gzip (.tar.gz, gzip -9), or both (the same tar,
#                  twice); compile installs either
#   --seed-layout  for comparison only: build as the original 2014 recipe did
#                  (static libraries kept, nothing stripped, no rpaths); the
#                  bundle's name ends in -seed-layout.tar.zst (or .tar.gz)
# Environment:
#   WHISKEY_SOURCES      upstream (default: download from the Apache archive),
#                        debian (the same pristine archives from Debian's
#                        source packages), or local (only what is already in
#                        WHISKEY_SOURCES_DIR; nothing is downloaded)
#   WHISKEY_SOURCES_DIR  where sources are kept between builds (default: OUT/sources)
#   STACK                the stack named in the bundle (default: this system's,
#                        e.g. heroku-24 in heroku/heroku:24-build, debian-12 here)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$PWD/dist
stack=${STACK:-}
jobs=$(nproc 2>/dev/null || echo 2)
seed_layout=false
compression=zstd

while [ $# -gt 0 ]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --compression) compression=$2; shift 2 ;;
    --seed-layout) seed_layout=true; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d'; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "-----> $*"; }
detail() { echo "       $*"; }
die() { echo " !     $*" >&2; exit 1; }

case $compression in
  gzip) suffixes=(tar.gz) ;;
  zstd) suffixes=(tar.zst) ;;
  both) suffixes=(tar.gz tar.zst) ;;
  *) die "--compression is gzip, zstd or both, not '$compression'" ;;
esac
if [ "$compression" != gzip ] && ! command -v zstd >/dev/null; then
  die "--compression $compression needs the zstd command (apt-get install zstd)"
fi

mkdir -p "$out"
out=$(cd "$out" && pwd)
sources_dir=${WHISKEY_SOURCES_DIR:-$out/sources}
mkdir -p "$sources_dir"

if [ -z "$stack" ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  case "$ID-$VERSION_ID" in
    ubuntu-22.04) stack=heroku-22 ;;
    ubuntu-24.04) stack=heroku-24 ;;
    ubuntu-26.04) stack=heroku-26 ;;
    *) stack="$ID-$VERSION_ID" ;;
  esac
fi
case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac

# --- Sources ---------------------------------------------------------------
pin() { awk -v n="$1" -v f="$2" '!/^#/ && $1 == n { print $f }' "$here/sources.txt"; }
debian_pin() { awk -v n="$1" -v f="$2" '$1 == "#debian" && $2 == n { print $f }' "$here/sources.txt"; }

verify() {
  local file=$1 want=$2 got
  got=$(sha256sum "$file" | cut -d' ' -f1)
  [ "$got" = "$want" ] || die "$(basename "$file") does not match its pinned SHA-256
 !       expected: $want
 !       actual:   $got
 !     The download was altered or damaged; the build stops here."
}

fetch_debian() {
  # apt-get source with a source list of our own; the system's stays untouched.
  local apt_dir=$sources_dir/.apt
  mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial"
  local src=/etc/apt/sources.list.d/debian.sources
  [ -f "$src" ] || die "WHISKEY_SOURCES=debian needs $src"
  sed 's/^Types: deb$/Types: deb deb-src/' "$src" >"$apt_dir/parts/debian.sources"
  local apt=(apt-get -qq -o Dir::Etc::SourceParts="$apt_dir/parts" -o Dir::State::Lists="$apt_dir/lists"
    -o Dir::Etc::SourceList=/dev/null)
  if [ ! -f "$apt_dir/updated" ]; then
    "${apt[@]}" update >/dev/null && touch "$apt_dir/updated"
  fi
  (cd "$sources_dir" && "${apt[@]}" source --download-only "$(debian_pin "$1" 3)" >/dev/null 2>&1) ||
    die "apt-get source $(debian_pin "$1" 3) failed"
  mv "$sources_dir/$(debian_pin "$1" 4)" "$sources_dir/$(pin "$1" 3)"
}

fetch() {
  local name=$1 file sha url
  file=$(pin "$name" 3) sha=$(pin "$name" 4) url=$(pin "$name" 5)
  if [ "${WHISKEY_SOURCES:-upstream}" = local ]; then
    [ -f "$sources_dir/$file" ] || die "WHISKEY_SOURCES=local, and $sources_dir has no $file"
    verify "$sources_dir/$file" "$sha"
    detail "$file (sha256 verified)"
    return
  fi
  if [ -f "$sources_dir/$file" ] && [ "$(sha256sum "$sources_dir/$file" | cut -d' ' -f1)" = "$sha" ]; then
    detail "$file (kept from an earlier build)"
    return
  fi
  rm -f "$sources_dir/$file"
  case ${WHISKEY_SOURCES:-upstream} in
    upstream) curl -fsSL --retry 3 --connect-timeout 10 -o "$sources_dir/$file" "$url" || die "downloading $url failed" ;;
    debian) fetch_debian "$name" ;;
    *) die "WHISKEY_SOURCES must be upstream, debian or local, not '${WHISKEY_SOURCES}'" ;;
  esac
  verify "$sources_dir/$file" "$sha"
  detail "$file (sha256 verified)"
}

apache_version=$(pin httpd 2)
base="whiskey-$stack-$arch-apache-$apache_version"
$seed_layout && base="whiskey-$stack-$arch-apache-$apache_version-seed-layout"
say "Building $base.${suffixes[0]}"
say "Fetching sources ($(echo "${WHISKEY_SOURCES:-upstream}"))"
for name in apr apr-util httpd; do fetch "$name"; done

# --- Prefix ----------------------------------------------------------------
# Long enough that any real location fits in its place when the buildpack
# rewrites it inside binaries.
work=$(mktemp -d "${TMPDIR:-/tmp}/whiskey-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
pad=$(printf '%*s' 200 '' | tr ' ' '_')
prefix_root="$work/prefix-${pad:0:$((220 - ${#work}))}"
prefix="$prefix_root/.whiskey"
mkdir -p "$prefix"
detail "prefix placeholder: ${#prefix} characters"

mkdir -p "$work/src"
for name in apr apr-util httpd; do tar -xf "$sources_dir/$(pin "$name" 3)" -C "$work/src"; done

log=$out/build-$stack.log
: >"$log"
seed_arg=()
$seed_layout && seed_arg=(--seed-layout)
"$here/build-tree.sh" --sources "$work/src" --prefix "$prefix" --stack "$stack" --jobs "$jobs" \
  --log "$log" "${seed_arg[@]}"

# --- Pack ------------------------------------------------------------------
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00:00Z' \
  -C "$prefix_root" -cf "$work/bundle.tar" .whiskey
for suffix in "${suffixes[@]}"; do
  bundle="$base.$suffix"
  say "Packing $bundle"
  case $suffix in
    tar.gz) gzip -9n <"$work/bundle.tar" >"$out/$bundle.tmp" ;;
    tar.zst) zstd -q -19 <"$work/bundle.tar" >"$out/$bundle.tmp" ;;
  esac
  mv "$out/$bundle.tmp" "$out/$bundle"
  sha=$(sha256sum "$out/$bundle" | cut -d' ' -f1)
  echo "$sha  $bundle" >"$out/$bundle.sha256"
  detail "$out/$bundle"
  detail "$(stat -c %s "$out/$bundle") bytes compressed, $(du -sb "$prefix" | cut -f1) bytes unpacked"
  detail "sha256 $sha"
done
rm -f "$work/bundle.tar"
detail "built in ${SECONDS} s"
