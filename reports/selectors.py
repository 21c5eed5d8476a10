"""The four reports (rules R50-R53), read set-based.

    report_filters_resolve(kind=..., year=..., ...) -> ReportFilters   names in, records out (R32)
    report_get(filters=...) -> Report                                   one of the four reports
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
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, QuerySet
from django.db.models.functions import Cast

from catalog.errors import InputError
from catalog.models import Calendar, CourseCatalog, School, SchoolYear
from catalog.setup_display import display_value
from catalog.setup_types import SETUP_TYPES, SetupType
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Section

from . import diff
from .diff import COURSE_SECTION, MASTER_COURSE, LevelPair, pair_types, type_bits
from .display import RecordNames, field_label, type_words
from .residual import residual_details, residual_listing_sql
from .sql import report_cursor

RESIDUAL, COURSE_AUDIT, MASTER_AWAITING_PUSH, COURSE_AWAITING_PUSH = (
    "residual",
    "course-audit",
    "master-awaiting-push",
    "course-awaiting-push",
)
REPORT_KINDS = (RESIDUAL, COURSE_AUDIT, MASTER_AWAITING_PUSH, COURSE_AWAITING_PUSH)
TITLES = {
    MASTER_AWAITING_PUSH: "Course Master Awaiting Push",
    COURSE_AWAITING_PUSH: "Course Awaiting Push",
    RESIDUAL: "Residual Data",
    COURSE_AUDIT: "Course Audit",
}

# Course states (R53), in the words of the rules.
IN_SYNC, AWAITING_PUSH, COURSE_CONTROLLED, DESYNCED, IGNORED = (
    "in_sync",
    "awaiting_push",
    "course_controlled",
    "desynced",
    "ignored",
)
COURSE_STATES = (IN_SYNC, AWAITING_PUSH, COURSE_CONTROLLED, DESYNCED, IGNORED)

# Item changes, in the words of the rules (R50, R51, R53).
ADDED, CHANGED, REMOVED, CONFLICT, UNLINKED, DELETED = "added", "changed", "removed", "conflict", "unlinked", "deleted"
CHANGES = (ADDED, CHANGED, REMOVED, CONFLICT, UNLINKED, DELETED)
# Which bits of reports.diff stand for each change word.
CHANGE_BITS = {
    ADDED: diff.BIT_ADDED,
    CONFLICT: diff.BIT_CONFLICT_TERM | diff.BIT_CONFLICT_KEY,
    REMOVED: diff.BIT_REMOVED_LINKED | diff.BIT_REMOVED_UNLINKED,
    CHANGED: diff.BIT_CHANGED_LINKED,
    UNLINKED: diff.BIT_UNLINKED_CHANGED | diff.BIT_UNLINKED_SAME,
}

ADVISORY = "advisory"  # Push All Courses' fourth checkbox (R19): a course flag, not a setup item
LEVELS = ("course", "section")

COLUMNS = {
    MASTER_AWAITING_PUSH: (
        "catalog",
        "course_master",
        "course_master_name",
        "school",
        "calendar",
        "course",
        "course_name",
        "course_state",
        "data_type",
        "item",
        "change",
        "course_item_state",
        "old_value",
        "new_value",
        "locked",
        "detail",
    ),
    COURSE_AWAITING_PUSH: (
        "school",
        "calendar",
        "course",
        "course_name",
        "section",
        "teacher",
        "data_type",
        "item",
        "change",
        "section_item_state",
        "old_value",
        "new_value",
        "detail",
    ),
    RESIDUAL: (
        "school",
        "calendar",
        "course",
        "course_name",
        "section",
        "teacher",
        "level",
        "data_type",
        "item",
        "state",
        "assignments",
        "scores",
        "posted_grades",
        "action",
    ),
    COURSE_AUDIT: (
        "catalog",
        "course_master",
        "school",
        "calendar",
        "course",
        "course_name",
        "row",
        "state",
        "data_type",
        "item",
        "change",
        "course_item_state",
        "locked",
        "master_value",
        "course_value",
        "action",
    ),
}

# Sort orders a page offers, as database orderings of its units.
SORTS = {
    MASTER_AWAITING_PUSH: {
        "master": ("master__number", "calendar__school__number", "number", "id"),
        "school": ("calendar__school__number", "number", "id"),
        "course": ("number", "calendar__school__number", "id"),
    },
    COURSE_AUDIT: {
        "school": ("calendar__school__number", "number", "id"),
        "course": ("number", "calendar__school__number", "id"),
        "master": ("master__catalog__name", "master__number", "calendar__school__number", "number", "id"),
    },
    COURSE_AWAITING_PUSH: {
        "course": ("course__number", "number", "id"),
        "teacher": ("teacher__username", "course__number", "number", "id"),
    },
    RESIDUAL: {
        "school": ("school_number", "course_number", "section_number", "lvl", "ti", "id"),
        "course": ("course_number", "school_number", "section_number", "lvl", "ti", "id"),
        "type": ("ti", "lvl", "school_number", "course_number", "section_number", "id"),
    },
}
PER_PAGE = {MASTER_AWAITING_PUSH: 25, COURSE_AUDIT: 25, COURSE_AWAITING_PUSH: 50, RESIDUAL: 100}
UNIT_WORDS = {MASTER_AWAITING_PUSH: "courses", COURSE_AUDIT: "courses", COURSE_AWAITING_PUSH: "sections"}
UNIT_WORDS[RESIDUAL] = "residual items"
# Downloads read this many units per round of queries.
CHUNK_SIZE = 500
# Courses whose differences are read per query when a page or a download reads a large scope
# lazily, and the largest scope whose states a page counts before it answers (above it the
# counts load separately, so that the first page of the largest district answers in under 1 s).
SCAN_CHUNK = 500
SUMMARY_INLINE_LIMIT = 4000


@dataclass(frozen=True)
class ReportFilters:
    """What a report covers; the same for the page, the downloads and the command."""

    kind: str
    year: SchoolYear
    catalog: CourseCatalog | None = None
    school: School | None = None
    calendar: Calendar | None = None
    master: CourseMaster | None = None
    setup_type: str | None = None  # a setup type name, or "advisory" (Course Awaiting Push)
    state: str | None = None
    change: str | None = None
    locked: bool | None = None
    level: str | None = None
    sort: str = ""
    school_ids: tuple[int, ...] | None = None  # the schools the reader may see; None: every school

    def as_query(self) -> dict[str, str]:
        """The filters as page parameters (natural keys), for links and the download buttons."""
        q = {"year": self.year.name}
        if self.catalog:
            q["catalog"] = self.catalog.name
        if self.school:
            q["school"] = self.school.number
        if self.master:
            q["master"] = self.master.number
        for name in ("setup_type", "state", "change", "level", "sort"):
            value = getattr(self, name)
            if value:
                q["type" if name == "setup_type" else name] = value
        if self.locked is not None:
            q["locked"] = "yes" if self.locked else "no"
        return q


class FilterMissing(InputError):
    """A filter the report cannot do without was left out: the command names the option, the
    page asks for it in words (``prompt``)."""

    def __init__(self, message: str, *, prompt: str):
        super().__init__(message)
        self.prompt = prompt


def report_filters_resolve(
    *,
    kind: str,
    year: str | None = None,
    catalog: str | None = None,
    school: str | None = None,
    master: str | None = None,
    setup_type: str | None = None,
    state: str | None = None,
    change: str | None = None,
    locked: str | bool | None = None,
    level: str | None = None,
    sort: str | None = None,
    school_ids: Iterable[int] | None = None,
) -> ReportFilters:
    """Natural keys (as the command and the page take them) checked and turned into records.

    Raises InputError naming the problem (R32); PermissionError when ``school_ids`` (the
    reader's schools) does not include the school asked for.
    """
    if kind not in REPORT_KINDS:
        raise InputError(f'unknown report "{kind}" (choose from: {", ".join(REPORT_KINDS)})')
    if not year:
        raise FilterMissing(f"{kind}: --year is required", prompt="Choose a school year to see this report.")
    year_obj = SchoolYear.objects.filter(name=year).first()
    if year_obj is None:
        raise InputError(f'no school year "{year}"')
    catalog_obj = None
    if catalog:
        catalog_obj = CourseCatalog.objects.filter(name=catalog).first()
        if catalog_obj is None:
            raise InputError(f'no course catalog "{catalog}"')
    school_obj = None
    if school:
        school_obj = School.objects.filter(number=school).first()
        if school_obj is None:
            raise InputError(f'no school "{school}"')
        if school_ids is not None and school_obj.pk not in set(school_ids):
            raise PermissionError(f"school {school_obj.number} is not one of your schools")
    master_obj = None
    if master:
        if catalog_obj is None:
            raise InputError("a course master is named within its catalog: choose the catalog too")
        master_obj = CourseMaster.objects.filter(catalog=catalog_obj, number=master).first()
        if master_obj is None:
            raise InputError(f'no course master "{master}" in catalog "{catalog_obj.name}"')

    calendar_obj = None
    if kind == MASTER_AWAITING_PUSH:
        if catalog_obj is None:
            raise FilterMissing(
                f"{kind}: --catalog is required (the report is per catalog and year)",
                prompt="Choose a course catalog to see this report: it shows one catalog in one school year.",
            )
        if not Calendar.objects.filter(year=year_obj, school__catalog=catalog_obj).exists():
            raise InputError(f'no calendar in {year_obj.name} uses catalog "{catalog_obj.name}"')
    if kind == COURSE_AWAITING_PUSH:
        if school_obj is None:
            raise FilterMissing(
                f"{kind}: --school is required (the report is per calendar: school and year)",
                prompt="Choose a school to see this report: it shows one school's calendar in one school year.",
            )
        calendar_obj = Calendar.objects.filter(school=school_obj, year=year_obj).first()
        if calendar_obj is None:
            raise InputError(f"school {school_obj.number} has no calendar in {year_obj.name}")

    allowed_types = [t.name for t in SETUP_TYPES]
    if kind == COURSE_AWAITING_PUSH:
        allowed_types = [t.name for _, t in pair_types(COURSE_SECTION)] + [ADVISORY]
    if setup_type and setup_type not in allowed_types:
        raise InputError(f'unknown data type "{setup_type}" (choose from: {", ".join(allowed_types)})')
    if state and state not in COURSE_STATES:
        raise InputError(f'unknown course state "{state}" (choose from: {", ".join(COURSE_STATES)})')
    if change and change not in CHANGES:
        raise InputError(f'unknown change "{change}" (choose from: {", ".join(CHANGES)})')
    if level and level not in LEVELS:
        raise InputError(f'unknown level "{level}" (choose from: {", ".join(LEVELS)})')
    if isinstance(locked, str):
        words = {"yes": True, "no": False, "": None}
        if locked.lower() not in words:
            raise InputError(f'locked: "{locked}" is not yes or no')
        locked = words[locked.lower()]
    sorts = SORTS[kind]
    if sort and sort not in sorts:
        raise InputError(f'unknown sort "{sort}" (choose from: {", ".join(sorts)})')
    return ReportFilters(
        kind=kind,
        year=year_obj,
        catalog=catalog_obj,
        school=school_obj,
        calendar=calendar_obj,
        master=master_obj,
        setup_type=setup_type or None,
        state=state or None,
        change=change or None,
        locked=locked,
        level=level or None,
        sort=sort or next(iter(sorts)),
        school_ids=tuple(school_ids) if school_ids is not None else None,
    )


def report_get(*, filters: ReportFilters) -> Report:
    return {
        MASTER_AWAITING_PUSH: MasterAwaitingPushReport,
        COURSE_AUDIT: CourseAuditReport,
        COURSE_AWAITING_PUSH: CourseAwaitingPushReport,
        RESIDUAL: ResidualReport,
    }[filters.kind](filters)


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------


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
    num_pages: int | None  # None: not counted (a large scope read lazily, see _CourseMasterReport)
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

    # -- shared ---------------------------------------------------------------

    def page(self, number: int | str = 1) -> ReportPage:
        paginator = Paginator(self.units(), self.per_page, allow_empty_first_page=True)
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


def _fetch(sql: str, params: list) -> tuple[list[str], list[tuple]]:
    with report_cursor() as cursor:
        cursor.execute(sql, params)
        names = [d.name for d in cursor.description]
        return names, cursor.fetchall()


def _scope_sql(queryset: QuerySet, **columns) -> tuple[str, list]:
    sql, params = queryset.order_by().values(**columns).query.sql_with_params()
    return sql, list(params)


def _visible(queryset: QuerySet, filters: ReportFilters, school_path: str) -> QuerySet:
    if filters.school_ids is not None:
        queryset = queryset.filter(**{f"{school_path}__in": filters.school_ids})
    if filters.school is not None:
        queryset = queryset.filter(**{school_path: filters.school})
    return queryset


class _TypeColumns:
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
class _Diff:
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


def _change_word(raw: str, low_state: str | None) -> str:
    if raw in (diff.CONFLICT_TERM, diff.CONFLICT_KEY):
        return CONFLICT
    if low_state == "unlinked" and raw in (diff.CHANGED, diff.SAME):
        return UNLINKED
    return raw


def _diffs_for(pair: LevelPair, scope_sql: str, scope_params: list, type_names: set[str] | None) -> list[_Diff]:
    """Every difference row of the scope's units, in words (one query per type, one per record kind)."""
    fetched = []
    names = RecordNames()
    for i, t in pair_types(pair):
        if type_names is not None and t.name not in type_names:
            continue
        sql, params = diff.rows_sql(t, pair, scope_sql, scope_params)
        columns, rows = _fetch(sql, params)
        if not rows:
            continue
        tc = _TypeColumns(t, pair, columns)
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
                _Diff(
                    type_index=i,
                    t=t,
                    unit_id=row[ix["unit_id"]],
                    change=_change_word(raw, low_state),
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


def _flags(pair: LevelPair, scope_sql: str, scope_params: list) -> dict[int, int]:
    sql, params = diff.flag_sql(pair, scope_sql, scope_params)
    return dict(_fetch(sql, params)[1])


# ---------------------------------------------------------------------------
# Courses against their masters: R50 and R53
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class CourseUnit:
    """A linked course as the whole-scope pass reads it: what its state needs, nothing more.
    The words a row shows (names, school, catalog) are read for one page or chunk at a time."""

    id: int
    master_id: int
    catalog_id: int
    ignore_master_push: bool
    desynced_types: tuple[str, ...]
    locked_types: frozenset[str]
    bits: int = 0
    state: str = IN_SYNC
    # Filled by _course_words for the units of a page or chunk.
    master_number: str = ""
    master_name: str = ""
    catalog: str = ""
    school: str = ""
    year: str = ""
    number: str = ""
    name: str = ""

    def type_locked(self, t: SetupType) -> bool:
        return t.lock in self.locked_types


def course_state(unit: CourseUnit) -> str:
    """R53 from the unit's difference bits: ignored, desynced (R9), awaiting_push (R8),
    course_controlled, or in_sync. Only locked types are pushed (R2), so only they make a
    course awaiting push or desynced; unlinked items of unlocked types make it course-controlled."""
    if unit.ignore_master_push:
        return IGNORED
    desynced = awaiting = controlled = False
    for i, t in pair_types(MASTER_COURSE):
        bits = type_bits(unit.bits, i)
        broken = bool(bits & diff.UNLINKED_ANY) or t.name in unit.desynced_types
        if unit.type_locked(t):
            desynced |= broken
            awaiting |= bool(bits & diff.PENDING)
        else:
            controlled |= broken
    if desynced:
        return DESYNCED
    if awaiting:
        return AWAITING_PUSH
    if controlled:
        return COURSE_CONTROLLED
    return IN_SYNC


def _course_units(queryset: QuerySet, order: tuple[str, ...]) -> list[CourseUnit]:
    """The scope's courses in order, with what their states need: one query read through a
    server-side cursor, plus one for the catalogs' locks. Remembered deletions (R9) come as
    text and are decoded only where there are any: a district has tens of thousands of courses."""
    locks = {pk: frozenset(types or ()) for pk, types in CourseCatalog.objects.values_list("pk", "locked_types")}
    rows = queryset.order_by(*order).values_list(
        "id",
        "master_id",
        "master__catalog_id",
        "ignore_master_push",
        Cast("desynced_types", output_field=models.TextField()),
    )
    return [
        CourseUnit(
            id=pk,
            master_id=master_id,
            catalog_id=catalog_id,
            ignore_master_push=ignore,
            desynced_types=tuple(json.loads(desynced)) if desynced not in (None, "[]") else (),
            locked_types=locks.get(catalog_id, frozenset()),
        )
        for pk, master_id, catalog_id, ignore, desynced in rows.iterator(chunk_size=2000)
    ]


def _course_words(units: list[CourseUnit]) -> None:
    """Fill in the words the rows of these units show (one query)."""
    by_id = {u.id: u for u in units}
    for row in Course.objects.filter(pk__in=list(by_id)).values_list(
        "id",
        "master__number",
        "master__name",
        "master__catalog__name",
        "calendar__school__number",
        "calendar__school__name",
        "calendar__year__name",
        "number",
        "name",
    ):
        u = by_id[row[0]]
        u.master_number, u.master_name, u.catalog = row[1], row[2], row[3]
        u.school, u.year, u.number, u.name = f"{row[4]} {row[5]}", row[6], row[7], row[8]


def _course_scope_sql(queryset: QuerySet) -> tuple[str, list]:
    return _scope_sql(
        queryset,
        unit_id=F("id"),
        up_owner=F("master_id"),
        terms=F("calendar__terms"),
        locked_types=F("master__catalog__locked_types"),
    )


class _CourseMasterReport(Report):
    """What R50 and R53 share: linked courses of a year, their states, their differences."""

    def scope(self) -> QuerySet:
        f = self.filters
        qs = Course.objects.filter(calendar__year=f.year, master__isnull=False)
        if f.catalog is not None:
            qs = qs.filter(master__catalog=f.catalog)
        if f.master is not None:
            qs = qs.filter(master=f.master)
        return _visible(qs, f, "calendar__school")

    def all_units(self) -> list[CourseUnit]:
        """Every course of the scope with its state, before the state and row filters: one
        aggregate of every difference of the scope (reports.diff.flag_sql)."""
        if getattr(self, "_all", None) is None:
            flags = _flags(MASTER_COURSE, *_course_scope_sql(self.scope()))
            units = self._light_units()
            for unit in units:
                unit.bits = flags.get(unit.id, 0)
                unit.state = course_state(unit)
            self._all = units
        return self._all

    def _light_units(self) -> list[CourseUnit]:
        if getattr(self, "_light", None) is None:
            self._light = _course_units(self.scope(), SORTS[self.filters.kind][self.filters.sort])
        return self._light

    def wants(self, unit: CourseUnit) -> bool:
        """Whether the unit (with its bits and state) is a unit of the report under the filters."""
        raise NotImplementedError

    def units(self) -> list[CourseUnit]:
        if self._units is None:
            self._units = [u for u in self.all_units() if self.wants(u)]
        return self._units

    def scan(self, chunk_size: int = 0) -> Iterator[CourseUnit]:
        """The report's units in order, their differences read a chunk of courses at a time: a
        page of a large district reads only as far as it shows, and a download never holds the
        whole district's differences."""
        if getattr(self, "_all", None) is not None:
            yield from self.units()
            return
        chunk_size = chunk_size or SCAN_CHUNK
        light = self._light_units()
        for i in range(0, len(light), chunk_size):
            chunk = light[i : i + chunk_size]
            ids = [u.id for u in chunk]
            flags = _flags(MASTER_COURSE, *_course_scope_sql(Course.objects.filter(pk__in=ids)))
            for unit in chunk:
                unit.bits = flags.get(unit.id, 0)
                unit.state = course_state(unit)
                if self.wants(unit):
                    yield unit

    def unit_chunks(self, chunk_size: int) -> Iterator[list]:
        batch: list[CourseUnit] = []
        for unit in self.scan():
            batch.append(unit)
            if len(batch) >= chunk_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def summary_ready(self) -> bool:
        return getattr(self, "_all", None) is not None or len(self._light_units()) <= SUMMARY_INLINE_LIMIT

    def page(self, number: int | str = 1) -> ReportPage:
        if self.summary_ready():
            return super().page(number)
        # A large scope: read the courses in order until the page is full (and one more, to know
        # whether there is a next page); the totals come with the summary, loaded separately.
        try:
            n = max(1, int(number))
        except (TypeError, ValueError):
            n = 1
        skip, units = (n - 1) * self.per_page, []
        for k, unit in enumerate(self.scan()):
            if k < skip:
                continue
            units.append(unit)
            if len(units) > self.per_page:
                break
        shown = units[: self.per_page]
        return ReportPage(
            number=n,
            num_pages=None,
            total_units=None,
            first_unit=skip + 1 if shown else 0,
            last_unit=skip + len(shown),
            rows=self.rows_for(shown),
            has_previous=n > 1,
            has_next=len(units) > self.per_page,
        )

    def type_filter(self) -> list[tuple[int, SetupType]]:
        f = self.filters
        return [(i, t) for i, t in pair_types(MASTER_COURSE) if f.setup_type in (None, t.name)]

    def diffs(self, units: list[CourseUnit]) -> dict[int, list[_Diff]]:
        if not units:
            return {}
        _course_words(units)
        scope = Course.objects.filter(pk__in=[u.id for u in units])
        wanted = {t.name for _, t in self.type_filter()}
        out: dict[int, list[_Diff]] = defaultdict(list)
        for d in _diffs_for(MASTER_COURSE, *_course_scope_sql(scope), wanted):
            out[d.unit_id].append(d)
        return out


def _master_detail(d: _Diff, unit: CourseUnit) -> str:
    """What the next push does with a difference (R13-R15), in a sentence."""
    what = d.t.label
    if d.raw_change == diff.CONFLICT_TERM:
        return f'the calendar has no term "{d.term}": no push can bring this {what} (R13)'
    if d.raw_change == diff.CONFLICT_KEY:
        return f"a local {what} of the course holds this key: push mode leaves it; overwrite mode adopts it"
    if d.change == ADDED:
        if d.clash_state == "residual":
            return f"the push relinks the course's residual {what} and sets the master's values"
        if d.clash_state == "local":
            return f'the push adds it and renames the course\'s local {what} of that name "Name (1)" (R13)'
        return f"the push adds this {what}"
    if d.change == CHANGED:
        return "the push sets the master's values"
    if d.change == REMOVED:
        if d.item_state == "unlinked":
            return "its master item is gone: overwrite mode removes it (kept as residual if teachers use it)"
        return "its master item is gone: the push removes it (kept as residual if teachers use it)"
    if d.change == UNLINKED:
        if d.old or d.new:
            return "changed at the course, which unlinked it: overwrite mode sets it back to the master's values"
        return "unlinked at the course (its values match the master again): overwrite mode relinks it"
    return ""


def _awaiting_detail(d: _Diff, unit: CourseUnit, locked: bool) -> str:
    if not locked:
        return f"not pushed while {type_words(d.t.name)} are unlocked on the catalog"
    if unit.state == IGNORED:
        return "Ignore Master Push is marked on the course: no push reaches it"
    detail = _master_detail(d, unit)
    if unit.state == DESYNCED and d.change != UNLINKED:
        return f"the course is desynced, so push mode fails for it; in overwrite mode {detail}"
    return detail


class MasterAwaitingPushReport(_CourseMasterReport):
    """R50: per catalog and year, each master's grading setup changes not yet pushed to each
    linked course: every item that differs, with old and new values, whether its type is
    locked (only locked types are pushed, R2) and the course's state."""

    kind = MASTER_AWAITING_PUSH

    def _row_mask(self, unit: CourseUnit) -> bool:
        f = self.filters
        want = diff.DIFFERS if f.change is None else CHANGE_BITS.get(f.change, 0)
        if f.change == UNLINKED:
            want = diff.BIT_UNLINKED_CHANGED
        for i, t in self.type_filter():
            if f.locked is not None and unit.type_locked(t) != f.locked:
                continue
            if type_bits(unit.bits, i) & want:
                return True
        return False

    def wants(self, unit: CourseUnit) -> bool:
        return self.filters.state in (None, unit.state) and bool(unit.bits) and self._row_mask(unit)

    def summary(self) -> dict:
        """Per master: its linked courses, how many await a push (R50), and the other states."""
        counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COURSE_STATES, 0))
        for u in self.all_units():
            counts[u.master_id][u.state] += 1
        masters = []
        for pk, number, name in (
            CourseMaster.objects.filter(pk__in=list(counts)).order_by("number").values_list("pk", "number", "name")
        ):
            c = counts[pk]
            masters.append({"master_id": pk, "number": number, "name": name, "courses": sum(c.values()), **c})
        states = dict.fromkeys(COURSE_STATES, 0)
        for u in self.all_units():
            states[u.state] += 1
        return {"masters": masters, "states": states, "courses": len(self.all_units())}

    def rows_for(self, units: list[CourseUnit]) -> list[ReportRow]:
        f = self.filters
        diffs = self.diffs(units)
        rows = []
        for unit in units:
            for d in diffs.get(unit.id, ()):
                if d.change == UNLINKED and not (d.old or d.new):
                    continue  # unlinked, but the values are the master's: nothing differs
                locked = unit.type_locked(d.t)
                if f.locked is not None and locked != f.locked:
                    continue
                if f.change is not None and d.change != f.change:
                    continue
                rows.append(
                    ReportRow(
                        values=(
                            unit.catalog,
                            unit.master_number,
                            unit.master_name,
                            unit.school,
                            unit.year,
                            unit.number,
                            unit.name,
                            unit.state,
                            d.t.name,
                            d.item,
                            d.change,
                            d.item_state,
                            d.old,
                            d.new,
                            "yes" if locked else "no",
                            _awaiting_detail(d, unit, locked),
                        ),
                        course_id=unit.id,
                        master_id=unit.master_id,
                    )
                )
        return rows


