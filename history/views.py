"""The History tab of a master, a course and a section (R74): newest first, filtered by date, how,
who and data type, a page at a time, with the same rows as CSV and XLSX."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from catalog.large_downloads import HISTORY, xlsx_prepare_fields, xlsx_prepare_redirect, xlsx_too_large
from catalog.spreadsheets import XLSX_CONTENT_TYPE

from .access import history_require_page_access
from .display import (
    history_csv_lines,
    history_filename,
    history_row_words,
    history_rows_names,
    history_write_xlsx,
)
from .forms import HistoryFilterForm, history_filter_form
from .selectors import (
    COURSE,
    MASTER,
    SECTION,
    HistoryObject,
    history_rows,
    history_target,
)

ROWS_PER_PAGE = 50
LEVELS = (MASTER, COURSE, SECTION)


def _target(request, level: str, pk: int) -> HistoryObject:
    if level not in LEVELS:
        raise Http404("No such history")
    target = history_target(level=level, pk=pk)
    if target is None:
        raise Http404("No such course master, course or section")
    history_require_page_access(request.user, target)
    return target


def _form(request, target: HistoryObject) -> HistoryFilterForm:
    return history_filter_form(target=target, data=request.GET)


def _described(target: HistoryObject, request) -> dict:
    """The object in words, its page and the breadcrumbs to it."""
    obj = target.obj
    if target.level == MASTER:
        title = f"Course master {obj.number}"
        url = reverse("coursemasters:master_detail", args=[obj.pk])
        crumbs = [
            ("Catalogs", reverse("catalog:catalog_list")),
            (obj.catalog.name, reverse("catalog:catalog_detail", args=[obj.catalog_id])),
            (f"{obj.number} {obj.name}", url),
        ]
        return {"title": title, "name": obj.name, "object_url": url, "breadcrumbs": crumbs, "where": ""}
    if target.level == COURSE:
        url = reverse("courses:course_detail", args=[obj.pk])
        crumbs = [("Courses", reverse("courses:course_list")), (f"{obj.number} {obj.name}", url)]
        where = f"{obj.calendar.school} · calendar {obj.calendar.name}"
        return {
            "title": f"Course {obj.number}",
            "name": obj.name,
            "object_url": url,
            "breadcrumbs": crumbs,
            "where": where,
        }
    url = reverse("sections:section_detail", args=[obj.pk])
    course = obj.course
    crumbs = [("My sections" if request.user.is_teacher else "Sections", reverse("sections:section_list"))]
    if not request.user.is_teacher:
        crumbs.append((f"{course.number} {course.name}", reverse("courses:course_detail", args=[course.pk])))
    crumbs.append((f"Section {obj}", url))
    where = f"{course.calendar.school} · calendar {course.calendar.name}"
    return {"title": f"Section {obj}", "name": course.name, "object_url": url, "breadcrumbs": crumbs, "where": where}


def history_view(request, level: str, pk: int):
    target = _target(request, level, pk)
    form = _form(request, target)
    filters = form.filters()
    page = Paginator(history_rows(target=target, filters=filters), ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    names = history_rows_names(rows)  # one query for the whole page's tasks and standards
    page.object_list = [history_row_words(row, names) for row in rows]
    query = form.query()
    suffix = f"?{urlencode(query)}" if query else ""
    described = _described(target, request)
    described["breadcrumbs"] = [*described["breadcrumbs"], ("History", None)]
    context = {
        **described,
        "level": level,
        "form": form,
        "page": page,
        "filtered": bool(query),
        "page_query": urlencode(query),
        "csv_url": reverse("history:history_csv", args=[level, pk]) + suffix,
        "xlsx_url": reverse("history:history_xlsx", args=[level, pk]) + suffix,
        # A long History's XLSX is prepared in the background (catalog.large_downloads).
        "xlsx_prepare": xlsx_prepare_fields(HISTORY, kind=level, pk=pk, query=urlencode(query))
        if xlsx_too_large(page.paginator.count)
        else None,
    }
    return render(request, "history/history.html", context)


def _download_rows(request, level: str, pk: int):
    target = _target(request, level, pk)
    form = _form(request, target)
    return target, history_rows(target=target, filters=form.filters()).iterator(chunk_size=2000)


def history_csv_view(request, level: str, pk: int):
    target, rows = _download_rows(request, level, pk)
    response = StreamingHttpResponse(history_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{history_filename(target, "csv")}"'
    return response


def history_xlsx_view(request, level: str, pk: int):
    target = _target(request, level, pk)
    form = _form(request, target)
    found = history_rows(target=target, filters=form.filters())
    if xlsx_too_large(found.count()):
        return xlsx_prepare_redirect(HISTORY, kind=level, pk=pk, query=urlencode(form.query()))
    rows = found.iterator(chunk_size=2000)
    out = io.BytesIO()
    history_write_xlsx(rows, out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{history_filename(target, "xlsx")}"'
    return response
