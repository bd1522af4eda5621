"""Checks an Apache bundle's bill of materials against the recipe it was built from.

    python check_sbom.py SBOM RECIPE_DIR STACK ARCH [BUNDLE_NAME BUNDLE_SHA256]

Run with the Python of the cyclonedx-python-lib virtualenv: the document is
validated against the CycloneDX 1.5 JSON schema (JsonStrictValidator), then
its content is compared with RECIPE_DIR (vendor/apache): httpd, APR and
APR-util at sources.txt's versions, each source's URL and SHA-256 its pin,
each patch applied with the SHA-256 of its file, the stack, the arch and the
compiler. With BUNDLE_NAME and BUNDLE_SHA256 (a Cloud Native layer's
document), the described component is that file with that digest.
Prints "ok", or each problem on a line of its own.
"""
import hashlib
import json
import os
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main(argv):
    sbom_path, recipe, stack, arch = argv[1:5]
    bundle = argv[5:7]
    problems = []
    text = open(sbom_path).read()
    error = JsonStrictValidator(SchemaVersion.V1_5).validate_str(text)
    if error:
        problems.append("not valid CycloneDX 1.5: %s" % error)
    bom = json.loads(text)

    pins = {}
    for line in open(os.path.join(recipe, "sources.txt")):
        if line.startswith("#") or not line.strip():
            continue
        name, version, _file, sha, url = line.split()
        pins[name] = (version, sha, url)
    patches = {name: [] for name in pins}
    for f in sorted(os.listdir(os.path.join(recipe, "patches"))):
        owner = max((n for n in pins if f.startswith(n + "-")), key=len)
        patches[owner].append(f)

    meta = bom["metadata"]["component"]
    props = {p["name"]: p["value"] for p in meta.get("properties", [])}
    for key, want in (("stack", stack), ("arch", arch)):
        if props.get("mod_wsgi-heroku:" + key) != want:
            problems.append("%s is %r, not %r" % (key, props.get("mod_wsgi-heroku:" + key), want))
    if not props.get("mod_wsgi-heroku:compiler", "").strip():
        problems.append("no compiler named")
    if meta.get("version") != pins["httpd"][0]:
        problems.append("the bundle's version is %r" % meta.get("version"))
    if bundle:
        if meta.get("name") != bundle[0]:
            problems.append("the described component is %r, not %r" % (meta.get("name"), bundle[0]))
        if meta.get("hashes") != [{"alg": "SHA-256", "content": bundle[1]}]:
            problems.append("the described component's hashes are %r" % meta.get("hashes"))

    components = {c["name"]: c for c in bom.get("components", [])}
    if sorted(components) != sorted(pins):
        problems.append("components %s, not %s" % (sorted(components), sorted(pins)))
    for name, (version, sha, url) in pins.items():
        c = components.get(name)
        if not c:
            continue
        if c.get("version") != version:
            problems.append("%s is %r, not %r" % (name, c.get("version"), version))
        if not c.get("cpe") or not c.get("purl") or not c.get("licenses") or not c.get("supplier"):
            problems.append("%s lacks a CPE, purl, license or supplier" % name)
        dist = [r for r in c.get("externalReferences", []) if r["type"] == "distribution"]
        if [(r["url"], r.get("hashes")) for r in dist] != [
                (url, [{"alg": "SHA-256", "content": sha}])]:
            problems.append("%s's source is %r, not %s with SHA-256 %s" % (name, dist, url, sha))
        applied = [p["diff"]["url"].rsplit("/", 1)[-1]
                   for p in c.get("pedigree", {}).get("patches", [])]
        if applied != patches[name]:
            problems.append("%s's patches are %s, not %s" % (name, applied, patches[name]))
        cprops = {p["name"]: p["value"] for p in c.get("properties", [])}
        for f in patches[name]:
            got = cprops.get("mod_wsgi-heroku:patch-sha256:" + f)
            want = sha256_of(os.path.join(recipe, "patches", f))
            if got != want:
                problems.append("%s's SHA-256 is %r, not %s" % (f, got, want))

    refs = {meta.get("bom-ref")} | {c.get("bom-ref") for c in bom.get("components", [])}
    for d in bom.get("dependencies", []):
        for ref in [d["ref"]] + d.get("dependsOn", []):
            if ref not in refs:
                problems.append("the dependency on %r names nothing" % ref)
    print("\n".join(problems) or "ok")


if __name__ == "__main__":
    main(sys.argv)
