"""Push jobs (R40-R46, R70-R73): the Batch Queue List, one job with its progress, cancel,
reschedule, restart, run a preview, undo; and what a job did: its result report and its change
log, as JSON a page at a time and as the CSV and XLSX files the pages offer.

Reading a job is for its submitter, district admins and school admins of the schools it touched
(R44); acting on it for whoever may push it now (R41). The services decide; this only asks.
"""

import io
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpResponse, StreamingHttpResponse
from ninja import Query, Router, Schema

from catalog.spreadsheets import XLSX_CONTENT_TYPE
from pushjobs.changes_report import change_rows_csv_lines, change_rows_write_xlsx
from pushjobs.engine.api import UndoOptions
from pushjobs.grade_impact import GradeImpact, job_grade_impact_for_report
from pushjobs.models import ChangeRow, PushJob
from pushjobs.permissions import may_use_push_tools
from pushjobs.previews import (
    preview_deletions,
    preview_grade_impact,
    preview_is_stale,
    preview_options,
    preview_run_refusal,
    push_job_preview_submit,
)
from pushjobs.result_report import result_report_csv_lines, result_report_filename, result_report_write_xlsx
from pushjobs.selectors import (
    BATCH_PROCESSING_OFF_MESSAGE,
    batch_processing_enabled,
    push_job_for_report,
    push_job_report_allowed,
    push_jobs_for_queue_list,
)
from pushjobs.submit import (
    batch_processing_set,
    push_job_cancel,
    push_job_reschedule,
    push_job_restart,
    push_job_submit,
    push_job_undo_submit,
)
from pushjobs.ui_selectors import change_rows_filtered, push_job_get, push_job_result_rows_queryset
from pushjobs.undo import undo_refusal

from .errors import ERROR_RESPONSES, ApiError, not_found
from .idempotency import job_start_once
from .job_out import JobOut, attachment, job_json, job_started_response
from .pagination import paginated
from .pushes import run_or_refuse

router = Router(tags=["Jobs"])
# As many grade rows as a job's page lists.
GRADE_ROWS = 100
STARTED = {201: JobOut, 200: JobOut, 409: dict, **ERROR_RESPONSES}


def job_for_request(request, job_id: int) -> PushJob:
    job = push_job_get(pk=job_id)
    if job is None:
        raise not_found(f"job {job_id}")
    if not push_job_report_allowed(user=request.user, job=job):
        raise ApiError(
            403,
            f"Job {job.pk} is not yours: its submitter, district administrators and administrators of the "
            "schools it touched can open it.",
        )
    return job


class QueueWindow(Schema):
    start: date | None = None
    end: date | None = None


@router.get("/jobs", response={200: list[JobOut], **ERROR_RESPONSES}, summary="The Batch Queue List")
def jobs_list(request, window: Query[QueueWindow]):
    """R43: the top 50 jobs scheduled in a window of days (default a week either side of today),
    newest first, that you may see. Narrow the window to reach older jobs."""
    if not may_use_push_tools(request.user):
        raise ApiError(403, "Only district and school administrators can open the Batch Queue List.")
    jobs = run_or_refuse(
        lambda: push_jobs_for_queue_list(user=request.user, start=window.start, end=window.end), {"start", "end"}
    )
    batch_on = batch_processing_enabled()
    return [job_json(job, batch_on=batch_on) for job in jobs]


class BatchProcessingOut(Schema):
    enabled: bool
    notice: str


class BatchProcessingIn(Schema):
    enabled: bool


def _switch() -> dict:
    enabled = batch_processing_enabled()
    return {"enabled": enabled, "notice": "" if enabled else BATCH_PROCESSING_OFF_MESSAGE}


@router.get("/batch-processing", response={200: BatchProcessingOut, **ERROR_RESPONSES}, summary="The district's switch")
def batch_processing_read(request):
    """R42: while it is off, queued jobs wait (a job's ``notice`` says so)."""
    if not may_use_push_tools(request.user):
        raise ApiError(403, "Only district and school administrators can open the Batch Queue List.")
    return _switch()


@router.post(
    "/batch-processing", response={200: BatchProcessingOut, **ERROR_RESPONSES}, summary="Switch batch processing"
)
def batch_processing_change(request, payload: BatchProcessingIn):
    """R42, district admins: off holds queued jobs; on runs what waits."""
    batch_processing_set(user=request.user, enabled=payload.enabled)
    return _switch()


@router.get("/jobs/{job_id}", response={200: JobOut, **ERROR_RESPONSES}, summary="One job", url_name="job_detail")
def job_detail(request, job_id: int):
    return job_json(job_for_request(request, job_id))


@router.post("/jobs/{job_id}/cancel", response={200: JobOut, **ERROR_RESPONSES}, summary="Cancel a queued job")
def job_cancel(request, job_id: int):
    job_for_request(request, job_id)
    return job_json(push_job_cancel(user=request.user, job_id=job_id))


class RescheduleIn(Schema):
    scheduled_for: datetime


