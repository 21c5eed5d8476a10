"""How a push job reads in the API: what it pushes, its status and progress, its summary, and the
addresses of its report and change log (R41-R44)."""

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from ninja import Schema, Status

from pushjobs.models import PushJob
from pushjobs.selectors import BATCH_PROCESSING_OFF_MESSAGE, batch_processing_enabled


class Progress(Schema):
    courses_total: int
    courses_done: int
    courses_failed: int


class JobLinks(Schema):
    self: str
    report: str
    report_csv: str
    report_xlsx: str
    changes: str
    changes_csv: str
    changes_xlsx: str
    page: str


class JobOut(Schema):
    id: int
    kind: str
    title: str
    previewed_kind: str
    status: str
    finished: bool
    target: str
    year: str
    catalog: str
    school: str
    master: str
    course: str
    mode: str
    to_sections: bool
    data: list[str]
    scheduled_for: datetime
    priority: str
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: Progress
    summary: dict[str, Any]
    error: str
    options: dict[str, Any]
    # R42: set while the district's batch processing is off and the job waits for it.
    notice: str
    links: JobLinks


def _api(name: str, job_id: int) -> str:
    return reverse(f"api-v1:{name}", kwargs={"job_id": job_id})


def job_json(job: PushJob, *, batch_on: bool | None = None) -> dict:
    """``batch_on``: the district's switch, when the caller read it once for a list of jobs."""
    if batch_on is None:
        batch_on = batch_processing_enabled()
    waiting = job.status == PushJob.QUEUED and not batch_on
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.title,
        "previewed_kind": job.previewed_kind,
        "status": job.status,
        "finished": job.is_finished,
        "target": job.target,
        "year": job.year,
        "catalog": job.catalog,
        "school": job.school,
        "master": job.master,
        "course": job.course,
        "mode": job.mode,
        "to_sections": job.to_sections,
        "data": list(job.data),
        "scheduled_for": job.scheduled_for,
        "priority": job.priority,
        "requested_by": job.requested_by.username,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "progress": {
            "courses_total": job.courses_total,
            "courses_done": job.courses_done,
            "courses_failed": job.courses_failed,
        },
        "summary": job.summary or {},
        "error": job.error,
        "options": job.options,
        "notice": BATCH_PROCESSING_OFF_MESSAGE if waiting else "",
        "links": {
            "self": _api("job_detail", job.pk),
            "report": _api("job_report", job.pk),
            "report_csv": _api("job_report_csv", job.pk),
            "report_xlsx": _api("job_report_xlsx", job.pk),
            "changes": _api("job_changes", job.pk),
            "changes_csv": _api("job_changes_csv", job.pk),
            "changes_xlsx": _api("job_changes_xlsx", job.pk),
            "page": reverse("pushjobs:job_detail", args=[job.pk]),
        },
    }


def job_started_response(job: PushJob, started: bool) -> Status:
    """201 for a job this request started; 200 for the job a retried request's key started."""
    job.refresh_from_db()
    return Status(201 if started else 200, job_json(job))


def attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
