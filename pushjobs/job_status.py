"""What a job's page says about its status (the job page, a preview's page and their poll):
progress, the courses' line, the summary, whether the report is ready."""

from __future__ import annotations

from django.urls import reverse

from catalog.large_downloads import JOB_REPORT, xlsx_prepare_fields, xlsx_too_large
from catalog.models import User
from pushjobs.engine.api import Summary

from .display import job_canceled_line, job_courses_line
from .models import PushJob
from .result_report import SUMMARY_LABELS, result_report_size
from .ui_selectors import push_jobs_manageable_ids


def job_status_context(*, user: User, job: PushJob) -> dict:
    job.may_manage = job.pk in push_jobs_manageable_ids(user=user, jobs=[job])
    summary = Summary(**job.summary) if job.summary else None
    totals = summary.to_json() if summary else {}
    report_ready = job.status in (PushJob.COMPLETED, PushJob.FAILED)
    return {
        "job": job,
        "summary_rows": [(label, totals[name]) for name, label in SUMMARY_LABELS] if summary else [],
        "summary_line": summary.line() if summary else "",
        "courses_line": job_courses_line(job, summary),
        "canceled_line": job_canceled_line(job) if job.status == PushJob.CANCELED else "",
        "report_ready": report_ready,
        # A large report's XLSX is prepared in the background (catalog.large_downloads).
        "report_xlsx_prepare": xlsx_prepare_fields(JOB_REPORT, job=job.pk)
        if report_ready and xlsx_too_large(result_report_size(job=job))
        else None,
        "status_url": reverse("pushjobs:job_status", args=[job.pk]),
    }
