"""When an XLSX download is too large to put together in the web request.

A large XLSX (a push job's change log of millions of rows, a district's Residual Data) takes
minutes of openpyxl; behind gunicorn or a proxy the request times out. Such a download is prepared
in the background by the ``downloads`` app, above every level, and fetched from My downloads. The
pages of the lower levels only ask here whether a scope is too large and, when it is, send the
person to the preparing page by its URL name: no lower app imports ``downloads``
(docs/decisions.md, "Large XLSX downloads are prepared in the background").

A request to prepare names ``what`` (one of the kinds below) and its scope: ``job`` (a push job's
id), ``kind`` (a report's kind, a History's level), ``pk`` (a History's object) and ``query`` (the
filters, as the direct download's query string).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

PREPARE_URL_NAME = "downloads:prepare"
REPORT, JOB_REPORT, JOB_CHANGES, GRADE_IMPACT, HISTORY = (
    "report",
    "job_report",
    "job_changes",
    "grade_impact",
    "history",
)


def xlsx_too_large(rows: int | None) -> bool:
    """More rows than settings.XLSX_IN_REQUEST_ROWS (None: not counted, so not known to be small)."""
    return rows is None or rows > settings.XLSX_IN_REQUEST_ROWS


def xlsx_prepare_fields(what: str, **scope) -> dict[str, str]:
    """The fields a page's "Prepare the download" form posts to the preparing page."""
    return {"what": what, **{name: str(value) for name, value in scope.items() if value not in (None, "")}}


def xlsx_prepare_redirect(what: str, **scope):
    """A direct GET of a large XLSX (a bookmark): the page that offers to prepare it instead."""
    return redirect(reverse(PREPARE_URL_NAME) + "?" + urlencode(xlsx_prepare_fields(what, **scope)))
