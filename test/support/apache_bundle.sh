# shellcheck shell=bash
#
# The real Apache bundle for the tests, built by vendor/apache/build.sh from
# the pinned sources (taken from Debian's source packages on machines without
# the Apache archive). It is kept in build/apache-bundle between runs and
# built again when the recipe or its pins change; a fresh clone builds it
# from scratch.
#
#   . "${BUILDPACK_HOME}/test/support/apache_bundle.sh"
#   apache_bundle          # sets APACHE_BUNDLE (the .tar.gz) and APACHE_BUNDLE_SHA256,
#                          # and APACHE_BUNDLE_ZST(_SHA256): the same tar as .tar.zst;
#                          # APACHE_SOURCES_DIR holds the sources it was built from
#   damaged_bundles DIR    # the same, damaged four ways, into DIR (see below)

APACHE_BUNDLE_DIR="${BUILDPACK_HOME}/build/apache-bundle"
# The pinned source archives the bundle was built from (sources.txt's names).
APACHE_SOURCES_DIR="${BUILDPACK_HOME}/build/apache-sources"

apache_bundle() {
  local recipe="${BUILDPACK_HOME}/vendor/apache" stamp want
  want=$(cat "$recipe/build.sh" "$recipe/build-tree.sh" "$recipe/sources.txt" "$recipe"/patches/* | sha256sum | cut -d' ' -f1)
  stamp="$APACHE_BUNDLE_DIR/.recipe-sha256"
  # None yet on a fresh clone: not an error, even under set -e -o pipefail.
  APACHE_BUNDLE=$(ls "$APACHE_BUNDLE_DIR"/whiskey-debian-12-*-apache-*.tar.gz 2>/dev/null | head -n 1 || true)
  APACHE_BUNDLE_ZST="${APACHE_BUNDLE%.tar.gz}.tar.zst"
  if [ -z "$APACHE_BUNDLE" ] || [ ! -f "$APACHE_BUNDLE_ZST" ] ||
    [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Building the Apache bundle (a few minutes; kept in build/apache-bundle)" >&2
    rm -f "$APACHE_BUNDLE_DIR"/whiskey-*.tar.gz* "$APACHE_BUNDLE_DIR"/whiskey-*.tar.zst*
    WHISKEY_SOURCES=${WHISKEY_SOURCES:-debian} \
      WHISKEY_SOURCES_DIR="$APACHE_SOURCES_DIR" \
      "$recipe/build.sh" --stack debian-12 --compression both --out "$APACHE_BUNDLE_DIR" >"$APACHE_BUNDLE_DIR.log" 2>&1 || {
      tail -n 30 "$APACHE_BUNDLE_DIR.log" >&2
      return 1
    }
    echo "$want" >"$stamp"
    APACHE_BUNDLE=$(ls "$APACHE_BUNDLE_DIR"/whiskey-debian-12-*-apache-*.tar.gz | head -n 1)
    APACHE_BUNDLE_ZST="${APACHE_BUNDLE%.tar.gz}.tar.zst"
  fi
  APACHE_BUNDLE_SHA256=$(sha256sum "$APACHE_BUNDLE" | cut -d' ' -f1)
  APACHE_BUNDLE_ZST_SHA256=$(sha256sum "$APACHE_BUNDLE_ZST" | cut -d' ' -f1)
  export APACHE_BUNDLE APACHE_BUNDLE_SHA256 APACHE_BUNDLE_ZST APACHE_BUNDLE_ZST_SHA256
}

# apache_sbom_check FILE STACK ARCH [BUNDLE_NAME BUNDLE_SHA256]: "ok" when
# FILE, a bundle's bill of materials, is valid CycloneDX 1.5 and says what
# vendor/apache builds for STACK and ARCH (see test/support/check_sbom.py),
# else its problems.
apache_sbom_check() {
  "${BUILDPACK_HOME}/build/cyclonedx-venv/bin/python" "${BUILDPACK_HOME}/test/support/check_sbom.py" \
    "$1" "${BUILDPACK_HOME}/vendor/apache" "$2" "$3" "${@:4}" 2>&1
}

# damaged_bundles DIR: after apache_bundle, the bundle as .tar.gz and .tar.zst
# damaged each way make_bundle.py's `damage` knows: DIR/HOW.tar.gz and
# DIR/HOW.tar.zst for HOW in flip (a byte in the middle), check (the
# compressor's check rewritten), cut (the last bytes gone), after (bytes
# appended).
damaged_bundles() {
  local how
  for how in flip check cut after; do
    python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" damage "$how" "$APACHE_BUNDLE" \
      "$1/$how.tar.gz" || return 1
    python3 "${BUILDPACK_HOME}/test/support/make_bundle.py" damage "$how" "$APACHE_BUNDLE_ZST" \
      "$1/$how.tar.zst" || return 1
  done
}
