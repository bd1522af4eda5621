# shellcheck shell=bash
#
# Helpers for running a local fake S3 (s3rver) from shunit2 test suites.
#
# Source this file (it never exits and never enables `set -e`); every
# function returns non-zero on failure and explains why on stderr.
#
#   s3_start [BUCKET...]          start s3rver on 127.0.0.1 on a free port,
#                                 optionally creating BUCKETs at startup; sets
#                                 S3_ENDPOINT, S3_PID, S3_DIR, S3_LOG
#   s3_stop                       stop it and remove S3_DIR
#   s3_make_bucket BUCKET         create a bucket (no error if it exists)
#   s3_put BUCKET KEY FILE [TYPE] upload FILE as KEY (Content-Type TYPE,
#                                 default application/octet-stream)
#   s3_url BUCKET KEY             print the path-style URL of an object
#   s3_expired_url BUCKET KEY     print an expired presigned (SigV4) URL of an
#                                 object; s3rver answers it with 403
#                                 AccessDenied "Request has expired"
#
# s3rver is taken from $BUILDPACK_HOME/build/node/node_modules/.bin/s3rver
# (installed by test/support/install-deps). It accepts anonymous requests,
# so plain unsigned GET/PUT work. Credentials, where a signature is needed,
# are s3rver's built-in S3RVER / S3RVER. Note that s3rver does not check
# SigV4 signatures at all (only expiry), so a wrong signature is no way to
# get a 403; an expired URL is.
#
# Call s3_start in the suite's own shell (e.g. from oneTimeSetUp), not in a
# subshell or $(...), or the variables it sets are lost. Bucket names must
# follow S3 rules (3-63 characters, lowercase), or s3rver answers 400.

# shellcheck source=test/support/servers.sh
. "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

S3_ACCESS_KEY_ID=S3RVER
S3_SECRET_ACCESS_KEY=S3RVER
S3_REGION=us-east-1

# Seconds s3_start waits for s3rver to answer before giving up.
: "${S3_START_TIMEOUT:=15}"

_s3_err() {
  echo "s3rver.sh: $*" >&2
}

_s3_require_running() {
  if [ -z "${S3_ENDPOINT:-}" ] || [ -z "${S3_PID:-}" ]; then
    _s3_err "s3rver is not running (call s3_start first)"
    return 1
  fi
}