COURSE_STATE_ACTIONS = {
    IN_SYNC: "",
    AWAITING_PUSH: "push from the master (Push to Courses or Push All Course Masters)",
    DESYNCED: "push in overwrite mode: it relinks the course (a push in push mode fails for it)",
    COURSE_CONTROLLED: "none needed: the course manages its own items of unlocked types; "
    "to bring them back under the master, lock the type and push in overwrite mode",
    IGNORED: "Ignore Master Push is marked: no push reaches it; clear the flag to push to it",
}


def _audit_action(d: _Diff, unit: CourseUnit) -> str:
    locked = unit.type_locked(d.t)
    what = type_words(d.t.name)
    if unit.state == IGNORED:
        return "clear Ignore Master Push on the course, then push"
    if d.change == DELETED:
        if locked:
            return "push in overwrite mode: it restores the master's items and relinks the course"
        return f"none needed while {what} are unlocked; an overwrite push with {what} locked restores them"
    if not locked:
        if d.change == UNLINKED:
            return f"none needed while {what} are unlocked (course-controlled); an overwrite push relinks it"
        return f"not pushed while {what} are unlocked on the catalog: lock them and push"
    if d.raw_change == diff.CONFLICT_TERM:
        return f'add term "{d.term}" to the calendar, or remove the option from the master'
    if unit.state == DESYNCED or d.change == UNLINKED or d.raw_change == diff.CONFLICT_KEY:
        return "push in overwrite mode: it relinks the course and sets the master's values"
    return _master_detail(d, unit)


