#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into corpus/<target>/.

The seeds are tiny on purpose: each run of the fuzzers starts from them.
Run it again after changing it; the files it writes are committed.
"""
import bz2
import gzip
import io
import json
import lzma
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def tar(entries):
    """A plain ustar archive of (kind, path, data-or-target, mode) tuples."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for kind, path, data, mode in entries:
            info = tarfile.TarInfo(path)
            info.mtime = 1700000000
            info.mode = mode
            info.uid = info.gid = 1000
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif kind == "file":
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            elif kind == "symlink":
                info.type = tarfile.SYMTYPE
                info.linkname = data
                t.addfile(info)
            elif kind == "hardlink":
                info.type = tarfile.LNKTYPE
                info.linkname = data
                t.addfile(info)
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
                t.addfile(info)
    # Without tarfile's padding to 10240 bytes: the entries, then the two
    # zero blocks that end an archive.
    data = out.getvalue().rstrip(b"\0")
    return data.ljust((len(data) + 511) // 512 * 512 + 1024, b"\0")


def gz(data):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as f:
        f.write(data)
    return out.getvalue()


M64 = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5)


def xxh64(data, seed=0):
    """XXH64 of `data`: zstd's frame checksum is its low 32 bits."""
    def rotl(x, r):
        return ((x << r) | (x >> (64 - r))) & M64

    def rnd(acc, lane):
        return (rotl((acc + lane * P2) & M64, 31) * P1) & M64

    def merge(acc, v):
        return (((acc ^ rnd(0, v)) * P1) + P4) & M64

    n, i = len(data), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M64, (seed + P2) & M64, seed, (seed - P1) & M64]
        while i + 32 <= n:
            for k in range(4):
                v[k] = rnd(v[k], int.from_bytes(data[i + 8 * k:i + 8 * k + 8], "little"))
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M64
        for k in range(4):
            h = merge(h, v[k])
    else:
        h = (seed + P5) & M64
    h = (h + n) & M64
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, int.from_bytes(data[i:i + 8], "little")), 27) * P1 + P4) & M64
        i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (int.from_bytes(data[i:i + 4], "little") * P1 & M64), 23) * P2 + P3) & M64
        i += 4
    while i < n:
        h = (rotl(h ^ (data[i] * P5 & M64), 11) * P1) & M64
        i += 1
    h ^= h >> 33
    h = (h * P2) & M64
    h ^= h >> 29
    h = (h * P3) & M64
    return h ^ (h >> 32)


def zst(data, checksum=True):
    """`data` as one zstd frame of raw (uncompressed) blocks."""
    out = bytearray(b"\x28\xb5\x2f\xfd")
    out.append(0x80 | 0x20 | (0x04 if checksum else 0))  # 4-byte size, one segment
    out += len(data).to_bytes(4, "little")
    blocks = [data[i:i + 65536] for i in range(0, len(data), 65536)] or [b""]
    for k, block in enumerate(blocks):
        last = 1 if k == len(blocks) - 1 else 0
        out += ((len(block) << 3) | last).to_bytes(3, "little") + block
    if checksum:
        out += (xxh64(data) & 0xFFFFFFFF).to_bytes(4, "little")
    return bytes(out)


def skippable(payload):
    return b"\x50\x2a\x4d\x18" + len(payload).to_bytes(4, "little") + payload


GOOD = [
    ("dir", ".whiskey/", None, 0o755),
    ("dir", ".whiskey/apache/bin/", None, 0o755),
    ("file", ".whiskey/apache/bin/httpd", b"#!/bin/sh\necho httpd\n", 0o755),
    ("hardlink", ".whiskey/apache/bin/httpd.hard", ".whiskey/apache/bin/httpd", 0o644),
    ("symlink", ".whiskey/apache/lib/libapr.so", "../bin/httpd", 0o777),
    ("file", ".whiskey/VERSION", b"2.4.68\n", 0o444),
]

