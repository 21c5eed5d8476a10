"""The History of a master, course or section (R74): every change made outside a push (web forms,
commands, imports) and the change-log rows of the pushes and undos that touched it, newest first,
for whoever may open the object. A page at a time (``page``, ``page_size`` up to 100), since the
list is two tables' rows in time order."""

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from ninja import Query, Router, Schema

from history.access import history_require_page_access
from history.selectors import COURSE, MASTER, SECTION, HistoryFilters, history_rows, history_target

from .errors import ERROR_RESPONSES, ApiError, not_found
from .pagination import MAX_PAGE_SIZE, PAGE_SIZE

router = Router(tags=["History"])
WORDS = {MASTER: "course master", COURSE: "course", SECTION: "section"}


class HistoryFiltersIn(Schema):
    since: date | None = None
    until: date | None = None
    how: str = ""  # web, command, import, push, undo
    who: str = ""  # a username
    data_type: str = ""
    page: int = 1
    page_size: int = PAGE_SIZE


class HistoryRowOut(Schema):
    at: datetime
    how: str | None
    who: str | None
    level: str | None
    where: str | None
    data_type: str | None
    item: str | None
    change: str | None
    before: Any
    after: Any
    detail: Any
    job_id: int | None


class HistoryOut(Schema):
    page: int
    next: str | None
    previous: str | None
    results: list[HistoryRowOut]


def _row(row: dict) -> dict:
    return {
        "at": row["h_at"],
        "how": row["h_how"],
        "who": row["h_who"],
        "level": row["h_level"],
        "where": row["h_where"],
        "data_type": row["h_data_type"],
        "item": row["h_item"],
        "change": row["h_change"],
        "before": row["h_before"],
        "after": row["h_after"],
        "detail": row["h_detail"],
        "job_id": row["h_job"],
    }


def _history(request, level: str, pk: int, filters: HistoryFiltersIn) -> dict:
    target = history_target(level=level, pk=pk)
    if target is None:
        raise not_found(f"{WORDS[level]} {pk}")
    history_require_page_access(request.user, target)
    if filters.page < 1:
        raise ApiError(422, "pages are numbered from 1", field="page")
    size = min(max(filters.page_size, 1), MAX_PAGE_SIZE)
    chosen = HistoryFilters(
        since=filters.since, until=filters.until, how=filters.how, who=filters.who, data_type=filters.data_type
    )
    start = (filters.page - 1) * size
    rows = list(history_rows(target=target, filters=chosen)[start : start + size + 1])
    sent = {k: v for k, v in filters.dict().items() if v and k != "page"}

    def at(n: int) -> str:
        return request.build_absolute_uri(f"{request.path}?{urlencode({**sent, 'page': n}, doseq=True)}")

    return {
        "page": filters.page,
        "next": at(filters.page + 1) if len(rows) > size else None,
        "previous": at(filters.page - 1) if filters.page > 1 else None,
        "results": [_row(row) for row in rows[:size]],
    }


@router.get("/masters/{master_id}/history", response={200: HistoryOut, **ERROR_RESPONSES}, summary="A master's History")
def master_history(request, master_id: int, filters: Query[HistoryFiltersIn]):
    return _history(request, MASTER, master_id, filters)


@router.get("/courses/{course_id}/history", response={200: HistoryOut, **ERROR_RESPONSES}, summary="A course's History")
def course_history(request, course_id: int, filters: Query[HistoryFiltersIn]):
    return _history(request, COURSE, course_id, filters)


@router.get(
    "/sections/{section_id}/history", response={200: HistoryOut, **ERROR_RESPONSES}, summary="A section's History"
)
def section_history(request, section_id: int, filters: Query[HistoryFiltersIn]):
    return _history(request, SECTION, section_id, filters)
