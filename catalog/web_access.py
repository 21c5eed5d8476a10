"""Access checks of the web pages, each refusal explained (the 403 page shows the reason).

The decisions themselves are catalog.permissions'; this only turns a "no" into a
PermissionDenied whose message tells the user why.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .permissions import can_manage_district, can_manage_school, can_view_section


def require_district_admin(user, what: str) -> None:
    if not can_manage_district(user):
        raise PermissionDenied(f"Only district administrators can open {what}.")


def require_course_access(user, course) -> None:
    """District admins open every course; school admins the courses of their schools."""
    if can_manage_school(user, course.calendar.school_id):
        return
    school = course.calendar.school
    if user.is_teacher:
        raise PermissionDenied(
            f"Course {course.number} is managed by the administrators of {school}. Teachers open their own "
            "sections instead."
        )
    raise PermissionDenied(f"Course {course.number} belongs to {school}, which is not one of your schools.")


def require_section_access(user, section) -> None:
    """Teachers open their own sections; admins the sections of schools they manage."""
    if can_view_section(user, section):
        return
    if user.is_teacher:
        raise PermissionDenied(
            f"Section {section} is taught by someone else: teachers can open only their own sections."
        )
    raise PermissionDenied(
        f"Section {section} belongs to {section.course.calendar.school}, which is not one of your schools."
    )
