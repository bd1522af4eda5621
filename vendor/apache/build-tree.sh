#!/usr/bin/env bash
# The recipe's build steps, shared by the maintainers' build (build.sh) and
# by compile when no bundle is published for the app's stack: applies our
# patches to the unpacked, pinned sources of APR, APR-util and httpd, builds
# and installs them under PREFIX (a .whiskey folder), prunes what a dyno
# never uses, strips the binaries, gives them $ORIGIN rpaths, and writes
# PREFIX/apache/whiskey-bundle.json (what the buildpack reads of the bundle)
# and PREFIX/apache/sbom.cdx.json (its bill of materials, CycloneDX 1.5
# JSON). Packing the tree is the caller's job.
#
# Usage: vendor/apache/build-tree.sh --sources DIR --prefix PREFIX --stack NAME
#                                    [--jobs N] [--log FILE] [--seed-layout]
#   --sources      holds apr-VERSION/, apr-util-VERSION/ and httpd-VERSION/,
#                  unpacked from the archives sources.txt pins (patched here)
#   --prefix       where the tree is installed; it ends in /.whiskey and is
#                  long enough for any place the buildpack relocates it to
#   --log          where the tools' output goes (default: standard output);
#                  the step lines ("-----> Building APR 1.7.2") always go to
#                  standard output
#   --seed-layout  as the original 2014 recipe did: static libraries kept,
#                  nothing stripped, no rpaths
# mod_http2 is built where nghttp2's development files are (pkg-config
# libnghttp2), and left out elsewhere: Heroku's router speaks HTTP/1.1 to
# dynos. Needs a C compiler (CC, else cc), make, patch, strip, patchelf,
# pcre2-config, pkg-config and sha256sum.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sources=""
prefix=""
stack=""
jobs=$(nproc 2>/dev/null || echo 2)
log=""
seed_layout=false

die() { echo " !     $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --sources) sources=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --seed-layout) seed_layout=true; shift ;;
    -h|--help) sed -n '2,/^set -e/p' "$0" | sed 's/^# \{0,1\}//;/^set -e/d'; exit 0 ;;
    *) die "build-tree.sh: unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$sources" ] && [ -n "$prefix" ] && [ -n "$stack" ] ||
  die "build-tree.sh needs --sources, --prefix and --stack (see --help)"
[ "$(basename "$prefix")" = .whiskey ] || die "--prefix must end in /.whiskey, not '$prefix'"

say() { echo "-----> $*"; }
detail() { echo "       $*"; }
pin() { awk -v n="$1" -v f="$2" '!/^#/ && $1 == n { print $f }' "$here/sources.txt"; }
run() {
  if [ -n "$log" ]; then
    "$@" >>"$log" 2>&1 || die "$* failed; see $log"
  else
    "$@" 2>&1 || die "$* failed"
  fi
}

case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac
apache_version=$(pin httpd 2)
static=--disable-static
$seed_layout && static=--enable-static
mkdir -p "$prefix"

# Our own changes, each described at its top: patches/NAME-*.patch applies
# to NAME's sources (apr, apr-util or httpd). applied[NAME] lists them.
declare -A applied=()
for name in apr apr-util httpd; do
  tree="$sources/$name-$(pin "$name" 2)"
  [ -d "$tree" ] || die "$tree is missing: unpack $(pin "$name" 3) into $sources first"
  for p in "$here/patches/$name"-*.patch; do
    [ -f "$p" ] || continue
    case $p in "$here/patches/apr-util-"*) [ "$name" = apr-util ] || continue ;; esac
    detail "patch: $(basename "$p")"
    patch -d "$tree" -p1 --quiet <"$p" || die "$(basename "$p") does not apply"
    applied[$name]+="$(basename "$p") "
  done
done

features='"graceful-sigterm", "request-body-buffering"'
http2=--disable-http2
if pkg-config --exists libnghttp2 2>/dev/null; then
  http2=--enable-http2
  features="$features, \"http2\""
