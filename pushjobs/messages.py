"""The batch queue's messages to its workers, sent after commit so the worker sees the rows they name.

The tasks (``pushjobs.tasks``) call the services that send these, so the services name the tasks
by their registered name instead of importing them. ``app.signature(name)`` finds the registered
task, so without a broker (development) the message still runs in this process
(``task_always_eager``), as the task's own ``apply_async`` would.
"""

from __future__ import annotations

from celery import current_app
from django.db import transaction

from .models import PushJob

BATCH_TICK = "pushjobs.batch_tick"
PUSH_JOB_START = "pushjobs.push_job_start"
PUSH_JOB_STEP = "pushjobs.push_job_step"
JOB_GRADE_IMPACT = "pushjobs.job_grade_impact_work_out"

# Broker priorities (Redis: the lower the sooner). Ticks are tiny and keep the queue moving.
TICK_PRIORITY, HIGH_PRIORITY, NORMAL_PRIORITY = 0, 3, 6
# A finished job's follow-up work (its grade impact) comes after every push's messages.
FOLLOW_UP_PRIORITY = 9


def broker_priority(priority: str) -> int:
    return HIGH_PRIORITY if priority == PushJob.HIGH else NORMAL_PRIORITY


def _send_on_commit(task_name: str, args: tuple, priority: int, countdown: float | None = None) -> None:
    signature = current_app.signature(task_name, args=args, priority=priority, countdown=countdown)
    transaction.on_commit(signature.apply_async)


def runs_in_process() -> bool:
    """No broker (development, tests, the bench's in-process steps): a message runs in the process
    that sends it, when its transaction commits."""
    return bool(current_app.conf.task_always_eager)


def tick_request() -> None:
    """Dispatch at once rather than at the next beat (a job became due, one finished, the switch went on)."""
    _send_on_commit(BATCH_TICK, (), TICK_PRIORITY)


def start_send(job: PushJob, token: str) -> None:
    """Ask a worker to claim a dispatched job (``pushjobs.dispatch.push_job_claim``)."""
    priority = broker_priority(job.priority)
    _send_on_commit(PUSH_JOB_START, (job.pk, token, priority), priority)


def step_send(job_id: int, priority: str) -> None:
    """Ask a worker to go on with a processing job's chunks (the reaper's re-send)."""
    _send_on_commit(PUSH_JOB_STEP, (job_id, broker_priority(priority)), broker_priority(priority))


def grade_impact_send(job_id: int, *, countdown: float | None = None) -> None:
    """Ask a worker to work out and store a finished job's grade impact (``pushjobs.grade_impact``),
    ``countdown`` seconds from now (a broker only: in process it runs at once)."""
    _send_on_commit(JOB_GRADE_IMPACT, (job_id,), FOLLOW_UP_PRIORITY, countdown)
