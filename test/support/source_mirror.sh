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
#   source_mirror_stop

source_mirror_start() {
  local sources=${1:-} name file url path port
  SOURCE_MIRROR_DIR=$(mktemp -d "${SHUNIT_TMPDIR:-/tmp}/mirror.XXXXXX")
  if [ -n "$sources" ]; then
    while read -r name _ file _ url; do
      case $name in '' | '#'*) continue ;; esac
      path=${url#https://archive.apache.org/dist/}
      mkdir -p "$SOURCE_MIRROR_DIR/$(dirname "$path")" &&
        cp "$sources/$file" "$SOURCE_MIRROR_DIR/$path" || return 1
    done <"${BUILDPACK_HOME}/vendor/apache/sources.txt"
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$SOURCE_MIRROR_DIR" "$port" \
    >"$SOURCE_MIRROR_DIR.log" 2>&1 &
  SOURCE_MIRROR_PID=$!
  SOURCE_MIRROR_URL="http://127.0.0.1:$port/"
  local i
  for i in $(seq 1 50); do
    curl -s -o /dev/null "$SOURCE_MIRROR_URL" && return 0
    sleep 0.1
  done
  echo "the source mirror did not start: $(cat "$SOURCE_MIRROR_DIR.log")" >&2
  return 1
}

source_mirror_stop() {
  if [ -n "${SOURCE_MIRROR_PID:-}" ]; then
    kill "$SOURCE_MIRROR_PID" 2>/dev/null
    wait "$SOURCE_MIRROR_PID" 2>/dev/null
    SOURCE_MIRROR_PID=""
  fi
}