fi

say "Building APR $(pin apr 2)"
(cd "$sources/apr-$(pin apr 2)" &&
  run ./configure --prefix="$prefix/apr" "$static" &&
  run make -j"$jobs" && run make install)

say "Building APR-util $(pin apr-util 2)"
(cd "$sources/apr-util-$(pin apr-util 2)" &&
  run ./configure --prefix="$prefix/apr-util" --with-apr="$prefix/apr" "$static" \
    --with-expat=/usr --with-crypto --with-openssl --without-ldap --without-pgsql \
    --without-mysql --without-sqlite2 --without-sqlite3 --without-oracle --without-freetds \
    --without-odbc --without-berkeley-db --without-gdbm --without-ndbm &&
  run make -j"$jobs" && run make install)

say "Building httpd $apache_version"
(cd "$sources/httpd-$apache_version" &&
  run ./configure --prefix="$prefix/apache" --with-apr="$prefix/apr" \
    --with-apr-util="$prefix/apr-util" --with-pcre="$(command -v pcre2-config)" \
    --with-mpm=event --enable-mpms-shared=all --enable-so --enable-rewrite \
    --enable-mods-shared=all --enable-ssl "$http2" --enable-proxy --enable-proxy-http \
    --enable-deflate --enable-headers --enable-cgi --enable-cgid "$static" &&
  run make -j"$jobs" && run make install)

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
  "features": [$features]
}
JSON

