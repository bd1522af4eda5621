# shellcheck shell=bash
#
# Helpers for running moto's S3 server, the S3 of the tests and the demo,
# from shunit2 test suites and scripts. It checks SigV4 signatures: a request
# signed with a wrong secret gets 403 SignatureDoesNotMatch, an unknown
# access key 403 InvalidAccessKeyId. It is started through
# test/support/moto_server.py, which answers anonymous and presigned
# requests as S3 does (moto alone answers them 500 while it checks
# signatures): an anonymous GET of an object that is public (ACL or bucket
# policy) is answered, of a private one 403; a missing key is 404 NoSuchKey
# in a bucket everyone may list; an expired presigned URL is 403
# AccessDenied "Request has expired".
#
# Source this file from bash (it never exits and never enables `set -e`);
# every function returns non-zero on failure and explains why on stderr.
# shunit2 runs suites with /bin/sh: re-run the suite under bash first, as
# test/s3_test.sh does.
#
#   moto_start [BUCKET...] [--public BUCKET...]
#                            start moto on 127.0.0.1 on a free port, create
#                            an IAM user allowed s3:* and its access key, turn
#                            authentication on, optionally create BUCKETs
#                            (private ones, then public ones after --public,
#                            as moto_public_bucket makes them); sets
#                            MOTO_ENDPOINT, MOTO_ACCESS_KEY_ID,
#                            MOTO_SECRET_ACCESS_KEY, MOTO_REGION, MOTO_PID,
#                            MOTO_DIR, MOTO_LOG
#   moto_stop                stop it and remove MOTO_DIR
#   moto_aws ARGS...         run the AWS CLI against moto with those
#                            credentials, e.g. `moto_aws s3 cp s3://b/k -`
#   moto_make_bucket BUCKET  create a private bucket (no error if it exists)
#   moto_public_bucket BUCKET
#                            create BUCKET if needed and let everyone read
#                            its objects and list it (a bucket policy for
#                            Principal "*": s3:GetObject, s3:ListBucket), as
#                            a public bucket of bundles is set up on S3
#   moto_put BUCKET KEY FILE [TYPE]
#                            upload FILE as KEY (Content-Type TYPE, default
#                            application/octet-stream), signed
#   moto_url BUCKET KEY      print the path-style URL of an object
#   moto_expired_url BUCKET KEY
#                            print a presigned (SigV4) URL of an object,
#                            signed with the right key, that expired long ago
#
# moto is taken from $BUILDPACK_HOME/build/moto-venv (installed by
# test/support/install-deps, pinned in test/support/moto-requirements.txt),
# the AWS CLI from Debian's awscli package.
#
# How authentication gets turned on: moto accepts the first
# INITIAL_NO_AUTH_ACTION_COUNT actions without checking them, and checks
# every later one against its own IAM. moto_start sets that count to the
# three IAM actions it makes (CreateUser, PutUserPolicy, CreateAccessKey),
# then checks that an unknown key is refused. Requests to /moto-api/ are not
# actions and do not count.
#
# What a client must send (moto 5.2): every signed S3 request needs a signed
# x-amz-content-sha256 header, as on real S3; without it moto computes a
# different signature and answers 403 SignatureDoesNotMatch even with the
# right secret. Its value goes into the signature as is (a hex SHA-256 or
# UNSIGNED-PAYLOAD); moto does not check it against the body.
#
# Call moto_start in the suite's own shell (e.g. from oneTimeSetUp), not in a
# subshell or $(...), or the variables it sets are lost. Bucket names must
# follow S3 rules (3-63 characters, lowercase), or moto answers 400.

# shellcheck source=test/support/servers.sh
. "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

MOTO_REGION=us-east-1

# Seconds moto_start waits for moto to answer before giving up.
: "${MOTO_START_TIMEOUT:=30}"

# Unauthenticated actions moto allows: the IAM calls in _moto_setup_iam.
_MOTO_SETUP_ACTIONS=3
_MOTO_USER=publisher
_MOTO_POLICY='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'

_moto_err() {
  echo "moto.sh: $*" >&2
}

