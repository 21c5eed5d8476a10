"""Sign-in throttling with django-axes: after settings.AXES_FAILURE_LIMIT wrong passwords for a
username, or from an address, sign-in is refused, even with the right password, until the
cool-off passes or an administrator unlocks it (``manage.py axes_reset_username USERNAME``,
``axes_reset_ip ADDRESS``, ``axes_reset`` for everything).

Three pieces axes lets a project supply:

- ``LoginThrottleBackend``, first in AUTHENTICATION_BACKENDS: axes' check, except that a call
  without a request (the test client's ``login()``, a shell) has no sign-in form and so nothing to
  throttle, where axes' own backend would raise. Every sign-in form passes its request.
- ``lockout_response``: the sign-in page itself, saying plainly why and what to do (status 429).
- ``client_address``: the address a lock-out counts, behind settings.PROXY_COUNT reverse proxies
  the one the nearest proxy saw (X-Forwarded-For, from the right); without a proxy REMOTE_ADDR, so
  a client cannot pick its own address with a header.
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    wait = f"Try again in {minutes} minutes, or ask" if minutes else "Ask"
    return (
        f"Sign-in is locked after {settings.AXES_FAILURE_LIMIT} wrong passwords for this account or from this "
        f"address. {wait} a district administrator to unlock it."
    )


def lockout_response(request, original_response=None, credentials=None):
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out": lockout_message(), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


def client_address(request) -> str | None:
    count = getattr(settings, "PROXY_COUNT", 0)
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
