#!/usr/bin/env python3
"""An S3-like HTTP server on 127.0.0.1 that misbehaves on purpose.

Usage: fault_server.py FILE PORT_FILE [--tls CERT KEY]
Serves FILE's bytes at every path, after the faults the path names:
  /status/CODE/N/...     answer CODE (an S3-style XML error) to the first N
                         requests; /status/CODE/N/after/S/... adds Retry-After: S
  /region/...            301 PermanentRedirect naming eu-west-1
  /cut/BYTES/...         the first request's body is cut after BYTES
  /norange/...           Range requests are answered with the whole body
  /stall/BYTES/...       send BYTES, then nothing (until the client gives up)
  /html/...              an HTML page with status 200
Requests are counted per path: GET /_count?path=/the/path answers the count
and the Range headers seen, one per line. The chosen port is written to
PORT_FILE.
"""
import http.server
import re
import sys
import threading
import time
import urllib.parse

BODY = open(sys.argv[1], "rb").read()
COUNTS = {}
RANGES = {}
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def error(self, code, s3code, extra_headers=()):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                "<Message>fault injected</Message></Error>" % s3code).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path == "/_count":
            path = urllib.parse.parse_qs(url.query)["path"][0]
            with LOCK:
                text = "%d\n%s" % (COUNTS.get(path, 0), "".join(r + "\n" for r in RANGES.get(path, [])))
            data = text.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        with LOCK:
            COUNTS[url.path] = n = COUNTS.get(url.path, 0) + 1
            RANGES.setdefault(url.path, []).append(self.headers.get("Range", "-"))
        path = url.path
        m = re.match(r"/status/(\d+)/(\d+)(?:/after/(\d+))?/", path)
        if m and n <= int(m.group(2)):
            headers = [("Retry-After", m.group(3))] if m.group(3) else []
            names = {403: "AccessDenied", 404: "NoSuchKey", 429: "SlowDown", 500: "InternalError",
                     503: "SlowDown", 400: "BadRequest"}
            return self.error(int(m.group(1)), names.get(int(m.group(1)), "Error"), headers)
        if path.startswith("/region/"):
            return self.error(301, "PermanentRedirect", [("x-amz-bucket-region", "eu-west-1")])
        if path.startswith("/html/"):
            page = b"<!DOCTYPE html><html><body>Sign in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return
        start = 0
        rng = self.headers.get("Range")
        if rng and not path.startswith("/norange/"):
            start = int(re.match(r"bytes=(\d+)-", rng).group(1))
        part = BODY[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Accept-Ranges", "none" if path.startswith("/norange/") else "bytes")
        self.send_header("Content-Length", str(len(part)))
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(BODY) - 1, len(BODY)))
        self.end_headers()
        cut = re.match(r"/(?:norange/)?cut/(\d+)/", path)
        if cut and n == 1:
            self.wfile.write(part[: int(cut.group(1))])
            self.wfile.flush()
            self.close_connection = True
            return
        stall = re.match(r"/stall/(\d+)/", path)
        if stall:
            self.wfile.write(part[: int(stall.group(1))])
            self.wfile.flush()
            time.sleep(60)
            return
        self.wfile.write(part)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) == 6 and sys.argv[3] == "--tls":
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[4], sys.argv[5])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