class CourseAuditReport(_CourseMasterReport):
    """R53: every linked course with its state, then one row per item that differs from the
    master (master value beside course value) or broke the link, with the action that fixes it."""

    kind = COURSE_AUDIT

    def wants(self, unit: CourseUnit) -> bool:
        return self.filters.state in (None, unit.state)

    def summary(self) -> dict:
        units = self.all_units()
        return {"states": {s: sum(1 for u in units if u.state == s) for s in COURSE_STATES}, "courses": len(units)}

    def rows_for(self, units: list[CourseUnit]) -> list[ReportRow]:
        f = self.filters
        diffs = self.diffs(units)
        rows = []
        for unit in units:
            rows.append(
                ReportRow(
                    values=(
                        unit.catalog,
                        unit.master_number,
                        unit.school,
                        unit.year,
                        unit.number,
                        unit.name,
                        "course",
                        unit.state,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        COURSE_STATE_ACTIONS[unit.state],
                    ),
                    kind="course",
                    course_id=unit.id,
                    master_id=unit.master_id,
                )
            )
            items = list(diffs.get(unit.id, ()))
            for i, t in self.type_filter():
                if t.name in unit.desynced_types:
                    items.append(
                        _Diff(
                            type_index=i,
                            t=t,
                            unit_id=unit.id,
                            change=DELETED,
                            item="",
                            item_state="",
                            old="",
                            new="",
                            raw_change=DELETED,
                            clash_state=None,
                        )
                    )
            for d in items:
                if f.change is not None and d.change != f.change:
                    continue
                locked = unit.type_locked(d.t)
                if f.locked is not None and locked != f.locked:
                    continue
                course_value = d.old
                if d.change == DELETED:
                    course_value = f"a {d.t.label} pushed from the master was deleted at the course (R9)"
                rows.append(
                    ReportRow(
                        values=(
                            unit.catalog,
                            unit.master_number,
                            unit.school,
                            unit.year,
                            unit.number,
                            unit.name,
                            "item",
                            unit.state,
                            d.t.name,
                            d.item,
                            d.change,
                            d.item_state,
                            "yes" if locked else "no",
                            d.new,
                            course_value,
                            _audit_action(d, unit),
                        ),
                        course_id=unit.id,
                        master_id=unit.master_id,
                    )
                )
        return rows


