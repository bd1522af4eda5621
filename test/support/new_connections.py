"""New connections while kept-alive ones keep every front thread busy.

    new_connections.py PORT LOADERS SECONDS DURATION NEW

Opens LOADERS kept connections, each sending one request of /sleep/SECONDS
after another (as Heroku's router sends on the connections it keeps) and
starting none after DURATION seconds. Two seconds in, opens NEW connections
and sends one request of / on each. Prints one line per failure, the time
each new connection took to be answered, and a last line "N of NEW new
connections answered while the load ran" (answered before the loaders
started their last requests)."""

import http.client
import sys
import threading
import time

from kept_http import FAILED, get


def main():
    port, loaders, seconds, duration, new = sys.argv[1:6]
    port, loaders, new = int(port), int(loaders), int(new)
    duration = float(duration)
    failures = []
    loaded = [0]
    lock = threading.Lock()
    start = time.monotonic()
    load_end = start + duration

    def load():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.auto_open = 0
        try:
            conn.connect()
            while time.monotonic() < load_end:
                status = get(conn, "/sleep/%s" % seconds).status
                if status != 200:
                    failures.append("load: %d" % status)
                    return
                with lock:
                    loaded[0] += 1
        except FAILED as e:
            failures.append("load: %r" % e)

    answered = []

    def ask():
        opened = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            status = get(conn, "/").status
            if status != 200:
                failures.append("new connection: %d" % status)
                return
            answered.append((opened, time.monotonic()))
        except FAILED as e:
            failures.append("new connection: %r" % e)

    def run_all(target, count):
        threads = [threading.Thread(target=target) for _ in range(count)]
        for t in threads:
            t.start()
        return threads

    loading = run_all(load, loaders)
    time.sleep(2)
    asking = run_all(ask, new)
    for t in asking + loading:
        t.join()
    elapsed = time.monotonic() - start

    for f in failures:
        print(f)
    print("load: %d requests in %.1f s" % (loaded[0], elapsed))
    for opened, done in sorted(answered):
        print("new connection answered after %.1f s (%.1f s into the load)"
              % (done - opened, done - start))
    in_time = sum(1 for _, done in answered if done < load_end)
    print("%d of %d new connections answered while the load ran" % (in_time, new))


if __name__ == "__main__":
    main()
