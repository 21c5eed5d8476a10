"""Celery tasks of the batch queue: thin, ids only, the work is in ``pushjobs.dispatch`` and
``pushjobs.worker``.

Messages are only hints ("look at job N"); the PushJob row is the truth, so a
duplicate or lost message does no harm (the tick re-sends what is lost).
Settings give every task ``acks_late`` and a prefetch of one. The services send these by
name (``pushjobs.messages``), so nothing they import imports this module.
"""

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .dispatch import batch_tick_run, push_job_claim
from .grade_impact import job_grade_impact_store
from .messages import BATCH_TICK, JOB_GRADE_IMPACT, PUSH_JOB_START, PUSH_JOB_STEP, grade_impact_send, runs_in_process
from .models import PushJob
from .worker import push_job_prepare, push_job_work_chunk


@shared_task(name=BATCH_TICK, ignore_result=True)
def batch_tick() -> None:
    """Beat, every settings.BATCH_TICK_SECONDS: dispatch due jobs, hand back stale work, clean up."""
    batch_tick_run()


@shared_task(name=PUSH_JOB_START, ignore_result=True)
def push_job_start(job_id: int, token: str, priority: int) -> None:
    if not push_job_claim(job_id=job_id, token=token):
        return
    if push_job_step.app.conf.task_always_eager:
        _push_job_continue(job_id, priority)
        return
    # One job, all workers: its chunks go to up to PUSH_JOB_WORKERS workers at once, each one
    # chunk after another; a Run Now of another job still finds a worker between chunks.
    pending = push_job_prepare(job_id=job_id)
    for _ in range(max(1, min(pending, settings.PUSH_JOB_WORKERS))):
        push_job_step.apply_async_on_commit((job_id, priority), priority=priority)


@shared_task(name=PUSH_JOB_STEP, ignore_result=True)
def push_job_step(job_id: int, priority: int) -> None:
    _push_job_continue(job_id, priority)


def _push_job_continue(job_id: int, priority: int) -> None:
    """One chunk per message, so other jobs' messages (a Run Now) get a worker between chunks.

    Without a broker (development) tasks run in this process: there, loop instead of
    sending a message per chunk, which would nest one call per chunk.
    """
    if push_job_step.app.conf.task_always_eager:
        while push_job_work_chunk(job_id=job_id):
            pass
        return
    if push_job_work_chunk(job_id=job_id):
        push_job_step.apply_async_on_commit((job_id, priority), priority=priority)


@shared_task(name=JOB_GRADE_IMPACT, ignore_result=True)
def job_grade_impact_work_out(job_id: int) -> None:
    """R83: work out and store a finished job's grade impact (``pushjobs.grade_impact``), once.

    It can hold a worker for minutes (a first push of a large district moves over a million
    grades), so on a worker it waits while a push is running or due, asking again a tick later:
    a push never waits for a worker that works out an impact. In process there is no worker to keep.
    """
    if not runs_in_process() and _pushes_waiting():
        grade_impact_send(job_id, countdown=settings.BATCH_TICK_SECONDS)
        return
    job_grade_impact_store(job_id=job_id)


def _pushes_waiting() -> bool:
    """A push is running, or on its way to a worker (a queued job waiting for batch processing to
    be switched on does not hold impacts back)."""
    sent = Q(status=PushJob.QUEUED, scheduled_for__lte=timezone.now()) & ~Q(dispatch_token="")
    return PushJob.objects.filter(Q(status=PushJob.PROCESSING) | sent).exists()