# ---------------------------------------------------------------------------
# Sections against their courses: R51
# ---------------------------------------------------------------------------


@dataclass
class SectionUnit:
    id: int
    course_id: int
    course_number: str
    course_name: str
    number: str
    teacher: str
    advisory: bool
    course_advisory: bool
    bits: int = 0


class CourseAwaitingPushReport(Report):
    """R51: per calendar, each course's grading setup changes not yet pushed to each section
    (the types sections hold, and the advisory flag that Push All Courses also copies)."""

    kind = COURSE_AWAITING_PUSH

    def scope(self) -> QuerySet:
        f = self.filters
        qs = Section.objects.filter(course__calendar=f.calendar)
        return _visible(qs, f, "course__calendar__school")

    def _scope_sql(self, queryset: QuerySet) -> tuple[str, list]:
        return _scope_sql(
            queryset,
            unit_id=F("id"),
            up_owner=F("course_id"),
            terms=F("course__calendar__terms"),
            locked_types=F("course__calendar__school__catalog__locked_types"),
        )

    def _types(self) -> list[tuple[int, SetupType]]:
        return [(i, t) for i, t in pair_types(COURSE_SECTION) if self.filters.setup_type in (None, t.name)]

    def _has_rows(self, unit: SectionUnit) -> bool:
        f = self.filters
        if f.setup_type in (None, ADVISORY) and f.change in (None, CHANGED) and unit.advisory != unit.course_advisory:
            return True
        want = diff.DIFFERS if f.change is None else CHANGE_BITS.get(f.change, 0)
        return any(type_bits(unit.bits, i) & want for i, _ in self._types())

    @staticmethod
    def _differs(unit: SectionUnit) -> bool:
        return any(type_bits(unit.bits, i) & diff.DIFFERS for i, _ in pair_types(COURSE_SECTION))

    def all_units(self) -> list[SectionUnit]:
        if getattr(self, "_all", None) is None:
            scope = self.scope()
            flags = _flags(COURSE_SECTION, *self._scope_sql(scope))
            units = [
                SectionUnit(*row)
                for row in scope.order_by(*SORTS[self.kind][self.filters.sort]).values_list(
                    "id",
                    "course_id",
                    "course__number",
                    "course__name",
                    "number",
                    "teacher__username",
                    "advisory",
                    "course__advisory",
                )
            ]
            for unit in units:
                unit.bits = flags.get(unit.id, 0)
                unit.teacher = unit.teacher or ""
            self._all = units
        return self._all

    def units(self) -> list[SectionUnit]:
        if self._units is None:
            self._units = [u for u in self.all_units() if self._has_rows(u)]
        return self._units

    def summary(self) -> dict:
        units = self.all_units()
        return {
            "sections": len(units),
            "awaiting": sum(1 for u in units if self._differs(u) or u.advisory != u.course_advisory),
            "courses": len({u.course_id for u in self.units()}),
        }

    def rows_for(self, units: list[SectionUnit]) -> list[ReportRow]:
        f = self.filters
        school = f"{f.calendar.school.number} {f.calendar.school.name}"
        year = f.year.name
        by_unit: dict[int, list[_Diff]] = defaultdict(list)
        wanted = {t.name for _, t in self._types()}
        if units and wanted:
            scope = Section.objects.filter(pk__in=[u.id for u in units])
            for d in _diffs_for(COURSE_SECTION, *self._scope_sql(scope), wanted):
                by_unit[d.unit_id].append(d)
        rows = []
        for unit in units:
            head = (school, year, unit.course_number, unit.course_name, unit.number, unit.teacher)
            for d in by_unit.get(unit.id, ()):
                if f.change is not None and d.change != f.change:
                    continue
                rows.append(
                    ReportRow(
                        values=(*head, d.t.name, d.item, d.change, d.item_state, d.old, d.new, _section_detail(d)),
                        course_id=unit.course_id,
                        section_id=unit.id,
                    )
                )
            if (
                f.setup_type in (None, ADVISORY)
                and f.change in (None, CHANGED)
                and unit.advisory != unit.course_advisory
            ):
                rows.append(
                    ReportRow(
                        values=(
                            *head,
                            ADVISORY,
                            ADVISORY,
                            CHANGED,
                            "",
                            f"advisory: {display_value('advisory', unit.advisory)}",
                            f"advisory: {display_value('advisory', unit.course_advisory)}",
                            "Push All Courses with Advisory ticked copies the course's flag",
                        ),
                        course_id=unit.course_id,
                        section_id=unit.id,
                    )
                )
        return rows