@router.post("/jobs/{job_id}/reschedule", response={200: JobOut, **ERROR_RESPONSES}, summary="Reschedule a job")
def job_reschedule(request, job_id: int, payload: RescheduleIn):
    job_for_request(request, job_id)
    job = run_or_refuse(
        lambda: push_job_reschedule(user=request.user, job_id=job_id, scheduled_for=payload.scheduled_for),
        {"scheduled_for"},
    )
    return job_json(job)


@router.post("/jobs/{job_id}/restart", response={200: JobOut, **ERROR_RESPONSES}, summary="Restart a job")
def job_restart(request, job_id: int):
    job_for_request(request, job_id)
    return job_json(push_job_restart(user=request.user, job_id=job_id))


class PreviewRunIn(Schema):
    action: Literal["run_now", "batch"] = "run_now"
    scheduled_for: datetime | None = None
    priority: Literal["normal", "high"] = "normal"
    # R72: a push that deletes course or teacher items runs only when this is true.
    confirm: bool = False


@router.post("/jobs/{job_id}/run", response=STARTED, summary="Run the push a finished preview holds")
def job_run_preview(request, job_id: int, payload: PreviewRunIn):
    preview = job_for_request(request, job_id)
    if not preview.is_preview or preview.status != PushJob.COMPLETED:
        raise ApiError(404, f"job {job_id} is not a finished preview")
    refusal = preview_run_refusal(user=request.user, job=preview)
    if refusal:
        raise ApiError(403, refusal)
    deletions = preview_deletions(job=preview)
    if deletions.needs_confirmation:
        if not payload.confirm:
            raise ApiError(
                409,
                f"this push deletes {deletions.items} items in {deletions.courses} courses and "
                f"{deletions.sections} sections: send confirm true to run it",
                field="confirm",
            )
        if preview_is_stale(job=preview):
            raise ApiError(409, "the data changed since this preview: preview the push again first", field="confirm")
    if payload.action == "batch" and payload.scheduled_for is None:
        raise ApiError(422, "Submit to Batch needs the time the job should run", field="scheduled_for")
    options = preview_options(preview)

    def start():
        if isinstance(options, UndoOptions):
            return push_job_undo_submit(user=request.user, job_id=options.job, run_now=True)
        if payload.action == "run_now":
            return push_job_submit(user=request.user, options=options, run_now=True)
        return push_job_submit(
            user=request.user, options=options, scheduled_for=payload.scheduled_for, priority=payload.priority
        )

    job, started = run_or_refuse(
        lambda: job_start_once(request=request, user=request.user, start=start), {"scheduled_for", "priority"}
    )
    return job_started_response(job, started)


@router.post("/jobs/{job_id}/preview-again", response=STARTED, summary="Preview the same push again")
def job_preview_again(request, job_id: int):
    """A fresh preview of a preview's options, as the job page's Preview again (the data changed
    since, or the preview is old). Takes an Idempotency-Key."""
    preview = job_for_request(request, job_id)
    if not preview.is_preview:
        raise ApiError(404, f"job {job_id} is not a preview")
    options = preview_options(preview)
    job, started = run_or_refuse(
        lambda: job_start_once(
            request=request,
            user=request.user,
            start=lambda: push_job_preview_submit(user=request.user, options=options),
        ),
        set(),
    )
    return job_started_response(job, started)


class UndoIn(Schema):
    # preview: a preview of the undo (what it would put back, and its conflicts), as the job page's Undo.
    action: Literal["preview", "run_now"] = "preview"


@router.post("/jobs/{job_id}/undo", response=STARTED, summary="Undo a completed job (R73)")
def job_undo(request, job_id: int, payload: UndoIn):
    job = job_for_request(request, job_id)
    refusal = undo_refusal(request.user, job)
    if refusal:
        raise ApiError(403, refusal)
    if job.is_preview or job.status != PushJob.COMPLETED:
        raise ApiError(400, f"job {job.pk} cannot be undone: only a completed push or undo can")

    def start():
        if payload.action == "preview":
            return push_job_preview_submit(user=request.user, options=UndoOptions(job=job.pk))
        return push_job_undo_submit(user=request.user, job_id=job.pk, run_now=True)

    started_job, started = run_or_refuse(lambda: job_start_once(request=request, user=request.user, start=start), set())
    return job_started_response(started_job, started)


# -- what a job did ------------------------------------------------------------


class ResultRowOut(Schema):
    id: int
    school: str
    calendar: str
    course: str
    course_master: str
    section: str
    data_type: str
    item: str
    outcome: str
    detail: str


def _report_job(request, job_id: int) -> PushJob:
    job_for_request(request, job_id)
    return push_job_for_report(user=request.user, job_id=job_id)


@router.get(
    "/jobs/{job_id}/report",
    response={200: list[ResultRowOut], **ERROR_RESPONSES},
    summary="A finished job's result report rows",
    url_name="job_report",
)
@paginated()
def job_report(request, job_id: int):
    """R44: one row per course (or section) and item whose outcome needs a person's attention; the
    job's summary is on the job itself."""
    return push_job_result_rows_queryset(job=_report_job(request, job_id))


