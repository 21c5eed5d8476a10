"""What the home pages draw (issue 18): the Course Audit's states counted per catalog and school,
residual items per school, the courses whose sections await a push, a teacher's sections.

Each selector reads its whole scope set-based, in a fixed number of queries whatever the size of
the district: the same difference relation the reports use (reports.diff through the report
classes), counted in PostgreSQL where only counts are shown, then one query for the words."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from catalog.models import CourseCatalog, School, SchoolYear, User
from catalog.setup_types import SECTION, SETUP_TYPES
from courses.models import Course
from sections.models import Section

from .course_audit import CourseAuditReport
from .course_awaiting_push import CourseAwaitingPushReport
from .filters import COURSE_AUDIT, COURSE_AWAITING_PUSH, COURSE_STATES, RESIDUAL, SORTS, ReportFilters
from .report import report_fetch
from .residual import residual_counts_sql

STATE_LABELS = {
    "in_sync": "In sync",
    "awaiting_push": "Awaiting push",
    "course_controlled": "Course controlled",
    "desynced": "Desynced",
    "ignored": "Ignored",
}


@dataclass
class SchoolStates:
    """One school's linked courses of one catalog and year, by Course Audit state (R53)."""

    school_id: int
    number: str
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}"


@dataclass
class CatalogStates:
    catalog_id: int
    name: str
    schools: list[SchoolStates] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        totals = dict.fromkeys(COURSE_STATES, 0)
        for school in self.schools:
            for state, n in school.counts.items():
                totals[state] += n
        return totals

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def course_states_by_school(*, year: SchoolYear, school_ids: tuple[int, ...] | None = None) -> list[CatalogStates]:
    """Per catalog (by name), per school (by number): the year's linked courses counted by state,
    as the Course Audit computes them. ``school_ids``: only these schools (None: every school)."""
    report = CourseAuditReport(
        ReportFilters(kind=COURSE_AUDIT, year=year, school_ids=school_ids, sort=next(iter(SORTS[COURSE_AUDIT])))
    )
    counts: dict[int, dict[int, dict[str, int]]] = defaultdict(dict)
    for (catalog_id, school_id), states in report.state_counts().items():
        counts[catalog_id][school_id] = states
    schools = {pk: (number, name) for pk, number, name in School.objects.values_list("pk", "number", "name")}
    catalogs = dict(CourseCatalog.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
    result = []
    for catalog_id, by_school in counts.items():
        entry = CatalogStates(catalog_id=catalog_id, name=catalogs[catalog_id])
        for school_id, state_counts in by_school.items():
            number, name = schools[school_id]
            entry.schools.append(SchoolStates(school_id=school_id, number=number, name=name, counts=state_counts))
        entry.schools.sort(key=lambda s: s.number)
        result.append(entry)
    return sorted(result, key=lambda c: c.name)


@dataclass
class SchoolCount:
    number: str
    name: str
    count: int

    @property
    def label(self) -> str:
        return f"{self.number} {self.name}"


def residual_items_by_school(*, year: SchoolYear, school_ids: tuple[int, ...] | None = None) -> list[SchoolCount]:
    """Residual items (R52) at course and section level, per school by number, in one query that
    counts what the Residual Data report lists."""
    sql, params = residual_counts_sql(
        year_id=year.pk,
        school_id=None,
        school_ids=school_ids,
        type_indexes=list(range(len(SETUP_TYPES))),
        levels=[0, 1],
        by="school",
    )
    _columns, rows = report_fetch(sql, params)
    return [SchoolCount(number=number, name=name, count=n) for number, name, n in rows]


class _SectionsAwaitingAcrossCalendars(CourseAwaitingPushReport):
    """The Course Awaiting Push report (R51) over every calendar of the year that the reader's
    schools hold, instead of one calendar: one difference aggregate for all of them."""

    def scope(self):
        f = self.filters
        qs = Section.objects.filter(course__calendar__year=f.year)
        if f.school_ids is not None:
            qs = qs.filter(course__calendar__school_id__in=f.school_ids)
        return qs


@dataclass
class CourseAwaiting:
    course_id: int
    number: str
    name: str
    school: str
    sections: int
    awaiting: int


def courses_awaiting_section_push(*, year: SchoolYear, school_ids: tuple[int, ...] | None) -> list[CourseAwaiting]:
    """The year's courses with at least one section whose setup differs from the course (R51)."""
    report = _SectionsAwaitingAcrossCalendars(
        ReportFilters(
            kind=COURSE_AWAITING_PUSH, year=year, school_ids=school_ids, sort=next(iter(SORTS[COURSE_AWAITING_PUSH]))
        )
    )
    units = report.all_units()
    sections: dict[int, int] = defaultdict(int)
    awaiting: dict[int, int] = defaultdict(int)
    for unit in units:
        sections[unit.course_id] += 1
        if report._differs(unit) or unit.advisory != unit.course_advisory:
            awaiting[unit.course_id] += 1
    rows = Course.objects.filter(pk__in=list(awaiting)).values_list(
        "pk", "number", "name", "calendar__school__number", "calendar__school__name"
    )
    result = [
        CourseAwaiting(
            course_id=pk,
            number=number,
            name=name,
            school=f"{school_number} {school_name}",
            sections=sections[pk],
            awaiting=awaiting[pk],
        )
        for pk, number, name, school_number, school_name in rows
    ]
    return sorted(result, key=lambda c: (c.school, c.number))


@dataclass
class TypeCounts:
    title: str
    pushed: int
    own: int
    residual: int
    locked: bool


@dataclass
class TeacherSection:
    section: Section
    types: list[TypeCounts]

    @property
    def pushed(self) -> int:
        return sum(t.pushed for t in self.types)

    @property
    def locked_titles(self) -> list[str]:
        return [t.title for t in self.types if t.locked]


def teacher_sections(*, user: User, year: SchoolYear | None) -> list[TeacherSection]:
    """A teacher's sections; per setup type the items pushed from the course, the teacher's own, the
    residual ones, and whether the school's catalog locks the type. One query per type, whatever
    the number of sections."""
    sections = list(
        Section.objects.filter(teacher=user, **({"course__calendar__year": year} if year else {}))
        .select_related("course__calendar__school__catalog", "course__calendar__year")
        .order_by("course__calendar__year__start", "course__calendar__school__number", "course__number", "number")
    )
    ids = [s.pk for s in sections]
    per_type: dict[str, dict[int, dict[str, int]]] = {}
    section_types = [t for t in SETUP_TYPES if t.reaches_sections]
    for t in section_types:
        model = t.model(SECTION)
        found: dict[int, dict[str, int]] = defaultdict(dict)
        for section_id, state, n in (
            model.objects.filter(section_id__in=ids).values_list("section_id", "state").annotate(n=Count("pk"))
        ):
            found[section_id][state] = n
        per_type[t.name] = found
    result = []
    for section in sections:
        catalog = section.course.calendar.school.catalog
        locked = set(catalog.locked_types or ()) if catalog else set()
        types = []
        for t in section_types:
            c = per_type[t.name].get(section.pk, {})
            types.append(
                TypeCounts(
                    title=t.title,
                    pushed=c.get("linked", 0),
                    own=c.get("teacher", 0),
                    residual=c.get("residual", 0),
                    locked=t.lock in locked,
                )
            )
        result.append(TeacherSection(section=section, types=types))
    return result


__all__ = [
    "RESIDUAL",
    "STATE_LABELS",
    "CatalogStates",
    "SchoolStates",
    "course_states_by_school",
    "courses_awaiting_section_push",
    "residual_items_by_school",
    "teacher_sections",
]