write("unpack_fuzz", "bundle.tar", tar(GOOD))
write("unpack_fuzz", "bundle.tar.gz", gz(tar(GOOD)))
write("unpack_fuzz", "bundle.tar.zst", zst(tar(GOOD)))
write("unpack_fuzz", "two-frames.tar.zst", zst(tar(GOOD)[:700], False) + skippable(b"x") + zst(tar(GOOD)[700:]))
write("unpack_fuzz", "padded.tar.gz", gz(tar(GOOD) + bytes(4096)))
write("unpack_fuzz", "bundle.tar.bz2", bz2.compress(tar(GOOD[:3])))
write("unpack_fuzz", "bundle.tar.xz", lzma.compress(tar(GOOD[:3])))
# Hostile archives, one refusal each.
write("unpack_fuzz", "link-out.tar", tar([("symlink", ".whiskey/up", "../..", 0o777)]))
write("unpack_fuzz", "link-absolute.tar", tar([("symlink", ".whiskey/etc", "/etc", 0o777)]))
write("unpack_fuzz", "dotdot.tar", tar([("file", ".whiskey/../x", b"x", 0o644)]))
write("unpack_fuzz", "hardlink-out.tar", tar([("hardlink", ".whiskey/pw", "/etc/passwd", 0o644)]))
write("unpack_fuzz", "fifo.tar", tar([("fifo", ".whiskey/fifo", None, 0o644)]))
write("unpack_fuzz", "setuid.tar", tar([("file", ".whiskey/suid", b"", 0o4755)]))
write("unpack_fuzz", "through-link.tar", tar([
    ("dir", ".whiskey/apache/", None, 0o755),
    ("symlink", ".whiskey/lib", "apache", 0o777),
    ("file", ".whiskey/lib/x", b"x", 0o644),
]))
# The decoder alone: streams of every shape it accepts, and a few it refuses.
TEXT = b"LoadModule wsgi_module modules/mod_wsgi.so\n" * 40
write("decompress_fuzz", "one.gz", gz(TEXT))
write("decompress_fuzz", "members.gz", gz(TEXT[:100]) + gz(b"") + gz(TEXT[100:]))
write("decompress_fuzz", "one.zst", zst(TEXT))
write("decompress_fuzz", "frames.zst", skippable(b"meta") + zst(TEXT[:300], False) + zst(TEXT[300:]))
write("decompress_fuzz", "plain.tar", tar(GOOD))
write("decompress_fuzz", "after.gz", gz(TEXT) + b"garbage")
write("decompress_fuzz", "bzip2", bz2.compress(TEXT))
write("unpack_fuzz", "not-an-archive", b"<Error><Code>AccessDenied</Code></Error>\n")


def entry(stack, arch, apache, **extra):
    e = {
        "key": f"whiskey-{stack}-{arch}-apache-{apache}.tar.gz",
        "stack": stack,
        "arch": arch,
        "apache": apache,
        "size": 2234217,
        "sha256": "ab" * 32,
        "published_at": "2026-11-23T20:00:00Z",
    }
    e.update(extra)
    return e


write("manifest_fuzz", "manifest.json", json.dumps({
    "schema": 1,
    "bundles": [
        entry("heroku-24", "amd64", "2.4.68", note="kept on rewrite"),
        entry("heroku-24", "amd64", "2.4.9"),
        entry("heroku-22", "arm64", "2.4.68", sha256="sha256:" + "CD" * 32),
    ],
    "generator": "publish",
}, indent=2).encode())
write("manifest_fuzz", "empty.json", b'{"schema": 1, "bundles": []}')
write("manifest_fuzz", "bad-sha.json",
      json.dumps({"schema": 1, "bundles": [entry("heroku-24", "amd64", "2.4.1", sha256="xyz")]})
      .encode())
write("manifest_fuzz", "schema-2.json", b'{"schema": 2, "bundles": []}')