@router.get(
    "/jobs/{job_id}/report.csv",
    response={200: str, **ERROR_RESPONSES},
    summary="The result report as CSV",
    url_name="job_report_csv",
)
def job_report_csv(request, job_id: int):
    job = _report_job(request, job_id)
    response = StreamingHttpResponse(result_report_csv_lines(job=job), content_type="text/csv; charset=utf-8")
    return attachment(response, result_report_filename(job=job, fmt="csv"))


@router.get(
    "/jobs/{job_id}/report.xlsx",
    response={200: str, **ERROR_RESPONSES},
    summary="The result report as XLSX (Summary and Rows sheets)",
    url_name="job_report_xlsx",
)
def job_report_xlsx(request, job_id: int):
    job = _report_job(request, job_id)
    out = io.BytesIO()
    result_report_write_xlsx(job=job, out=out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    return attachment(response, result_report_filename(job=job, fmt="xlsx"))


class ChangeFilters(Schema):
    school: str = ""
    course: str = ""
    data_type: str = ""
    change: str = ""


class ChangeRowOut(Schema):
    id: int
    level: str
    school: str
    calendar: str
    course: str
    section: str
    teacher: str
    data_type: str
    item: str
    change: str
    before: Any
    after: Any


def _change_rows(job: PushJob, filters: ChangeFilters):
    rows = job.preview_changes.all() if job.is_preview else ChangeRow.objects.filter(job=job)
    return change_rows_filtered(rows, filters={k: v for k, v in filters.dict().items() if v})


@router.get(
    "/jobs/{job_id}/changes",
    response={200: list[ChangeRowOut], **ERROR_RESPONSES},
    summary="A job's change log (a preview's: what it would change)",
    url_name="job_changes",
)
@paginated()
def job_changes(request, job_id: int, filters: Query[ChangeFilters]):
    """R70: every change the job made, with the values before and after; filter by school, course
    (number), data type and change (created, updated, removed, ...)."""
    return _change_rows(job_for_request(request, job_id), filters)


@router.get(
    "/jobs/{job_id}/changes.csv",
    response={200: str, **ERROR_RESPONSES},
    summary="The change log as CSV",
    url_name="job_changes_csv",
)
def job_changes_csv(request, job_id: int, filters: Query[ChangeFilters]):
    job = job_for_request(request, job_id)
    rows = _change_rows(job, filters).iterator(chunk_size=2000)
    response = StreamingHttpResponse(change_rows_csv_lines(rows, job=job.pk), content_type="text/csv; charset=utf-8")
    return attachment(response, _changes_filename(job, "csv"))


@router.get(
    "/jobs/{job_id}/changes.xlsx",
    response={200: str, **ERROR_RESPONSES},
    summary="The change log as XLSX",
    url_name="job_changes_xlsx",
)
def job_changes_xlsx(request, job_id: int, filters: Query[ChangeFilters]):
    job = job_for_request(request, job_id)
    out = io.BytesIO()
    change_rows_write_xlsx(_change_rows(job, filters).iterator(chunk_size=2000), out, job=job.pk)
    return attachment(HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE), _changes_filename(job, "xlsx"))


class GradeImpactOut(Schema):
    # "done": the summary and rows are the impact; "working": an applied push's impact is still
    # being worked out after its end (ask again in a few minutes); "failed": it could not be, and
    # can be asked for again from the job's page; "too_large": none is stored and the push changed
    # too many sections' grading setup to work it out in the request (the job's page offers to work
    # it out in the background). Summary and rows are empty unless "done".
    state: Literal["done", "working", "failed", "too_large"]
    summary: dict[str, Any]
    rows_total: int
    rows: list[dict[str, Any]]


@router.get(
    "/jobs/{job_id}/grade-impact",
    response={200: GradeImpactOut, **ERROR_RESPONSES},
    summary="The grades a push moved (a preview's: would move)",
)
def job_grade_impact_read(request, job_id: int):
    """R82, R83: students' in-progress grades the push changed (a preview: would change), before
    and after, with the summary; the first GRADE_ROWS rows, as on the job's page. An applied push
    whose impact was stored at its end (R83) answers from what was stored, and while it is being
    worked out says so (state "working") instead of working it out again in the request."""
    job = job_for_request(request, job_id)
    if not job.is_finished:
        raise ApiError(400, f"job {job.pk} is {job.status}: its grade impact is known when it has run")
    impact = preview_grade_impact(job=job) if job.is_preview else job_grade_impact_for_report(job=job)
    impact = impact or GradeImpact()
    summary = asdict(impact.summary)
    rows = [{k: v for k, v in asdict(row).items() if k != "section_id"} for row in impact.rows[:GRADE_ROWS]]
    state = "too_large" if impact.too_large else impact.state or "done"
    return {"state": state, "summary": summary, "rows_total": impact.summary.grades, "rows": rows}


def _changes_filename(job: PushJob, fmt: str) -> str:
    what = "preview" if job.is_preview else "push-job"
    return f"{what}-{job.pk}-changes.{fmt}"