def _section_detail(d: _Diff) -> str:
    what = d.t.label
    if d.raw_change == diff.CONFLICT_KEY:
        return f"the teacher's own {what} holds this key: the push leaves it (an overwrite reaching sections adopts it)"
    if d.change == ADDED:
        if d.clash_state == "residual":
            return f"the push relinks the section's residual {what}"
        if d.clash_state == "teacher":
            return f'the push adds it and renames the teacher\'s {what} of that name "Name (1)" (R19)'
        return f"the push adds this {what}"
    if d.change == CHANGED:
        return "the push sets the course's values"
    if d.change == REMOVED:
        return "gone or residual at the course: the push removes it (kept as residual if in use)"
    return ""


# ---------------------------------------------------------------------------
# Residual data: R52
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidualUnit:
    level: int  # 0 course, 1 section
    type_index: int
    id: int


class ResidualReport(Report):
    """R52: every residual item at course and section level, what keeps it (counts of
    assignments, scores and posted grades, R20), the teacher, and what would let it go."""

    kind = RESIDUAL

    def _listing(self) -> tuple[str, list]:
        f = self.filters
        types = [i for i, t in enumerate(SETUP_TYPES) if f.setup_type in (None, t.name)]
        levels = [i for i, name in enumerate(LEVELS) if f.level in (None, name)]
        return residual_listing_sql(
            year_id=f.year.pk,
            school_id=f.school.pk if f.school else None,
            school_ids=f.school_ids,
            type_indexes=types,
            levels=levels,
            order=SORTS[RESIDUAL][f.sort],
        )

    def units(self) -> list[ResidualUnit]:
        if self._units is None:
            sql, params = self._listing()
            self._units = [ResidualUnit(lvl, ti, pk) for lvl, ti, pk in _fetch(sql, params)[1]]
        return self._units

    def unit_chunks(self, chunk_size: int) -> Iterator[list]:
        """Streams the listing through a server-side cursor: a district's residual items are
        never all in memory at once."""
        sql, params = self._listing()
        with report_cursor(server_side=True) as cursor:
            cursor.execute(sql, params)
            while True:
                batch = cursor.fetchmany(chunk_size)
                if not batch:
                    return
                yield [ResidualUnit(lvl, ti, pk) for lvl, ti, pk in batch]

    def summary(self) -> dict:
        units = self.units()
        return {
            "items": len(units),
            "course": sum(1 for u in units if u.level == 0),
            "section": sum(1 for u in units if u.level == 1),
        }

    def rows_for(self, units: list[ResidualUnit]) -> list[ReportRow]:
        details = residual_details(units)
        rows = []
        for unit in units:
            d = details.get((unit.level, unit.type_index, unit.id))
            if d is None:
                continue  # removed since the listing was read
            rows.append(
                ReportRow(
                    values=(
                        d["school"],
                        d["year"],
                        d["course_number"],
                        d["course_name"],
                        d["section_number"],
                        d["teacher"],
                        LEVELS[unit.level],
                        SETUP_TYPES[unit.type_index].name,
                        d["item"],
                        "residual",
                        str(d["assignments"]),
                        str(d["scores"]),
                        str(d["posted_grades"]),
                        d["action"],
                    ),
                    course_id=d["course_id"],
                    master_id=d["master_id"],
                    section_id=d["section_id"],
                )
            )
        return rows


