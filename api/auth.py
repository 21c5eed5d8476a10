"""Who is calling: a bearer token made on the API tokens page, or (for the browsable docs) the
signed-in session, whose unsafe requests must carry the CSRF token as the pages' do.

Rate limits count per token (a session counts as its user): ``API_RATE_LIMIT`` calls a period,
kept in Django's cache (Redis where ``CACHE_URL`` names it), as the library's throttles do.
"""

from __future__ import annotations

from django.conf import settings
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import SimpleRateThrottle

from .tokens import api_token_user

DEFAULT_RATE = "600/m"


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = api_token_user(token=token)
        if found is None:
            return None
        user, row = found
        request.user = user
        request.api_token = row
        return user


class SessionWithCsrf(SessionAuth):
    """The signed-in user of the pages; ninja checks the CSRF token on unsafe methods."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


class TokenRateThrottle(SimpleRateThrottle):
    """Per token (or per signed-in user without one); the rate is read at each call, so a district
    can change ``API_RATE_LIMIT`` and tests can narrow it."""

    scope = "api_token"

    def __init__(self):
        super().__init__(DEFAULT_RATE)

    def allow_request(self, request) -> bool:
        self.rate = getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE)
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str | None:
        token = getattr(request, "api_token", None)
        if token is not None:
            ident = f"token-{token.pk}"
        elif getattr(request, "user", None) is not None and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


API_AUTH = [TokenAuth(), SessionWithCsrf()]
