"""How long one call of the benchmarks' Flask hello world takes in this Python,
without a server: the app called in a loop with a minimal WSGI environ.

    PYTHON test/bench/app_call.py [CALLS]

Prints the best of 5 rounds in microseconds per call. Run it with each Python
to compare (Flask must be importable by each).
"""
import io
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                                "bench_app"))
from wsgi import app  # noqa: E402

ENVIRON = {
    "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SCRIPT_NAME": "", "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}


def start_response(status, headers, exc_info=None):
    if not status.startswith("200"):
        raise SystemExit("app_call.py: the app answered %s" % status)


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    best = None
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            environ = dict(ENVIRON)
            environ["wsgi.input"] = io.BytesIO()
            body = b"".join(app(environ, start_response))
        per_call = (time.perf_counter() - start) / calls
        best = per_call if best is None else min(best, per_call)
    if body != b"Hello, world!\n":
        raise SystemExit("app_call.py: unexpected body %r" % body)
    print("%-50s %6.1f us per call" % (sys.executable, best * 1e6))


if __name__ == "__main__":
    main()
