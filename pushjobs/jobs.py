"""The batch queue's services (rules.md R40-R46).

Every push, however it starts (a web form's Run Now or Submit to Batch, a
command with or without ``--batch``), is a PushJob row, and these functions
are the only code that moves one. Status changes are compare-and-set updates
(``filter(pk=..., status=QUEUED).update(...) == 1``), so two workers, two
ticks or a user's Cancel racing a worker's claim cannot both win.

The life of a queued job:

1. ``push_job_submit`` records it (validated at once, R32).
2. ``push_job_dispatch_due`` (the beat tick) picks the due jobs that may run
   now (R41 conflicts, R42 switch) and sends each a start message carrying a
   fresh dispatch token.
3. ``push_job_claim`` (the worker) turns it into ``processing`` if the token
   still matches and nothing conflicting runs.
4. ``push_job_work_chunk`` pushes its chunks one at a time; each chunk is
   marked done in the transaction that holds its writes (R46), while a
   heartbeat thread shows the chunk's worker is alive.
5. The last chunk finishes the job: summary, notification, email (R44, R45).

``push_job_reap_stale`` hands a chunk whose heartbeat went quiet (its worker
died) back to the queue, and re-sends the message of a job that nobody works
on (a lost message, e.g. Redis flushed).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from catalog import permissions
from catalog.errors import InputError
from catalog.limits import date_out_of_range
from catalog.models import CourseCatalog, District, School, User
from catalog.progress import ProgressCallback
from courses.models import Course
from pushjobs import engine
from pushjobs.engine.api import (
    OVERWRITE,
    PUSH,
    CoursePushOptions,
    MasterPushOptions,
    PushOutcome,
    ResultRow,
    Summary,
    UndoOptions,
    options_from_json,
)
from pushjobs.engine.changes import changes_write

from . import permissions as job_permissions
from .models import Notification, PushJob, PushJobChunk, PushResultRow
from .previews import preview_changes_write
from .teacher_notices import teacher_notifications_create

logger = logging.getLogger(__name__)

PushOptions = MasterPushOptions | CoursePushOptions | UndoOptions

# A scheduled time this close to now counts as "now": a form's "now" is a little old by the time it is posted.
PAST_GRACE = timedelta(minutes=1)
# An unexpected error in a chunk (not a course failure, which the engine reports) is retried this many times.
CHUNK_MAX_ATTEMPTS = 3
# Broker priorities (Redis: the lower the sooner). Ticks are tiny and keep the queue moving.
TICK_PRIORITY, HIGH_PRIORITY, NORMAL_PRIORITY = 0, 3, 6


# ---------------------------------------------------------------------------
# Describing a push: scope fields, conflict keys, permission
# ---------------------------------------------------------------------------


def _school_by_number(number: str) -> School:
    school = School.objects.filter(number=number).first()
    if school is None:
        raise InputError(f'no school numbered "{number}"')
    return school


def _describe(options: PushOptions) -> dict:
    """The PushJob fields that say what a push does, and the keys that make two jobs conflict (R41).

    Two master pushes conflict when they share catalog and year; a push that reaches a
    calendar's sections (a course push, or a master push with "push locked data to
    sections") conflicts with any other push reaching the same calendar's sections.
    """
    if isinstance(options, UndoOptions):
        from .undo import undo_describe

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


def _check_may_push(user: User, options: PushOptions) -> None:
    """District admins push anything; school admins push courses of their schools to sections; teachers nothing."""
    if isinstance(options, UndoOptions):
        from .undo import undo_check

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
# Messages (sent after commit, so the worker sees the rows they name)
# ---------------------------------------------------------------------------


def broker_priority(priority: str) -> int:
    return HIGH_PRIORITY if priority == PushJob.HIGH else NORMAL_PRIORITY


def _request_tick() -> None:
    """Dispatch at once rather than at the next beat (a job became due, one finished, the switch went on)."""
    from . import tasks

    tasks.batch_tick.apply_async_on_commit(priority=TICK_PRIORITY)


def _send_start(job: PushJob, token: str) -> None:
    from . import tasks

    priority = broker_priority(job.priority)
    tasks.push_job_start.apply_async_on_commit((job.pk, token, priority), priority=priority)


def _send_step(job_id: int, priority: str) -> None:
    from . import tasks

    tasks.push_job_step.apply_async_on_commit((job_id, broker_priority(priority)), priority=broker_priority(priority))


def _queue_lock() -> District:
    """Serialize the moves into ``processing`` (dispatch, claim, inline start) on the district row,
    so a conflict check and the claim it guards cannot interleave with another's."""
    district = District.current()
    return District.objects.select_for_update().get(pk=district.pk)


