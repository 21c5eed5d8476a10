"""The toolbar's year, school and calendar, kept in the user's session.

As in the original product, Push All Courses and the course lists work on the
calendar picked in the toolbar. Pages and tools read the pick with
``toolbar_selection(request)``; the toolbar form stores it with
``toolbar_select(request, ...)``. Only what the user may see can be picked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Calendar, School, SchoolYear, User
from .permissions import managed_school_ids

SESSION_KEY = "toolbar"


@dataclass(frozen=True)
class ToolbarSelection:
    year: SchoolYear | None
    school: School | None
    calendar: Calendar | None


def toolbar_schools(*, user: User) -> QuerySet[School]:
    """Schools the user may pick: every school for district admins, their own for school admins,
    for teachers the schools they belong to or teach a section in."""
    ids = managed_school_ids(user)
    if ids is None:
        return School.objects.all()
    if user.is_teacher:
        # Two small id lists, not an OR across joins: with DISTINCT over school x calendar x course
        # x section the planner read every section of the district (1.8 s at 200 schools).
        staff = User.schools.through.objects.filter(user_id=user.pk).values("school_id")
        taught = Calendar.objects.filter(courses__sections__teacher=user).values("school_id")
        return School.objects.filter(Q(pk__in=staff) | Q(pk__in=taught))
    return School.objects.filter(pk__in=ids)


def toolbar_calendars(*, user: User) -> QuerySet[Calendar]:
    return Calendar.objects.filter(school__in=toolbar_schools(user=user)).select_related("school", "year")


def _default_year() -> SchoolYear | None:
    today = timezone.localdate()
    return (
        SchoolYear.objects.filter(start__lte=today, end__gte=today).first()
        or SchoolYear.objects.order_by("-start").first()
    )


def toolbar_selection(request) -> ToolbarSelection:
    """The user's current pick, falling back to this school year and their first school."""
    user = request.user
    stored = request.session.get(SESSION_KEY) or {}
    schools = toolbar_schools(user=user)
    year = SchoolYear.objects.filter(pk=stored.get("year")).first() if stored.get("year") else _default_year()
    school = schools.filter(pk=stored.get("school")).first() if stored.get("school") else None
    if school is None and not stored:
        school = schools.first()
    calendar = None
    if year is not None and school is not None:
        calendar = Calendar.objects.filter(year=year, school=school).select_related("school", "year").first()
    return ToolbarSelection(year=year, school=school, calendar=calendar)


def toolbar_select(
    request, *, year: SchoolYear | None, school: School | None, calendar: Calendar | None = None
) -> ToolbarSelection:
    """Store a pick. A calendar names its year and school, so it wins over them."""
    if calendar is not None:
        year, school = calendar.year, calendar.school
    request.session[SESSION_KEY] = {"year": year.pk if year else None, "school": school.pk if school else None}
    return toolbar_selection(request)
