#!/usr/bin/env python3
"""A forwarding HTTP proxy on 127.0.0.1, to prove that downloads use one.

Usage: proxy.py PORT_FILE LOG_FILE [--require-auth USER:PASSWORD]
Handles absolute-form requests (GET http://host:port/path HTTP/1.1) by
forwarding them to host:port, and CONNECT host:port by tunnelling bytes both
ways (for HTTPS). A host ending in .invalid, which DNS never resolves, is
reached at 127.0.0.1: only a request sent through this proxy can get there.
Appends one line per request to LOG_FILE: its method and target, then 407
when it was refused. With --require-auth, requests without that user and
password in Proxy-Authorization (Basic) are answered 407. The chosen port is
written to PORT_FILE.
"""
import base64
import http.server
import socket
import sys
import threading
import urllib.parse

PORT_FILE, LOG_FILE = sys.argv[1], sys.argv[2]
CREDENTIALS = None
if len(sys.argv) == 5 and sys.argv[3] == "--require-auth":
    CREDENTIALS = "Basic " + base64.b64encode(sys.argv[4].encode()).decode()
LOG_LOCK = threading.Lock()
# Headers that concern this hop only, not to be passed on.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te",
              "trailer", "transfer-encoding", "upgrade"}


def log(line):
    with LOG_LOCK, open(LOG_FILE, "a") as f:
        f.write(line + "\n")


def connect(host, port):
    """A socket to host:port, or to 127.0.0.1:port for a .invalid host."""
    if host.endswith(".invalid"):
        host = "127.0.0.1"
    return socket.create_connection((host, port), timeout=30)


def pipe(read, sink):
    """Copies what read(size) gives to the socket sink until it gives
    nothing, then ends sink."""
    try:
        while True:
            data = read(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    try:
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def allowed(self):
        """Whether the request may go on; answers 407 (and logs it) when not."""
        if CREDENTIALS is None or self.headers.get("Proxy-Authorization") == CREDENTIALS:
            log("%s %s" % (self.command, self.path))
            return True
        log("%s %s 407" % (self.command, self.path))
        body = b"Proxy authentication required\n"
        self.send_response(407)
        self.send_header("Proxy-Authenticate", 'Basic realm="test proxy"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return False

    def do_CONNECT(self):
        if not self.allowed():
            return
        host, _, port = self.path.rpartition(":")
        try:
            upstream = connect(host, int(port))
        except OSError:
            self.send_error(502)
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        self.wfile.flush()
        # From the client through rfile, which may hold bytes read already.
        back = threading.Thread(target=pipe, args=(upstream.recv, self.connection), daemon=True)
        back.start()
        pipe(self.rfile.read1, upstream)
        back.join()
        upstream.close()

    def do_GET(self):
        if not self.allowed():
            return
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            self.send_error(400, "Not an absolute http URL")
            return
        try:
            upstream = connect(url.hostname, url.port or 80)
        except OSError:
            self.send_error(502)
            return
        # The request again, in origin form, on a connection used once.
        target = (url.path or "/") + ("?" + url.query if url.query else "")
        lines = ["GET %s HTTP/1.1" % target]
        lines += ["%s: %s" % (k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
        lines += ["Connection: close", "", ""]
        upstream.sendall("\r\n".join(lines).encode("latin-1"))
        # The answer, byte for byte, until the server closes: so is this
        # connection closed after it.
        self.close_connection = True
        self.wfile.flush()
        pipe(upstream.recv, self.connection)
        upstream.close()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORT_FILE, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
