"""Connections kept alive through a burst, as Heroku's router keeps its own.

    kept_alive.py PORT KEPT BURST SECONDS

Opens KEPT connections, each answered once and then idle through what
follows; starts BURST requests of /sleep/SECONDS at once, each on a
connection of its own; a second later opens KEPT more kept connections
(they wait behind the burst). When every one of those requests is done and
the web process has been idle for 3 s, sends a request on each kept
connection. Prints one line per failure and a last line "N of 2*KEPT kept
connections answered"."""

import http.client
import sys
import threading
import time


# What a failed request raises: socket errors, and http.client's own.
FAILED = (OSError, http.client.HTTPException)


def get(conn, path):
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response


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

    kept = []

    def keep():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            response = get(conn, "/")
            if response.status != 200 or response.will_close:
                failures.append("first request: %d, will close: %s"
                                % (response.status, response.will_close))
            else:
                kept.append(conn)
        except FAILED as e:
            failures.append("first request: %r" % e)

    def open_kept():
        keeping = [threading.Thread(target=keep) for _ in range(kept_count)]
        for t in keeping:
            t.start()
        return keeping

    for t in open_kept():
        t.join()
    bursting = [threading.Thread(target=slow) for _ in range(burst)]
    for t in bursting:
        t.start()
    time.sleep(1)
    for t in open_kept() + bursting:
        t.join()
    time.sleep(3)

    answered = 0
    for conn in kept:
        try:
            if get(conn, "/").status == 200:
                answered += 1
        except FAILED as e:
            failures.append("kept connection: %r" % e)
    for f in failures:
        print(f)
    print("%d of %d kept connections answered" % (answered, 2 * kept_count))


if __name__ == "__main__":
    main()