def _conflicting_processing(job: PushJob, *, earlier_only: bool = False) -> list[PushJob]:
    keys = set(job.conflict_keys)
    running = PushJob.objects.filter(status=PushJob.PROCESSING).exclude(pk=job.pk)
    found = [other for other in running if keys & set(other.conflict_keys)]
    if earlier_only:
        mine = (job.started_at, job.pk)
        found = [other for other in found if (other.started_at, other.pk) < mine]
    return found


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
    _check_may_push(user, options)
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
            **_describe(options),
        )
        if scheduled_for <= now:
            _request_tick()
    return job


def push_job_cancel(*, user: User, job_id: int) -> PushJob:
    """Cancel a queued job (R41). A job that started cannot be canceled: its courses are being pushed."""
    job = _job_for_action(user, job_id)
    canceled = PushJob.objects.filter(pk=job.pk, status=PushJob.QUEUED).update(
        status=PushJob.CANCELED, finished_at=timezone.now(), dispatch_token=""
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
            _request_tick()
    job.refresh_from_db()
    return job


def push_job_restart(*, user: User, job_id: int) -> PushJob:
    """Queue a canceled or failed job again, due now (R41).

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
    with transaction.atomic():
        restarted = PushJob.objects.filter(pk=job.pk, status__in=[PushJob.CANCELED, PushJob.FAILED]).update(
            requested_by=user,
            status=PushJob.QUEUED,
            scheduled_for=now,
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
            **{k: v for k, v in _describe(options).items() if k in ("school_ids", "conflict_keys")},
        )
        if restarted != 1:
            job.refresh_from_db()
            raise InputError(f"job {job.pk} is {job.status}: only a canceled or failed job can be restarted")
        PushJobChunk.objects.filter(job=job).delete()
        PushResultRow.objects.filter(job=job).delete()
        _request_tick()
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
            _request_tick()


# ---------------------------------------------------------------------------
# The tick: dispatch, reap, clean up
# ---------------------------------------------------------------------------


def push_job_dispatch_due(*, now: datetime | None = None) -> list[int]:
    """Send a start message for every due queued job that may run now; the ids sent.

    R41: walking the due jobs in the order they became due, a job may run when it conflicts
    with no processing job and no job that became due before it. High priority only orders
    the messages of the jobs that may run, so it never overtakes a conflicting job. R42:
    nothing is sent while batch processing is off.
    """
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.BATCH_HEARTBEAT_STALE_SECONDS)
    with transaction.atomic():
        district = _queue_lock()
        if not district.batch_processing_enabled:
            return []
        busy: set[str] = set()
        for keys in PushJob.objects.filter(status=PushJob.PROCESSING).values_list("conflict_keys", flat=True):
            busy |= set(keys)
        may_run = []
        for job in PushJob.objects.filter(status=PushJob.QUEUED, scheduled_for__lte=now).order_by(
            "scheduled_for", "pk"
        ):
            keys = set(job.conflict_keys)
            if not keys & busy:
                may_run.append(job)
            busy |= keys  # a later job that conflicts with this one waits for it
        # A job whose start message went out recently is on its way; one sent long ago was lost.
        to_send = [job for job in may_run if not job.dispatch_token or job.dispatched_at < stale_before]
        to_send.sort(key=lambda job: (job.priority != PushJob.HIGH, job.scheduled_for, job.pk))
        for job in to_send:
            token = uuid.uuid4().hex
            if PushJob.objects.filter(pk=job.pk, status=PushJob.QUEUED).update(dispatch_token=token, dispatched_at=now):
                _send_start(job, token)
    return [job.pk for job in to_send]


def push_job_claim(*, job_id: int, token: str) -> bool:
    """A worker takes a dispatched job: queued → processing, if its message is still the current one,
    batch processing is on and no conflicting job runs (R41, R42). False: leave it."""
    now = timezone.now()
    with transaction.atomic():
        district = _queue_lock()
        job = PushJob.objects.filter(pk=job_id, status=PushJob.QUEUED, dispatch_token=token).first()
        if job is None:
            return False
        if not district.batch_processing_enabled or _conflicting_processing(job):
            # Back to waiting; the next tick sends it again when it may run.
            PushJob.objects.filter(pk=job.pk, dispatch_token=token).update(dispatch_token="", dispatched_at=None)
            return False
        return (
            PushJob.objects.filter(pk=job.pk, status=PushJob.QUEUED, dispatch_token=token).update(
                status=PushJob.PROCESSING, started_at=now, heartbeat_at=now, dispatch_token=""
            )
            == 1
        )


def push_job_reap_stale(*, now: datetime | None = None) -> list[int]:
    """Hand back work whose worker is gone (R46); the ids of the jobs sent on again.

    A running chunk whose heartbeat is older than settings.BATCH_HEARTBEAT_STALE_SECONDS goes
    back to pending (its worker died: its transaction rolled back, nothing of it was written).
    A processing job that nobody works on (no running chunk, a stale heartbeat: its message
    was lost, or its worker died between chunks) gets a new message.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.BATCH_HEARTBEAT_STALE_SECONDS)
    stale_chunks = PushJobChunk.objects.filter(
        status=PushJobChunk.RUNNING, heartbeat_at__lt=cutoff, job__status=PushJob.PROCESSING
    ).values_list("pk", "claim_token", "job_id")
    handed_back = set()
    for chunk_id, token, job_id in stale_chunks:
        if PushJobChunk.objects.filter(pk=chunk_id, status=PushJobChunk.RUNNING, claim_token=token).update(
            status=PushJobChunk.PENDING, claim_token="", last_error="its worker stopped answering"
        ):
            handed_back.add(job_id)
    idle = (
        PushJob.objects.filter(status=PushJob.PROCESSING)
        .exclude(chunks__status=PushJobChunk.RUNNING)
        .values_list("pk", "heartbeat_at", "priority")
    )
    sent = []
    for job_id, heartbeat_at, priority in idle:
        if job_id not in handed_back and heartbeat_at is not None and heartbeat_at >= cutoff:
            continue
        with transaction.atomic():
            # Compare-and-set on the heartbeat: one message per stale period, however many ticks race.
            if PushJob.objects.filter(pk=job_id, status=PushJob.PROCESSING, heartbeat_at=heartbeat_at).update(
                heartbeat_at=now
            ):
                _send_step(job_id, priority)
                sent.append(job_id)
    return sent


