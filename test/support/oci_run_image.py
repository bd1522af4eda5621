#!/usr/bin/env python3
"""Writes a tiny run image in OCI image-layout format, for the CNB lifecycle's
layout mode (CNB_USE_LAYOUT): one small layer, and a config whose os,
architecture and io.buildpacks.base.distro.* labels are the target the
lifecycle hands the buildpacks (CNB_TARGET_*). Same arguments, same digests.

    oci_run_image.py DIR [--os linux] [--arch amd64] [--distro-name debian] [--distro-version 12]
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile


def blob(root, data):
    digest = hashlib.sha256(data).hexdigest()
    folder = os.path.join(root, "blobs", "sha256")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def layer_tar():
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folder = tarfile.TarInfo("etc")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        content = b"a run image for the lifecycle tests\n"
        f = tarfile.TarInfo("etc/run-image")
        f.size, f.mode = len(content), 0o644
        tar.addfile(f, io.BytesIO(content))
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--os", default="linux")
    ap.add_argument("--arch", default="amd64")
    ap.add_argument("--distro-name", default="")
    ap.add_argument("--distro-version", default="")
    a = ap.parse_args()

    tar = layer_tar()
    layer = blob(a.dir, gzip.compress(tar, mtime=0))
    labels = {}
    if a.distro_name:
        labels["io.buildpacks.base.distro.name"] = a.distro_name
    if a.distro_version:
        labels["io.buildpacks.base.distro.version"] = a.distro_version
    config = blob(a.dir, json.dumps({
        "architecture": a.arch,
        "os": a.os,
        "created": "1980-01-01T00:00:01Z",
        "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Labels": labels},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]},
    }, sort_keys=True).encode())
    manifest = blob(a.dir, json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
    }, sort_keys=True).encode())
    with open(os.path.join(a.dir, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2,
                   "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                  **manifest,
                                  "platform": {"architecture": a.arch, "os": a.os}}]}, f)
    with open(os.path.join(a.dir, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


if __name__ == "__main__":
    main()