# Percent-encode a key for use in a URL path, keeping '/' separators.
_s3_encode_key() {
  local LC_ALL=C key="$1" out="" c i
  for ((i = 0; i < ${#key}; i++)); do
    c="${key:i:1}"
    case "$c" in
      [A-Za-z0-9._~/-]) out+="$c" ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# _s3_curl EXPECTED_STATUS_REGEX CURL_ARGS... : run curl against s3rver and
# fail (printing the response body) unless the status matches.
_s3_curl() {
  local want="$1" status body
  shift
  body="$S3_DIR/last-response"
  status=$(curl --silent --show-error --noproxy '*' --max-time 30 \
    --output "$body" --write-out '%{http_code}' "$@") || {
    _s3_err "curl failed: curl ${*@Q}"
    return 1
  }
  if ! [[ "$status" =~ ^($want)$ ]]; then
    _s3_err "unexpected HTTP status $status from: curl ${*@Q}"
    cat "$body" >&2 2>/dev/null && echo >&2
    return 1
  fi
}

s3_start() {
  local bin port="" deadline line bucket
  local -a args

  if [ -n "${S3_PID:-}" ] && kill -0 "$S3_PID" 2>/dev/null; then
    _s3_err "s3rver already running (pid $S3_PID); call s3_stop first"
    return 1
  fi
  if [ -z "${BUILDPACK_HOME:-}" ]; then
    _s3_err "BUILDPACK_HOME is not set"
    return 1
  fi
  bin="$BUILDPACK_HOME/build/node/node_modules/.bin/s3rver"
  if [ ! -x "$bin" ]; then
    _s3_err "$bin not found; run test/support/install-deps"
    return 1
  fi
  if ! command -v curl >/dev/null 2>&1; then
    _s3_err "curl is required"
    return 1
  fi

  S3_DIR=$(mktemp -d "${TMPDIR:-/tmp}/s3rver.XXXXXX") || return 1
  S3_LOG="$S3_DIR/s3rver.log"
  mkdir "$S3_DIR/data" || return 1

  # -p 0 lets the kernel pick a free port; s3rver prints the one it got.
  # --configure-bucket must come last: s3rver treats any following
  # non-option words as bucket configuration files.
  args=(-d "$S3_DIR/data" -a 127.0.0.1 -p 0 --silent --no-vhost-buckets)
  for bucket in "$@"; do
    args+=(--configure-bucket "$bucket")
  done
  "$bin" "${args[@]}" </dev/null >"$S3_LOG" 2>&1 &
  S3_PID=$!

  # Stop s3rver (and clean up) should the sourcing shell die without
  # calling s3_stop.
  _s3_start_watchdog "${BASHPID:-$$}" "$S3_PID" "$S3_DIR"

  deadline=$((SECONDS + S3_START_TIMEOUT))
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! kill -0 "$S3_PID" 2>/dev/null; then
      _s3_err "s3rver exited during startup; log follows"
      cat "$S3_LOG" >&2
      s3_stop
      return 1
    fi
    if [ -z "$port" ]; then
      line=$(grep -m1 'S3rver listening on ' "$S3_LOG" 2>/dev/null) || true
      port="${line##*:}"
      [[ "$port" =~ ^[0-9]+$ ]] || port=""
    fi
    if [ -n "$port" ] &&
      curl --silent --noproxy '*' --max-time 2 --output /dev/null \
        "http://127.0.0.1:$port/" 2>/dev/null; then
      S3_ENDPOINT="http://127.0.0.1:$port"
      export S3_ENDPOINT S3_PID S3_DIR S3_LOG
      return 0
    fi
    sleep 0.1
  done

  _s3_err "s3rver did not answer within ${S3_START_TIMEOUT}s; log follows"
  cat "$S3_LOG" >&2
  s3_stop
  return 1
}

_s3_start_watchdog() {
  server_watchdog "$@"
  _S3_WATCHDOG_PID=$SERVER_WATCHDOG_PID
}

s3_stop() {
  server_stop "${_S3_WATCHDOG_PID:-}" "${S3_PID:-}" "${S3_DIR:-}"
  _S3_WATCHDOG_PID=""
  unset S3_ENDPOINT S3_PID S3_DIR S3_LOG
  return 0
}

s3_make_bucket() {
  if [ $# -ne 1 ] || [ -z "$1" ]; then
    _s3_err "usage: s3_make_bucket BUCKET"
    return 2
  fi
  _s3_require_running || return 1
  # 409 BucketAlreadyExists is fine: the bucket is there.
  _s3_curl '200|409' -X PUT "$S3_ENDPOINT/$1"
}

s3_put() {
  if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    _s3_err "usage: s3_put BUCKET KEY FILE [CONTENT_TYPE]"
    return 2
  fi
  local bucket="$1" key="$2" file="$3" type="${4:-application/octet-stream}"
  _s3_require_running || return 1
  if [ ! -f "$file" ]; then
    _s3_err "no such file: $file"
    return 1
  fi
  _s3_curl 200 -X PUT -H "Content-Type: $type" -H 'Expect:' \
    --upload-file "$file" "$(s3_url "$bucket" "$key")"
}

s3_url() {
  if [ $# -ne 2 ]; then
    _s3_err "usage: s3_url BUCKET KEY"
    return 2
  fi
  _s3_require_running || return 1
  printf '%s/%s/%s\n' "$S3_ENDPOINT" "$1" "$(_s3_encode_key "$2")"
}

# A correctly signed SigV4 presigned GET URL that expired long ago
# (X-Amz-Date 2020-01-01, valid for 60 s).
s3_expired_url() {
  if [ $# -ne 2 ]; then
    _s3_err "usage: s3_expired_url BUCKET KEY"
    return 2
  fi
  _s3_require_running || return 1
  python3 - "$S3_ENDPOINT" "/$1/$(_s3_encode_key "$2")" \
    "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" "$S3_REGION" <<'PY'
import hashlib, hmac, sys
from urllib.parse import quote, urlsplit

endpoint, path, akid, secret, region = sys.argv[1:6]
amz_date, date = "20200101T000000Z", "20200101"
scope = f"{date}/{region}/s3/aws4_request"
params = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": f"{akid}/{scope}",
    "X-Amz-Date": amz_date,
    "X-Amz-Expires": "60",
    "X-Amz-SignedHeaders": "host",
}
query = "&".join(
    f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
    for k, v in sorted(params.items())
)
host = urlsplit(endpoint).netloc
canonical = "\n".join(
    ["GET", path, query, f"host:{host}\n", "host", "UNSIGNED-PAYLOAD"]
)
to_sign = "\n".join(
    ["AWS4-HMAC-SHA256", amz_date, scope,
     hashlib.sha256(canonical.encode()).hexdigest()]
)

def h(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()

key = h(h(h(h(("AWS4" + secret).encode(), date), region), "s3"), "aws4_request")
sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
print(f"{endpoint}{path}?{query}&X-Amz-Signature={sig}")
PY
}
