# shellcheck shell=bash
#
# The test servers' plumbing: a watchdog that stops a server when the shell
# that started it dies without stopping it (moto.sh uses it), the stop
# itself, the fault server's start, and test certificates.

# server_watchdog PARENT PID DIR: watches PARENT (the starting shell); when
# it is gone while PID still runs, stops PID and removes DIR. Sets
# SERVER_WATCHDOG_PID.
server_watchdog() {
  local parent="$1" pid="$2" dir="$3"
  (
    set +e
    sp=""
    trap '[ -n "$sp" ] && kill "$sp" 2>/dev/null; exit 0' TERM
    while kill -0 "$parent" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
      sleep 1 &
      sp=$!
      wait "$sp"
    done
    if ! kill -0 "$parent" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      sleep 1
      kill -KILL "$pid" 2>/dev/null
      rm -rf "$dir"
    fi
  ) </dev/null >/dev/null 2>&1 &
  SERVER_WATCHDOG_PID=$!
}

# server_stop WATCHDOG_PID PID DIR: stops the watchdog, then the server (TERM,
# KILL after 5 s, reaped when it is this shell's child), and removes DIR.
# Any argument may be empty. Always returns 0.
server_stop() {
  local watchdog="$1" pid="$2" dir="$3" i
  if [ -n "$watchdog" ]; then
    kill "$watchdog" 2>/dev/null || true
    wait "$watchdog" 2>/dev/null || true
  fi
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
  if [ -n "$dir" ] && [ -d "$dir" ]; then
    rm -rf "$dir"
  fi
  return 0
}

# fault_server_start FILE DIR [--tls CERT KEY]: starts
# test/support/fault_server.py serving FILE (its port file and log in DIR)
# and waits until it has a port. Sets FAULT_PID and FAULT_PORT.
fault_server_start() {
  local file=$1 dir=$2 i
  shift 2
  python3 "$(dirname "${BASH_SOURCE[0]}")/fault_server.py" "$file" "$dir/port" "$@" \
    >"$dir/server.log" 2>&1 &
  FAULT_PID=$!
  for ((i = 0; i < 50; i++)); do
    [ -s "$dir/port" ] && break
    sleep 0.1
  done
  FAULT_PORT=$(cat "$dir/port" 2>/dev/null)
  [ -n "$FAULT_PORT" ] || { cat "$dir/server.log" >&2; return 1; }
}

# test_certificates DIR CN SAN: a CA of its own (DIR/ca.pem) and a server
# certificate it signed (DIR/server.pem, DIR/server.key) for common name CN
# and subjectAltName SAN ("IP:127.0.0.1", "DNS:a.invalid,IP:127.0.0.1").
# On failure prints openssl's output and returns non-zero.
test_certificates() {
  local dir=$1 cn=$2 san=$3
  mkdir -p "$dir"
  (
    cd "$dir" &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Whiskey Test CA" \
        -keyout ca.key -out ca.pem &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout server.key -out server.csr &&
      printf 'subjectAltName=%s\n' "$san" >san.ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile san.ext -out server.pem
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; return 1; }
}
