"""The History of one master, course or section (R74): its HistoryRecord rows (web forms,
commands, imports) and the change-log rows of the pushes and undos that touched it (R70), as
one list, newest first, filtered and paginated in SQL.

A course's History also holds the lock changes of its school's catalog and a master's those of
its own catalog (a lock takes effect on them at once, R5), and every import (an import may
touch any object: it is one record for the whole file).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BigIntegerField, Case, F, JSONField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import HistoryRecord
from coursemasters.models import CourseMaster
from courses.models import Course
from pushjobs.models import ChangeRow, PushJob
from sections.models import Section

MASTER, COURSE, SECTION = HistoryRecord.MASTER, HistoryRecord.COURSE, HistoryRecord.SECTION
PUSH, UNDO = "push", "undo"  # how a change-log row was made
RECORD, CHANGE = "record", "change"  # which table a row comes from
# Every row's columns, in this order, from both tables (a UNION needs one order).
COLUMNS = (
    "h_at",
    "h_source",
    "h_id",
    "h_how",
    "h_who",
    "h_level",
    "h_where",
    "h_data_type",
    "h_item",
    "h_change",
    "h_before",
    "h_after",
    "h_detail",
    "h_job",
)


@dataclass(frozen=True)
class HistoryFilters:
    since: datetime.date | None = None
    until: datetime.date | None = None
    how: str = ""
    who: str = ""
    data_type: str = ""


@dataclass(frozen=True)
class HistoryObject:
    """What a History is of: its level and object, and where its records can be."""

    level: str
    obj: object

    @property
    def catalog_pk(self) -> int | None:
        if self.level == MASTER:
            return self.obj.catalog_id
        if self.level == COURSE:
            return self.obj.calendar.school.catalog_id
        return None


def _local_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _records(target: HistoryObject, filters: HistoryFilters) -> QuerySet:
    where = Q(level=target.level, object_pk=target.obj.pk) | Q(level=HistoryRecord.DISTRICT)
    if target.catalog_pk is not None:
        where |= Q(level=HistoryRecord.CATALOG, object_pk=target.catalog_pk)
    qs = HistoryRecord.objects.filter(where).order_by()  # the union is sorted once, outside
    if filters.since:
        qs = qs.filter(at__gte=_local_day_start(filters.since))
    if filters.until:
        qs = qs.filter(at__lt=_local_day_start(filters.until + datetime.timedelta(days=1)))
    if filters.how:
        qs = qs.none() if filters.how in (PUSH, UNDO) else qs.filter(how=filters.how)
    if filters.who:
        qs = qs.filter(username=filters.who)
    if filters.data_type:
        qs = qs.filter(data_type=filters.data_type)
    return qs.annotate(
        h_at=F("at"),
        h_source=Value(RECORD),
        h_id=F("id"),
        h_how=F("how"),
        h_who=F("username"),
        h_level=F("level"),
        h_where=Case(When(level=HistoryRecord.CATALOG, then=F("catalog")), default=Value("")),
        h_data_type=F("data_type"),
        h_item=F("item"),
        h_change=F("change"),
        h_before=F("before"),
        h_after=F("after"),
        h_detail=F("detail"),
        h_job=Value(None, output_field=BigIntegerField()),
    ).values(*COLUMNS)


def _changes(target: HistoryObject, filters: HistoryFilters) -> QuerySet | None:
    if target.level == MASTER:
        return None  # a push changes courses and sections, never a master
    if target.level == COURSE:
        qs = ChangeRow.objects.filter(course_pk=target.obj.pk, level=COURSE)
    else:
        qs = ChangeRow.objects.filter(course_pk=target.obj.course_id, section_pk=target.obj.pk, level=SECTION)
    if filters.how:
        if filters.how not in (PUSH, UNDO):
            return None
        qs = qs.filter(job__kind=PushJob.UNDO) if filters.how == UNDO else qs.exclude(job__kind=PushJob.UNDO)
    if filters.who:
        qs = qs.filter(job__requested_by__username=filters.who)
    if filters.data_type:
        qs = qs.filter(data_type=filters.data_type)
    qs = qs.order_by().annotate(h_at=Coalesce(F("job__finished_at"), F("job__started_at"), F("job__created_at")))
    if filters.since:
        qs = qs.filter(h_at__gte=_local_day_start(filters.since))
    if filters.until:
        qs = qs.filter(h_at__lt=_local_day_start(filters.until + datetime.timedelta(days=1)))
    return qs.annotate(
        h_source=Value(CHANGE),
        h_id=F("id"),
        h_how=Case(When(job__kind=PushJob.UNDO, then=Value(UNDO)), default=Value(PUSH)),
        h_who=F("job__requested_by__username"),
        h_level=F("level"),
        h_where=F("section"),
        h_data_type=F("data_type"),
        h_item=F("item"),
        h_change=F("change"),
        h_before=F("before"),
        h_after=F("after"),
        h_detail=Value(None, output_field=JSONField()),
        h_job=F("job_id"),
    ).values(*COLUMNS)


def history_rows(*, target: HistoryObject, filters: HistoryFilters = HistoryFilters()) -> QuerySet:
    """Every change to the object, newest first (a queryset of dicts keyed by COLUMNS: slice it
    to page, the database sorts and limits)."""
    records = _records(target, filters)
    changes = _changes(target, filters)
    qs = records if changes is None else records.union(changes, all=True)
    return qs.order_by("-h_at", "-h_source", "-h_id")


def history_filter_choices(*, target: HistoryObject) -> dict[str, list[str]]:
    """The people and data types the object's History holds (for the filter's lists)."""
    empty = HistoryFilters()
    records = _records(target, empty).order_by()
    changes = _changes(target, empty)
    who = set(records.values_list("username", flat=True).distinct())
    types = set(records.values_list("data_type", flat=True).distinct())
    if changes is not None:
        who |= set(changes.order_by().values_list("job__requested_by__username", flat=True).distinct())
        types |= set(changes.order_by().values_list("data_type", flat=True).distinct())
    return {"who": sorted((w for w in who if w), key=str.lower), "data_type": sorted(t for t in types if t)}


def history_target(*, level: str, pk: int) -> HistoryObject | None:
    """The master, course or section whose History is asked for, with what rights checks read."""
    if level == MASTER:
        obj = CourseMaster.objects.select_related("catalog").filter(pk=pk).first()
    elif level == COURSE:
        obj = (
            Course.objects.select_related("calendar__school__catalog", "calendar__year", "master").filter(pk=pk).first()
        )
    else:
        obj = (
            Section.objects.select_related("course__calendar__school", "course__calendar__year", "teacher")
            .filter(pk=pk)
            .first()
        )
    return None if obj is None else HistoryObject(level=level, obj=obj)
