"""Connections kept alive through a burst, as Heroku's router keeps its own.

    kept_alive.py PORT KEPT BURST SECONDS

Opens 2*KEPT connections, each answered once: KEPT stay idle through what
follows, KEPT are used again during it. Starts BURST requests of
/sleep/SECONDS at once, each on a connection of its own. A second later,
while the burst is under way, sends a request on each of the second KEPT
connections (as the router sends on the connections it keeps when a burst
reaches it) and opens KEPT more kept connections (both wait behind the
burst). When every one of those requests is done and the web process has
been idle for 3 s, sends a request on each of the 3*KEPT kept connections.
Prints one line per failure and a last line "N of 3*KEPT kept connections
answered"."""

import http.client
import sys
import threading
import time

from kept_http import FAILED, get


def main():
    port, kept_count, burst, seconds = (int(a) for a in sys.argv[1:5])
    failures = []

    def slow():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            status = get(conn, "/sleep/%d" % seconds).status
            if status != 200:
                failures.append("burst: %d" % status)
        except FAILED as e:
            failures.append("burst: %r" % e)

    def ask(conn, what):
        """One request on a kept connection, which must stay open."""
        try:
            response = get(conn, "/")
            if response.status == 200 and not response.will_close:
                return True
            failures.append("%s: %d, will close: %s"
                            % (what, response.status, response.will_close))
        except FAILED as e:
            failures.append("%s: %r" % (what, e))
        return False

    def keep(into):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        if ask(conn, "first request"):
            # Closed by the server, it fails from now on instead of being
            # opened again by http.client.
            conn.auto_open = 0
            into.append(conn)

    def run_all(target, args_list):
        threads = [threading.Thread(target=target, args=a) for a in args_list]
        for t in threads:
            t.start()
        return threads

    idle, busy = [], []
    for t in run_all(keep, [(idle,)] * kept_count + [(busy,)] * kept_count):
        t.join()
    bursting = run_all(slow, [()] * burst)
    time.sleep(1)
    opened = []
    during = run_all(ask, [(c, "during the burst") for c in busy])
    late = run_all(keep, [(opened,)] * kept_count)
    for t in bursting + during + late:
        t.join()
    time.sleep(3)

    kept = idle + busy + opened
    answered = sum(1 for conn in kept if ask(conn, "kept connection"))
    for f in failures:
        print(f)
    print("%d of %d kept connections answered" % (answered, 3 * kept_count))


if __name__ == "__main__":
    main()
