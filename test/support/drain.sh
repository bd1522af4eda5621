# shellcheck shell=bash
#
# Requests in flight while a web process is stopped, as the dyno manager
# stops it: SIGTERM to every one of its processes at once. Used by
# test/stop_test.sh and by the drain benchmark. Needs web.sh (web_pids,
# WEB_PID, WEB_LOG, PORT_UNDER_TEST) and a folder REQUESTS for the results.
#
#   . "${BUILDPACK_HOME}/test/support/drain.sh"

# build_slow_app DIR BUNDLE_URL BUNDLE_SHA256: builds fixtures/slow_app with
# this buildpack, then the Python stand-in, in DIR; prints the slug's path.
build_slow_app() {
  local dir=$1 url=$2 sha=$3
  local build="$dir/slow-build" env="$dir/slow-env" cache="$dir/slow-cache"
  rm -rf "$build" "$env" "$cache"
  mkdir -p "$env" "$cache"
  cp -R "${BUILDPACK_HOME}/test/fixtures/slow_app" "$build"
  printf %s "$url" >"$env/WHISKEY_URL"
  printf %s "$sha" >"$env/WHISKEY_SHA256"
  "${BUILDPACK_HOME}/bin/compile" "$build" "$cache" "$env" >"$dir/slow-compile.log" 2>&1 || {
    cat "$dir/slow-compile.log" >&2
    return 1
  }
  python_buildpack "$build" || return 1
  move_slug "$build"
}

# start_web_with SLUG COMMAND [VAR=VALUE...]: start_web on a free port
# (PORT_UNDER_TEST) with these variables in its environment only; COMMAND ""
# is the Procfile's. Sets WEB_PID and WEB_LOG; REQUESTS holds a note of them.
start_web_with() {
  local slug=$1 command=$2
  shift 2
  PORT_UNDER_TEST=$(free_port)
  (
    for assignment in "$@"; do export "${assignment?}"; done
    start_web "$slug" "$PORT_UNDER_TEST" "$command"
    echo "$WEB_PID $WEB_LOG" >"$REQUESTS/web"
  )
  read -r WEB_PID WEB_LOG <"$REQUESTS/web"
}

# request NAME PATH: GETs PATH from the web process in the background; its
# body goes to REQUESTS/NAME.body, and "CURL_EXIT HTTP_STATUS" to
# REQUESTS/NAME.result ("7 000": refused; "0 200": answered in full).
request() {
  local name=$1 path=$2
  (
    code=$(curl -s --max-time 60 -o "$REQUESTS/$name.body" -w '%{http_code}' \
      "http://127.0.0.1:$PORT_UNDER_TEST$path")
    echo "$? $code" >"$REQUESTS/$name.result"
  ) &
  REQUEST_PIDS+=("$!")
}

# waitRequests: until every request made has its answer.
waitRequests() {
  local pid
  for pid in "${REQUEST_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  REQUEST_PIDS=()
}

# waitStarted N [SECONDS]: until the app has said N requests started.
waitStarted() {
  local n=$1 seconds=${2:-20} i
  for ((i = 0; i < seconds * 10; i++)); do
    [ "$(grep -a -c -E 'started [^ ]+ in [0-9]+' "$WEB_LOG")" -ge "$n" ] && return 0
    sleep 0.1
  done
  return 1
}

# stopAll [group]: SIGTERM to every process of the web process at once (with
# "group": to its process group, which the session's leader leads), then
# waits (40 s at most) until none is left. STOP_SECONDS: how long that took.
stopAll() {
  local pids start i
  pids=$(web_pids)
  start=$(date +%s%N)
  if [ "${1:-}" = group ]; then
    kill -TERM -- "-$WEB_PID" 2>/dev/null
  else
    # shellcheck disable=SC2086 # one argument per process
    kill -TERM $pids 2>/dev/null
  fi
  for ((i = 0; i < 400; i++)); do
    [ -z "$(web_pids)" ] && break
    sleep 0.1
  done
  # shellcheck disable=SC2034 # read by the callers
  STOP_SECONDS=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
  wait "$WEB_PID" 2>/dev/null
  WEB_PID=
}

# completed NAME: whether request NAME was answered 200 with its whole body
# (64 KiB, as fixtures/slow_app answers).
completed() {
  [ "$(cat "$REQUESTS/$1.result" 2>/dev/null)" = "0 200" ] &&
    [ "$(stat -c %s "$REQUESTS/$1.body" 2>/dev/null)" = 65536 ]
}

assertCompleted() {
  assertTrue "request $1 completed with its whole body (curl, HTTP: $(cat "$REQUESTS/$1.result" 2>/dev/null))" \
    "completed $1"
}
