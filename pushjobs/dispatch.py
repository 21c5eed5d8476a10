"""The batch queue's tick: which due jobs may run, the worker's claim, and the reaper (rules.md
R41, R42, R46).

1. ``push_job_dispatch_due`` (the beat tick) picks the due jobs that may run now (R41 conflicts,
   R42 switch) and sends each a start message carrying a fresh dispatch token.
2. ``push_job_claim`` (the worker) turns it into ``processing`` if the token still matches and
   nothing conflicting runs; ``pushjobs.worker`` then pushes its chunks.
3. ``push_job_reap_stale`` hands a chunk whose heartbeat went quiet (its worker died) back to the
   queue, and re-sends the message of a job that nobody works on (a lost message, e.g. Redis
   flushed).

The moves into ``processing`` are serialized on the district row (``queue_lock``), and every
status change is a compare-and-set, so two workers or two ticks cannot both win.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import District

from .messages import start_send, step_send
from .models import PushJob, PushJobChunk
from .submit import push_job_cleanup_expired


def queue_lock() -> District:
    """Serialize the moves into ``processing`` (dispatch, claim, inline start) on the district row,
    so a conflict check and the claim it guards cannot interleave with another's."""
    district = District.current()
    return District.objects.select_for_update().get(pk=district.pk)


def conflicting_processing(job: PushJob, *, earlier_only: bool = False) -> list[PushJob]:
    keys = set(job.conflict_keys)
    running = PushJob.objects.filter(status=PushJob.PROCESSING).exclude(pk=job.pk)
    found = [other for other in running if keys & set(other.conflict_keys)]
    if earlier_only:
        mine = (job.started_at, job.pk)
        found = [other for other in found if (other.started_at, other.pk) < mine]
    return found


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
        district = queue_lock()
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
                start_send(job, token)
    return [job.pk for job in to_send]


def push_job_claim(*, job_id: int, token: str) -> bool:
    """A worker takes a dispatched job: queued → processing, if its message is still the current one,
    batch processing is on and no conflicting job runs (R41, R42). False: leave it."""
    now = timezone.now()
    with transaction.atomic():
        district = queue_lock()
        job = PushJob.objects.filter(pk=job_id, status=PushJob.QUEUED, dispatch_token=token).first()
        if job is None:
            return False
        if not district.batch_processing_enabled or conflicting_processing(job):
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
                step_send(job_id, priority)
                sent.append(job_id)
    return sent


def batch_tick_run(*, now: datetime | None = None) -> None:
    """What the beat tick does: dispatch what is due, hand back stale work, clean up old jobs."""
    push_job_dispatch_due(now=now)
    push_job_reap_stale(now=now)
    push_job_cleanup_expired(now=now)
