"""Linked courses against their masters (R50, R53): the course units both course reports list,
their state, and the report base they share (``CourseMasterReport``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models
from django.db.models import F, QuerySet
from django.db.models.functions import Cast

from catalog.models import CourseCatalog
from catalog.setup_types import SetupType
from courses.models import Course

from . import diff
from .diff import MASTER_COURSE, pair_types, type_bits
from .filters import AWAITING_PUSH, COURSE_CONTROLLED, COURSE_STATES, DESYNCED, IGNORED, IN_SYNC, SORTS
from .report import (
    Difference,
    Report,
    ReportPage,
    differences_read,
    flags_read,
    report_fetch,
    units_sql,
    visible_to_reader,
)

# Courses whose differences are read per query when a page or a download reads a large scope
# lazily, and the largest scope whose states a page counts before it answers (above it the
# counts load separately, so that the first page of the largest district answers in under 1 s).
SCAN_CHUNK = 500
SUMMARY_INLINE_LIMIT = 4000


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
    school_id: int = 0
    bits: int = 0
    state: str = IN_SYNC
    # Filled by course_words_fill for the units of a page or chunk.
    master_number: str = ""
    master_name: str = ""
    catalog: str = ""
    school: str = ""
    year: str = ""
    number: str = ""
    name: str = ""

    def type_locked(self, t: SetupType) -> bool:
        return t.lock in self.locked_types


_COURSE_TYPES = pair_types(MASTER_COURSE)


def course_state(unit: CourseUnit) -> str:
    """R53 from the unit's difference bits: ignored, desynced (R9), awaiting_push (R8),
    course_controlled, or in_sync. Only locked types are pushed (R2), so only they make a
    course awaiting push or desynced; unlinked items of unlocked types make it course-controlled."""
    if unit.ignore_master_push:
        return IGNORED
    if not unit.bits and not unit.desynced_types:
        return IN_SYNC  # most courses of a district: nothing differs, nothing was deleted
    desynced = awaiting = controlled = False
    for i, t in _COURSE_TYPES:
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


def course_units_read(queryset: QuerySet, order: tuple[str, ...]) -> list[CourseUnit]:
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
        "calendar__school_id",
    )
    return [
        CourseUnit(
            id=pk,
            master_id=master_id,
            catalog_id=catalog_id,
            ignore_master_push=ignore,
            desynced_types=tuple(json.loads(desynced)) if desynced not in (None, "[]") else (),
            locked_types=locks.get(catalog_id, frozenset()),
            school_id=school_id,
        )
        for pk, master_id, catalog_id, ignore, desynced, school_id in rows.iterator(chunk_size=2000)
    ]


def course_words_fill(units: list[CourseUnit]) -> None:
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


def course_scope_sql(queryset: QuerySet, **more) -> tuple[str, list]:
    """The courses as reports.diff compares them with their masters, and ``more`` columns."""
    return units_sql(
        queryset,
        unit_id=F("id"),
        up_owner=F("master_id"),
        terms=F("calendar__terms"),
        locked_types=F("master__catalog__locked_types"),
        **more,
    )


def course_state_scope_sql(queryset: QuerySet) -> tuple[str, list]:
    """The scope of course_scope_sql with what a state reads of a course besides its differences."""
    return course_scope_sql(
        queryset,
        unit_catalog=F("master__catalog_id"),
        unit_school=F("calendar__school_id"),
        ignored=F("ignore_master_push"),
        deleted=F("desynced_types"),
    )


class CourseMasterReport(Report):
    """What R50 and R53 share: linked courses of a year, their states, their differences."""

    def scope(self) -> QuerySet:
        f = self.filters
        qs = Course.objects.filter(calendar__year=f.year, master__isnull=False)
        if f.catalog is not None:
            qs = qs.filter(master__catalog=f.catalog)
        if f.master is not None:
            qs = qs.filter(master=f.master)
        return visible_to_reader(qs, f, "calendar__school")

    def all_units(self) -> list[CourseUnit]:
        """Every course of the scope with its state, before the state and row filters: one
        aggregate of every difference of the scope (reports.diff.flag_sql)."""
        if getattr(self, "_all", None) is None:
            flags = flags_read(MASTER_COURSE, *course_scope_sql(self.scope()))
            units = self._light_units()
            for unit in units:
                unit.bits = flags.get(unit.id, 0)
                unit.state = course_state(unit)
            self._all = units
        return self._all

    def state_counts(self) -> dict[tuple[int, int], dict[str, int]]:
        """(catalog id, school id) -> the scope's courses by state, the states all_units gives,
        without a row per course: one query counts the courses by what their states read
        (reports.diff.state_flag_counts_sql), course_state classifies each group once."""
        locks = {pk: frozenset(types or ()) for pk, types in CourseCatalog.objects.values_list("pk", "locked_types")}
        compared = self.scope().filter(ignore_master_push=False)
        sql, params = diff.state_flag_counts_sql(
            MASTER_COURSE,
            scope=course_state_scope_sql(self.scope()),
            compared=course_scope_sql(compared),
            compared_ids=units_sql(compared, unit_id=F("id")),
            groups=("unit_catalog", "unit_school", "ignored", "deleted"),
        )
        counts: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COURSE_STATES, 0))
        for catalog_id, school_id, ignored, deleted, bits, n in report_fetch(sql, params)[1]:
            unit = CourseUnit(
                id=0,
                master_id=0,
                catalog_id=catalog_id,
                ignore_master_push=ignored,
                desynced_types=tuple(json.loads(deleted)) if deleted not in (None, "[]") else (),
                locked_types=locks.get(catalog_id, frozenset()),
                school_id=school_id,
                bits=bits,
            )
            counts[(catalog_id, school_id)][course_state(unit)] += n
        return counts

    def _light_units(self) -> list[CourseUnit]:
        if getattr(self, "_light", None) is None:
            self._light = course_units_read(self.scope(), SORTS[self.filters.kind][self.filters.sort])
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
            flags = flags_read(MASTER_COURSE, *course_scope_sql(Course.objects.filter(pk__in=ids)))
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

    def download_size(self) -> int:
        # Every linked course of the scope, before the state and row filters: read without the
        # differences, which a large scope's page reads only as far as it shows.
        return len(self._light_units())

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

    def diffs(self, units: list[CourseUnit]) -> dict[int, list[Difference]]:
        if not units:
            return {}
        course_words_fill(units)
        scope = Course.objects.filter(pk__in=[u.id for u in units])
        wanted = {t.name for _, t in self.type_filter()}
        out: dict[int, list[Difference]] = defaultdict(list)
        for d in differences_read(MASTER_COURSE, *course_scope_sql(scope), wanted):
            out[d.unit_id].append(d)
        return out
