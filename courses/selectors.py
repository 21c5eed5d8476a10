"""Reading courses: what is locked on a course and why (R3, R4), and why a
course is desynced (R9)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from django.db.models.expressions import RawSQL

from catalog.errors import InputError
from catalog.models import Calendar
from catalog.services import setup_item_describe, setup_type_of
from catalog.setup_display import grading_item_names, refs_in_words
from catalog.setup_types import COURSE, SETUP_TYPES, SetupType

from .models import Course, CourseItem


def course_get(*, calendar: Calendar, number: str) -> Course:
    """The course of a calendar by its number, or InputError naming what is missing (R32)."""
    course = (
        Course.objects.select_related("calendar__school__catalog", "calendar__year", "master")
        .filter(calendar=calendar, number=number)
        .first()
    )
    if course is None:
        raise InputError(
            f'no course "{number}" in calendar {calendar.name} (school {calendar.school.number}, '
            f"year {calendar.year.name})"
        )
    return course


def course_type_locked(*, course: Course, lock: str) -> bool:
    """Whether a catalog lock applies to this course: it is linked to a master and the lock is on (R3).

    A course without a master takes nothing from a catalog, so nothing of it is locked.
    """
    catalog = course.calendar.school.catalog
    return bool(course.master_id and catalog and catalog.is_type_locked(lock))


def course_attribute_locked(*, course: Course, attribute: str) -> bool:
    catalog = course.calendar.school.catalog
    return bool(course.master_id and catalog and catalog.is_attribute_locked(attribute))


def course_locked_attributes(*, course: Course) -> list[str]:
    """The attributes a page must show read-only on this course (R3)."""
    catalog = course.calendar.school.catalog
    if not (course.master_id and catalog):
        return []
    return list(catalog.locked_attributes)


def course_item_locked_message(*, course: Course, setup_type: SetupType, describe: str, action: str = "edited") -> str:
    """The refusal people read when a locked course item is edited or deleted (R3)."""
    what = setup_type.name.replace("_", " ")
    return (
        f"{describe} of course {course.number} comes from course master {course.master.number} and "
        f'{what} are locked on catalog "{course.calendar.school.catalog.name}": it cannot be {action} at the '
        f"course. Change it on the master and push it, or have a district administrator unlock {what}."
    )


def course_item_lock_reason(*, item, course: Course | None = None) -> str | None:
    """Why this course item cannot be edited or deleted, or None when it can (R3).

    For pages: a pushed composite whose weights are the course's own (R4) is still reported here;
    its weights stay editable (see ``course_composite_weights_editable``).
    """
    setup_type = setup_type_of(item=item, level=COURSE)
    course = course or item.course
    if item.state not in (CourseItem.LINKED, CourseItem.UNLINKED):
        return None
    if not course_type_locked(course=course, lock=setup_type.lock):
        return None
    return course_item_locked_message(
        course=course,
        setup_type=setup_type,
        describe=setup_item_describe(setup_type=setup_type, item=item),
        action="edited or deleted",
    )


def course_composite_weights_editable(*, item, course: Course | None = None) -> bool:
    """Whether the weights of this course composite may be edited (R4)."""
    course = course or item.course
    if item.state not in (CourseItem.LINKED, CourseItem.UNLINKED):
        return True
    if not course_type_locked(course=course, lock="composite_grades"):
        return True
    return not course_type_locked(course=course, lock="composite_weights")


# ---------------------------------------------------------------------------
# Desync (R9)
# ---------------------------------------------------------------------------


def course_desync_reasons(*, course: Course) -> list[str]:
    """Why the course is desynced from its master, one sentence per reason; empty when it is not (R9)."""
    return course_desync_reasons_bulk(course_ids=[course.pk]).get(course.pk, [])


def _ids_q(field: str, ids: list[int]) -> Q:
    # One array parameter, so the number of queries (and bind parameters) stays the same
    # however many courses are asked about.
    return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", (ids,))})


def course_desync_reasons_bulk(*, course_ids: Iterable[int]) -> dict[int, list[str]]:
    """Desync reasons for many courses at once, in a fixed number of queries (one for the courses,
    one per setup type). Courses that are not desynced map to an empty list."""
    ids = sorted(set(course_ids))
    reasons: dict[int, list[str]] = {pk: [] for pk in ids}
    if not ids:
        return reasons
    courses = list(
        Course.objects.filter(_ids_q("pk", ids), master__isnull=False).values(
            "pk", "desynced_types", "master__number", "calendar__school__catalog__locked_types"
        )
    )
    for setup_type in SETUP_TYPES:
        locked = [c for c in courses if setup_type.lock in (c["calendar__school__catalog__locked_types"] or [])]
        if not locked:
            continue
        master_of = {c["pk"]: c["master__number"] for c in locked}
        what = setup_type.name.replace("_", " ")
        model = setup_type.model(COURSE)
        key_relations = [f for f in setup_type.key_fields if model._meta.get_field(f).is_relation]
        items = model.objects.filter(_ids_q("course_id", list(master_of)), state=CourseItem.UNLINKED)
        if key_relations:
            items = items.select_related(*key_relations)
        for item in items.order_by("course_id", "pk"):
            reasons[item.course_id].append(
                f"{setup_type.label} {setup_type.key_text(item)} was changed at the course and no longer "
                f"matches course master {master_of[item.course_id]} ({what} are locked)"
            )
        for course in locked:
            if setup_type.name in (course["desynced_types"] or []):
                reasons[course["pk"]].append(
                    f"a {setup_type.label} pushed from course master {course['master__number']} was deleted at "
                    f"the course while {what} were unlocked ({what} are locked now)"
                )
    # Tasks and standards by code and name, as people name them (one query for all the courses).
    names = grading_item_names(text for found in reasons.values() for text in found)
    return {pk: [refs_in_words(text, names) for text in found] for pk, found in reasons.items()}


LOCK_IMPACT_LIMIT = 50


def courses_desynced_by_locking(*, catalog, types: tuple[str, ...]) -> list[str]:
    """One sentence per linked course of the catalog that locking ``types`` would desync (R9): it
    has unlinked items of such a type, or remembers deleting one. A fixed number of queries."""
    reasons: dict[int, list[str]] = {}
    labels: dict[int, str] = {}
    linked = Course.objects.filter(master__catalog=catalog)
    for setup_type in SETUP_TYPES:
        if setup_type.lock not in types:
            continue
        what = setup_type.name.replace("_", " ")
        counts = (
            setup_type.model(COURSE)
            .objects.filter(course__in=linked, state=CourseItem.UNLINKED)
            .values("course_id")
            .annotate(n=Count("pk"))
        )
        for row in counts:
            n = row["n"]
            reasons.setdefault(row["course_id"], []).append(
                f"{n} {setup_type.label if n == 1 else what} changed at the course"
            )
        for course_id in linked.filter(desynced_types__contains=[setup_type.name]).values_list("pk", flat=True):
            reasons.setdefault(course_id, []).append(f"a pushed {setup_type.label} deleted at the course")
    if not reasons:
        return []
    courses = Course.objects.filter(pk__in=list(reasons)).select_related("calendar__school", "calendar__year")
    for course in courses.order_by("calendar__school__number", "calendar__year__name", "number"):
        labels[course.pk] = (
            f"{course.calendar.school.number} {course.calendar.school.name}, {course.calendar.year.name}: "
            f"course {course.number} {course.name}"
        )
    ordered = [pk for pk in labels]
    sentences = [f"{labels[pk]} ({'; '.join(reasons[pk])})" for pk in ordered[:LOCK_IMPACT_LIMIT]]
    if len(ordered) > LOCK_IMPACT_LIMIT:
        sentences.append(f"and {len(ordered) - LOCK_IMPACT_LIMIT} more courses")
    return sentences
