"""What the four reports (rules R50-R53) are and what they cover: their kinds, titles, columns
and sort orders, the words of course states and item changes, and the filters (``ReportFilters``)
that the page, the downloads and the command resolve the same way (``report_filters_resolve``).

    report_filters_resolve(kind=..., year=..., ...) -> ReportFilters   names in, records out (R32)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.errors import InputError
from catalog.models import Calendar, CourseCatalog, School, SchoolYear
from catalog.setup_types import SETUP_TYPES
from coursemasters.models import CourseMaster

from . import diff
from .diff import COURSE_SECTION, pair_types

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
