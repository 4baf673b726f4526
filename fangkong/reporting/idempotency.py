"""`Idempotency-Key`: the first response to a key is replayed for the same request, and a
different request under a used key is refused."""

import datetime
import hashlib
import json
from typing import Any

from django.utils.translation import gettext_lazy as _

from fangkong.core.exceptions import Unprocessable
from fangkong.reporting.models import IdempotencyRecord


def request_digest(method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


MAX_KEY_LENGTH = 200
# A client retries within minutes; a week covers any retry worth replaying.
KEPT_FOR = datetime.timedelta(days=7)


def check_key(key: str) -> None:
    """Refuse a key the record could not hold, before anything is written under it."""
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise Unprocessable(
            _("An Idempotency-Key has 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH},
            "Idempotency-Key",
        )


def recorded(user: Any, key: str, digest: str) -> IdempotencyRecord | None:
    """The response first given to this key, or None; refuse a key reused for another request."""
    check_key(key)
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is not None and record.request_digest != digest:
        raise Unprocessable(
            _("This Idempotency-Key was used for a different request."), "Idempotency-Key"
        )
    return record


def remember(
    user: Any, key: str, digest: str, status_code: int, body: dict[str, Any], etag: str
) -> None:
    IdempotencyRecord.objects.create(
        user=user, key=key, request_digest=digest, status_code=status_code, body=body, etag=etag
    )


def forget_expired(*, now: datetime.datetime) -> int:
    """Drop the responses kept longer than `KEPT_FOR`; return how many."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    return deleted
