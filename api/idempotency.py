"""Idempotency keys on the POSTs that start jobs (R94): a client that retries a request (its
connection dropped before the answer came) sends the same ``Idempotency-Key`` header and gets the
job the first request started, instead of a second push.

The key is recorded in the same transaction as the job, so either both exist or neither does. Two
requests with one key at the same moment: the second's insert waits on the unique index until the
first commits, then finds the first's job. A key is the caller's, per user; sent again with another
endpoint or body, it is refused (422), as it would otherwise hide a different request.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from catalog.models import User
from pushjobs.models import PushJob

from .errors import ApiError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX = IdempotencyKey._meta.get_field("key").max_length


def request_fingerprint(request) -> str:
    try:
        body = json.dumps(json.loads(request.body or b"{}"), sort_keys=True)
    except ValueError:
        body = request.body.decode(errors="replace")
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replayed(row: IdempotencyKey, fingerprint: str) -> PushJob:
    if row.fingerprint != fingerprint:
        raise ApiError(
            422,
            "this Idempotency-Key was first sent with another request: use a new key for a new request",
            field=HEADER,
        )
    return row.job


def job_start_once(*, request, user: User, start: Callable[[], PushJob]) -> tuple[PushJob, bool]:
    """Start a job, or find the one this request's Idempotency-Key started: (job, started now)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return start(), True
    if len(key) > KEY_MAX:
        raise ApiError(422, f"an Idempotency-Key is at most {KEY_MAX} characters", field=HEADER)
    fingerprint = request_fingerprint(request)
    row = IdempotencyKey.objects.select_related("job").filter(user=user, key=key).first()
    if row is not None:
        return _replayed(row, fingerprint), False
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
            job = start()
            row.job = job
            row.save(update_fields=["job"])
    except IntegrityError:
        row = IdempotencyKey.objects.select_related("job").filter(user=user, key=key).first()
        if row is None:
            raise
        return _replayed(row, fingerprint), False
    return job, True
