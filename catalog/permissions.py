"""Who may do what (rules.md section 1). Every view and command asks here."""

from .models import School, User


def can_manage_district(user: User) -> bool:
    """Catalogs, locks, course masters, Push All Course Masters, every report."""
    return user.is_authenticated and user.is_active and user.is_district_admin


def can_manage_school(user: User, school: School | int) -> bool:
    """A school's courses and sections, Push All Courses and Push to Sections for its calendars."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_district_admin:
        return True
    if not user.is_school_admin:
        return False
    school_id = school.pk if isinstance(school, School) else school
    return user.schools.filter(pk=school_id).exists()


def can_view_section(user: User, section) -> bool:
    """A teacher sees their own sections; admins see the sections of the schools they manage."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_teacher:
        return section.teacher_id == user.pk
    return can_manage_school(user, section.course.calendar.school_id)


def managed_school_ids(user: User) -> list[int] | None:
    """The schools a user manages; None means every school (district admins)."""
    if user.is_district_admin:
        return None
    if user.is_school_admin:
        return list(user.schools.values_list("pk", flat=True))
    return []
