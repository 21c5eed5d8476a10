"""The four reports (R50-R53): Course Master Awaiting Push, Course Awaiting Push, Residual Data
and Course Audit, with the pages' filters, a page at a time, and as CSV and XLSX.

The filters are the report page's own form (``reports.forms.ReportFilterForm``): the same
choices, the same required filters, and the reader's schools (district admins every school,
school admins theirs, teachers none). A report is computed from the data as it is now, unit by
unit (courses, sections or residual items), so it is paged as the page pages it: ``page`` is a
page number, and ``next`` the address of the one after.
"""

import tempfile
from urllib.parse import urlencode

from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema

from catalog.permissions import managed_school_ids
from catalog.spreadsheets import XLSX_CONTENT_TYPE
from reports.downloads import report_csv_lines, report_filename, report_xlsx_write
from reports.forms import ReportFilterForm
from reports.selectors import report_get

from .errors import ERROR_RESPONSES, ApiError

router = Router(tags=["Reports"])

# The reports' own names (reports.filters), as the API's paths spell them.
REPORTS = {
    "course-master-awaiting-push": "master-awaiting-push",
    "course-awaiting-push": "course-awaiting-push",
    "residual-data": "residual",
    "course-audit": "course-audit",
}
CSV = "text/csv; charset=utf-8"


class ReportFiltersIn(Schema):
    year: str = ""
    catalog: str = ""
    master: str = ""
    school: str = ""
    type: str = ""
    locked: str = ""
    state: str = ""
    change: str = ""
    level: str = ""
    sort: str = ""


class ReportLinks(Schema):
    csv: str
    xlsx: str


class ReportOut(Schema):
    title: str
    columns: list[str]
    page: int
    num_pages: int | None
    total: int | None
    next: str | None
    previous: str | None
    results: list[dict[str, str]]
    links: ReportLinks


def _report(request, name: str, filters: ReportFiltersIn):
    if not (request.user.is_active and not request.user.is_teacher):
        raise ApiError(403, "Reports are for district and school administrators.")
    ids = managed_school_ids(request.user)
    school_ids = None if ids is None else tuple(ids)
    sent = {k: v for k, v in filters.dict().items() if v}
    form = ReportFilterForm(sent, kind=REPORTS[name], school_ids=school_ids)
    try:
        valid = form.is_valid()
    except PermissionError as error:
        raise ApiError(403, str(error)) from None
    if not valid:
        errors = [
            {"field": None if field == "__all__" else field, "message": str(message)}
            for field, messages in form.errors.items()
            for message in messages
        ]
        raise ApiErrors(400, errors)
    if form.cleaned_data["filters"] is None:
        raise ApiError(400, form.missing_prompt, field=_missing_field(form, sent))
    return report_get(filters=form.cleaned_data["filters"]), sent


def _missing_field(form, sent: dict) -> str | None:
    # The report page's prompt names the filter in words; the field is the one left out.
    return next((name for name in ("year", "catalog", "school") if name in form.fields and name not in sent), None)


class ApiErrors(ApiError):
    def __init__(self, status: int, errors: list[dict]):
        super().__init__(status, errors[0]["message"] if errors else "invalid")
        self.errors = errors


def _page_json(request, name: str, report, sent: dict, number: int) -> dict:
    page = report.page(number)
    here = reverse(f"api-v1:report_{name.replace('-', '_')}")

    def at(n: int) -> str:
        return request.build_absolute_uri(f"{here}?{urlencode({**sent, 'page': n})}")

    files = reverse(f"api-v1:report_{name.replace('-', '_')}_file", kwargs={"fmt": "csv"})
    query = f"?{urlencode(sent)}" if sent else ""
    return {
        "title": report.title,
        "columns": list(report.columns),
        "page": page.number,
        "num_pages": page.num_pages,
        "total": page.total_units,
        "next": at(page.number + 1) if page.has_next else None,
        "previous": at(page.number - 1) if page.has_previous else None,
        "results": [dict(zip(report.columns, row.values, strict=True)) for row in page.rows],
        "links": {"csv": files + query, "xlsx": files.replace(".csv", ".xlsx") + query},
    }


def _file(report, fmt: str):
    filename = report_filename(report, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(report_csv_lines(report), content_type=CSV)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    spool = tempfile.TemporaryFile()  # bounded memory at any size, as the page's download
    report_xlsx_write(report, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _operations(name: str, title: str) -> None:
    url_name = f"report_{name.replace('-', '_')}"

    @router.get(f"/reports/{name}", response={200: ReportOut, **ERROR_RESPONSES}, summary=title, url_name=url_name)
    def report_page(request, filters: Query[ReportFiltersIn], page: int = 1):
        report, sent = _report(request, name, filters)
        return _page_json(request, name, report, sent, page)

    @router.get(
        f"/reports/{name}.{{fmt}}",
        response={200: str, **ERROR_RESPONSES},
        summary=f"{title} as CSV or XLSX (every row)",
        url_name=f"{url_name}_file",
    )
    def report_file(request, fmt: str, filters: Query[ReportFiltersIn]):
        if fmt not in ("csv", "xlsx"):
            raise ApiError(404, f"no {fmt} download: use csv or xlsx", field="fmt")
        report, _sent = _report(request, name, filters)
        return _file(report, fmt)

    report_page.__name__ = f"report_{url_name}"
    report_file.__name__ = f"report_{url_name}_file"


for _name, _title in (
    ("course-master-awaiting-push", "Course Master Awaiting Push"),
    ("course-awaiting-push", "Course Awaiting Push"),
    ("residual-data", "Residual Data"),
    ("course-audit", "Course Audit"),
):
    _operations(_name, _title)
