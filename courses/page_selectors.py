"""What the course pages read (selectors; nothing here writes).

Besides the values, the course page tells why each item is as it is: where it
came from, and which catalog lock keeps the course from editing it (R3, R6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from catalog.models import Calendar, CourseCatalog
from catalog.setup_display import (
    display_value,
    setup_cells,
    setup_headings,
    setup_item_label,
    setup_items,
    setup_title,
    shares_warning,
)
from catalog.setup_types import COMPOSITE_GRADES, COURSE, COURSE_ATTRIBUTES, SETUP_TYPES, SetupType
from coursemasters.models import CourseMaster
from coursemasters.page_selectors import AttributeRow

from .models import Course, CourseItem
from .selectors import (
    course_attribute_locked,
    course_composite_weights_editable,
    course_item_lock_reason,
    course_type_locked,
)

STATE_WORDS = {
    CourseItem.LINKED: "linked",
    CourseItem.UNLINKED: "unlinked",
    CourseItem.RESIDUAL: "course managed",
    CourseItem.LOCAL: "local",
}


@dataclass
class CourseItemRow:
    pk: int
    label: str
    cells: list[str]
    state: str
    state_words: str
    why: str
    locked: bool  # pushed and locked: nobody may edit or delete it (R3)
    weights_only: bool = False  # a locked composite whose weights the course may still edit (R4)


@dataclass
class CourseSetupGroup:
    setup_type: SetupType
    title: str
    headings: list[str]
    locked: bool  # the type is locked on the catalog of a linked course
    rows: list[CourseItemRow] = field(default_factory=list)
    warning: str = ""


def course_list(*, calendar: Calendar | None, school_ids: list[int] | None, year=None, query: str = "") -> QuerySet:
    """Courses of the toolbar's calendar (or of the year in the schools the user manages)."""
    courses = Course.objects.select_related("calendar__school", "calendar__year", "master").annotate(
        section_count=Count("sections")
    )
    if calendar is not None:
        courses = courses.filter(calendar=calendar)
    elif year is not None:
        courses = courses.filter(calendar__year=year)
    if school_ids is not None:
        courses = courses.filter(calendar__school_id__in=school_ids)
    if query:
        courses = courses.filter(Q(number__icontains=query) | Q(name__icontains=query))
    return courses.order_by("calendar__school__number", "number")


def course_get(*, pk: int) -> Course | None:
    return (
        Course.objects.select_related("calendar__school__catalog", "calendar__year", "master__catalog")
        .filter(pk=pk)
        .first()
    )


def course_catalog(*, course: Course) -> CourseCatalog | None:
    """The catalog whose locks bind the course: its school's, once the course is linked to a master (R1, R3)."""
    return course.calendar.school.catalog if course.master_id else None


def course_attribute_rows(*, course: Course) -> list[AttributeRow]:
    catalog = course_catalog(course=course)
    rows = []
    for name in COURSE_ATTRIBUTES:
        locked = course_attribute_locked(course=course, attribute=name)
        why = f"Locked by catalog {catalog.name}: set on course master {course.master.number}" if locked else ""
        rows.append(AttributeRow(name=name, value=display_value(name, getattr(course, name)), locked=locked, why=why))
    return rows


def _why(course: Course, catalog: CourseCatalog | None, setup_type: SetupType, item, type_locked: bool) -> str:
    title = setup_title(setup_type).lower()
    master = course.master.number if course.master_id else "(none)"
    if item.state == CourseItem.LINKED:
        if item.source_id is None:
            return (
                f"Pushed from master {master}, whose item is gone: the next push removes it, or keeps it as "
                "course managed if teachers use it"
            )
        if type_locked:
            return f"Pushed from master {master}; locked by catalog {catalog.name}"
        unlocked = f"{title} are unlocked in catalog {catalog.name}" if catalog else "the course is not linked"
        return f"Pushed from master {master}; {unlocked}, so the course may edit it (an edit unlinks it)"
    if item.state == CourseItem.UNLINKED:
        if type_locked:
            return (
                f"Pushed from master {master}, then changed at the course; {title} are locked again in catalog "
                f"{catalog.name}, so the course is desynced until an overwrite push relinks it"
            )
        return f"Pushed from master {master}, then changed at the course: the course manages it"
    if item.state == CourseItem.RESIDUAL:
        return "Course managed: a push left it here because teachers use it (assignments or posted grades)"
    return "Created at the course: the course manages it"


def course_setup_groups(*, course: Course) -> list[CourseSetupGroup]:
    """The course's items of every setup type with their state and why (one query per type)."""
    catalog = course_catalog(course=course)
    groups = []
    for setup_type in SETUP_TYPES:
        type_locked = course_type_locked(course=course, lock=setup_type.lock)
        weights_open = setup_type is COMPOSITE_GRADES and not course_type_locked(
            course=course, lock="composite_weights"
        )
        group = CourseSetupGroup(
            setup_type=setup_type,
            title=setup_title(setup_type),
            headings=setup_headings(setup_type),
            locked=type_locked,
        )
        items = setup_items(setup_type, COURSE, course=course)
        for item in items:
            # Pushed items (linked or unlinked) of a locked type: nobody edits them at the course (R3).
            locked = type_locked and item.is_pushed
            group.rows.append(
                CourseItemRow(
                    pk=item.pk,
                    label=setup_item_label(setup_type, item),
                    cells=setup_cells(setup_type, item),
                    state=item.state,
                    state_words=STATE_WORDS[item.state],
                    why=_why(course, catalog, setup_type, item, type_locked),
                    locked=locked,
                    weights_only=locked and weights_open,
                )
            )
        group.warning = shares_warning(setup_type, items)
        groups.append(group)
    return groups


def course_item_get(*, course: Course, setup_type: SetupType, pk: int):
    return setup_type.model(COURSE).objects.filter(course=course, pk=pk).first()


def course_item_lock_message(*, course: Course, setup_type: SetupType, item) -> str | None:
    """Why nobody may edit this item (R3), or None; a pushed composite's own weights stay editable (R4).
    The services have the last word: they refuse with the same message."""
    if setup_type is COMPOSITE_GRADES and course_composite_weights_editable(item=item, course=course):
        return None
    return course_item_lock_reason(item=item, course=course)


def course_sections(*, course: Course) -> QuerySet:
    return course.sections.select_related("teacher").annotate(assignment_count=Count("assignments")).order_by("number")


def course_link_choices(*, course: Course) -> QuerySet:
    """Masters the course may link to: those of its school's catalog."""
    catalog_id = course.calendar.school.catalog_id
    return CourseMaster.objects.filter(catalog_id=catalog_id).order_by("number")
