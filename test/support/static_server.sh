# shellcheck shell=bash
#
# A folder served over HTTP on 127.0.0.1 (Python's http.server), for the
# suites' bundle and source servers.
#
#   static_server_start DIR   sets STATIC_SERVER_URL (http://127.0.0.1:PORT/),
#                             STATIC_SERVER_PID and STATIC_SERVER_LOG (its
#                             requests); fails when it does not answer
#   static_server_stop

static_server_start() {
  local dir=$1 port i
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  STATIC_SERVER_LOG=$(mktemp "${SHUNIT_TMPDIR:-/tmp}/static-server.XXXXXX")
  python3 -m http.server --bind 127.0.0.1 --directory "$dir" "$port" >"$STATIC_SERVER_LOG" 2>&1 &
  STATIC_SERVER_PID=$!
  STATIC_SERVER_URL="http://127.0.0.1:$port/"
  for i in $(seq 1 50); do
    curl -s -o /dev/null "$STATIC_SERVER_URL" && return 0
    sleep 0.1
  done
  echo "the server of $dir did not start: $(cat "$STATIC_SERVER_LOG")" >&2
  return 1
}

static_server_stop() {
  if [ -n "${STATIC_SERVER_PID:-}" ]; then
    kill "$STATIC_SERVER_PID" 2>/dev/null
    wait "$STATIC_SERVER_PID" 2>/dev/null
    STATIC_SERVER_PID=""
  fi
}
