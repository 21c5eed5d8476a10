"""Undo a push job (R73), as a service the commands and a view call: the undo is a job of its own
(kind ``undo``, in the Batch Queue List, with its own change log and result report), run by the
engine's ``undo_chunk`` through the same queue as a push.

This module holds what a submit needs to know of an undo (who may, what it touches); queuing
one is ``pushjobs.submit.push_job_undo_submit``, running one in a command
``pushjobs.worker.push_job_undo_run``.

Who may: a district admin, or the job's submitter while they may still run that push
(pushjobs.permissions: their present right).
"""

from __future__ import annotations

from catalog.errors import InputError
from catalog.models import User
from pushjobs.engine.api import UndoOptions

from .models import PushJob
from .permissions import PushRights


def _job(job_id: int) -> PushJob:
    job = PushJob.objects.filter(pk=job_id).first()
    if job is None:
        raise InputError(f"no job {job_id}")
    return job


def undo_refusal(user: User, job: PushJob) -> str | None:
    """Why ``user`` may not undo ``job`` now (None: they may)."""
    rights = PushRights.of(user)
    if not rights.active:
        return f"{rights.username} is not an active user"
    if rights.district:
        return None
    if job.requested_by_id != rights.user_id:
        return f"{rights.username} may not undo job {job.pk}: only district admins and the job's submitter may"
    refusal = rights.job_action_refusal(job)
    if refusal:
        return f"{rights.username} may no longer undo job {job.pk}: {refusal}"
    return None


def undo_check(user: User, options: UndoOptions) -> None:
    """R32 (an unknown or unfinished job is bad input) and the permission (PermissionError)."""
    job = _job(options.job)
    if job.status != PushJob.COMPLETED:
        raise InputError(f"job {job.pk} is {job.status}: only a completed job can be undone")
    if job.kind == "preview":
        raise InputError(f"job {job.pk} is a preview: it changed nothing, so there is nothing to undo")
    refusal = undo_refusal(user, job)
    if refusal:
        raise PermissionError(refusal)


def undo_describe(options: UndoOptions) -> dict:
    """An undo job's list fields: those of the job it undoes (it touches what that job touched, and
    conflicts with what that job conflicts with, R41)."""
    job = _job(options.job)
    return {
        "kind": PushJob.UNDO,
        "year": job.year,
        "catalog": job.catalog,
        "school": job.school,
        "master": job.master,
        "course": job.course,
        "target": job.target,
        "mode": job.mode,
        "to_sections": job.to_sections,
        "data": list(job.data),
        "school_ids": list(job.school_ids),
        "conflict_keys": list(job.conflict_keys),
    }
