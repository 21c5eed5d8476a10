"""API tokens: made and revoked by their owner on the API tokens page, checked on every API call.

A token is ``secrets.token_urlsafe(32)``; the database holds its SHA-256 only, so a copy of the
database does not hold working tokens, and the page can show a token once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from catalog.errors import InputError
from catalog.models import User

from .models import ApiToken

# Writing last-used on every call would make each read a write: once a minute is enough to tell.
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX = ApiToken._meta.get_field("name").max_length


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the token itself (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise InputError("give the token a name, e.g. the system that will use it")
    if len(name) > NAME_MAX:
        raise InputError(f"a token's name is at most {NAME_MAX} characters")
    token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, token_hash=token_hash(token), prefix=token[:8])
    return row, token


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens: it stops working at once."""
    row = ApiToken.objects.filter(pk=token_id, user=user).first()
    if row is None:
        raise InputError(f"no token {token_id} of yours")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_user(*, token: str) -> tuple[User, ApiToken] | None:
    """The active user a token belongs to, or None (unknown, revoked, or the user is inactive)."""
    if not token:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if row is None:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        row.last_used_at = now
    return row.user, row
