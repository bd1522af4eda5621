# shellcheck shell=bash
#
# A mirror of the Apache archive on 127.0.0.1, for builds that compile
# Apache from the recipe (WHISKEY_APACHE_MIRROR): the pinned source archives
# laid out as archive.apache.org/dist/ has them (apr/, httpd/), served by
# Python's http.server.
#
#   source_mirror_start [SOURCES_DIR]  serves the archives sources.txt pins,
#                                      taken from SOURCES_DIR (none: an empty
#                                      mirror, where every source is a 404);
#                                      sets SOURCE_MIRROR_URL, SOURCE_MIRROR_DIR
#                                      and SOURCE_MIRROR_LOG (its requests)
#   source_mirror_stop

# shellcheck source=test/support/static_server.sh
. "${BUILDPACK_HOME}/test/support/static_server.sh"

source_mirror_start() {
  local sources=${1:-} name file url path
  SOURCE_MIRROR_DIR=$(mktemp -d "${SHUNIT_TMPDIR:-/tmp}/mirror.XXXXXX")
  if [ -n "$sources" ]; then
    while read -r name _ file _ url; do
      case $name in '' | '#'*) continue ;; esac
      path=${url#https://archive.apache.org/dist/}
      mkdir -p "$SOURCE_MIRROR_DIR/$(dirname "$path")" &&
        cp "$sources/$file" "$SOURCE_MIRROR_DIR/$path" || return 1
    done <"${BUILDPACK_HOME}/vendor/apache/sources.txt"
  fi
  static_server_start "$SOURCE_MIRROR_DIR" || return 1
  SOURCE_MIRROR_URL=$STATIC_SERVER_URL
  SOURCE_MIRROR_LOG=$STATIC_SERVER_LOG
}

source_mirror_stop() {
  static_server_stop
}
