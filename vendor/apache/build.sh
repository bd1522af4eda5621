#!/usr/bin/env bash
# Builds the relocatable Apache bundle: APR, APR-util and httpd from pinned
# sources, installed under a .whiskey layout, stripped, pruned of what a dyno
# never uses, with $ORIGIN rpaths, packed as
#   whiskey-<stack>-<arch>-apache-<version>.tar.zst (or .tar.gz)
# holding .whiskey/{apr,apr-util,apache}/... and .whiskey/apache/whiskey-bundle.json.
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
static=--disable-static
if $seed_layout; then
  base="whiskey-$stack-$arch-apache-$apache_version-seed-layout"
  static=--enable-static
fi
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

unpack() {
  local file=$1
  tar -xf "$sources_dir/$file" -C "$work/src"
}
mkdir -p "$work/src"
for name in apr apr-util httpd; do unpack "$(pin "$name" 3)"; done
# Our own changes, each described at its top: patches/NAME-*.patch applies
# to NAME's sources (apr, apr-util or httpd).
for name in apr apr-util httpd; do
  for p in "$here/patches/$name"-*.patch; do
    [ -f "$p" ] || continue
    case $p in "$here/patches/apr-util-"*) [ "$name" = apr-util ] || continue ;; esac
    detail "patch: $(basename "$p")"
    patch -d "$work/src/$name-$(pin "$name" 2)" -p1 --quiet <"$p" || die "$(basename "$p") does not apply"
  done
done

log=$out/build-$stack.log
: >"$log"
run() { "$@" >>"$log" 2>&1 || die "$* failed; see $log"; }

say "Building APR $(pin apr 2)"
(cd "$work/src/apr-$(pin apr 2)" &&
  run ./configure --prefix="$prefix/apr" "$static" &&
  run make -j"$jobs" && run make install)

say "Building APR-util $(pin apr-util 2)"
(cd "$work/src/apr-util-$(pin apr-util 2)" &&
  run ./configure --prefix="$prefix/apr-util" --with-apr="$prefix/apr" "$static" \
    --with-expat=/usr --with-crypto --with-openssl --without-ldap --without-pgsql \
    --without-mysql --without-sqlite2 --without-sqlite3 --without-oracle --without-freetds \
    --without-odbc --without-berkeley-db --without-gdbm --without-ndbm &&
  run make -j"$jobs" && run make install)

say "Building httpd $apache_version"
(cd "$work/src/httpd-$apache_version" &&
  run ./configure --prefix="$prefix/apache" --with-apr="$prefix/apr" \
    --with-apr-util="$prefix/apr-util" --with-pcre="$(command -v pcre2-config)" \
    --with-mpm=event --enable-mpms-shared=all --enable-so --enable-rewrite \
    --enable-mods-shared=all --enable-ssl --enable-http2 --enable-proxy --enable-proxy-http \
    --enable-deflate --enable-headers --enable-cgi --enable-cgid "$static" &&
  run make -j"$jobs" && run make install)

# --- Prune, strip, rpath ---------------------------------------------------
say "Pruning, stripping and setting \$ORIGIN rpaths"
for d in manual man icons htdocs cgi-bin error; do rm -rf "${prefix:?}/apache/$d"; done
rm -rf "$prefix/apr/share" "$prefix/apr-util/share"
$seed_layout || find "$prefix" -name '*.a' -delete
# The config scripts name the build's source folders, which only matter when
# they run from a build tree: keep no path of the build machine.
sed -i -E 's/^(APR_SOURCE_DIR|APR_BUILD_DIR)=.*/\1=""/' "$prefix/apr/bin/apr-1-config"
sed -i -E 's/^(APU_SOURCE_DIR|APU_BUILD_DIR)=.*/\1=""/' "$prefix/apr-util/bin/apu-1-config"

libdirs=("$prefix/apr/lib" "$prefix/apr-util/lib" "$prefix/apache/lib")
elf_count=0
while IFS= read -r -d '' f; do
  # ELF files only: executables, libraries, modules.
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "177ELF" ] || continue
  $seed_layout && continue
  strip --strip-unneeded "$f"
  dir=$(dirname "$f")
  rpath=""
  for lib in "${libdirs[@]}"; do
    [ -d "$lib" ] || continue
    rel=$(realpath --relative-to="$dir" "$lib")
    rpath="${rpath:+$rpath:}\$ORIGIN/$rel"
  done
  patchelf --set-rpath "$rpath" "$f"
  elf_count=$((elf_count + 1))
done < <(find "$prefix" -type f -print0)
detail "$elf_count ELF files"

# --- Describe and pack -----------------------------------------------------
cat >"$prefix/apache/whiskey-bundle.json" <<JSON
{
  "schema": 1,
  "stack": "$stack",
  "arch": "$arch",
  "apache": "$apache_version",
  "apr": "$(pin apr 2)",
  "apr_util": "$(pin apr-util 2)",
  "prefix": "$prefix",
  "prefix_capacity": ${#prefix},
  "contents": ["apache", "apr", "apr-util"],
  "features": ["graceful-sigterm"]
}
JSON

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
