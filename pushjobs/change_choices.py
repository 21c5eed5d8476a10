"""A job's change-log page reads its filter choices and row counts from the job (R70, R71).

A finished job's change rows (or a preview's PreviewChange rows) never change, so their filter
choices, with how many rows hold each, and their total are counted once, in one pass, and kept on
the job (``PushJob.change_choices``): by the worker when the job completes, or on the first
opening of the page of a job that finished otherwise (failed, canceled, or before the counts were
kept). The kept counts carry the job's ``finished_at``: a restarted job finishes again, later, and
its old counts are then not read.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ChangeRow, PushJob
from .ui_selectors import change_filter_counts


def job_change_rows(job: PushJob) -> QuerySet:
    """The change rows a job's page shows: what a preview would change, or what a job changed (R70)."""
    if job.is_preview:
        return job.preview_changes.all()
    return ChangeRow.objects.filter(job=job)


def _stamp(job: PushJob) -> str:
    return job.finished_at.isoformat() if job.finished_at else ""


def change_choices_keep(job: PushJob) -> dict:
    """Count a finished job's change rows by filter value and keep the counts on the job (one read
    of its rows, one update). Called when the job finishes; its rows do not change after."""
    choices = {**change_filter_counts(job_change_rows(job)), "finished_at": _stamp(job)}
    PushJob.objects.filter(pk=job.pk, finished_at=job.finished_at).update(change_choices=choices)
    job.change_choices = choices
    return choices


def change_choices_of(job: PushJob) -> dict:
    """The job's change rows' filter choices and counts, ``{"rows": n, "values": {filter: [[value,
    n], ...]}}``: those kept with the finished job, else counted now (and kept if it is finished)."""
    kept = job.change_choices
    if job.is_finished and kept is not None and kept.get("finished_at") == _stamp(job):
        return kept
    if job.is_finished:
        return change_choices_keep(job)
    return change_filter_counts(job_change_rows(job))
