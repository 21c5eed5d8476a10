"""Reading the batch queue: the Batch Queue List (R43), a job, who may read its report (R44),
the switch (R42) and notifications (R45)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.errors import InputError
from catalog.limits import date_out_of_range
from catalog.models import District, User

from .models import Notification, PushJob, PushResultRow
from .permissions import PushRights, may_read_job_report, may_see_job

QUEUE_LIST_LIMIT = 50
QUEUE_LIST_DEFAULT_DAYS = 7


def batch_processing_enabled() -> bool:
    """The district's switch (R42). Pages and commands that submit or list jobs say so when it is off."""
    district = District.objects.order_by("pk").first()
    return district.batch_processing_enabled if district else True


BATCH_PROCESSING_OFF_MESSAGE = (
    "Batch processing is off: queued jobs wait until a district admin switches it on "
    "(pushes run without the queue still run)."
)


def queue_list_default_window(*, today: date | None = None) -> tuple[date, date]:
    """R43: a week either side of today."""
    today = today or timezone.localdate()
    return today - timedelta(days=QUEUE_LIST_DEFAULT_DAYS), today + timedelta(days=QUEUE_LIST_DEFAULT_DAYS)


def push_jobs_for_queue_list(*, user: User, start: date | None = None, end: date | None = None) -> list[PushJob]:
    """R43: the top 50 jobs scheduled between ``start`` and ``end`` (whole days, inclusive; default a
    week either side of today), newest first, that the user may see: district admins every job,
    others their own and those touching their schools."""
    default_start, default_end = queue_list_default_window()
    start, end = start or default_start, end or default_end
    for day, what in ((start, "the window's first day"), (end, "the window's last day")):
        problem = date_out_of_range(day, what)
        if problem:
            raise InputError(problem)
    if end < start:
        raise InputError(f"the window ends ({end}) before it starts ({start})")
    tz = timezone.get_current_timezone()
    jobs = PushJob.objects.filter(
        scheduled_for__gte=datetime.combine(start, time.min, tzinfo=tz),
        scheduled_for__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    ).select_related("requested_by")
    jobs = jobs.order_by("-scheduled_for", "-pk")
    rights = PushRights.of(user)
    if not rights.active:
        return []
    if rights.district:
        return list(jobs[:QUEUE_LIST_LIMIT])
    # One query, whatever the number of jobs: the job's own, or any touching a managed school
    # (the same rule as pushjobs.permissions.PushRights.may_see_job, as a filter).
    mine = Q(requested_by=user)
    for school_id in sorted(rights.school_ids):
        mine |= Q(school_ids__contains=[school_id])
    return list(jobs.filter(mine)[:QUEUE_LIST_LIMIT])


def push_job_detail(*, user: User, job_id: int) -> PushJob:
    """One job the user may see, or InputError naming it."""
    job = PushJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None or not may_see_job(user, job):
        raise InputError(f"no job {job_id}")
    return job


def push_job_report_allowed(*, user: User, job: PushJob) -> bool:
    """R44: the submitter, district admins, and school admins of the schools the job touched."""
    return may_read_job_report(user, job)


def push_job_for_report(*, user: User, job_id: int) -> PushJob:
    """A finished job whose report the user may download (R44); InputError or PermissionError otherwise."""
    job = PushJob.objects.select_related("requested_by").filter(pk=job_id).first()
    if job is None:
        raise InputError(f"no job {job_id}")
    if not push_job_report_allowed(user=user, job=job):
        raise PermissionError(f"{user.username} may not read the report of job {job_id}")
    if job.status not in (PushJob.COMPLETED, PushJob.FAILED):
        raise InputError(f"job {job_id} is {job.status}: its report is ready when it has run")
    return job


def push_job_result_rows(*, job: PushJob) -> Iterator[PushResultRow]:
    """The report's rows in order, streamed (a big push can have many)."""
    return PushResultRow.objects.filter(job=job).order_by("chunk_index", "position").iterator(chunk_size=2000)


def notifications_for_user(*, user: User, unread_only: bool = False, limit: int = 50) -> QuerySet[Notification]:
    found = Notification.objects.filter(user=user)
    if unread_only:
        found = found.filter(read=False)
    return found.order_by("-created_at", "-pk")[:limit]


def notifications_unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read=False).count()
