"""Reading sections: who manages a section's pushed categories (R22)."""

from __future__ import annotations

from courses.models import CourseItem

from .models import SectionCategory, SectionItem


def section_category_manager(*, category: SectionCategory) -> str | None:
    """Who manages a pushed (``linked``) section category, in words; None for the teacher's own.

    The district's course master when the course's category came from it, else the course.
    """
    if category.state != SectionItem.LINKED:
        return None
    course = category.section.course
    source = category.source
    if source is not None and source.state == CourseItem.LINKED and course.master_id:
        master = course.master
        return f"the district course master {master.number} ({master.name})"
    school = course.calendar.school
    return f"the course {course.number} ({course.name}) of school {school.number} {school.name}"


def section_category_lock_message(*, category: SectionCategory, action: str = "edited") -> str | None:
    """The refusal a teacher reads for a pushed category (R22), or None when it may be changed."""
    manager = section_category_manager(category=category)
    if manager is None:
        return None
    return (
        f"{category.name} is managed by {manager} and cannot be {action} in the section; "
        "ask your school or district administrator to change it there and push it."
    )
