"""Telling how a job went (rules.md R44, R45): the submitter's notification and email, and a
finished job's outcome as the engine would have returned it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from catalog.models import User
from pushjobs.engine.api import REPORT_COLUMNS, PushOutcome, ResultRow, Summary

from .display import job_courses_line
from .models import Notification, PushJob, PushResultRow

logger = logging.getLogger(__name__)


def push_job_title(job: PushJob) -> str:
    what = job.get_kind_display()
    if job.master:
        what += f" (master {job.master})"
    if job.course:
        what += f" (course {job.course})"
    return f"{what}, {job.target} {job.year}"


def push_job_notify_finished(job: PushJob) -> None:
    """Tell the submitter in the application, and by email after commit."""
    if job.status == PushJob.COMPLETED:
        summary = Summary(**job.summary)
        message = f"Job {job.pk} completed: {push_job_title(job)}. {summary.line()}."
        if summary.courses_failed:
            message += " Some courses failed: Get the report in the Batch Queue List says why."
    else:
        message = f"Job {job.pk} failed: {push_job_title(job)}. {job.error}"
    user = job.requested_by
    Notification.objects.create(user=user, job=job, message=message)
    if user.email:
        subject = f"Push job {job.pk} {job.status}: {push_job_title(job)}"
        body = f"{push_job_outcome_line(job)}\n\nThe job's page, with its result report: {push_job_url(job)}\n"
        transaction.on_commit(lambda: _email(subject, body, user.email))


def push_job_outcome_line(job: PushJob) -> str:
    """A finished job's outcome in one line: what it was, and its courses' counts or why it failed."""
    if job.status == PushJob.COMPLETED:
        outcome = job_courses_line(job, Summary(**job.summary))
    else:
        outcome = " ".join(job.error.split())  # one line, whatever the error's text
    return f"Job {job.pk} {job.status}: {push_job_title(job)}. {outcome}".rstrip()


def push_job_url(job: PushJob) -> str:
    """The job's page as a link from outside the application (settings.SITE_URL)."""
    return settings.SITE_URL + reverse("pushjobs:job_detail", args=[job.pk])


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


def push_job_outcome(*, job: PushJob) -> PushOutcome:
    """A finished job's outcome as the engine would have returned it: summary and report rows."""
    outcome = PushOutcome(summary=Summary(**job.summary) if job.summary else Summary())
    outcome.rows = [
        ResultRow(*(getattr(r, column) for column in REPORT_COLUMNS))
        for r in PushResultRow.objects.filter(job=job).order_by("chunk_index", "position")
    ]
    return outcome