def batch_tick_run(*, now: datetime | None = None) -> None:
    """What the beat tick does: dispatch what is due, hand back stale work, clean up old jobs."""
    push_job_dispatch_due(now=now)
    push_job_reap_stale(now=now)
    push_job_cleanup_expired(now=now)


# ---------------------------------------------------------------------------
# Running a job
# ---------------------------------------------------------------------------


class _ChunkTakenBack(Exception):
    """This worker's claim on the chunk was handed to another (its heartbeat went stale)."""


class _Heartbeat(threading.Thread):
    """Shows the chunk's worker is alive while the chunk's transaction runs.

    It writes on its own database connection (Django gives each thread one), so its
    updates commit at once, outside the chunk's transaction.
    """

    def __init__(self, chunk_id: int, token: str):
        super().__init__(name=f"push-chunk-{chunk_id}-heartbeat", daemon=True)
        self.chunk_id, self.token = chunk_id, token
        self.interval = max(settings.BATCH_HEARTBEAT_STALE_SECONDS / 3, 0.2)
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(self.interval):
                PushJobChunk.objects.filter(
                    pk=self.chunk_id, status=PushJobChunk.RUNNING, claim_token=self.token
                ).update(heartbeat_at=timezone.now())
        except Exception:
            logger.exception("heartbeat of chunk %s stopped", self.chunk_id)
        finally:
            connection.close()

    def stop(self):
        self.stopped.set()
        self.join()


def _heartbeat_for(chunk: PushJobChunk, token: str) -> _Heartbeat:
    beat = _Heartbeat(chunk.pk, token)
    beat.start()
    return beat


