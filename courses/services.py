"""Editing courses: attributes, grading setup items, the link to a master and
Ignore Master Push, under the catalog's locks (R3, R4) and the link states
(R6-R9).

Every write takes the course's row lock first, as the push engine does for
the courses of a chunk, so a push and an edit of the same course never
interleave: the edit lands before the push plans, or waits for it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from catalog.composites import composites_refuse_cycle
from catalog.errors import InputError, LockedError
from catalog.history import (
    CREATED,
    IGNORE_MASTER_PUSH,
    MASTER_LINK,
    MASTER_LINKED,
    MASTER_RELINKED,
    MASTER_UNLINKED,
    REMOVED,
    UPDATED,
    attributes_values,
    history_attributes,
    history_record,
    history_records_write,
    history_remembered_deletions_build,
    history_setup_item,
    history_setup_item_build,
    setup_item_values,
    setup_items_loaded,
)
from catalog.models import CourseCatalog, User
from catalog.permissions import can_manage_school
from catalog.services import (
    setup_item_describe,
    setup_key_require_free,
    setup_type_get,
    setup_type_of,
    setup_values_assign,
    setup_values_clean,
    setup_values_equal,
)
from catalog.setup_types import COMPOSITE_GRADES, COURSE, SETUP_TYPES, SetupType
from coursemasters.models import CourseMaster
from coursemasters.services import course_attributes_assign, course_attributes_clean

from .models import Course, CourseItem
from .selectors import course_attribute_locked, course_item_locked_message, course_type_locked

LINKED, UNLINKED, RESIDUAL, LOCAL = CourseItem.LINKED, CourseItem.UNLINKED, CourseItem.RESIDUAL, CourseItem.LOCAL


def _require_school_rights(user: User, course: Course, what: str) -> None:
    if not can_manage_school(user, course.calendar.school_id):
        raise PermissionError(
            f"{user.username} may not {what}: course {course.number} belongs to school "
            f"{course.calendar.school.number}, which they do not manage"
        )


def _lock_course(course: Course) -> Course:
    """The course, fresh and row-locked, with what the lock checks read."""
    return (
        Course.objects.select_for_update(of=("self",))
        .select_related("calendar__school__catalog", "master")
        .get(pk=course.pk)
    )


def _catalog(course: Course) -> CourseCatalog | None:
    return course.calendar.school.catalog


# ---------------------------------------------------------------------------
# Attributes
# ---------------------------------------------------------------------------


def course_attributes_update(*, user: User, course: Course, values: dict) -> Course:
    """Change a course's attributes. A locked attribute of a linked course is refused (R3);
    submitting its current value unchanged is not a change and is accepted."""
    cleaned = course_attributes_clean(values=values)
    with transaction.atomic():
        course = _lock_course(course)
        _require_school_rights(user, course, f"edit course {course.number}")
        catalog = _catalog(course)
        locked = [
            name
            for name, value in cleaned.items()
            if getattr(course, name) != value and course_attribute_locked(course=course, attribute=name)
        ]
        if locked:
            raise LockedError(
                f"{', '.join(n.replace('_', ' ') for n in locked)} of course {course.number} "
                f'{"is" if len(locked) == 1 else "are"} locked on catalog "{catalog.name}": the course is linked '
                f"to course master {course.master.number}, which manages "
                f"{'it' if len(locked) == 1 else 'them'}; change the master and push it"
            )
        if "number" in cleaned and cleaned["number"] != course.number:
            taken = Course.objects.filter(calendar_id=course.calendar_id, number=cleaned["number"]).exclude(
                pk=course.pk
            )
            if taken.exists():
                raise InputError(f'calendar {course.calendar.name} already has a course numbered "{cleaned["number"]}"')
        before = attributes_values(course, cleaned)
        changed = course_attributes_assign(obj=course, values=cleaned)
        if changed:
            course.save(update_fields=changed)
            history_attributes(user=user, level=COURSE, obj=course, before=before, names=changed)
    return course


# ---------------------------------------------------------------------------
# Grading setup items
# ---------------------------------------------------------------------------


def _check_key_free(setup_type: SetupType, item, course: Course) -> None:
    setup_key_require_free(
        setup_type=setup_type,
        queryset=setup_type.model(COURSE).objects.filter(course=course),
        item=item,
        owner=f"course {course.number}",
    )


def _check_term(setup_type: SetupType, item, course: Course) -> None:
    if setup_type.name == "grade_calc_options" and item.term not in course.calendar.terms:
        raise InputError(
            f'grade calc option term "{item.term}" is not a term of calendar {course.calendar.name} '
            f"({', '.join(course.calendar.terms)})"
        )


def course_item_create(*, user: User, course: Course, setup_type: str, values: dict):
    """Add the course's own (``local``) item. Allowed whatever the locks (R3: users with rights
    may add their own items at the course level)."""
    stype = setup_type_get(name=setup_type)
    cleaned = setup_values_clean(setup_type=stype, values=values)
    with transaction.atomic():
        course = _lock_course(course)
        _require_school_rights(user, course, f"edit course {course.number}")
        item = stype.model(COURSE)(course=course, state=LOCAL)
        setup_values_assign(setup_type=stype, item=item, values=cleaned)
        _check_key_free(stype, item, course)
        _check_term(stype, item, course)
        composites_refuse_cycle(setup_type=stype, item=item, queryset=stype.model(COURSE).objects.filter(course=course))
        item.save()
        history_setup_item(user=user, level=COURSE, owner=course, setup_type=stype, item=item, change=CREATED)
    return item


def _lock_item(setup_type: SetupType, item):
    return setup_type.model(COURSE).objects.select_for_update(of=("self",)).select_related("source").get(pk=item.pk)


def course_item_update(*, user: User, item, values: dict):
    """Change a course item, keeping its link state honest (R3, R4, R6, R9).

    A pushed (linked or unlinked) item of a type locked on the catalog is refused, except the
    weights of a pushed composite while composite weights are unlocked (R4). A pushed item of an
    unlocked type becomes ``unlinked`` when its values now differ from its master item's, and
    ``linked`` again when they match (self-healing, R9). A residual item that is edited becomes
    ``local``: the course now manages it (R6).
    """
    stype = setup_type_of(item=item, level=COURSE)
    cleaned = setup_values_clean(setup_type=stype, values=values, partial=True)
    with transaction.atomic():
        course = _lock_course(Course(pk=item.course_id))
        _require_school_rights(user, course, f"edit course {course.number}")
        item = _lock_item(stype, item)
        pushed = item.state in (LINKED, UNLINKED)
        describe = setup_item_describe(setup_type=stype, item=item)
        old_children = list(item.children) if stype is COMPOSITE_GRADES else None
        before = setup_item_values(setup_type=stype, item=item)
        changed = setup_values_assign(setup_type=stype, item=item, values=cleaned)
        if not changed:
            return item
        weights_own = not course_type_locked(course=course, lock="composite_weights")
        if pushed and course_type_locked(course=course, lock=stype.lock):
            # R4: with composite grades locked and weights unlocked, the weights are the course's own.
            weights_only = (
                stype is COMPOSITE_GRADES
                and changed == ["children"]
                and weights_own
                and [c["item"] for c in old_children] == [c["item"] for c in item.children]
            )
            if not weights_only:
                raise LockedError(course_item_locked_message(course=course, setup_type=stype, describe=describe))
        if set(changed) & set(stype.key_fields):
            _check_key_free(stype, item, course)
        _check_term(stype, item, course)
        composites_refuse_cycle(setup_type=stype, item=item, queryset=stype.model(COURSE).objects.filter(course=course))
        fields = list(changed)
        new_state = item.state
        if pushed:
            # Compared with the master item it came from; weights only where the master owns them.
            in_step = item.source is not None and setup_values_equal(
                setup_type=stype, a=item, b=item.source, weights=not weights_own
            )
            new_state = LINKED if in_step else UNLINKED
        elif item.state == RESIDUAL:
            new_state = LOCAL
        if new_state != item.state:
            item.state = new_state
            fields.append("state")
        item.save(update_fields=fields)
        history_setup_item(
            user=user, level=COURSE, owner=course, setup_type=stype, item=item, change=UPDATED, before=before
        )
    return item


def course_item_delete(*, user: User, item) -> None:
    """Delete a course item. A pushed item of a locked type is refused (R3). Deleting a pushed item
    while its type is unlocked is remembered (``desynced_types``): the course is desynced once the
    type is locked again, until an overwrite push restores the item (R9, R15)."""
    stype = setup_type_of(item=item, level=COURSE)
    with transaction.atomic():
        course = _lock_course(Course(pk=item.course_id))
        _require_school_rights(user, course, f"edit course {course.number}")
        item = _lock_item(stype, item)
        describe = setup_item_describe(setup_type=stype, item=item)
        pushed = item.state in (LINKED, UNLINKED)
        if pushed and course_type_locked(course=course, lock=stype.lock):
            raise LockedError(
                course_item_locked_message(course=course, setup_type=stype, describe=describe, action="deleted")
            )
        # An item whose master item is already gone was going away at the next push anyway:
        # deleting it breaks nothing. (Only pushed items have a source: the models' check constraint.)
        if item.source_id is not None and stype.name not in course.desynced_types:
            course.desynced_types = [*course.desynced_types, stype.name]
            course.save(update_fields=["desynced_types"])
        history_setup_item(user=user, level=COURSE, owner=course, setup_type=stype, item=item, change=REMOVED)
        item.delete()


# ---------------------------------------------------------------------------
# Link to a master, Ignore Master Push
# ---------------------------------------------------------------------------


def _make_pushed_items_local(course: Course, user: User) -> list:
    """The course's pushed items become its own, and its remembered deletions are forgotten
    (R7, R9); their History records (R74), unsaved: a few queries per type, none per item."""
    at = timezone.now()
    records = []
    for stype in SETUP_TYPES:
        pushed = stype.model(COURSE).objects.filter(course=course, state__in=[LINKED, UNLINKED])
        for item in setup_items_loaded(pushed, stype):
            before = setup_item_values(setup_type=stype, item=item)
            item.state = LOCAL
            records.append(
                history_setup_item_build(
                    user=user,
                    level=COURSE,
                    owner=course,
                    setup_type=stype,
                    item=item,
                    change=UPDATED,
                    before=before,
                    at=at,
                )
            )
        pushed.update(state=LOCAL, source=None)
    return records + history_remembered_deletions_build(user=user, course=course, forgotten=True, at=at)


def course_link_set(*, user: User, course: Course, master: CourseMaster | None) -> Course:
    """Link a course to a master of its school's catalog, or unlink it (``master=None``).

    Linking changes no item: everything the master has is awaiting push (R7). Unlinking, or
    moving to another master, makes the items pushed from the old master local (R7) and forgets
    the deletions remembered against it (R9).
    """
    with transaction.atomic():
        course = _lock_course(course)
        _require_school_rights(user, course, f"link course {course.number}")
        if master is not None:
            catalog = _catalog(course)
            school = course.calendar.school
            if catalog is None:
                raise InputError(f"school {school.number} {school.name} uses no course catalog: link its courses later")
            if master.catalog_id != catalog.pk:
                raise InputError(
                    f'course master {master.number} is in catalog "{master.catalog.name}", but course '
                    f"{course.number} belongs to school {school.number} {school.name}, "
                    f'which uses catalog "{catalog.name}"'
                )
        new_master_id = master.pk if master is not None else None
        if new_master_id == course.master_id:
            return course
        made_local = _make_pushed_items_local(course, user) if course.master_id is not None else []
        change = MASTER_LINKED if course.master_id is None else MASTER_UNLINKED if master is None else MASTER_RELINKED
        before = {"master": course.master.number if course.master_id is not None else None}
        after = {"master": master.number if master is not None else None}
        history_record(
            user=user, level=COURSE, obj=course, data_type=MASTER_LINK, change=change, before=before, after=after
        )
        history_records_write(made_local)
        course.master = master
        course.desynced_types = []
        course.save(update_fields=["master", "desynced_types"])
    return course


def course_ignore_master_push_set(*, user: User, course: Course, ignore: bool) -> Course:
    """Mark or clear Ignore Master Push: a marked course receives nothing from any master push (R11)."""
    if not isinstance(ignore, bool):
        raise InputError(f"ignore master push: {ignore!r} is not true or false")
    with transaction.atomic():
        course = _lock_course(course)
        _require_school_rights(user, course, f"edit course {course.number}")
        if course.ignore_master_push != ignore:
            history_record(
                user=user,
                level=COURSE,
                obj=course,
                data_type=IGNORE_MASTER_PUSH,
                change=UPDATED,
                before={"ignore_master_push": course.ignore_master_push},
                after={"ignore_master_push": ignore},
            )
            course.ignore_master_push = ignore
            course.save(update_fields=["ignore_master_push"])
    return course
