"""A dyno's traffic, for test/bench/run's mix part: a load generator.

    mix.py PORT STATIC_PATHS [options]

CONNECTIONS kept-alive connections to 127.0.0.1:PORT (200 by default, as
Heroku's router keeps them), each sending one request after the other,
each request picked at random (seeded, so every server gets the same
sequence per connection): by default 85 % GET /io, 10 % GET of a static file
(a random line of the file STATIC_PATHS, with a browser's Accept-Encoding),
5 % POST /upload of 1 MiB sent at 100 KB/s (10 KB every 100 ms). A
connection the server closes is opened again.

Runs WARMUP seconds, then SECONDS measured: a request counts when it
completes in the measured window (those still under way at the end are
left out). Errors are counted over the whole run, warm-up included: connect
(refused, or not connected within the timeout), read (the connection reset
or closed before a whole response), timeout (no whole response TIMEOUT
seconds after the request was sent: Heroku's router gives up after 30 s),
non-2xx, wrong_count (an upload answered with another byte count than sent). Prints one JSON object: completed requests per second, per kind
count and p50/p99, p50/p99 of all, the errors.

Standard library only.
"""
import argparse
import asyncio
import json
import random
import time


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


class Stats:
    def __init__(self, window_start, window_end):
        self.window_start, self.window_end = window_start, window_end
        self.latencies = {"io": [], "static": [], "upload": []}
        self.bytes = {"io": 0, "static": 0, "upload": 0}
        self.errors = {"connect": 0, "read": 0, "timeout": 0, "non2xx": 0, "wrong_count": 0}
        self.statuses = {}

    def done(self, kind, start, end, status, size):
        if not 200 <= status < 300:
            self.errors["non2xx"] += 1
            self.statuses[status] = self.statuses.get(status, 0) + 1
            return
        if self.window_start <= end <= self.window_end:
            self.latencies[kind].append(end - start)
            self.bytes[kind] += size


async def read_response(reader, method):
    """(status, keep_alive, body_bytes, body) of one response (body: its first 64 bytes)."""
    line = await reader.readline()
    if not line:
        raise ConnectionError("closed before the status line")
    version, status = line.split(None, 2)[:2]
    status = int(status)
    headers = {}
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed in the headers")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep = "close" not in connection and (version != b"HTTP/1.0" or "keep-alive" in connection)
    size, head = 0, b""
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        pass
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            length = int((await reader.readline()).split(b";")[0], 16)
            if length == 0:
                while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                    pass
                break
            data = await reader.readexactly(length)
            head = (head + data[:64])[:64]
            size += len(data)
            await reader.readexactly(2)
    elif "content-length" in headers:
        data = await reader.readexactly(int(headers["content-length"]))
        size, head = len(data), data[:64]
    else:
        data = await reader.read()
        size, head, keep = len(data), data[:64], False
    return status, keep, size, head


async def connection(index, args, paths, stats, stop_at):
    rnd = random.Random(args.seed * 100003 + index)
    loop = asyncio.get_running_loop()
    host = "127.0.0.1:%d" % args.port
    upload_seconds = args.upload_bytes / args.chunk_bytes * args.chunk_interval
    reader = writer = None
    while loop.time() < stop_at:
        if writer is None:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", args.port), args.timeout)
            except (OSError, asyncio.TimeoutError):
                stats.errors["connect"] += 1
                await asyncio.sleep(0.1)
                continue
        draw = rnd.random()
        if draw < args.io_share:
            kind, method, path = "io", "GET", "/io"
        elif draw < args.io_share + args.static_share:
            kind, method, path = "static", "GET", rnd.choice(paths)
        else:
            kind, method, path = "upload", "POST", "/upload"
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bench-mix\r\n" % (method, path, host)
        if kind == "static":
            head += "Accept-Encoding: gzip, deflate, br\r\n"
        if kind == "upload":
            head += ("Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
                     % args.upload_bytes)
        head += "\r\n"
        start = loop.time()
        try:
            writer.write(head.encode("latin-1"))
            await writer.drain()
            if kind == "upload":
                async def send_body():
                    chunk = bytes(rnd.getrandbits(8) for _ in range(256)) * (
                        args.chunk_bytes // 256 + 1)
                    left = args.upload_bytes
                    while left > 0:
                        piece = chunk[:min(left, args.chunk_bytes)]
                        writer.write(piece)
                        await writer.drain()
                        left -= len(piece)
                        if left > 0:
                            await asyncio.sleep(args.chunk_interval)
                await asyncio.wait_for(send_body(), upload_seconds + args.timeout)
            status, keep, size, body = await asyncio.wait_for(
                read_response(reader, method), args.timeout)
        except asyncio.TimeoutError:
            stats.errors["timeout"] += 1
            keep = None
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            if loop.time() < stop_at:
                stats.errors["read"] += 1
            keep = None
        else:
            if kind == "upload" and 200 <= status < 300 and body.strip() != str(
                    args.upload_bytes).encode():
                # The app answers the byte count it read.
                stats.errors["wrong_count"] += 1
            else:
                stats.done(kind, start, loop.time(), status, size)
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run(args, paths):
    loop = asyncio.get_running_loop()
    begin = loop.time()
    stats = Stats(begin + args.warmup, begin + args.warmup + args.seconds)
    stop_at = begin + args.warmup + args.seconds
    tasks = [asyncio.ensure_future(connection(i, args, paths, stats, stop_at))
             for i in range(args.connections)]
    await asyncio.sleep(max(0.0, stop_at - loop.time()))
    # Requests still under way at the end are not counted, nor their errors.
    stats.window_end = stop_at
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("static_paths")
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--seed", type=int, default=25)
    parser.add_argument("--io-share", type=float, default=0.85)
    parser.add_argument("--static-share", type=float, default=0.10)
    parser.add_argument("--upload-bytes", type=int, default=1048576)
    parser.add_argument("--chunk-bytes", type=int, default=10240)
    parser.add_argument("--chunk-interval", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    paths = [line.strip() for line in open(args.static_paths) if line.strip()]
    started = time.time()
    stats = asyncio.run(run(args, paths))
    every = sorted(v for vs in stats.latencies.values() for v in vs)
    result = {
        "seconds": args.seconds,
        "warmup": args.warmup,
        "connections": args.connections,
        "completed": len(every),
        "rps": len(every) / args.seconds,
        "p50_ms": None if not every else percentile(every, 50) * 1000,
        "p99_ms": None if not every else percentile(every, 99) * 1000,
        "kinds": {},
        "errors": stats.errors,
        "non2xx_statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "wall_seconds": time.time() - started,
    }
    for kind, values in stats.latencies.items():
        values.sort()
        result["kinds"][kind] = {
            "count": len(values),
            "p50_ms": None if not values else percentile(values, 50) * 1000,
            "p99_ms": None if not values else percentile(values, 99) * 1000,
            "bytes": stats.bytes[kind],
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
