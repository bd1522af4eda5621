#!/usr/bin/env bash
# shellcheck shell=bash source-path=SCRIPTDIR/..
#
# Stopping the web process as a dyno is stopped: SIGTERM to every process of
# it at once, with requests in flight. On a dyno (DYNO set) they complete
# with their whole body, requests made after the SIGTERM are refused or
# completed (never cut), and every process is gone well before the
# platform's SIGKILL at 30 s. Off a dyno, or opted out, Apache stops at once
# as plain Apache does. And while it runs, the connections the router keeps
# open to the dyno stay open through a burst of requests. One slug (the
# Flask app of fixtures/slow_app, built with the real bundle) serves every
# test.

# shellcheck source=test/support/under_bash.sh
. "${BUILDPACK_HOME}/test/support/under_bash.sh"
# shellcheck source=test/lib/test_utils.sh
. "${BUILDPACK_TEST_RUNNER_HOME}/lib/test_utils.sh"
# shellcheck source=test/support/helpers.sh
. "${BUILDPACK_HOME}/test/support/helpers.sh"
# shellcheck source=test/support/moto.sh
. "${BUILDPACK_HOME}/test/support/moto.sh"
# shellcheck source=test/support/apache_bundle.sh
. "${BUILDPACK_HOME}/test/support/apache_bundle.sh"
# shellcheck source=test/support/web.sh
. "${BUILDPACK_HOME}/test/support/web.sh"
# shellcheck source=test/support/drain.sh
. "${BUILDPACK_HOME}/test/support/drain.sh"

STACK=debian-12
export STACK
BUCKET=whiskey-stop

oneTimeSetUp() {
  apache_bundle || return 1
  moto_start --public "$BUCKET" || return 1
  moto_put "$BUCKET" bundle.tar.gz "$APACHE_BUNDLE" || return 1
  if [ -f "${BUILDPACK_HOME}/export" ]; then
    mv "${BUILDPACK_HOME}/export" "${SHUNIT_TMPDIR}/export.saved"
  fi
  SLUG=$(build_slow_app "${SHUNIT_TMPDIR}" "$(moto_url "$BUCKET" bundle.tar.gz)" \
    "$APACHE_BUNDLE_SHA256") || return 1
}

oneTimeTearDown() {
  moto_stop
  if [ -n "${SLUG:-}" ]; then rm -rf "$SLUG" "$SLUG.web.log" "$SLUG.tmp"; fi
  rm -f "${BUILDPACK_HOME}/export"
  if [ -f "${SHUNIT_TMPDIR}/export.saved" ]; then
    mv "${SHUNIT_TMPDIR}/export.saved" "${BUILDPACK_HOME}/export"
  fi
}

afterSetUp() {
  WEB_PID=
  REQUEST_PIDS=()
  REQUESTS="${SHUNIT_TMPDIR}/requests.$RANDOM"
  mkdir -p "$REQUESTS"
}

beforeTearDown() {
  if [ -n "${WEB_PID:-}" ]; then stop_web 5 >/dev/null 2>&1; fi
  rm -rf "$REQUESTS"
}

# startOnDyno [VAR=VALUE...]: starts the web process as a dyno does, with
# DYNO set and the variables given.
startOnDyno() {
  startWith DYNO=web.1 "$@"
}

# startWith [VAR=VALUE...]: starts the web process with these variables.
startWith() {
  startCommandWith "" "$@"
}

# startCommandWith COMMAND [VAR=VALUE...]: the same with COMMAND instead of
# the default web process.
startCommandWith() {
  start_web_with "$SLUG" "$@"
  wait_http "$PORT_UNDER_TEST" 40 || fail "nothing answered on \$PORT; the web log:
$(cat "$WEB_LOG")"
}

