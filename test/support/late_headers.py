"""A request whose headers end only after the web process began to stop.

    late_headers.py PORT PATH READY_FILE GO_FILE

Connects, sends the request line of GET PATH and its headers but not the
blank line that ends them, and then creates READY_FILE: the server has the
connection, and waits for the rest of the request. Once
GO_FILE exists (the caller has stopped the web process meanwhile), sends
the blank line and reads the whole response. Prints "HTTP STATUS, N bytes"
or "no answer: WHAT HAPPENED"."""

import os
import socket
import sys
import time


def main():
    port, path, ready, go = sys.argv[1:5]
    sock = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % path).encode())
    with open(ready, "w"):
        pass
    while not os.path.exists(go):
        time.sleep(0.01)
    try:
        sock.sendall(b"\r\n")
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as error:
        print("no answer: %s" % error)
        return
    if not data:
        print("no answer: closed with no response byte")
        return
    head, _, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split(b" ")
    print("HTTP %s, %d bytes" % (status[1].decode() if len(status) > 1 else "?", len(body)))


if __name__ == "__main__":
    main()