# --- Bill of materials -------------------------------------------------------
# CycloneDX 1.5 JSON: the bundle (stack, arch, the compiler) and what it is
# built from: httpd, APR and APR-util, each with its pinned source (URL and
# SHA-256) and the patches applied to it (with their SHA-256). The same recipe
# and compiler give the same bytes: no timestamp, no serial number (a random
# one would differ at each build), nothing of the build machine's paths.
# Written with printf alone (the build images are not assumed to have a JSON
# tool): every value is checked against a strict pattern, or escaped.
json_text() {  # a JSON string: backslashes and quotes escaped, control characters refused
  local s=$1
  case $s in *[[:cntrl:]]*) die "bill of materials: a control character in '$s'" ;; esac
  s=${s//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}
checked() {  # the value, when it matches the pattern (an extended regex)
  [[ $2 =~ ^$1$ ]] || die "bill of materials: '$2' is not a valid $3"
  printf '%s' "$2"
}
property() { printf '{"name": "mod_wsgi-heroku:%s", "value": %s}' "$1" "$(json_text "$2")"; }
# shellcheck disable=SC2086 # CC may carry options
cc_line=$(${CC:-cc} --version 2>/dev/null | head -n 1 || true)
[ -n "$cc_line" ] || cc_line="unknown (${CC:-cc} --version said nothing)"
bundle_properties=("$(property stack "$(checked '[a-z0-9][a-z0-9.-]*' "$stack" stack)")"
  "$(property arch "$(checked '[a-z0-9_]+' "$arch" arch)")"
  "$(property compiler "$cc_line")")
[ -n "${CFLAGS:-}" ] && bundle_properties+=("$(property cflags "$CFLAGS")")
bundle_properties+=("$(property features "$(echo "$features" | tr -d '"')")")
joined() {  # the arguments, comma-separated, each on a line of its own at the indent $1
  local indent=$1 first=true item
  shift
  for item in "$@"; do
    $first || printf ',\n'
    printf '%s%s' "$indent" "$item"
    first=false
  done
}
# name  CPE product  type
sbom_parts=("httpd http_server application" "apr portable_runtime library"
  "apr-util apr-util library")
component() {
  local name=$1 cpe=$2 type=$3 version url sha purl patches=() properties=() p file
  version=$(checked '[0-9][0-9A-Za-z.+~-]*' "$(pin "$name" 2)" "version of $name")
  url=$(checked 'https://[A-Za-z0-9._~/+:-]+' "$(pin "$name" 5)" "URL of $name")
  sha=$(checked '[0-9a-f]{64}' "$(pin "$name" 4)" "SHA-256 of $name")
  purl="pkg:generic/apache/$name@$version"
  for file in ${applied[$name]:-}; do
    file=$(checked '[A-Za-z0-9._+-]+' "$file" "patch name")
    p=$(sha256sum "$here/patches/$file" | cut -d' ' -f1)
    patches+=("{\"type\": \"unofficial\", \"diff\": {\"url\": \"vendor/apache/patches/$file\"}}")
    properties+=("$(property "patch-sha256:$file" "$p")")
  done
  printf '    {\n'
  printf '      "type": "%s",\n' "$type"
  printf '      "bom-ref": "%s",\n' "$purl"
  printf '      "supplier": {"name": "The Apache Software Foundation", "url": ["https://www.apache.org/"]},\n'
  printf '      "name": "%s",\n' "$name"
  printf '      "version": "%s",\n' "$version"
  printf '      "licenses": [{"license": {"id": "Apache-2.0"}}],\n'
  printf '      "cpe": "cpe:2.3:a:apache:%s:%s:*:*:*:*:*:*:*",\n' "$cpe" "$version"
  printf '      "purl": "%s",\n' "$purl"
  printf '      "externalReferences": [\n'
  printf '        {"type": "distribution", "url": "%s", "hashes": [{"alg": "SHA-256", "content": "%s"}]}\n' "$url" "$sha"
  printf '      ]'
  if [ ${#patches[@]} -gt 0 ]; then
    printf ',\n      "pedigree": {"patches": [\n%s\n      ]},\n' "$(joined '        ' "${patches[@]}")"
    printf '      "properties": [\n%s\n      ]' "$(joined '        ' "${properties[@]}")"
  fi
  printf '\n    }'
}
ref() { printf '"pkg:generic/apache/%s@%s"' "$1" "$(pin "$1" 2)"; }
{
  printf '{\n'
  printf '  "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json",\n'
  printf '  "bomFormat": "CycloneDX",\n'
  printf '  "specVersion": "1.5",\n'
  printf '  "version": 1,\n'
  printf '  "metadata": {\n'
  printf '    "tools": {"components": [{"type": "application", "name": "mod_wsgi-heroku", "description": "the Apache recipe, vendor/apache/build-tree.sh"}]},\n'
  printf '    "component": {\n'
  printf '      "type": "application",\n'
  printf '      "bom-ref": "apache-bundle",\n'
  printf '      "name": "whiskey-%s-%s-apache-%s",\n' "$stack" "$arch" "$apache_version"
  printf '      "version": "%s",\n' "$apache_version"
  printf '      "description": "Apache httpd, APR and APR-util, built for Heroku by the mod_wsgi-heroku buildpack",\n'
  printf '      "properties": [\n%s\n      ]\n' "$(joined '        ' "${bundle_properties[@]}")"
  printf '    }\n'
  printf '  },\n'
  printf '  "components": [\n'
  first=true
  for part in "${sbom_parts[@]}"; do
    $first || printf ',\n'
    # shellcheck disable=SC2086 # the line's three words
    component $part
    first=false
  done
  printf '\n  ],\n'
  printf '  "dependencies": [\n'
  printf '    {"ref": "apache-bundle", "dependsOn": [%s, %s, %s]},\n' "$(ref httpd)" "$(ref apr)" "$(ref apr-util)"
  printf '    {"ref": %s, "dependsOn": [%s, %s]},\n' "$(ref httpd)" "$(ref apr)" "$(ref apr-util)"
  printf '    {"ref": %s, "dependsOn": []},\n' "$(ref apr)"
  printf '    {"ref": %s, "dependsOn": [%s]}\n' "$(ref apr-util)" "$(ref apr)"
  printf '  ]\n'
  printf '}\n'
} >"$prefix/apache/sbom.cdx.json"
detail "bill of materials: apache/sbom.cdx.json"