testAnInFlightRequestCompletesWhenTheDynoStops() {
  startOnDyno
  assertContains "SIGTERM stops gracefully, up to 25 s for the requests in flight" "$(cat "$WEB_LOG")"
  request a "/sleep/4?tag=a"
  waitStarted 1 || fail "the request did not start"
  stopAll
  waitRequests
  assertCompleted a
  assertTrue "every process gone in under 15 s (took ${STOP_SECONDS} s)" "[ ${STOP_SECONDS%.*} -lt 15 ]"
  assertContains "mod_wsgi-heroku-start: SIGTERM: stopping gracefully, up to 25.0 s" "$(cat "$WEB_LOG")"
  assertContains "mod_wsgi-heroku-start: stopped gracefully in " "$(cat "$WEB_LOG")"
  assertContains ": every request in flight completed" "$(cat "$WEB_LOG")"
}

testRequestsAcrossProcessesAndThreadsAllComplete() {
  startOnDyno MOD_WSGI_PROCESSES=2 MOD_WSGI_THREADS=4
  local i
  for i in 1 2 3 4 5 6; do request "r$i" "/sleep/3?tag=r$i"; done
  waitStarted 6 || fail "the requests did not all start: $(grep -c 'started' "$WEB_LOG")"
  assertEquals "served by both daemon processes" 2 \
    "$(grep -a -o 'started r[0-9] in [0-9]*' "$WEB_LOG" | awk '{ print $4 }' | sort -u | wc -l)"
  stopAll
  waitRequests
  for i in 1 2 3 4 5 6; do assertCompleted "r$i"; done
  assertTrue "every process gone in under 15 s (took ${STOP_SECONDS} s)" "[ ${STOP_SECONDS%.*} -lt 15 ]"
}

testInEmbeddedModeRequestsInFlightCompleteToo() {
  # No daemons: Apache's own children run the app, and its graceful stop
  # lets them finish.
  startCommandWith "mod_wsgi-heroku-start wsgi.py --embedded-mode" DYNO=web.1 \
    MOD_WSGI_PROCESSES=2 MOD_WSGI_THREADS=2
  assertContains "2 processes of 2 threads (MOD_WSGI_PROCESSES, MOD_WSGI_THREADS), in embedded mode" \
    "$(cat "$WEB_LOG")"
  local i
  for i in 1 2 3 4; do request "e$i" "/sleep/3?tag=e$i"; done
  waitStarted 4 || fail "the requests did not all start: $(grep -c 'started' "$WEB_LOG")"
  stopAll
  waitRequests
  for i in 1 2 3 4; do assertCompleted "e$i"; done
  assertTrue "every process gone in under 15 s (took ${STOP_SECONDS} s)" "[ ${STOP_SECONDS%.*} -lt 15 ]"
  assertContains "mod_wsgi-heroku-start: stopped gracefully in " "$(cat "$WEB_LOG")"
}

testAResponseUnderWayArrivesWhole() {
  startOnDyno
  request s "/stream/4?tag=s"
  waitStarted 1 || fail "the request did not start"
  sleep 1  # a quarter of the body is on its way
  stopAll
  waitRequests
  assertCompleted s
}

