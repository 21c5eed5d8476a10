"""A report, its pages and rows, and the differences it reads in words (shared by the four
reports: ``reports.master_awaiting_push``, ``reports.course_audit``, ``reports.course_awaiting_push``,
``reports.residual_report``).

    Report.summary() / .page(number) / .rows()                          counts, one page, every row

A report is a list of *units* (courses, sections or residual items) in a fixed
order, and each unit gives its rows. The whole scope is read with a constant
number of queries (the unit list and one aggregate of every difference), so
states and counts are exact; rows are read for one page, or one download chunk,
at a time, again with a constant number of queries. Nothing is stored: every
report compares values as they are now (reports.diff), so it cannot go stale.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet

from catalog.setup_display import display_value
from catalog.setup_types import SetupType

from . import diff
from .diff import LevelPair, pair_types
from .display import RecordNames, field_label
from .filters import CHANGES, COLUMNS, CONFLICT, PER_PAGE, TITLES, UNIT_WORDS, UNLINKED, ReportFilters
from .sql import report_cursor

# Downloads read this many units per round of queries.
CHUNK_SIZE = 500


@dataclass
class ReportRow:
    """One row: its values in the report's column order, and what the page links to."""

    values: tuple[str, ...]
    kind: str = "item"  # "course" for the Course Audit's row per course
    course_id: int | None = None
    master_id: int | None = None
    section_id: int | None = None

    def get(self, columns: tuple[str, ...], name: str) -> str:
        return self.values[columns.index(name)]


@dataclass
class ReportPage:
    number: int
    num_pages: int | None  # None: not counted (a large scope read lazily, see CourseMasterReport)
    total_units: int | None
    first_unit: int
    last_unit: int
    rows: list[ReportRow]
    has_previous: bool
    has_next: bool


class Report:
    kind: str
    per_page: int

    def __init__(self, filters: ReportFilters):
        self.filters = filters
        self.columns = COLUMNS[filters.kind]
        self.title = TITLES[filters.kind]
        self.unit_word = UNIT_WORDS[filters.kind]
        self.per_page = PER_PAGE[filters.kind]
        self._units: list | None = None

    # -- what subclasses give -----------------------------------------------

    def units(self) -> list:
        """Every unit of the report, filtered and in order (read once, then kept)."""
        raise NotImplementedError

    def unit_chunks(self, chunk_size: int) -> Iterator[list]:
        """The same units, a chunk at a time (downloads)."""
        units = self.units()
        for i in range(0, len(units), chunk_size):
            yield units[i : i + chunk_size]

    def rows_for(self, units: list) -> list[ReportRow]:
        raise NotImplementedError

    def summary(self) -> dict:
        return {}

    def summary_ready(self) -> bool:
        """Whether summary() is cheap now (the page shows it at once, else it loads it later)."""
        return True

    def download_size(self) -> int:
        """How many units a download of the report writes, or an upper bound of it, read cheaply
        (whether its XLSX is put together in the request or prepared: catalog.large_downloads)."""
        return len(self.units())

    # -- shared ---------------------------------------------------------------

    def page(self, number: int | str = 1) -> ReportPage:
        return self.page_of(self.units(), number)

    def page_of(self, units, number: int | str) -> ReportPage:
        """The page ``number`` of ``units`` (a list, or anything with count() and slices)."""
        paginator = Paginator(units, self.per_page, allow_empty_first_page=True)
        page = paginator.get_page(number)
        units = list(page.object_list)
        return ReportPage(
            number=page.number,
            num_pages=paginator.num_pages,
            total_units=paginator.count,
            first_unit=page.start_index(),
            last_unit=page.end_index(),
            rows=self.rows_for(units),
            has_previous=page.has_previous(),
            has_next=page.has_next(),
        )

    def rows(self, chunk_size: int = CHUNK_SIZE) -> Iterator[ReportRow]:
        for chunk in self.unit_chunks(chunk_size):
            yield from self.rows_for(chunk)

    def row_dicts(self) -> Iterator[dict[str, str]]:
        for row in self.rows():
            yield dict(zip(self.columns, row.values, strict=True))


def report_fetch(sql: str, params: list) -> tuple[list[str], list[tuple]]:
    with report_cursor() as cursor:
        cursor.execute(sql, params)
        names = [d.name for d in cursor.description]
        return names, cursor.fetchall()


def units_sql(queryset: QuerySet, **columns) -> tuple[str, list]:
    sql, params = queryset.order_by().values(**columns).query.sql_with_params()
    return sql, list(params)


def visible_to_reader(queryset: QuerySet, filters: ReportFilters, school_path: str) -> QuerySet:
    if filters.school_ids is not None:
        queryset = queryset.filter(**{f"{school_path}__in": filters.school_ids})
    if filters.school is not None:
        queryset = queryset.filter(**{school_path: filters.school})
    return queryset


