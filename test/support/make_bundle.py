#!/usr/bin/env python3
"""Build tar.gz fixture bundles for the test suites.

Usage:
  make_bundle.py KIND OUT_PATH   write a fixture bundle of the given KIND
  make_bundle.py sha256 PATH     print the hex sha256 of PATH
  make_bundle.py restack IN OUT STACK [ARCH]
                                 copy the real bundle IN (a .tar.gz) to OUT with
                                 STACK (and ARCH) recorded in its
                                 whiskey-bundle.json: the same Apache, named for
                                 a stack whose stand-in root runs it (a Debian 12
                                 root for heroku-24)
  make_bundle.py damage HOW IN OUT
                                 copy the bundle IN (.tar.gz or .tar.zst) to OUT
                                 damaged HOW: flip (a byte in the middle
                                 flipped), check (the gzip CRC-32, or the zstd
                                 frame checksum, rewritten), cut (its last 4
                                 bytes gone), after (bytes appended)

Every bundle is deterministic (fixed mtimes, uid/gid 0, gzip mtime 0), so
the sha256 of a given KIND is stable between runs and machines.

KINDs:
  good          a valid bundle; every entry is under .whiskey/
  traversal     good, plus an entry named .whiskey/../../escaped.txt
  absolute      an entry with an absolute path
  outside       an entry that is not under .whiskey/
  symlink_out   a symlink pointing out of the bundle, then a file written
                through it
  symlink_abs   a symlink with an absolute target
  hardlink_out  a hard link whose target is outside .whiskey/
  fifo          a FIFO entry
  device        a character device entry (1, 3)
  setuid        a file with mode 04755
  truncated     the good bundle cut at 60% of its length
  not_archive   an HTML page
  zero          an empty file
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

MTIME = 1700000000  # 2023-11-14T22:13:20Z
HTTPD_VERSION = "Server version: Apache/2.4.68 (Unix)"
MODULE_SIZE = 2 * 1024 * 1024

HTTPD_SCRIPT = f"""#!/bin/sh
# Stand-in for Apache httpd used by the test suites.
case "$1" in
  -v)
    echo "{HTTPD_VERSION}"
    echo "Server built:   Jan  1 2024 00:00:00"
    ;;
  *)
    echo "httpd (fixture): unsupported arguments: $*" >&2
    exit 1
    ;;
