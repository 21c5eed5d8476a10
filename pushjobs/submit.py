"""Submitting and changing batch queue jobs (rules.md R40, R41, R42's switch).

Every push, however it starts (a web form's Run Now or Submit to Batch, a command with or without
``--batch``), is a PushJob row. This module records it (``push_job_submit``: validated at once,
R32) and moves a job that is not running: cancel, reschedule, restart, keep, delete, and the
retention clean-up. Status changes are compare-and-set updates (``filter(pk=..., status=QUEUED)
.update(...) == 1``), so a user's Cancel racing a worker's claim (``pushjobs.dispatch``) cannot
both win. Running a job is ``pushjobs.worker``; telling how it went is ``pushjobs.notify``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog import permissions
from catalog.errors import InputError
from catalog.limits import date_out_of_range
from catalog.models import District, School, User
from pushjobs import engine
from pushjobs.engine.api import (
    OVERWRITE,
    PUSH,
    CoursePushOptions,
    MasterPushOptions,
    UndoOptions,
    options_from_json,
)

from . import permissions as job_permissions
from .messages import tick_request
from .models import JobGradeChange, JobGradeImpact, PreviewChange, PushJob, PushJobChunk, PushResultRow
from .undo import undo_check, undo_describe

PushOptions = MasterPushOptions | CoursePushOptions | UndoOptions

# A scheduled time this close to now counts as "now": a form's "now" is a little old by the time it is posted.
PAST_GRACE = timedelta(minutes=1)


# ---------------------------------------------------------------------------
# Describing a push: scope fields, conflict keys, permission
# ---------------------------------------------------------------------------


def _school_by_number(number: str) -> School:
    school = School.objects.filter(number=number).first()
    if school is None:
        raise InputError(f'no school numbered "{number}"')
    return school


def push_job_fields(options: PushOptions) -> dict:
    """The PushJob fields that say what a push does, and the keys that make two jobs conflict (R41).

    Two master pushes conflict when they share catalog and year; a push that reaches a
    calendar's sections (a course push, or a master push with "push locked data to
    sections") conflicts with any other push reaching the same calendar's sections.
    """
    if isinstance(options, UndoOptions):
        return undo_describe(options)
    if isinstance(options, MasterPushOptions):
        schools = School.objects.filter(catalog__name=options.catalog, calendars__year__name=options.year)
        if options.calendars:
            schools = schools.filter(number__in=options.calendars)
        school_ids = sorted(set(schools.values_list("pk", flat=True)))
        keys = [f"catalog:{options.catalog}:{options.year}"]
        if options.to_sections:
            keys += [f"sections:{school_id}:{options.year}" for school_id in school_ids]
        return {
            "kind": PushJob.PUSH_COURSE_MASTER if options.master else PushJob.PUSH_ALL_COURSE_MASTERS,
            "year": options.year,
            "catalog": options.catalog,
            "master": options.master or "",
            "target": options.catalog,
            "mode": options.mode,
            "to_sections": options.to_sections,
            "data": sorted(options.data),
            "school_ids": school_ids,
            "conflict_keys": keys,
        }
    school = _school_by_number(options.school)
    return {
        "kind": PushJob.PUSH_COURSE_TO_SECTIONS if options.course else PushJob.PUSH_ALL_COURSES,
        "year": options.year,
        "school": school.number,
        "course": options.course or "",
        "target": str(school),
        "mode": OVERWRITE if options.overwrite_categories else PUSH,
        "to_sections": True,
        "data": sorted(options.data),
        "school_ids": [school.pk],
        "conflict_keys": [f"sections:{school.pk}:{options.year}"],
    }


def push_permission_check(user: User, options: PushOptions) -> None:
    """District admins push anything; school admins push courses of their schools to sections; teachers nothing."""
    if isinstance(options, UndoOptions):
        return undo_check(user, options)
    if isinstance(options, CoursePushOptions):
        _school_by_number(options.school)  # an unknown school is bad input (R32), not a refusal
    refusal = job_permissions.push_refusal(user, options)
    if refusal:
        raise PermissionError(refusal)


def _job_for_action(user: User, job_id: int) -> PushJob:
    """The job, if the user may act on it now (pushjobs.permissions: their present right to push it)."""
    job = PushJob.objects.filter(pk=job_id).first()
    if job is None:
        raise InputError(f"no job {job_id}")
    refusal = job_permissions.job_action_refusal(user, job)
    if refusal:
        raise PermissionError(f"{user.username} may not change job {job_id}: {refusal}")
    return job


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _scheduled_time_check(moment: datetime, now: datetime) -> datetime:
    # Before any time zone arithmetic: near year 9999 a shift to UTC overflows.
    problem = date_out_of_range(moment, "the scheduled time's date")
    if problem:
        raise InputError(problem)
    moment = _aware(moment)
    if moment < now - PAST_GRACE:
        shown = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
        raise InputError(f"the scheduled time {shown} is in the past")
    return moment


# ---------------------------------------------------------------------------
# Submitting and changing jobs (R40, R41)
# ---------------------------------------------------------------------------


def push_job_submit(
    *,
    user: User,
    options: PushOptions,
    scheduled_for: datetime | None = None,
    priority: str = PushJob.NORMAL,
    run_now: bool = False,
) -> PushJob:
    """Record a push in the batch queue (R40). Run Now: due at once, high priority.

    Submit to Batch: due at ``scheduled_for`` (default now). The options are checked against
    the database now (R32: InputError naming the problem, nothing recorded).
    """
    push_permission_check(user, options)
    now = timezone.now()
    if priority not in (PushJob.NORMAL, PushJob.HIGH):
        raise InputError(f'unknown priority "{priority}": use normal or high')
    if run_now:
        scheduled_for, priority = now, PushJob.HIGH
    elif scheduled_for is None:
        scheduled_for = now
    else:
        scheduled_for = _scheduled_time_check(scheduled_for, now)
    engine.push_scope(options)
    with transaction.atomic():
        job = PushJob.objects.create(
            requested_by=user,
            options=options.to_json(),
            scheduled_for=scheduled_for,
            priority=priority,
            **push_job_fields(options),
        )
        if scheduled_for <= now:
            tick_request()
    return job


def push_job_undo_submit(
    *, user: User, job_id: int, scheduled_for: datetime | None = None, run_now: bool = False
) -> PushJob:
    """Queue the undo of a completed job (R73), like a push's Submit to Batch or Run Now."""
    return push_job_submit(user=user, options=UndoOptions(job=job_id), scheduled_for=scheduled_for, run_now=run_now)