testRequestsAfterTheStopAreRefusedNeverCut() {
  startOnDyno
  request first "/sleep/3?tag=first"
  waitStarted 1 || fail "the request did not start"
  local started_ns i
  started_ns=$(date +%s%N)
  stopAll &
  local stopper=$!
  # New requests for the next two seconds, each taking half a second.
  for i in $(seq 1 20); do
    request "late$i" "/sleep/0.5?tag=late$i"
    sleep 0.1
  done
  wait "$stopper"
  STOPPER_SECONDS=$(( ($(date +%s%N) - started_ns) / 1000000000 ))
  waitRequests
  assertCompleted first
  assertTrue "every process gone in under 15 s (took ${STOPPER_SECONDS} s)" "[ $STOPPER_SECONDS -lt 15 ]"
  local refused=0 completed=0 turned=0 unanswered=0 cut=0 result
  for i in $(seq 1 20); do
    result=$(cat "$REQUESTS/late$i.result")
    case "$result" in
      # Refused, or reset in the listen queue when the listeners were shut
      # down: no byte of a response either way.
      "7 000" | "56 000") refused=$((refused + 1)) ;;
      # An error: what Apache answers when a request it passed to the
      # daemons after the SIGTERM reached them (they accept no more) found
      # no daemon started again to serve it.
      "0 5"??) turned=$((turned + 1)) ;;
      "52 000") unanswered=$((unanswered + 1)) ;;
      "0 200") [ "$(stat -c %s "$REQUESTS/late$i.body")" -eq 65536 ] && completed=$((completed + 1)) || cut=$((cut + 1)) ;;
      *) cut=$((cut + 1)); echo "late$i: curl exit status and HTTP status: $result" ;;
    esac
  done
  echo "after SIGTERM: $refused refused, $completed completed, $turned turned away with an error, $unanswered closed unanswered, $cut cut (stop: $STOPPER_SECONDS s)"
  assertEquals "requests cut after the SIGTERM" 0 "$cut"
  assertEquals "requests closed without an answer" 0 "$unanswered"
  assertEquals "requests answered with an error" 0 "$turned"
  assertTrue "requests after the SIGTERM are refused" "[ $refused -gt 0 ]"
}

testARequestReachingTheDaemonsAfterTheyStoppedIsServed() {
  # Apache takes the connection before the stop, but the request's headers
  # end only half a second after the SIGTERM: by then the mod_wsgi daemons,
  # which got the SIGTERM too, have stopped accepting. The request is served
  # all the same, by a daemon started again for it (before, the children
  # answered it 502 once the daemons had gone).
  startOnDyno
  python3 "${BUILDPACK_HOME}/test/support/late_headers.py" "$PORT_UNDER_TEST" \
    "/sleep/0.2?tag=late" "$REQUESTS/ready" "$REQUESTS/go" >"$REQUESTS/late.out" 2>&1 &
  local client=$! i
  for ((i = 0; i < 100; i++)); do [ -f "$REQUESTS/ready" ] && break; sleep 0.1; done
  sleep 0.2
  stopAll &
  local stopper=$!
  sleep 0.5
  touch "$REQUESTS/go"
  wait "$client"
  wait "$stopper"
  WEB_PID=
  assertEquals "the late request is answered in full" "HTTP 200, 65536 bytes" "$(cat "$REQUESTS/late.out")"
  assertContains "starting a daemon process again to serve it" "$(cat "$WEB_LOG")"
  assertContains "mod_wsgi-heroku-start: stopped gracefully in " "$(cat "$WEB_LOG")"
  assertNotContains "scoreboard is full" "$(cat "$WEB_LOG")"
}

testARequestLongerThanTheStopTimeoutIsEndedInTime() {
  startOnDyno WHISKEY_STOP_TIMEOUT=2
  request slow "/sleep/20?tag=slow"
  waitStarted 1 || fail "the request did not start"
  stopAll
  waitRequests
  assertNotEquals "the request outlasting the stop is ended" "0 200" "$(cat "$REQUESTS/slow.result")"
  assertTrue "ended in under 6 s (took ${STOP_SECONDS} s)" "[ ${STOP_SECONDS%.*} -lt 6 ]"
  assertContains "requests still in flight after 2.0 s were ended" "$(cat "$WEB_LOG")"
}

testKeptAliveConnectionsOutlastABurst() {
  # A burst of 300 requests of 1 s at once: 15 times what the daemons run
  # together, beyond the front's 256 threads, so that every one of them is
  # busy for seconds. 10 kept connections stay idle through it, 10 send a
  # request during it, 10 more are opened during it: every request is
  # answered and all 30 connections answer again once Apache is idle.
  # Plain Apache (without the bundle's keep-alive patch) cut 4 of the
  # requests sent during the burst and closed the 10 idle connections.
  startOnDyno MOD_WSGI_PROCESSES=2 MOD_WSGI_THREADS=10
  assertEquals "a front of 256 threads" "ThreadsPerChild 256" \
    "$(grep ThreadsPerChild "$(server_root "$SLUG" "$PORT_UNDER_TEST")/front.conf")"
  assertContains "the daemons' backlog holds every front thread" \
    "Queue Backlog      : 256 (connections)" "$(cat "$WEB_LOG")"
  capture python3 "${BUILDPACK_HOME}/test/support/kept_alive.py" "$PORT_UNDER_TEST" 10 300 1
  assertCapturedSuccess
  assertCaptured "30 of 30 kept connections answered"
  assertEquals "no request failed" "" "$(grep -v ' kept connections answered$' "$STD_OUT")"
}