def _push_job_prepare(job: PushJob) -> bool:
    """Split the job's courses into chunks once. False: not now (it waits for an earlier
    conflicting job, or it is no longer processing)."""
    options = options_from_json(job.options)
    now = timezone.now()
    with transaction.atomic():
        # A job that an import replacing the district took away has nothing left to do.
        job = PushJob.objects.select_for_update().filter(pk=job.pk).first()
        if job is None or job.status != PushJob.PROCESSING:
            return False
        if job.chunks_prepared:
            return True
        # The job runs on its submitter's rights as they are now, not as they were at submit.
        refusal = job_permissions.job_start_refusal(job)
        if refusal:
            _push_job_fail_locked(job, refusal)
            return False
        # Only a push command's own job can be here with an earlier conflicting job still
        # running (a worker's claim refuses that); it waits its turn (R42).
        if _conflicting_processing(job, earlier_only=True):
            PushJob.objects.filter(pk=job.pk).update(heartbeat_at=now)
            return False
        try:
            course_ids = list(engine.push_scope(options))
        except InputError as error:
            _push_job_fail_locked(job, str(error))
            return False
        PushJobChunk.objects.bulk_create(
            PushJobChunk(job=job, index=i, course_ids=ids)
            for i, ids in enumerate(_chunked(options, course_ids, max(settings.PUSH_CHUNK_SIZE, 1)))
        )
        school_ids = sorted(set(Course.objects.filter(pk__in=course_ids).values_list("calendar__school_id", flat=True)))
        PushJob.objects.filter(pk=job.pk).update(
            chunks_prepared=True,
            courses_total=len(course_ids),
            # The schools it touches (R44 report rights), beside those it could have.
            school_ids=sorted(set(job.school_ids) | set(school_ids)),
            heartbeat_at=now,
        )
    return True


def _chunked(options, course_ids: list[int], size: int) -> list[list[int]]:
    """The job's courses in chunks of ``size``. Chunks may run at once on several workers, so what
    must be decided together shares a chunk: when the push copies locked course numbers (R16),
    one calendar's courses (whose numbers may move onto each other) are never split."""
    if not _pushes_course_numbers(options):
        return [course_ids[start : start + size] for start in range(0, len(course_ids), size)]
    calendar_of = dict(Course.objects.filter(pk__in=course_ids).values_list("pk", "calendar_id"))
    by_calendar: dict[int, list[int]] = {}
    for course_id in course_ids:
        by_calendar.setdefault(calendar_of[course_id], []).append(course_id)
    chunks: list[list[int]] = []
    for ids in by_calendar.values():
        if chunks and len(chunks[-1]) + len(ids) <= size:
            chunks[-1].extend(ids)
        else:
            chunks.append(list(ids))
    return chunks


def _pushes_course_numbers(options) -> bool:
    if getattr(options, "catalog", None) is None or "course_info" not in getattr(options, "data", ()):
        return False
    catalog = CourseCatalog.objects.filter(name=options.catalog).first()
    return catalog is not None and "number" in (catalog.locked_attributes or [])


def push_job_prepare(*, job_id: int) -> int:
    """Split a processing job into chunks now (once); how many wait for a worker (0: none, or
    the job may not go on now). Lets the start hand the chunks to several workers at once."""
    job = PushJob.objects.filter(pk=job_id).first()
    if job is None or job.status != PushJob.PROCESSING:
        return 0
    if not job.chunks_prepared and not _push_job_prepare(job):
        return 0
    return PushJobChunk.objects.filter(job_id=job_id, status=PushJobChunk.PENDING).count()


def _chunk_claim(job: PushJob, token: str) -> PushJobChunk | None:
    while True:
        pending = list(
            PushJobChunk.objects.filter(job=job, status=PushJobChunk.PENDING)
            .order_by("index")
            .values_list("pk", flat=True)[:10]
        )
        if not pending:
            return None
        for chunk_id in pending:
            if PushJobChunk.objects.filter(pk=chunk_id, status=PushJobChunk.PENDING).update(
                status=PushJobChunk.RUNNING,
                claim_token=token,
                heartbeat_at=timezone.now(),
                attempts=F("attempts") + 1,
            ):
                return PushJobChunk.objects.get(pk=chunk_id)


def _result_rows_create(job: PushJob, chunk_index: int, rows: list[ResultRow]) -> None:
    PushResultRow.objects.bulk_create(
        PushResultRow(
            job=job,
            chunk_index=chunk_index,
            position=position,
            school=row.school,
            calendar=row.calendar,
            course=row.course,
            course_master=row.course_master,
            section=row.section,
            data_type=row.data_type,
            item=row.item,
            outcome=row.outcome,
            detail=row.detail,
        )
        for position, row in enumerate(rows)
    )


