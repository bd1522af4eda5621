#!/usr/bin/env bash
# The Docker images' default command: build the bundle for the image's stack
# into /dist (mount a folder there to keep it), then, when WHISKEY_BUCKET is
# set, publish it with the buildpack's publisher, which prints the config
# vars apps need. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and
# AWS_SESSION_TOKEN, WHISKEY_REGION, WHISKEY_S3_ENDPOINT) come from the
# environment, as in
#   docker run -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e WHISKEY_BUCKET=my-bucket IMAGE
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
buildpack=$(cd "$here/../.." && pwd)
out=${WHISKEY_DIST:-/dist}

: "${STACK:?STACK names the stack to build for}"
version=$(awk '$1 == "httpd" { print $2 }' "$here/sources.txt")
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
bundle="$out/whiskey-$STACK-$arch-apache-$version.tar.zst"

# A bundle already in $out that matches its .sha256 is published as it is
# (WHISKEY_REBUILD=1 builds it again).
if [ "${WHISKEY_REBUILD:-0}" != 1 ] && [ -f "$bundle" ] && [ -f "$bundle.sha256" ] &&
  (cd "$out" && sha256sum --check --status "$bundle.sha256"); then
  echo "-----> Keeping $(basename "$bundle") from an earlier run"
else
  "$here/build.sh" --stack "$STACK" --out "$out"
fi

if [ -n "${WHISKEY_BUCKET:-}" ]; then
  "$buildpack/build/mod_wsgi-heroku" publish "$bundle"
else
  echo "       WHISKEY_BUCKET is not set: the bundle stays in $out."
fi