_moto_require_running() {
  if [ -z "${MOTO_ENDPOINT:-}" ] || [ -z "${MOTO_PID:-}" ]; then
    _moto_err "moto is not running (call moto_start first)"
    return 1
  fi
}

# Debian's AWS CLI (PATH may put another one first).
_moto_aws_bin() {
  if [ -x /usr/bin/aws ]; then
    echo /usr/bin/aws
  elif command -v aws >/dev/null 2>&1; then
    command -v aws
  else
    _moto_err "aws not found; run test/support/install-deps"
    return 1
  fi
}

# _moto_curl SERVICE KEY:SECRET EXPECTED_STATUS_REGEX CURL_ARGS... : a SigV4
# signed request to moto; fails (printing the response body) unless the
# status matches. The body is left in $MOTO_DIR/last-response. No header may
# be removed with an empty `-H 'Name:'`: curl 7.88 still signs it (empty),
# and the signature no longer matches the request sent.
_moto_curl() {
  local service="$1" user="$2" want="$3" status body
  shift 3
  body="$MOTO_DIR/last-response"
  status=$(curl --silent --show-error --noproxy '*' --max-time 30 \
    --aws-sigv4 "aws:amz:$MOTO_REGION:$service" --user "$user" \
    -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --output "$body" --write-out '%{http_code}' "$@") || {
    _moto_err "curl failed: curl ${*@Q}"
    return 1
  }
  if ! [[ "$status" =~ ^($want)$ ]]; then
    _moto_err "unexpected HTTP status $status from: curl ${*@Q}"
    cat "$body" >&2 2>/dev/null && echo >&2
    return 1
  fi
}

# An IAM Query API action, signed with made-up credentials: moto does not
# check them while the unauthenticated allowance lasts.
_moto_iam() {
  local -a args=(--data-urlencode Version=2010-05-08)
  local kv
  for kv in "$@"; do
    args+=(--data-urlencode "$kv")
  done
  _moto_curl iam setup:setup 200 "${args[@]}" "$MOTO_ENDPOINT/"
}

# Print the text of the first <TAG> element of $MOTO_DIR/last-response.
_moto_xml_value() {
  sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p" "$MOTO_DIR/last-response" | head -n 1
}

_moto_setup_iam() {
  local key secret

  _moto_iam Action=CreateUser "UserName=$_MOTO_USER" || return 1
  _moto_iam Action=PutUserPolicy "UserName=$_MOTO_USER" PolicyName=s3-all \
    "PolicyDocument=$_MOTO_POLICY" || return 1
  _moto_iam Action=CreateAccessKey "UserName=$_MOTO_USER" || return 1
  key=$(_moto_xml_value AccessKeyId)
  secret=$(_moto_xml_value SecretAccessKey)
  if [ -z "$key" ] || [ -z "$secret" ]; then
    _moto_err "no access key in moto's CreateAccessKey answer:"
    cat "$MOTO_DIR/last-response" >&2
    return 1
  fi

  # Authentication must be on now: made-up credentials are refused and the
  # new key is accepted.
  _moto_curl s3 setup:setup 403 "$MOTO_ENDPOINT/" || {
    _moto_err "moto accepted made-up credentials: authentication is off"
    return 1
  }
  if ! grep -q '<Code>InvalidAccessKeyId</Code>' "$MOTO_DIR/last-response"; then
    _moto_err "made-up credentials refused, but not as InvalidAccessKeyId:"
    cat "$MOTO_DIR/last-response" >&2
    return 1
  fi
  _moto_curl s3 "$key:$secret" 200 "$MOTO_ENDPOINT/" || return 1

  MOTO_ACCESS_KEY_ID="$key"
  MOTO_SECRET_ACCESS_KEY="$secret"
}

