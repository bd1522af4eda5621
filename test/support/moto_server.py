"""moto_server (same arguments) answering two kinds of request as S3 does,
where moto 5.2 answers them 500 once it checks signatures
(INITIAL_NO_AUTH_ACTION_COUNT reached): it looks for an Authorization header
they do not have.

- An anonymous GET or HEAD of an object is left to moto's own checks of the
  object's ACL and the bucket's policy (403 for a private object), then
  answered. A missing object is 404 NoSuchKey when the bucket's policy lets
  everyone list it (s3:ListBucket for Principal "*"), 403 AccessDenied when
  it does not. Any other anonymous request is 403 AccessDenied. (moto checks
  a HEAD against a bucket's policy as s3:HeadObject, an action S3 does not
  have: a HEAD of an object that only the bucket's policy makes public is
  403.)
- A presigned URL past X-Amz-Date + X-Amz-Expires is 403 AccessDenied
  "Request has expired". moto cannot check the signature of one that has not
  expired: it is 403 AccessDenied too, saying so.

Run by test/support/moto.sh with the Python of the virtualenv holding moto.
"""

import datetime
import sys
from urllib.parse import parse_qs, urlparse

from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.iam.access_control import PermissionResult, S3IAMRequest
from moto.s3.exceptions import S3AccessDeniedError, S3ClientError
from moto.server import main


class RequestExpired(S3ClientError):
    def __init__(self) -> None:
        super().__init__("AccessDenied", "Request has expired")


class PresignedNotChecked(S3ClientError):
    def __init__(self) -> None:
        super().__init__(
            "AccessDenied",
            "moto_server.py cannot check the signature of a presigned URL",
        )


def presigned_query(request):
    """The query of a presigned URL, or None for a request that is not one."""
    query = parse_qs(urlparse(request.uri).query)
    if "X-Amz-Signature" in query or "Signature" in query:
        return query
    return None


def expired(query) -> bool:
    try:
        signed = datetime.datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        seconds = int(query["X-Amz-Expires"][0])
    except (KeyError, ValueError):
        return False
    now = datetime.datetime.now(datetime.timezone.utc)
    return now > signed.replace(tzinfo=datetime.timezone.utc) + datetime.timedelta(
        seconds=seconds
    )


def check_anonymous(request, resource: str) -> None:
    """Raises unless the anonymous request on RESOURCE (an S3 ARN) may be
    answered."""
    partition, path = resource.split(":::", 1)
    bucket_name, _, key = path.partition("/")
    if request.method not in ("GET", "HEAD") or not key:
        raise S3AccessDeniedError()
    bucket = request.backend.get_bucket(bucket_name)  # NoSuchBucket for none
    if request.backend.get_object(bucket_name, key) is not None:
        return  # moto checked its ACL and the bucket's policy already
    listing = bucket.get_permission("s3:ListBucket", f"{partition}:::{bucket_name}")
    if listing != PermissionResult.PERMITTED:
        raise S3AccessDeniedError()


moto_check = ActionAuthenticatorMixin._authenticate_and_authorize_action


def check(self, iam_request_cls, resource="*"):
    checking = (
        ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
    )
    if (
        not checking
        or iam_request_cls is not S3IAMRequest
        or "Authorization" in self.headers
    ):
        return moto_check(self, iam_request_cls, resource)
    query = presigned_query(self)
    if query is not None:
        raise RequestExpired() if expired(query) else PresignedNotChecked()
    check_anonymous(self, resource)
    return None


ActionAuthenticatorMixin._authenticate_and_authorize_action = check

if __name__ == "__main__":
    sys.exit(main())