esac
""".encode()


def _info(name, type_=tarfile.REGTYPE, mode=0o644, size=0, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = type_
    info.mode = mode
    info.size = size
    info.linkname = linkname
    info.mtime = MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


class Bundle:
    def __init__(self):
        self._buf = io.BytesIO()
        self._tar = tarfile.open(
            fileobj=self._buf, mode="w", format=tarfile.GNU_FORMAT
        )

    def dir(self, name, mode=0o755):
        self._tar.addfile(_info(name, tarfile.DIRTYPE, mode))

    def file(self, name, data, mode=0o644):
        self._tar.addfile(
            _info(name, tarfile.REGTYPE, mode, len(data)), io.BytesIO(data)
        )

    def symlink(self, name, target):
        self._tar.addfile(_info(name, tarfile.SYMTYPE, 0o777, linkname=target))

    def hardlink(self, name, target):
        self._tar.addfile(_info(name, tarfile.LNKTYPE, 0o644, linkname=target))

    def special(self, name, type_, major=0, minor=0, mode=0o644):
        info = _info(name, type_, mode)
        info.devmajor, info.devminor = major, minor
        self._tar.addfile(info)

    def gzipped(self):
        self._tar.close()
        out = io.BytesIO()
        with gzip.GzipFile(
            filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0
        ) as gz:
            gz.write(self._buf.getvalue())
        return out.getvalue()


def _base(b):
    """Small legitimate prefix shared by the malicious bundles."""
    b.dir(".whiskey/")
    b.dir(".whiskey/apache/")
    b.dir(".whiskey/apache/bin/")
    b.file(".whiskey/apache/bin/httpd", HTTPD_SCRIPT, 0o755)


def _good(b):
    _base(b)
    b.dir(".whiskey/apache/lib/")
    b.file(".whiskey/apache/lib/libfixture.so.1", b"\x7fELF fixture library\n" * 64)
    b.symlink(".whiskey/apache/lib/libfixture.so", "libfixture.so.1")
    b.dir(".whiskey/apache/modules/")
    # Pseudo-random (incompressible) but deterministic, so downloads take a
    # little while.
    b.file(
        ".whiskey/apache/modules/mod_fixture.so",
        hashlib.shake_256(b"mod_wsgi-heroku fixture module").digest(MODULE_SIZE),
    )
    b.dir(".whiskey/apr/")
    b.dir(".whiskey/apr/lib/")
    b.file(".whiskey/apr/lib/libapr-1.so.0", b"\x7fELF fixture apr\n" * 64)


def good():
    b = Bundle()
    _good(b)
    return b.gzipped()


def traversal():
    b = Bundle()
    _good(b)
    b.file(".whiskey/../../escaped.txt", b"escaped via ..\n")
    return b.gzipped()


def absolute():
    b = Bundle()
    _base(b)
    b.file("/tmp/whiskey-absolute-escape.txt", b"escaped via absolute path\n")
    return b.gzipped()


def outside():
    b = Bundle()
    _base(b)
    b.dir("somewhere-else/")
    b.file("somewhere-else/file.txt", b"not under .whiskey/\n")
    return b.gzipped()


def symlink_out():
    b = Bundle()
    _base(b)
    b.symlink(".whiskey/apache/evil", "../../../../etc")
    b.file(".whiskey/apache/evil/passwd-copy", b"written through a symlink\n")
    return b.gzipped()


def symlink_abs():
    b = Bundle()
    _base(b)
    b.symlink(".whiskey/apache/abs", "/etc/passwd")
    return b.gzipped()


def hardlink_out():
    b = Bundle()
    _base(b)
    b.hardlink(".whiskey/apache/hard", "../outside-target")
    return b.gzipped()


def fifo():
    b = Bundle()
    _base(b)
    b.special(".whiskey/apache/fifo", tarfile.FIFOTYPE)
    return b.gzipped()


def device():
    b = Bundle()
    _base(b)
    b.special(".whiskey/apache/null", tarfile.CHRTYPE, 1, 3, 0o666)
    return b.gzipped()


def setuid():
    b = Bundle()
    _base(b)
    b.file(".whiskey/apache/bin/suid", b"#!/bin/sh\nid\n", 0o4755)
    return b.gzipped()


def truncated():
    data = good()
    return data[: int(len(data) * 0.6)]


def not_archive():
    return (
        b"<!DOCTYPE html>\n<html>\n<head><title>404 Not Found</title></head>\n"
        b"<body>\n<h1>Not Found</h1>\n"
        b"<p>The requested URL was not found on this server.</p>\n"
        b"</body>\n</html>\n"
    )


def zero():
    return b""


KINDS = {
    f.__name__: f
    for f in (
        good, traversal, absolute, outside, symlink_out, symlink_abs,
        hardlink_out, fifo, device, setuid, truncated, not_archive, zero,
    )
}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def restack(src, dest, stack, arch=None):
    """Writes a copy of bundle `src` whose whiskey-bundle.json names `stack`
    (and `arch`)."""
    out = io.BytesIO()
    with tarfile.open(src, "r:gz") as tin, tarfile.open(fileobj=out, mode="w") as tout:
        found = False
        for member in tin:
            data = tin.extractfile(member).read() if member.isfile() else None
            if member.name.endswith("/whiskey-bundle.json"):
                info = json.loads(data)
                info["stack"] = stack
                if arch is not None:
                    info["arch"] = arch
                data = (json.dumps(info, indent=2) + "\n").encode()
                member.size = len(data)
                found = True
            tout.addfile(member, io.BytesIO(data) if data is not None else None)
        if not found:
            raise SystemExit(f"{src}: no whiskey-bundle.json")
    with open(dest, "wb") as f:
        f.write(gzip.compress(out.getvalue(), mtime=0))


def damage(how, src, dest):
    with open(src, "rb") as f:
        data = bytearray(f.read())
    if how == "flip":
        data[len(data) // 2] ^= 0x55
    elif how == "check":
        # The last member's trailer is CRC-32 then length; a zstd frame with a
        # checksum ends with it.
        at = len(data) - 8 if data[:2] == b"\x1f\x8b" else len(data) - 4
        for i in range(at, at + 4):
            data[i] ^= 0x5A
    elif how == "cut":
        del data[-4:]
    elif how == "after":
        data += b"garbage after the end\n"
    else:
        raise SystemExit(f"damage: unknown way {how}")
    with open(dest, "wb") as f:
        f.write(data)


def main(argv):
    if len(argv) == 5 and argv[1] == "damage":
        damage(*argv[2:])
        return 0
    if len(argv) in (5, 6) and argv[1] == "restack":
        restack(*argv[2:])
        return 0
    if len(argv) != 3 or (argv[1] != "sha256" and argv[1] not in KINDS):
        sys.stderr.write(__doc__)
        return 2
    kind, path = argv[1], argv[2]
    if kind == "sha256":
        print(sha256_of(path))
        return 0
    data = KINDS[kind]()
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
