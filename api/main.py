"""The REST API, version 1 (R94): ``/api/v1/``, its OpenAPI 3.1 document at
``/api/v1/openapi.json`` and browsable docs at ``/api/v1/docs``, all generated from the
operations below. A thin layer: every operation asks the same permissions and calls the same
services and selectors as the pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from ninja import NinjaAPI

from . import catalogs, courses, history, jobs, notifications, pushes, reports, setup_edits
from .auth import API_AUTH, TokenRateThrottle
from .errors import errors_install

api = NinjaAPI(
    title="Grading Push API",
    version="1",
    description=(
        "District grading setup: catalogs and locks, course masters, courses and sections, the push tools, "
        "the batch queue, reports and notifications. Authenticate with `Authorization: Bearer <token>` "
        "(make a token on your API tokens page). POSTs that start jobs take an `Idempotency-Key` header."
    ),
    auth=API_AUTH,
    throttle=[TokenRateThrottle()],
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors_install(api)
for module in (catalogs, courses, setup_edits, history, pushes, jobs, reports, notifications):
    api.add_router("", module.router)


def api_urls():
    """The API's URL patterns. The API authenticates every call itself (a token, or the session
    for the docs), so the site's sign-in redirect does not apply: a client gets a 401 body, not
    the sign-in page."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = login_not_required(pattern.callback)
    return patterns, app_name, namespace