def report_choices(*, school_ids: tuple[int, ...] | None) -> dict[str, list]:
    """What the filter forms offer: years, catalogs, schools the reader may see, masters."""
    schools = School.objects.order_by("number")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    return {
        "years": list(SchoolYear.objects.order_by("-start").values_list("name", flat=True)),
        "catalogs": list(CourseCatalog.objects.order_by("name").values_list("name", flat=True)),
        "schools": list(schools.values_list("number", "name")),
    }


def report_masters(*, catalog: str) -> list[tuple[str, str]]:
    return list(CourseMaster.objects.filter(catalog__name=catalog).order_by("number").values_list("number", "name"))


def report_defaults(
    *, kind: str, school_ids: tuple[int, ...] | None, year: SchoolYear | None, school: School | None
) -> dict[str, str]:
    """What a report page shows before anyone filters: the toolbar's year (or the latest),
    the catalog of the toolbar's school (or the first one a calendar of that year uses), and
    for the per-calendar report the toolbar's school (or the first with a calendar that year)."""
    visible = Calendar.objects.all()
    if school_ids is not None:
        visible = visible.filter(school_id__in=school_ids)
    if year is None or not visible.filter(year=year).exists():
        # A year without calendars has nothing to report: the latest year that has some.
        year = (
            SchoolYear.objects.filter(calendars__in=visible).order_by("-start").first()
            or year
            or SchoolYear.objects.order_by("-start").first()
        )
    if year is None:
        return {}
    data = {"year": year.name}
    calendars = visible.filter(year=year).order_by("school__number")
    # The toolbar's school first, when it has what the report needs in that year.
    own = calendars.filter(school=school) if school is not None else calendars.none()
    if kind in (MASTER_AWAITING_PUSH, COURSE_AUDIT):
        names = "school__catalog__name"
        first = own.filter(school__catalog__isnull=False).values_list(names, flat=True).first()
        first = first or calendars.filter(school__catalog__isnull=False).values_list(names, flat=True).first()
        if first:
            data["catalog"] = first
    if kind == COURSE_AWAITING_PUSH:
        number = (own if own.exists() else calendars).values_list("school__number", flat=True).first()
        if number:
            data["school"] = number
    return data