def push_job_cancel(*, user: User, job_id: int) -> PushJob:
    """Cancel a queued job (R41). A job that started cannot be canceled: its courses are being pushed."""
    job = _job_for_action(user, job_id)
    canceled = PushJob.objects.filter(pk=job.pk, status=PushJob.QUEUED).update(
        status=PushJob.CANCELED, finished_at=timezone.now(), dispatch_token="", canceled_by=user
    )
    if canceled != 1:
        job.refresh_from_db()
        raise InputError(f"job {job.pk} is {job.status}: only a queued job can be canceled")
    job.refresh_from_db()
    return job


def push_job_reschedule(*, user: User, job_id: int, scheduled_for: datetime) -> PushJob:
    """Move a queued job to another time (R41); a time in the past is refused (R32)."""
    job = _job_for_action(user, job_id)
    now = timezone.now()
    scheduled_for = _scheduled_time_check(scheduled_for, now)
    with transaction.atomic():
        moved = PushJob.objects.filter(pk=job.pk, status=PushJob.QUEUED).update(
            scheduled_for=scheduled_for, dispatch_token="", dispatched_at=None
        )
        if moved != 1:
            job.refresh_from_db()
            raise InputError(f"job {job.pk} is {job.status}: only a queued job can be rescheduled")
        if scheduled_for <= now:
            tick_request()
    job.refresh_from_db()
    return job