testNewConnectionsAreAnsweredWhileKeptOnesKeepTheFrontBusy() {
  # 300 kept connections send 0.2 s requests one after another for 10 s:
  # more than the front's 256 threads, so that every one of them is always
  # busy. 5 connections opened 2 s in are answered in turn, behind the
  # requests already queued for the daemons (about 3 s), not when the load
  # stops. Plain Apache left them in the listen backlog until it stopped
  # (answered after 10.8 s).
  startOnDyno MOD_WSGI_PROCESSES=2 MOD_WSGI_THREADS=10
  capture python3 "${BUILDPACK_HOME}/test/support/new_connections.py" "$PORT_UNDER_TEST" 300 0.2 10 5
  assertCapturedSuccess
  assertCaptured "5 of 5 new connections answered while the load ran"
  assertEquals "no request failed" "" \
    "$(grep -v '^load: [0-9]* requests in \|^new connection answered after \| new connections answered while the load ran$' "$STD_OUT")"
}

testARequestThatWaitedLongerThanTheQueueTimeoutIsNotRun() {
  # One daemon thread, busy for 3 s: the request behind it waits longer than
  # MOD_WSGI_QUEUE_TIMEOUT, and is answered 504 without running (the router
  # gives up at 30 s, the default).
  startOnDyno MOD_WSGI_PROCESSES=1 MOD_WSGI_THREADS=1 MOD_WSGI_QUEUE_TIMEOUT=1
  assertContains "1 process of 1 thread (MOD_WSGI_PROCESSES, MOD_WSGI_THREADS)" "$(cat "$WEB_LOG")"
  assertContains "queue-timeout=1 " "$(cat "$(server_root "$SLUG" "$PORT_UNDER_TEST")/httpd.conf")"
  request busy "/sleep/3?tag=busy"
  waitStarted 1 || fail "the first request did not start"
  request queued "/sleep/0.1?tag=queued"
  waitRequests
  assertCompleted busy
  assertEquals "curl, HTTP" "0 504" "$(cat "$REQUESTS/queued.result")"
  assertNotContains "the queued request never ran" "started queued" "$(cat "$WEB_LOG")"
  assertContains "Queue timeout expired" "$(cat "$WEB_LOG")"
}

testOffTheDynoApacheStopsAtOnce() {
  startWith
  assertContains "not on a dyno (no DYNO): SIGTERM stops Apache at once" "$(cat "$WEB_LOG")"
  # No launcher in between: the web process is Apache itself.
  assertEquals httpd "$(ps -o comm= -p "$WEB_PID")"
  request cut "/sleep/15?tag=cut"
  waitStarted 1 || fail "the request did not start"
  stopAll
  waitRequests
  assertNotEquals "the request in flight is not completed" "0 200" "$(cat "$REQUESTS/cut.result")"
  assertTrue "stopped in under 12 s (took ${STOP_SECONDS} s)" "[ ${STOP_SECONDS%.*} -lt 12 ]"
  assertNotContains "stopping gracefully" "$(cat "$WEB_LOG")"
}

testOptingOutOnADynoBehavesAsPlainApache() {
  startOnDyno WHISKEY_GRACEFUL_STOP=off
  assertContains "WHISKEY_GRACEFUL_STOP=off: SIGTERM stops Apache at once" "$(cat "$WEB_LOG")"
  assertEquals httpd "$(ps -o comm= -p "$WEB_PID")"
  stopAll
  assertNotContains "stopping gracefully" "$(cat "$WEB_LOG")"
}