moto_start() {
  local python port="" deadline line bucket public=""

  if [ -n "${MOTO_PID:-}" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    _moto_err "moto already running (pid $MOTO_PID); call moto_stop first"
    return 1
  fi
  if [ -z "${BUILDPACK_HOME:-}" ]; then
    _moto_err "BUILDPACK_HOME is not set"
    return 1
  fi
  python="$BUILDPACK_HOME/build/moto-venv/bin/python"
  if [ ! -x "$BUILDPACK_HOME/build/moto-venv/bin/moto_server" ]; then
    _moto_err "$BUILDPACK_HOME/build/moto-venv/bin/moto_server not found; run test/support/install-deps"
    return 1
  fi
  if ! command -v curl >/dev/null 2>&1; then
    _moto_err "curl is required"
    return 1
  fi

  MOTO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/moto.XXXXXX") || return 1
  MOTO_LOG="$MOTO_DIR/moto.log"
  mkdir "$MOTO_DIR/tmp" || return 1

  # -p 0 lets the kernel pick a free port; moto logs the one it got. Its
  # temporary files (large objects spill to disk) go under MOTO_DIR.
  env -u PYTHONPATH -u PYTHONHOME -u MOTO_PORT \
    INITIAL_NO_AUTH_ACTION_COUNT="$_MOTO_SETUP_ACTIONS" \
    TMPDIR="$MOTO_DIR/tmp" PYTHONUNBUFFERED=1 \
    "$python" "$BUILDPACK_HOME/test/support/moto_server.py" -H 127.0.0.1 -p 0 \
    </dev/null >"$MOTO_LOG" 2>&1 &
  MOTO_PID=$!

  # Stop moto (and clean up) should the sourcing shell die without calling
  # moto_stop.
  _moto_start_watchdog "${BASHPID:-$$}" "$MOTO_PID" "$MOTO_DIR"

  deadline=$((SECONDS + MOTO_START_TIMEOUT))
  while [ "$SECONDS" -le "$deadline" ]; do
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      _moto_err "moto exited during startup; log follows"
      cat "$MOTO_LOG" >&2
      moto_stop
      return 1
    fi
    if [ -z "$port" ]; then
      line=$(grep -m1 -o 'Running on http://127\.0\.0\.1:[0-9]*' "$MOTO_LOG" \
        2>/dev/null) || true
      port="${line##*:}"
      [[ "$port" =~ ^[0-9]+$ ]] || port=""
    fi
    # /moto-api/ is not an action: it uses none of the allowance.
    if [ -n "$port" ] &&
      curl --silent --fail --noproxy '*' --max-time 2 --output /dev/null \
        "http://127.0.0.1:$port/moto-api/" 2>/dev/null; then
      MOTO_ENDPOINT="http://127.0.0.1:$port"
      if ! _moto_setup_iam; then
        _moto_err "setting up authentication failed; log follows"
        cat "$MOTO_LOG" >&2
        moto_stop
        return 1
      fi
      export MOTO_ENDPOINT MOTO_ACCESS_KEY_ID MOTO_SECRET_ACCESS_KEY \
        MOTO_REGION MOTO_PID MOTO_DIR MOTO_LOG
      for bucket in "$@"; do
        if [ "$bucket" = --public ]; then
          public=1
          continue
        fi
        if [ -n "$public" ]; then
          moto_public_bucket "$bucket"
        else
          moto_make_bucket "$bucket"
        fi || {
          moto_stop
          return 1
        }
      done
      return 0
    fi
    sleep 0.1
  done

  _moto_err "moto did not answer within ${MOTO_START_TIMEOUT}s; log follows"
  cat "$MOTO_LOG" >&2
  moto_stop
  return 1
}

_moto_start_watchdog() {
  server_watchdog "$@"
  _MOTO_WATCHDOG_PID=$SERVER_WATCHDOG_PID
}

moto_stop() {
  server_stop "${_MOTO_WATCHDOG_PID:-}" "${MOTO_PID:-}" "${MOTO_DIR:-}"
  _MOTO_WATCHDOG_PID=""
  unset MOTO_ENDPOINT MOTO_ACCESS_KEY_ID MOTO_SECRET_ACCESS_KEY MOTO_PID \
    MOTO_DIR MOTO_LOG
  return 0
}

# The AWS CLI with moto's credentials, region and endpoint, set for this one
# command only. The user's ~/.aws files, profiles, session tokens, endpoint
# overrides and proxies are ignored; no pager; no retries (a failure shows at
# once).
moto_aws() {
  local aws
  _moto_require_running || return 1
  aws=$(_moto_aws_bin) || return 1
  env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN \
    -u AWS_SECURITY_TOKEN -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE \
    -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 -u AWS_CA_BUNDLE \
    -u PYTHONPATH -u PYTHONHOME \
    -u HTTP_PROXY -u http_proxy -u HTTPS_PROXY -u https_proxy -u ALL_PROXY \
    -u all_proxy \
    AWS_ACCESS_KEY_ID="$MOTO_ACCESS_KEY_ID" \
    AWS_SECRET_ACCESS_KEY="$MOTO_SECRET_ACCESS_KEY" \
    AWS_DEFAULT_REGION="$MOTO_REGION" AWS_REGION="$MOTO_REGION" \
    AWS_CONFIG_FILE="$MOTO_DIR/aws-config" \
    AWS_SHARED_CREDENTIALS_FILE="$MOTO_DIR/aws-credentials" \
    AWS_PAGER="" AWS_CLI_AUTO_PROMPT=off AWS_EC2_METADATA_DISABLED=true \
    AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=1 \
    NO_PROXY='127.0.0.1,localhost' no_proxy='127.0.0.1,localhost' \
    "$aws" --endpoint-url "$MOTO_ENDPOINT" "$@"
}

moto_make_bucket() {
  if [ $# -ne 1 ] || [ -z "$1" ]; then
    _moto_err "usage: moto_make_bucket BUCKET"
    return 2
  fi
  _moto_require_running || return 1
  # 409 BucketAlreadyOwnedByYou / BucketAlreadyExists: the bucket is there.
  _moto_curl s3 "$MOTO_ACCESS_KEY_ID:$MOTO_SECRET_ACCESS_KEY" '200|409' \
    -X PUT "$MOTO_ENDPOINT/$1"
}

moto_public_bucket() {
  if [ $# -ne 1 ] || [ -z "$1" ]; then
    _moto_err "usage: moto_public_bucket BUCKET"
    return 2
  fi
  moto_make_bucket "$1" || return 1
  local policy="$MOTO_DIR/policy-$1.json"
  printf '%s' '{"Version":"2012-10-17","Statement":[' \
    '{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",' \
    "\"Resource\":\"arn:aws:s3:::$1/*\"}," \
    '{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket",' \
    "\"Resource\":\"arn:aws:s3:::$1\"}]}" >"$policy" || return 1
  _moto_curl s3 "$MOTO_ACCESS_KEY_ID:$MOTO_SECRET_ACCESS_KEY" '200|204' \
    -X PUT -H 'Content-Type: application/json' --data-binary "@$policy" \
    "$MOTO_ENDPOINT/$1?policy="
}

# Percent-encode a key for use in a URL path, keeping '/' separators.
_moto_encode_key() {
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

moto_url() {
  if [ $# -ne 2 ]; then
    _moto_err "usage: moto_url BUCKET KEY"
    return 2
  fi
  _moto_require_running || return 1
  printf '%s/%s/%s\n' "$MOTO_ENDPOINT" "$1" "$(_moto_encode_key "$2")"
}

moto_put() {
  if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    _moto_err "usage: moto_put BUCKET KEY FILE [CONTENT_TYPE]"
    return 2
  fi
  local bucket="$1" key="$2" file="$3" type="${4:-application/octet-stream}" url
  _moto_require_running || return 1
  if [ ! -f "$file" ]; then
    _moto_err "no such file: $file"
    return 1
  fi
  url=$(moto_url "$bucket" "$key") || return 1
  _moto_curl s3 "$MOTO_ACCESS_KEY_ID:$MOTO_SECRET_ACCESS_KEY" 200 \
    -X PUT -H "Content-Type: $type" --upload-file "$file" "$url"
}

# A correctly signed SigV4 presigned GET URL that expired long ago
# (X-Amz-Date 2020-01-01, valid for 60 s).
moto_expired_url() {
  if [ $# -ne 2 ]; then
    _moto_err "usage: moto_expired_url BUCKET KEY"
    return 2
  fi
  _moto_require_running || return 1
  python3 - "$MOTO_ENDPOINT" "/$1/$(_moto_encode_key "$2")" \
    "$MOTO_ACCESS_KEY_ID" "$MOTO_SECRET_ACCESS_KEY" "$MOTO_REGION" <<'PY'
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