def push_job_restart(*, user: User, job_id: int) -> PushJob:
    """Queue a canceled or failed job again (R41): at its scheduled time when that is still ahead
    (a push canceled before its night-time run waits for the night again), else due now.

    The job runs again from the start with a fresh report: a push writes nothing that does
    not differ (R18), so courses a failed run already pushed come out unchanged. The one who
    restarts it becomes its submitter: they asked for this run, they are told how it went, and
    it runs on their present rights (a job whose submitter lost theirs can be restarted by
    someone who has them).
    """
    job = _job_for_action(user, job_id)
    options = options_from_json(job.options)
    engine.push_scope(options)  # the district may have changed since: refuse what no longer fits
    now = timezone.now()
    scheduled_for = max(job.scheduled_for, now)
    with transaction.atomic():
        restarted = PushJob.objects.filter(pk=job.pk, status__in=[PushJob.CANCELED, PushJob.FAILED]).update(
            requested_by=user,
            status=PushJob.QUEUED,
            scheduled_for=scheduled_for,
            canceled_by=None,
            inline=False,
            dispatch_token="",
            dispatched_at=None,
            courses_total=0,
            courses_done=0,
            courses_failed=0,
            chunks_prepared=False,
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
            summary={},
            error="",
            **{k: v for k, v in push_job_fields(options).items() if k in ("school_ids", "conflict_keys")},
        )
        if restarted != 1:
            job.refresh_from_db()
            raise InputError(f"job {job.pk} is {job.status}: only a canceled or failed job can be restarted")
        PushJobChunk.objects.filter(job=job).delete()
        PushResultRow.objects.filter(job=job).delete()
        # What the first run worked out goes with its report: a preview's rows (its chunks are all
        # worked again, so they would be there twice) and a push's grade impact (worked out again
        # at the new end). A push's change rows stay: they are what its first run changed.
        PreviewChange.objects.filter(job=job).delete()
        JobGradeChange.objects.filter(job=job).delete()
        JobGradeImpact.objects.filter(job=job).delete()
        if scheduled_for <= now:
            tick_request()
    job.refresh_from_db()
    return job


def push_job_keep_set(*, user: User, job_id: int, keep: bool) -> PushJob:
    """Keep a job and its report past the retention period (until someone deletes it), or stop keeping it."""
    job = _job_for_action(user, job_id)
    PushJob.objects.filter(pk=job.pk).update(keep_until_deleted=keep)
    job.refresh_from_db()
    return job


def push_job_delete(*, user: User, job_id: int) -> None:
    """Delete a finished job and its report (a queued one is canceled first; a running one cannot go)."""
    job = _job_for_action(user, job_id)
    deleted, _ = PushJob.objects.filter(pk=job.pk, status__in=PushJob.FINISHED_STATUSES).delete()
    if not deleted:
        raise InputError(f"job {job.pk} is {job.status}: only a finished job can be deleted")


def push_job_cleanup_expired(*, now: datetime | None = None) -> int:
    """Delete finished jobs older than settings.BATCH_RETENTION_DAYS, except those kept until deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.BATCH_RETENTION_DAYS)
    expired = PushJob.objects.filter(
        status__in=PushJob.FINISHED_STATUSES, finished_at__lt=cutoff, keep_until_deleted=False
    )
    # Chunks and result rows go with their job; notifications stay, pointing at nothing.
    count = expired.count()
    if count:
        expired.delete()
    return count


def batch_processing_set(*, user: User, enabled: bool) -> None:
    """Switch batch processing on or off for the district (R42). Switching on runs what waits.

    Off holds queued jobs only: a job that already started finishes.
    """
    if not permissions.can_manage_district(user):
        raise PermissionError(f"{user.username} may not switch batch processing: only district admins may")
    district = District.current()
    with transaction.atomic():
        District.objects.filter(pk=district.pk).update(batch_processing_enabled=enabled)
        if enabled:
            tick_request()
