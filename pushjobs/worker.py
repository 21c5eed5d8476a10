"""Running a batch queue job (rules.md R42, R44, R46): its chunks, their heartbeat, its end.

A claimed job (``pushjobs.dispatch``) is split into chunks once (``push_job_prepare``); each
``push_job_work_chunk`` claims one chunk, pushes its courses and marks the chunk done in the
transaction that holds its writes (R46), while a heartbeat thread shows the chunk's worker is
alive. The last chunk finishes the job: summary, notification, email (R44, R45). A push command
without ``--batch`` runs its job here too, in its own process (``push_job_run_inline``).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.db.models import F
from django.utils import timezone

from catalog.errors import InputError
from catalog.models import User
from catalog.progress import ProgressCallback
from courses.models import Course
from pushjobs import engine
from pushjobs.engine import bulk
from pushjobs.engine.api import REPORT_COLUMNS, PushOutcome, ResultRow, Summary, UndoOptions, options_from_json
from pushjobs.engine.changes import changes_write

from . import permissions as job_permissions
from .change_choices import change_choices_keep
from .dispatch import conflicting_processing, queue_lock
from .grade_impact import job_grade_impact_request
from .messages import tick_request
from .models import PushJob, PushJobChunk, PushResultRow
from .notify import push_job_notify_finished, push_job_outcome
from .previews import preview_changes_write
from .submit import PushOptions, push_job_fields, push_permission_check
from .teacher_notices import teacher_notifications_create

logger = logging.getLogger(__name__)

# An unexpected error in a chunk (not a course failure, which the engine reports) is retried this many times.
CHUNK_MAX_ATTEMPTS = 3


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
        if conflicting_processing(job, earlier_only=True):
            PushJob.objects.filter(pk=job.pk).update(heartbeat_at=now)
            return False
        try:
            course_ids = list(engine.push_scope(options))
        except InputError as error:
            _push_job_fail_locked(job, str(error))
            return False
        PushJobChunk.objects.bulk_create(
            PushJobChunk(job=job, index=i, course_ids=ids)
            for i, ids in enumerate(engine.push_chunks(options, course_ids, max(settings.PUSH_CHUNK_SIZE, 1)))
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
    """The chunk's result rows, one COPY (no model instances: a chunk of a big push has thousands)."""
    bulk.insert_rows(
        PushResultRow,
        ("job_id", "chunk_index", "position", *REPORT_COLUMNS),
        [(job.pk, chunk_index, position, *row.as_list()) for position, row in enumerate(rows)],
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
            counted = PushJob.objects.filter(pk=job.pk).update(
                courses_done=F("courses_done") + len(chunk.course_ids),
                courses_failed=F("courses_failed") + outcome.summary.courses_failed,
                heartbeat_at=now,
            )
            if counted != 1 and job.kind == PushJob.PREVIEW:
                # The job was deleted meanwhile (it failed and someone removed it): no database
                # check of their job keeps its preview rows out (PreviewChange.job), this does.
                raise _ChunkTakenBack
    finally:
        heartbeat.stop()


def _query_log_forget() -> None:
    """With DEBUG on, Django keeps the text of the last 9,000 statements of a connection, which a
    web request forgets when it starts and a worker or command never does: a chunk's statements
    carry its rows (megabytes), so a big job's would pile up (issue 15). Forgotten before each
    chunk, as before each request; not while a test is counting them."""
    if settings.DEBUG and not connection.force_debug_cursor:
        reset_queries()


def push_job_work_chunk(*, job_id: int) -> bool:
    """Push the next chunk of a processing job. False: nothing left for this caller to take
    (the job finished, failed, or its last chunks are with other workers)."""
    job = PushJob.objects.filter(pk=job_id).first()
    if job is None or job.status != PushJob.PROCESSING:
        return False
    if not job.chunks_prepared and not _push_job_prepare(job):
        return False
    _query_log_forget()
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
        change_choices_keep(job)  # its change rows are final: the page's filter choices and counts
        if job.kind != PushJob.PREVIEW:  # a preview is watched on its page and changed nothing
            push_job_notify_finished(job)
            teacher_notifications_create(job)  # R75
        tick_request()  # a conflicting job may have waited for this one
        job_grade_impact_request(job)  # R83: worked out after this commits, by a follow-up task


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
        push_job_notify_finished(job)
        tick_request()
        job_grade_impact_request(job)  # R83: what its courses pushed moved


def _push_job_fail(job_id: int, error: str) -> None:
    """The job itself broke (R41 failed). Chunks already done stay done: their courses were pushed."""
    with transaction.atomic():
        job = PushJob.objects.select_for_update().filter(pk=job_id).first()
        if job is not None:
            _push_job_fail_locked(job, error)


# ---------------------------------------------------------------------------
# A push command without --batch (R42: the operator acting directly)
# ---------------------------------------------------------------------------


def push_job_run_inline(
    *,
    user: User,
    options: PushOptions,
    dry_run: bool = False,
    poll_seconds: float = 1.0,
    progress: ProgressCallback | None = None,
    read_rows: bool = True,
) -> tuple[PushJob | None, PushOutcome]:
    """Run a push now in this process, switch or not (R42), after any conflicting job that is
    processing; recorded in the Batch Queue List like any other job. Returns the job and its outcome.

    A dry run plans the push, writes nothing and records no job (there is nothing to list).
    If this process dies, the reaper hands the rest of the job to a worker (R46).
    ``read_rows=False``: the outcome's rows are not read back from the job (a big push has
    hundreds of thousands; the push commands stream them from the job to the report file).
    """
    push_permission_check(user, options)
    if dry_run:
        return None, engine.push_run(options, dry_run=True)
    engine.push_scope(options)
    now = timezone.now()
    with transaction.atomic():
        queue_lock()
        job = PushJob.objects.create(
            requested_by=user,
            options=options.to_json(),
            scheduled_for=now,
            status=PushJob.PROCESSING,
            inline=True,
            started_at=now,
            heartbeat_at=now,
            **push_job_fields(options),
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
    if not read_rows:
        return job, PushOutcome(summary=Summary(**job.summary) if job.summary else Summary())
    return job, push_job_outcome(job=job)


def push_job_undo_run(*, user: User, job_id: int, dry_run: bool = False) -> tuple[PushJob | None, PushOutcome]:
    """Undo a completed job now, in this process (a command without --batch); a dry run writes nothing."""
    return push_job_run_inline(user=user, options=UndoOptions(job=job_id), dry_run=dry_run)