def _chunk_push(job: PushJob, chunk: PushJobChunk, token: str) -> None:
    """Push one chunk's courses and mark the chunk done in the same transaction (R46: exactly once)."""
    options = options_from_json(job.options)
    heartbeat = _heartbeat_for(chunk, token)
    try:
        with transaction.atomic():
            if job.kind == PushJob.PREVIEW:  # R71: the push run dry; what it would change is kept apart
                outcome = engine.push_chunk(options, chunk.course_ids, dry_run=True)
                preview_changes_write(job.pk, outcome.changes)
            else:
                outcome = engine.push_chunk(options, chunk.course_ids)
                changes_write(job.pk, outcome.changes)  # R70: in the transaction of the writes it records
            _result_rows_create(job, chunk.index, outcome.rows)
            now = timezone.now()
            marked = PushJobChunk.objects.filter(pk=chunk.pk, status=PushJobChunk.RUNNING, claim_token=token).update(
                status=PushJobChunk.DONE, summary=outcome.summary.to_json(), finished_at=now, last_error=""
            )
            if marked != 1:
                raise _ChunkTakenBack
            PushJob.objects.filter(pk=job.pk).update(
                courses_done=F("courses_done") + len(chunk.course_ids),
                courses_failed=F("courses_failed") + outcome.summary.courses_failed,
                heartbeat_at=now,
            )
    finally:
        heartbeat.stop()


def push_job_work_chunk(*, job_id: int) -> bool:
    """Push the next chunk of a processing job. False: nothing left for this caller to take
    (the job finished, failed, or its last chunks are with other workers)."""
    job = PushJob.objects.filter(pk=job_id).first()
    if job is None or job.status != PushJob.PROCESSING:
        return False
    if not job.chunks_prepared and not _push_job_prepare(job):
        return False
    token = uuid.uuid4().hex
    chunk = _chunk_claim(job, token)
    if chunk is None:
        _push_job_finish(job_id)
        return False
    try:
        _chunk_push(job, chunk, token)
    except _ChunkTakenBack:
        logger.warning("job %s chunk %s went to another worker; its work here rolled back", job_id, chunk.index)
    except InputError as error:
        # The options no longer fit the database (a catalog renamed since submit...): the job broke.
        _push_job_fail(job_id, str(error))
        return False
    except Exception as error:
        logger.exception("job %s chunk %s failed (attempt %s)", job_id, chunk.index, chunk.attempts)
        message = f"{type(error).__name__}: {error}"
        if chunk.attempts >= CHUNK_MAX_ATTEMPTS:
            _push_job_fail(
                job_id,
                f"{len(chunk.course_ids)} courses (part {chunk.index + 1} of the job) could not be pushed "
                f"after {chunk.attempts} attempts: {message}",
            )
            return False
        PushJobChunk.objects.filter(pk=chunk.pk, status=PushJobChunk.RUNNING, claim_token=token).update(
            status=PushJobChunk.PENDING, claim_token="", last_error=message
        )
    return True


def _summary_of_done_chunks(job: PushJob) -> Summary:
    summary = Summary()
    for chunk_summary in PushJobChunk.objects.filter(job=job, status=PushJobChunk.DONE).values_list(
        "summary", flat=True
    ):
        summary.add(Summary(**chunk_summary))
    return summary


def _push_job_finish(job_id: int) -> None:
    """Complete the job when every chunk is done: summary, notification (R44, R45)."""
    with transaction.atomic():
        job = PushJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != PushJob.PROCESSING or not job.chunks_prepared:
            return
        if job.chunks.exclude(status=PushJobChunk.DONE).exists():
            return
        summary = _summary_of_done_chunks(job)
        now = timezone.now()
        PushJob.objects.filter(pk=job.pk, status=PushJob.PROCESSING).update(
            status=PushJob.COMPLETED, finished_at=now, heartbeat_at=now, summary=summary.to_json()
        )
        job.refresh_from_db()
        if job.kind != PushJob.PREVIEW:  # a preview is watched on its page and changed nothing
            _notify_finished(job)
            teacher_notifications_create(job)  # R75
        _request_tick()  # a conflicting job may have waited for this one


def _push_job_fail_locked(job: PushJob, error: str) -> None:
    now = timezone.now()
    if PushJob.objects.filter(pk=job.pk, status=PushJob.PROCESSING).update(
        status=PushJob.FAILED,
        error=error,
        finished_at=now,
        heartbeat_at=now,
        summary=_summary_of_done_chunks(job).to_json(),
    ):
        job.refresh_from_db()
        _notify_finished(job)
        _request_tick()