def relocation(frm, to, slack, data):
    return bytes([len(frm), len(to), slack]) + frm + to + data


PLACEHOLDER = b"/tmp/whiskey-placeholder-xxxxxxxxxxxx"
write("relocate_fuzz", "text", relocation(
    PLACEHOLDER, b"/app/.whiskey", 0, b"ServerRoot " + PLACEHOLDER + b"/apache\n"))
write("relocate_fuzz", "binary-shorter", relocation(
    PLACEHOLDER, b"/app/.whiskey", 0,
    b"\x7fELF\0\0" + PLACEHOLDER + b"/lib:" + PLACEHOLDER + b"/x\0rest\0"))
write("relocate_fuzz", "binary-grows-into-slack", relocation(
    b"/app/.whiskey", b"/app/.whiskey-longer", 8,
    b"\x7fELF\0/app/.whiskey/lib\0\0\0\0\0\0\0\0\0\0tail\0"))


def bundle_info(**changes):
    info = {
        "schema": 1,
        "stack": "heroku-24",
        "arch": "amd64",
        "apache": "2.4.68",
        "prefix": "/tmp/whiskey-placeholder-xxxxxxxxxxxx",
        "prefix_capacity": 37,
        "contents": ["apache", "bin"],
    }
    info.update(changes)
    return json.dumps(info, indent=2).encode()


write("bundle_info_fuzz", "whiskey-bundle.json", bundle_info())
write("bundle_info_fuzz", "relative-prefix.json", bundle_info(prefix="app/.whiskey"))
write("bundle_info_fuzz", "bad-contents.json", bundle_info(contents=["apache", "../etc"]))

# Inputs that once broke a parser, kept so that the fix stays.
write("manifest_fuzz", "number-overflow.json", b'{"schema": 1, "bundles": [], "generated": 1e400}')
write("manifest_fuzz", "duplicate-key.json", json.dumps({"schema": 1, "bundles": [
    entry("heroku-24", "amd64", "2.4.1", key="k.tar.gz", published_at=None),
    entry("heroku-24", "amd64", "2.4.2", key="k.tar.gz"),
]}).replace(', "published_at": null', "").encode())
write("bundle_info_fuzz", "number-overflow.json",
      bundle_info().replace(b'"prefix_capacity": 37', b'"prefix_capacity": 1e400'))
write("bundle_info_fuzz", "float-schema.json", bundle_info(schema=1e300))
write("bundle_info_fuzz", "negative-capacity.json", bundle_info(prefix_capacity=-1.0))

# TOML as the buildpack reads and writes it.
with open(os.path.join(HERE, "..", "..", "buildpack.toml"), "rb") as f:
    write("toml_fuzz", "buildpack.toml", f.read())
write("toml_fuzz", "layer.toml", b'[types]\nlaunch = true\nbuild = true\ncache = true\n\n'
      b'[metadata]\nsha256 = "' + b"ab" * 32 + b'"\nverified = true\n'
      b'source = "s3://bucket/\\"key\\"\\n"\nstack = "heroku-24"\narch = "amd64"\n')
write("toml_fuzz", "launch.toml", b'[[processes]]\ntype = "web"\n'
      b'command = ["bash", "-c", "mod_wsgi-heroku-start \\u00e9 --port $PORT"]\n'
      b'args = []\ndefault = true\n')
write("toml_fuzz", "dependencies.toml", b'[[metadata.dependencies]]\nid = "apache"\n'
      b'version = "2.4.68"\nuri = "https://example.com/a.tar.gz"\nchecksum = "sha256:'
      + b"cd" * 32 + b'"\nstacks = ["heroku-24", \'heroku-22\',]\narch = "amd64"\n'
      b'[metadata.dependencies.extra]\nsize = -1_234\n[[metadata.dependencies]]\nid = 1\n'
      b'"quoted key" = [[1, 2], ["a"]]\r\n')
