"""Editing a section's own grading setup: the teacher's categories.

Categories pushed to the section are locked for everyone (R22); the teacher's
own are theirs to change. Nothing here deletes teacher data: a category that
holds assignments cannot be deleted (R30).
"""

from __future__ import annotations

from django.db import transaction

from catalog.errors import InputError, LockedError
from catalog.history import CREATED, REMOVED, UPDATED, history_setup_item, setup_item_values
from catalog.models import User
from catalog.permissions import can_view_section
from catalog.services import setup_key_taken, setup_values_assign, setup_values_clean
from catalog.setup_types import CATEGORIES, SECTION
from courses.models import Course

from .models import Section, SectionCategory, SectionItem
from .selectors import section_category_lock_message


def _lock(section_id: int) -> Section:
    # The course row lock is what the push engine takes for a course and its sections,
    # so a teacher's edit lands wholly before or after a push.
    section = Section.objects.select_related("course__calendar__school", "course__master").get(pk=section_id)
    Course.objects.select_for_update().filter(pk=section.course_id).exists()
    return section


def _require_rights(user: User, section: Section) -> None:
    # The section's teacher, or an administrator of its school.
    if not can_view_section(user, section):
        raise PermissionError(f"{user.username} may not edit the grading setup of section {section}")


def _check_name_free(category: SectionCategory, section: Section) -> None:
    qs = SectionCategory.objects.filter(section=section)
    if setup_key_taken(setup_type=CATEGORIES, queryset=qs, item=category):
        raise InputError(f'section {section} already has a category named "{category.name}" (names ignore case)')


def section_category_create(*, user: User, section: Section, values: dict) -> SectionCategory:
    """A category of the teacher's own (state ``teacher``); its name must be free in the section."""
    cleaned = setup_values_clean(setup_type=CATEGORIES, values=values)
    with transaction.atomic():
        section = _lock(section.pk)
        _require_rights(user, section)
        category = SectionCategory(section=section, state=SectionItem.TEACHER)
        setup_values_assign(setup_type=CATEGORIES, item=category, values=cleaned)
        _check_name_free(category, section)
        category.save()
        history_setup_item(
            user=user, level=SECTION, owner=section, setup_type=CATEGORIES, item=category, change=CREATED
        )
    return category


def _locked_category(category_id: int) -> tuple[SectionCategory, Section]:
    category = SectionCategory.objects.select_related("source").get(pk=category_id)
    section = _lock(category.section_id)
    category = (
        SectionCategory.objects.select_for_update(of=("self",))
        .select_related("source", "section__course__calendar__school", "section__course__master")
        .get(pk=category_id)
    )
    return category, section


def section_category_update(*, user: User, category: SectionCategory, values: dict) -> SectionCategory:
    """Change a category of the section. A pushed category is refused, saying who manages it (R22).
    A residual category that is edited becomes the teacher's own."""
    cleaned = setup_values_clean(setup_type=CATEGORIES, values=values, partial=True)
    with transaction.atomic():
        category, section = _locked_category(category.pk)
        _require_rights(user, section)
        message = section_category_lock_message(category=category, action="edited")
        if message:
            raise LockedError(message)
        before = setup_item_values(setup_type=CATEGORIES, item=category)
        changed = setup_values_assign(setup_type=CATEGORIES, item=category, values=cleaned)
        if not changed:
            return category
        if "name" in changed:
            _check_name_free(category, section)
        if category.state == SectionItem.RESIDUAL:
            category.state = SectionItem.TEACHER
            changed.append("state")
        category.save(update_fields=changed)
        history_setup_item(
            user=user, level=SECTION, owner=section, setup_type=CATEGORIES, item=category, change=UPDATED, before=before
        )
    return category


def section_category_delete(*, user: User, category: SectionCategory) -> None:
    """Delete a category of the section. A pushed one is refused (R22), and so is one that holds
    assignments: the teacher moves them first, so no teacher data is lost (R30)."""
    with transaction.atomic():
        category, section = _locked_category(category.pk)
        _require_rights(user, section)
        message = section_category_lock_message(category=category, action="deleted")
        if message:
            raise LockedError(message)
        assignments = category.assignments.count()
        if assignments:
            raise InputError(
                f'category "{category.name}" of section {section} has {assignments} '
                f"assignment{'s' if assignments != 1 else ''}: move {'them' if assignments != 1 else 'it'} "
                "to another category first (teacher data is never deleted)"
            )
        history_setup_item(
            user=user, level=SECTION, owner=section, setup_type=CATEGORIES, item=category, change=REMOVED
        )
        category.delete()
