"""What the report pages, downloads and the ``report`` command read: one of the four reports, and
what the filter forms offer and start from.

    report_get(filters=...) -> Report                                   one of the four reports
    report_reader_school_ids(user=...) -> school ids or None (all)      who may read them
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from catalog.models import Calendar, CourseCatalog, School, SchoolYear
from catalog.permissions import managed_school_ids
from coursemasters.models import CourseMaster

from .course_audit import CourseAuditReport
from .course_awaiting_push import CourseAwaitingPushReport
from .filters import COURSE_AUDIT, COURSE_AWAITING_PUSH, MASTER_AWAITING_PUSH, RESIDUAL, ReportFilters
from .master_awaiting_push import MasterAwaitingPushReport
from .report import Report
from .residual_report import ResidualReport


def report_reader_school_ids(user) -> tuple[int, ...] | None:
    """The schools the reader may see (None: all); teachers get a 403 that says why."""
    if not (user.is_authenticated and user.is_active) or user.is_teacher:
        raise PermissionDenied("Reports are for district and school administrators.")
    ids = managed_school_ids(user)
    return None if ids is None else tuple(ids)


def report_get(*, filters: ReportFilters) -> Report:
    return {
        MASTER_AWAITING_PUSH: MasterAwaitingPushReport,
        COURSE_AUDIT: CourseAuditReport,
        COURSE_AWAITING_PUSH: CourseAwaitingPushReport,
        RESIDUAL: ResidualReport,
    }[filters.kind](filters)


def report_choices(*, school_ids: tuple[int, ...] | None) -> dict[str, list]:
    """What the filter forms offer: years, catalogs, schools the reader may see, masters."""
    schools = School.objects.order_by("number")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    return {
        "years": list(SchoolYear.objects.order_by("-start").values_list("name", flat=True)),
        "catalogs": list(CourseCatalog.objects.order_by("name").values_list("name", flat=True)),
        "schools": list(schools.values_list("number", "name")),
    }


def report_masters(*, catalog: str) -> list[tuple[str, str]]:
    return list(CourseMaster.objects.filter(catalog__name=catalog).order_by("number").values_list("number", "name"))


def report_defaults(
    *, kind: str, school_ids: tuple[int, ...] | None, year: SchoolYear | None, school: School | None
) -> dict[str, str]:
    """What a report page shows before anyone filters: the toolbar's year (or the latest),
    the catalog of the toolbar's school (or the first one a calendar of that year uses), and
    for the per-calendar report the toolbar's school (or the first with a calendar that year)."""
    visible = Calendar.objects.all()
    if school_ids is not None:
        visible = visible.filter(school_id__in=school_ids)
    if year is None or not visible.filter(year=year).exists():
        # A year without calendars has nothing to report: the latest year that has some.
        year = (
            SchoolYear.objects.filter(calendars__in=visible).order_by("-start").first()
            or year
            or SchoolYear.objects.order_by("-start").first()
        )
    if year is None:
        return {}
    data = {"year": year.name}
    calendars = visible.filter(year=year).order_by("school__number")
    # The toolbar's school first, when it has what the report needs in that year.
    own = calendars.filter(school=school) if school is not None else calendars.none()
    if kind in (MASTER_AWAITING_PUSH, COURSE_AUDIT):
        names = "school__catalog__name"
        first = own.filter(school__catalog__isnull=False).values_list(names, flat=True).first()
        first = first or calendars.filter(school__catalog__isnull=False).values_list(names, flat=True).first()
        if first:
            data["catalog"] = first
    if kind == COURSE_AWAITING_PUSH:
        number = (own if own.exists() else calendars).values_list("school__number", flat=True).first()
        if number:
            data["school"] = number
    return data
