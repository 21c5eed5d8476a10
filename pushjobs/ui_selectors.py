"""What the push tools' pages read beyond pushjobs.selectors: the choices of the forms (years,
catalogs, calendars), which jobs of a list the user may act on, and a job's result rows a page
at a time. Each is one or two queries, however many rows a list shows."""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils.functional import cached_property

from catalog.models import Calendar, CourseCatalog, SchoolYear, User

from .models import PushJob, PushResultRow
from .permissions import manageable_job_ids


def push_tool_years() -> QuerySet[SchoolYear]:
    """Years that have a calendar whose school uses a catalog: the years a master push can name."""
    return SchoolYear.objects.filter(calendars__school__catalog__isnull=False).distinct().order_by("start")


def push_tool_catalogs(*, year: SchoolYear | None) -> QuerySet[CourseCatalog]:
    """The tool's "Select Course Catalog": catalogs used by a school that has a calendar in the year."""
    if year is None:
        return CourseCatalog.objects.none()
    return CourseCatalog.objects.filter(schools__calendars__year=year).distinct().order_by("name")


def push_tool_calendars(*, year: SchoolYear | None, catalog: CourseCatalog | None = None) -> QuerySet[Calendar]:
    """The year's calendars whose school uses a catalog (``catalog``: that one), by school number."""
    if year is None:
        return Calendar.objects.none()
    calendars = Calendar.objects.filter(year=year, school__catalog__isnull=False)
    if catalog is not None:
        calendars = calendars.filter(school__catalog=catalog)
    return calendars.select_related("school", "school__catalog", "year").order_by("school__number")


def push_tool_years_for_catalog(*, catalog: CourseCatalog) -> QuerySet[SchoolYear]:
    """Push to Courses: the years in which a school using the master's catalog has a calendar."""
    return SchoolYear.objects.filter(calendars__school__catalog=catalog).distinct().order_by("start")


def push_jobs_manageable_ids(*, user: User, jobs: list[PushJob]) -> set[int]:
    """Of these jobs, those the user may cancel, reschedule or restart now (pushjobs.permissions, the
    same rule the services enforce). Used to show only the buttons that will work; one query."""
    return manageable_job_ids(user, jobs)


def push_job_get(*, pk: int) -> PushJob | None:
    return PushJob.objects.select_related("requested_by").filter(pk=pk).first()


def push_job_result_rows_queryset(*, job: PushJob) -> QuerySet[PushResultRow]:
    """A job's report rows in report order, for a paginated page."""
    return PushResultRow.objects.filter(job=job).order_by("chunk_index", "position")


def push_job_outcome_counts(*, job: PushJob) -> list[tuple[str, int]]:
    """How many report rows of each outcome, most frequent first."""
    rows = PushResultRow.objects.filter(job=job).values("outcome").annotate(n=Count("pk")).order_by("-n", "outcome")
    return [(row["outcome"], row["n"]) for row in rows]


CHANGE_FILTERS = ("school", "course", "data_type", "change")


def change_rows_filtered(rows: QuerySet, *, filters: dict[str, str]) -> QuerySet:
    """A job's change rows (ChangeRow, or a preview's PreviewChange) meeting the page's filters, in log order."""
    return rows.filter(**{name: value for name, value in filters.items() if name in CHANGE_FILTERS}).order_by("pk")


def change_filter_counts(rows: QuerySet) -> dict:
    """The values each filter can take, those the rows hold, each in the database's order with how
    many rows hold it, and the rows' total: ``{"rows": n, "values": {filter: [[value, n], ...]}}``.

    One pass over the job's rows for all four filters and the total (GROUPING SETS), not one per
    filter: a large first push's job holds about a million rows, and reading them four times was
    most of its page's time. A finished job's counts are kept with it (pushjobs.change_choices).
    """
    found: dict = {"rows": 0, "values": {name: [] for name in CHANGE_FILTERS}}
    try:
        sql, params = rows.order_by().values(*CHANGE_FILTERS).query.sql_with_params()
    except EmptyResultSet:  # rows.none(): nothing to choose from
        return found
    columns = ", ".join(CHANGE_FILTERS)
    sets = ", ".join(f"({name})" for name in CHANGE_FILTERS)
    # GROUPING() sets the bit of every filter but the row's own (the last filter is bit 0), and
    # every bit for the empty set: the total.
    every = (1 << len(CHANGE_FILTERS)) - 1
    own = {every ^ (1 << (len(CHANGE_FILTERS) - 1 - i)): i for i in range(len(CHANGE_FILTERS))}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, GROUPING({columns}) AS filter, COUNT(*) FROM ({sql}) AS rows"
            f" GROUP BY GROUPING SETS ({sets}, ()) ORDER BY filter, {columns}",
            params,
        )
        for *values, grouping, n in cursor.fetchall():
            if grouping == every:
                found["rows"] = n
                continue
            index = own[grouping]
            found["values"][CHANGE_FILTERS[index]].append([values[index], n])
    return found


class ChangeRowsPaginator(Paginator):
    """Django's pages of change rows (page numbers, "Page X of Y"), for a job's million rows.

    ``count``: the rows' count when it is known (kept with the job's choices), else a COUNT(*). A
    page reads its rows' ids first, from whichever end of the log is nearer: an index-only read of
    (job, id), or (job, change, id) for one change, instead of an OFFSET that fetched every row
    before the page; so the last page of a million rows costs what the first does.
    """

    def __init__(self, rows: QuerySet, per_page: int, *, count: int | None = None):
        super().__init__(rows.order_by("pk"), per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return super().count if self.known_count is None else self.known_count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self._rows_between(bottom, top), number, self)

    def _rows_between(self, bottom: int, top: int) -> list:
        if bottom >= top:
            return []
        rows = self.object_list
        if bottom <= self.count - top:
            ids = rows.values("pk")[bottom:top]
        else:  # nearer the end: the same rows counted from the last one back
            ids = rows.order_by("-pk").values("pk")[self.count - top : self.count - bottom]
        return list(rows.filter(pk__in=ids))