def _push_job_fail(job_id: int, error: str) -> None:
    """The job itself broke (R41 failed). Chunks already done stay done: their courses were pushed."""
    with transaction.atomic():
        job = PushJob.objects.select_for_update().filter(pk=job_id).first()
        if job is not None:
            _push_job_fail_locked(job, error)


# ---------------------------------------------------------------------------
# Notifications (R45)
# ---------------------------------------------------------------------------


def _job_title(job: PushJob) -> str:
    what = job.get_kind_display()
    if job.master:
        what += f" (master {job.master})"
    if job.course:
        what += f" (course {job.course})"
    return f"{what}, {job.target} {job.year}"


def _notify_finished(job: PushJob) -> None:
    """Tell the submitter in the application, and by email after commit."""
    if job.status == PushJob.COMPLETED:
        summary = Summary(**job.summary)
        message = f"Job {job.pk} completed: {_job_title(job)}. {summary.line()}."
        if summary.courses_failed:
            message += " Some courses failed: Get the report in the Batch Queue List says why."
    else:
        message = f"Job {job.pk} failed: {_job_title(job)}. {job.error}"
    user = job.requested_by
    Notification.objects.create(user=user, job=job, message=message)
    if user.email:
        subject = f"Push job {job.pk} {job.status}: {_job_title(job)}"
        body = message + "\n\nThe result report is in the Batch Queue List (Get the report).\n"
        transaction.on_commit(lambda: _email(subject, body, user.email))


def _email(subject: str, body: str, address: str) -> None:
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        # The job's outcome is recorded and the in-app notification stands; a mail server
        # that is down must not turn a finished job into a failed one.
        logger.exception("could not email %s about a finished push job", address)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them (None); how many changed."""
    unread = Notification.objects.filter(user=user, read=False)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read=True)


# ---------------------------------------------------------------------------
# A push command without --batch (R42: the operator acting directly)
# ---------------------------------------------------------------------------


def push_job_outcome(*, job: PushJob) -> PushOutcome:
    """A finished job's outcome as the engine would have returned it: summary and report rows."""
    outcome = PushOutcome(summary=Summary(**job.summary) if job.summary else Summary())
    outcome.rows = [
        ResultRow(
            school=r.school,
            calendar=r.calendar,
            course=r.course,
            course_master=r.course_master,
            section=r.section,
            data_type=r.data_type,
            item=r.item,
            outcome=r.outcome,
            detail=r.detail,
        )
        for r in PushResultRow.objects.filter(job=job).order_by("chunk_index", "position")
    ]
    return outcome


def push_job_run_inline(
    *,
    user: User,
    options: PushOptions,
    dry_run: bool = False,
    poll_seconds: float = 1.0,
    progress: ProgressCallback | None = None,
) -> tuple[PushJob | None, PushOutcome]:
    """Run a push now in this process, switch or not (R42), after any conflicting job that is
    processing; recorded in the Batch Queue List like any other job. Returns the job and its outcome.

    A dry run plans the push, writes nothing and records no job (there is nothing to list).
    If this process dies, the reaper hands the rest of the job to a worker (R46).
    """
    _check_may_push(user, options)
    if dry_run:
        return None, engine.push_run(options, dry_run=True)
    engine.push_scope(options)
    now = timezone.now()
    with transaction.atomic():
        _queue_lock()
        job = PushJob.objects.create(
            requested_by=user,
            options=options.to_json(),
            scheduled_for=now,
            status=PushJob.PROCESSING,
            inline=True,
            started_at=now,
            heartbeat_at=now,
            **_describe(options),
        )
    try:
        while not _push_job_prepare(job):
            job.refresh_from_db()
            if job.status != PushJob.PROCESSING:
                break
            time.sleep(poll_seconds)
        while push_job_work_chunk(job_id=job.pk):
            if progress is not None:  # issue 18: courses done of the job's, after each chunk
                job.refresh_from_db(fields=["courses_done", "courses_total"])
                progress(f"{job.get_kind_display()}: courses", job.courses_done, job.courses_total)
        # The last chunks may be with a worker that took them over (this process was slow).
        while True:
            job.refresh_from_db()
            if job.is_finished:
                break
            _push_job_finish(job.pk)
            time.sleep(poll_seconds)
    except BaseException:
        # Ctrl-C or a crash of this command: what was pushed stays (each chunk is whole), the job says so.
        _push_job_fail(job.pk, "the push command stopped before the push finished; restart the job to finish it")
        raise
    job.refresh_from_db()
    return job, push_job_outcome(job=job)
