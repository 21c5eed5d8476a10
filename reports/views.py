"""The report pages and their downloads (rules R50-R53).

Thin views: check the reader may see reports (district admins every school,
school admins their own schools, teachers none), validate the filter form, ask
the selectors for one page or stream every row.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from catalog.large_downloads import REPORT, xlsx_prepare_fields, xlsx_prepare_redirect, xlsx_too_large
from catalog.permissions import can_manage_district
from catalog.setup_display import grading_item_names
from catalog.spreadsheets import XLSX_CONTENT_TYPE
from catalog.toolbar import toolbar_selection

from .display import people_value, people_word
from .downloads import (
    CSV_CONTENT_TYPE,
    FORMATS,
    report_csv_lines,
    report_filename,
    report_xlsx_write,
)
from .filters import (
    COLUMNS,
    COURSE_AUDIT,
    COURSE_AWAITING_PUSH,
    COURSE_STATES,
    MASTER_AWAITING_PUSH,
    REPORT_KINDS,
    RESIDUAL,
    TITLES,
)
from .forms import ReportFilterForm
from .report import Report, ReportRow
from .selectors import report_defaults, report_get, report_reader_school_ids

URL_NAMES = {
    MASTER_AWAITING_PUSH: "reports:course_master_awaiting_push",
    COURSE_AWAITING_PUSH: "reports:course_awaiting_push",
    RESIDUAL: "reports:residual_data",
    COURSE_AUDIT: "reports:course_audit",
}
DESCRIPTIONS = {
    MASTER_AWAITING_PUSH: "Per catalog and year: each course master's grading setup changes not yet pushed to each "
    "linked course, with old and new values and whether the type is locked.",
    COURSE_AWAITING_PUSH: "Per calendar: each course's grading setup changes not yet pushed to its sections.",
    RESIDUAL: "Grading setup left behind at courses and sections because teachers' assignments, scores or posted "
    "grades use it, and what would let it go.",
    COURSE_AUDIT: "Every linked course with its state (in sync, awaiting push, course-controlled, desynced, ignored) "
    "and how each item differs from its master.",
}
# The page shows the report's own columns (the downloads'), but for those it says elsewhere: the
# filters above the table name the catalog and calendar (and a course push report's school), the
# course and master names stand under their numbers, and the audit's row kind styles the row.
OFF_PAGE_COLUMNS = frozenset({"catalog", "calendar", "course_name", "course_master_name", "row"})
OFF_PAGE_COLUMNS_OF = {COURSE_AWAITING_PUSH: OFF_PAGE_COLUMNS | {"school"}}
PAGE_COLUMNS = {
    kind: tuple(name for name in columns if name not in OFF_PAGE_COLUMNS_OF.get(kind, OFF_PAGE_COLUMNS))
    for kind, columns in COLUMNS.items()
}
HEADINGS = {
    "course_master": "Course master",
    "course_state": "Course state",
    "data_type": "Data type",
    "course_item_state": "Item state",
    "section_item_state": "Item state",
    "old_value": "Old value",
    "new_value": "New value",
    "master_value": "Master value",
    "course_value": "Course value",
    "posted_grades": "Posted grades",
}
# Cells that repeat the row above (same course, or same section) are visually hidden on the
# page, so a course's rows read as a group; screen readers and downloads still get them.
GROUP_COLUMNS = {
    MASTER_AWAITING_PUSH: ("course_master", "school", "course", "course_state"),
    COURSE_AWAITING_PUSH: ("course", "section", "teacher"),
    RESIDUAL: ("school", "course"),
    COURSE_AUDIT: ("course_master", "school", "course", "state"),
}
BADGE_COLUMNS = ("course_state", "state", "change", "course_item_state", "section_item_state", "level")
NUMBER_COLUMNS = ("assignments", "scores", "posted_grades")


def _url(name: str, pk: int | None) -> str:
    return "" if pk is None else reverse(name, args=[pk])


@dataclass
class Cell:
    text: str
    code: str = ""  # the value's code, for a badge's colour
    href: str = ""
    sub: str = ""
    badge: bool = False
    number: bool = False
    column: str = ""
    repeated: bool = False


def _group(row: ReportRow, kind: str) -> tuple:
    return (row.course_id, row.section_id) if kind == COURSE_AWAITING_PUSH else (row.course_id,)


def _cells(
    report: Report, row: ReportRow, previous: ReportRow | None, *, opens_masters: bool, names: dict[str, str]
) -> list[Cell]:
    """A row's cells in words, tasks and standards by code and name (``names``: the page's, from
    grading_item_names); a link only where the reader may follow it (school admins cannot open masters)."""
    cols = report.columns
    kind = report.filters.kind
    repeats = previous is not None and _group(previous, kind) == _group(row, kind)
    cells = []
    for name in PAGE_COLUMNS[kind]:
        code = row.get(cols, name)
        text = people_value(name, code, names)
        cell = Cell(
            text=text, code=code, column=name, badge=name in BADGE_COLUMNS and bool(code), number=name in NUMBER_COLUMNS
        )
        cell.repeated = repeats and name in GROUP_COLUMNS[kind]
        if name == "course":
            cell.href = _url("courses:course_detail", row.course_id)
            cell.sub = row.get(cols, "course_name")
        elif name == "course_master":
            cell.href = _url("coursemasters:master_detail", row.master_id) if opens_masters else ""
            if "course_master_name" in cols:
                cell.sub = row.get(cols, "course_master_name")
        elif name == "section" and text:
            cell.href = _url("sections:section_detail", row.section_id)
        cells.append(cell)
    return cells


def reports_index_view(request):
    report_reader_school_ids(request.user)
    reports = [
        {"kind": kind, "title": TITLES[kind], "url": reverse(URL_NAMES[kind]), "description": DESCRIPTIONS[kind]}
        for kind in (MASTER_AWAITING_PUSH, COURSE_AWAITING_PUSH, RESIDUAL, COURSE_AUDIT)
    ]
    return render(request, "reports/index.html", {"reports": reports})


def _form(request, kind: str, school_ids) -> ReportFilterForm:
    if "year" in request.GET:
        data = request.GET
    else:
        selection = toolbar_selection(request)
        data = report_defaults(kind=kind, school_ids=school_ids, year=selection.year, school=selection.school)
    form = ReportFilterForm(data, kind=kind, school_ids=school_ids)
    try:
        form.is_valid()
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    return form


def _report_page(request, kind: str):
    school_ids = report_reader_school_ids(request.user)
    form = _form(request, kind, school_ids)
    context = {
        "kind": kind,
        "title": TITLES[kind],
        "description": DESCRIPTIONS[kind],
        "form": form,
        "url_name": URL_NAMES[kind],
        "breadcrumbs": [("Reports", reverse("reports:index")), (TITLES[kind], None)],
    }
    if not form.is_valid():
        return render(request, "reports/report.html", context, status=400)
    if form.cleaned_data["filters"] is None:
        return render(request, "reports/report.html", {**context, "prompt": form.missing_prompt})
    report = report_get(filters=form.cleaned_data["filters"])
    query = report.filters.as_query()
    base = reverse(URL_NAMES[kind])
    part = request.GET.get("part")
    # The counts of a large scope read every course: the page answers first and loads them
    # after (reports.js asks for ?part=summary; without scripts, ?counts=1 shows them inline).
    counted = part == "summary" or request.GET.get("counts") == "1" or report.summary_ready()
    opens_masters = can_manage_district(request.user)
    summary = report.summary() if counted else None
    context.update(
        report=report,
        summary=summary,
        query_string=urlencode(query),
        summary_url=f"{base}?{urlencode({**query, 'part': 'summary'})}",
        counts_url=f"{base}?{urlencode({**query, 'counts': '1'})}",
        state_links=_state_links(base, query, summary or {}),
        master_links=_master_links(base, query, summary or {}, opens_masters=opens_masters),
    )
    if part == "summary":
        return render(request, "reports/report.html#summary", context)
    page = report.page(request.GET.get("page") or 1)
    # The tasks and standards the page's rows name, by code and name: one query for the page.
    names = grading_item_names(value for row in page.rows for value in row.values if isinstance(value, str))
    context.update(
        page=page,
        previous_url=f"{base}?{urlencode({**query, 'page': page.number - 1})}" if page.has_previous else "",
        next_url=f"{base}?{urlencode({**query, 'page': page.number + 1})}" if page.has_next else "",
        headings=[HEADINGS.get(c, c.replace("_", " ").capitalize()) for c in PAGE_COLUMNS[kind]],
        table=[
            {
                "row": row,
                "cells": _cells(report, row, page.rows[i - 1] if i else None, opens_masters=opens_masters, names=names),
            }
            for i, row in enumerate(page.rows)
        ],
        query=query,
        downloads={fmt: reverse("reports:download", args=[kind, fmt]) for fmt in FORMATS},
        # A large scope's XLSX is prepared in the background (catalog.large_downloads).
        xlsx_prepare=xlsx_prepare_fields(REPORT, kind=kind, query=urlencode(query))
        if xlsx_too_large(report.download_size())
        else None,
    )
    return render(request, "reports/report.html", context)


def _state_links(base: str, query: dict, summary: dict) -> list[dict]:
    """Each course state with its count, as a link that filters the report by it."""
    states = summary.get("states")
    if not states:
        return []
    links = []
    for state in COURSE_STATES:
        q = {k: v for k, v in query.items() if k not in ("state", "page")}
        active = query.get("state") == state
        if not active:
            q["state"] = state
        links.append(
            {
                "state": state,
                "words": people_word("course_state", state),
                "count": states[state],
                "href": f"{base}?{urlencode(q)}",
                "active": active,
            }
        )
    return links


def _master_links(base: str, query: dict, summary: dict, *, opens_masters: bool) -> list[dict]:
    """Each master's counts, a link that filters the report by it, and the master's own page for a
    reader who may open it (else the template shows its number as text)."""
    rows = []
    for m in summary.get("masters", ()):
        q = {k: v for k, v in query.items() if k not in ("master", "page")}
        q["master"] = m["number"]
        master_url = _url("coursemasters:master_detail", m["master_id"]) if opens_masters else ""
        rows.append({**m, "href": f"{base}?{urlencode(q)}", "master_url": master_url})
    return rows


def course_master_awaiting_push_view(request):
    return _report_page(request, MASTER_AWAITING_PUSH)


def course_awaiting_push_view(request):
    return _report_page(request, COURSE_AWAITING_PUSH)


def residual_data_view(request):
    return _report_page(request, RESIDUAL)


def course_audit_view(request):
    return _report_page(request, COURSE_AUDIT)


def report_download_view(request, kind: str, fmt: str):
    """Every row of the report the page shows (all pages), as CSV streamed row chunk by row
    chunk, or as XLSX spooled to a temporary file: memory stays bounded at any size."""
    if kind not in REPORT_KINDS or fmt not in FORMATS:
        raise Http404("No such report download")
    school_ids = report_reader_school_ids(request.user)
    form = _form(request, kind, school_ids)
    if not form.is_valid() or form.cleaned_data["filters"] is None:
        return render(
            request,
            "reports/report.html",
            {
                "kind": kind,
                "title": TITLES[kind],
                "form": form,
                "url_name": URL_NAMES[kind],
                "prompt": getattr(form, "missing_prompt", None),
            },
            status=400,
        )
    report = report_get(filters=form.cleaned_data["filters"])
    filename = report_filename(report, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(report_csv_lines(report), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    if xlsx_too_large(report.download_size()):
        return xlsx_prepare_redirect(REPORT, kind=kind, query=urlencode(report.filters.as_query()))
    spool = tempfile.TemporaryFile()
    report_xlsx_write(report, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