class TypeColumns:
    """Where one type's fields sit in a difference row, and how their values read."""

    def __init__(self, t: SetupType, pair: LevelPair, names: list[str]):
        self.t = t
        self.fields = diff.compared_fields(t)
        upper_cols, lower_cols = diff.columns(t, pair.upper), diff.columns(t, pair.lower)
        model = t.model(pair.lower)
        self.related = [getattr(model._meta.get_field(f), "related_model", None) for f in self.fields]
        # Raw SQL gives jsonb as text.
        self.json = [isinstance(model._meta.get_field(f), models.JSONField) for f in self.fields]
        self.u_idx = [names.index("u_" + c) for c in upper_cols]
        self.l_idx = [names.index("l_" + c) for c in lower_cols]
        self.extras = [(c, names.index("x_" + c), v) for c, v in diff.extra_columns(t, pair)]
        self.key_n = len(t.key_fields)
        self.i = {n: names.index(n) for n in ("unit_id", "low_state", "change", "clash_state", "up_id", "low_id")}

    def want_names(self, row: tuple, names: RecordNames) -> None:
        for related, ui, li in zip(self.related, self.u_idx, self.l_idx, strict=True):
            if related is not None:
                names.want(related, row[ui])
                names.want(related, row[li])

    def value(self, names: RecordNames, k: int, raw) -> str:
        related = self.related[k]
        if related is not None and raw is not None:
            return str(names.get(related, raw))
        if self.json[k] and isinstance(raw, str):
            raw = json.loads(raw)
        return display_value(self.fields[k], raw)

    def key_text(self, row: tuple, names: RecordNames, side: str) -> str:
        idx = self.l_idx if side == "l" else self.u_idx
        parts = []
        for k in range(self.key_n):
            raw = row[idx[k]]
            parts.append(str(names.get(self.related[k], raw)) if self.related[k] is not None else str(raw))
        return " ".join(parts)

    def values_text(self, row: tuple, names: RecordNames, side: str, only: list[int] | None = None) -> str:
        idx = self.l_idx if side == "l" else self.u_idx
        # Without ``only``: the payload (the key is in the item column).
        ks = range(self.key_n, len(self.fields)) if only is None else only
        return "; ".join(f"{field_label(self.t, self.fields[k])}: {self.value(names, k, row[idx[k]])}" for k in ks)

    def differing(self, row: tuple) -> list[int]:
        return [k for k, (ui, li) in enumerate(zip(self.u_idx, self.l_idx, strict=True)) if row[ui] != row[li]]

    def extras_text(self, row: tuple, *, current: bool) -> str:
        parts = []
        for column, i, linked_value in self.extras:
            if row[i] != linked_value:
                value = row[i] if current else linked_value
                parts.append(f"{column.replace('_', ' ')}: {display_value(column, value)}")
        return "; ".join(parts)


@dataclass
class Difference:
    """One difference between an item above and the unit's item, in words."""

    type_index: int
    t: SetupType
    unit_id: int
    change: str  # a word of CHANGES
    item: str
    item_state: str  # the lower item's state ("" when the unit lacks the item)
    old: str  # the unit's values (those that differ)
    new: str  # the values above (those that differ)
    raw_change: str  # reports.diff's change code
    clash_state: str | None
    term: str = ""


def change_word(raw: str, low_state: str | None) -> str:
    if raw in (diff.CONFLICT_TERM, diff.CONFLICT_KEY):
        return CONFLICT
    if low_state == "unlinked" and raw in (diff.CHANGED, diff.SAME):
        return UNLINKED
    return raw


def differences_read(
    pair: LevelPair, scope_sql: str, scope_params: list, type_names: set[str] | None
) -> list[Difference]:
    """Every difference row of the scope's units, in words (one query per type, one per record kind)."""
    fetched = []
    names = RecordNames()
    for i, t in pair_types(pair):
        if type_names is not None and t.name not in type_names:
            continue
        sql, params = diff.rows_sql(t, pair, scope_sql, scope_params)
        columns, rows = report_fetch(sql, params)
        if not rows:
            continue
        tc = TypeColumns(t, pair, columns)
        for row in rows:
            tc.want_names(row, names)
        fetched.append((i, t, tc, rows))
    names.load()
    out = []
    for i, t, tc, rows in fetched:
        ix = tc.i
        term_k = t.key_fields.index(t.calendar_term_field) if t.calendar_term_field in t.key_fields else None
        for row in rows:
            raw, low_state = row[ix["change"]], row[ix["low_state"]]
            has_lower = row[ix["low_id"]] is not None
            has_upper = row[ix["up_id"]] is not None
            item = tc.key_text(row, names, "l" if has_lower else "u")
            old = new = ""
            if not has_lower:
                new = tc.values_text(row, names, "u")
            elif not has_upper:
                old = tc.values_text(row, names, "l")
            else:
                ks = tc.differing(row)
                if ks:
                    old = tc.values_text(row, names, "l", ks)
                    new = tc.values_text(row, names, "u", ks)
                extra_old, extra_new = tc.extras_text(row, current=True), tc.extras_text(row, current=False)
                old = "; ".join(x for x in (old, extra_old) if x)
                new = "; ".join(x for x in (new, extra_new) if x)
            term = str(row[tc.u_idx[term_k]]) if term_k is not None and has_upper else ""
            out.append(
                Difference(
                    type_index=i,
                    t=t,
                    unit_id=row[ix["unit_id"]],
                    change=change_word(raw, low_state),
                    item=item,
                    item_state=low_state or "",
                    old=old,
                    new=new,
                    raw_change=raw,
                    clash_state=row[ix["clash_state"]],
                    term=term,
                )
            )
    out.sort(key=lambda d: (d.unit_id, d.type_index, d.item.lower(), CHANGES.index(d.change)))
    return out


def flags_read(pair: LevelPair, scope_sql: str, scope_params: list) -> dict[int, int]:
    sql, params = diff.flag_sql(pair, scope_sql, scope_params)
    return dict(report_fetch(sql, params)[1])
