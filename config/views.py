"""The home page: what each role works on first, at a glance (issue 18)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse

from catalog.page_selectors import catalog_list
from catalog.permissions import managed_school_ids
from catalog.toolbar import toolbar_selection
from courses.page_selectors import course_list
from pushjobs.models import PushJob
from pushjobs.permissions import PushRights
from reports.dashboard import (
    STATE_LABELS,
    CatalogStates,
    course_states_by_school,
    courses_awaiting_section_push,
    residual_items_by_school,
    teacher_sections,
)
from reports.filters import COURSE_STATES

HOME_JOBS = 5
HOME_LIMIT = 50


@dataclass
class Segment:
    """One state's part of a school's bar: where it sits (in percent of the bar) and where it leads."""

    state: str
    label: str
    count: int
    x: float
    width: float
    url: str


@dataclass
class Bar:
    label: str
    total: int
    segments: list[Segment]
    summary: str


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _bars(catalog: CatalogStates, year_name: str) -> list[Bar]:
    audit = reverse("reports:course_audit")
    bars = []
    for school in catalog.schools:
        x, segments = 0.0, []
        for state in COURSE_STATES:
            n = school.counts[state]
            query = {"year": year_name, "catalog": catalog.name, "school": school.number, "state": state}
            width = 100.0 * n / school.total if school.total else 0.0
            segments.append(
                Segment(state, STATE_LABELS[state], n, round(x, 3), round(width, 3), f"{audit}?{urlencode(query)}")
            )
            x += width
        words = ", ".join(f"{s.count} {s.label.lower()}" for s in segments if s.count)
        bars.append(
            Bar(
                school.label,
                school.total,
                segments,
                f"{school.label}: {_count(school.total, 'course')}, {words or 'none'}",
            )
        )
    return bars


def _catalog_charts(year, school_ids) -> list[dict]:
    charts = []
    for catalog in course_states_by_school(year=year, school_ids=school_ids):
        counts = catalog.counts
        words = ", ".join(f"{counts[s]} {STATE_LABELS[s].lower()}" for s in COURSE_STATES if counts[s])
        charts.append(
            {
                "catalog": catalog,
                "bars": _bars(catalog, year.name),
                "states": [(s, STATE_LABELS[s], counts[s]) for s in COURSE_STATES],
                "summary": (
                    f"{_count(catalog.total, 'linked course')} in {_count(len(catalog.schools), 'school')}: {words}."
                ),
            }
        )
    return charts


def _jobs(user) -> tuple[list[PushJob], list[PushJob]]:
    """The next scheduled jobs and the last finished ones that the user may see (two queries)."""
    rights = PushRights.of(user)
    if not rights.active:
        return [], []
    jobs = PushJob.objects.select_related("requested_by").exclude(kind=PushJob.PREVIEW)
    if not rights.district:
        # The rule of pushjobs.permissions.PushRights.may_see_job, as a filter.
        mine = Q(requested_by=user)
        for school_id in sorted(rights.school_ids):
            mine |= Q(school_ids__contains=[school_id])
        jobs = jobs.filter(mine)
    upcoming = jobs.filter(status__in=[PushJob.QUEUED, PushJob.PROCESSING]).order_by("scheduled_for", "pk")
    finished = jobs.filter(status__in=PushJob.FINISHED_STATUSES).order_by("-finished_at", "-pk")
    return list(upcoming[:HOME_JOBS]), list(finished[:HOME_JOBS])


def home_view(request):
    user = request.user
    selection = toolbar_selection(request)
    year = selection.year
    context = {"selection": selection, "year": year}
    if user.is_district_admin or user.is_school_admin:
        school_ids = None if user.is_district_admin else tuple(sorted(managed_school_ids(user)))
        if year is not None:
            context["charts"] = _catalog_charts(year, school_ids)
            residual = residual_items_by_school(year=year, school_ids=school_ids)
            context["residual"] = residual
            context["residual_max"] = max((r.count for r in residual), default=0)
            if user.is_school_admin:
                context["awaiting_sections"] = courses_awaiting_section_push(year=year, school_ids=school_ids)
        if user.is_district_admin:
            context["catalogs"] = catalog_list()
        else:
            courses = course_list(calendar=None, school_ids=managed_school_ids(user), year=year)
            context["courses"] = courses[:HOME_LIMIT]
            context["course_total"] = courses.count()
        context["upcoming_jobs"], context["finished_jobs"] = _jobs(user)
        template = "home/district_admin.html" if user.is_district_admin else "home/school_admin.html"
    else:
        sections = teacher_sections(user=user, year=year)
        if year is not None and not sections:
            # Nothing in the toolbar's year (e.g. between years): show every year's sections.
            context["all_years"] = True
            sections = teacher_sections(user=user, year=None)
        context["sections"] = sections
        template = "home/teacher.html"
    return render(request, template, context)
