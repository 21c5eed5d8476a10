"""The push tools' pages: Push All Course Masters, Push All Courses, Push to Courses (one master),
the Batch Queue List, a job's detail and report, and notifications (rules R40-R45).

Thin views: check who may open the page (catalog.permissions; jobs: pushjobs.permissions),
validate a form into the engine's options, call one service (pushjobs.submit, pushjobs.notify), redirect. Preview is a
queued job of its own (pushjobs.previews, R71): the tools record it and open its page (preview_views).
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from catalog.errors import InputError
from catalog.large_downloads import (
    GRADE_IMPACT,
    JOB_REPORT,
    xlsx_prepare_fields,
    xlsx_prepare_redirect,
    xlsx_too_large,
)
from catalog.models import SchoolYear
from catalog.permissions import can_manage_district, can_manage_school
from catalog.spreadsheets import XLSX_CONTENT_TYPE, csv_lines
from catalog.toolbar import toolbar_selection
from catalog.web_access import require_district_admin
from coursemasters.page_selectors import master_get

from . import preview_views
from .display import (
    detail_in_words,
    item_label,
    job_restarted_message,
    outcome_label,
    result_rows_names,
    type_label,
)
from .forms import (
    BATCH,
    PREVIEW,
    RUN_NOW,
    CoursePushForm,
    MasterPushForm,
    MasterYearForm,
    QueueWindowForm,
    RescheduleForm,
    error_sentence,
)
from .grade_impact import (
    GRADE_IMPACT_COLUMNS,
    StoredGradeRows,
    grade_impact_values,
    job_grade_impact_request,
    job_grade_impact_shown,
    job_grade_impact_stored,
)
from .grade_impact_display import grade_rows_in_words
from .job_status import job_status_context
from .models import JobGradeImpact, PushJob
from .notify import notification_mark_read
from .permissions import PushRights, job_action_refusal, may_use_push_tools
from .previews import push_job_preview_submit, push_options_overwrite
from .result_report import (
    grade_impact_filename,
    grade_impact_write_xlsx,
    result_report_csv_lines,
    result_report_filename,
    result_report_size,
    result_report_write_xlsx,
)
from .selectors import (
    BATCH_PROCESSING_OFF_MESSAGE,
    batch_processing_enabled,
    notifications_for_user,
    push_job_for_report,
    push_job_report_allowed,
    push_jobs_for_queue_list,
    queue_list_default_window,
)
from .submit import batch_processing_set, push_job_cancel, push_job_reschedule, push_job_restart, push_job_submit
from .ui_selectors import (
    push_job_get,
    push_job_outcome_counts,
    push_job_result_rows_queryset,
    push_jobs_manageable_ids,
    push_tool_years,
    push_tool_years_for_catalog,
)
from .undo import undo_refusal

RESULT_ROWS_PER_PAGE = 50

REPORTS = ("course_master_awaiting_push", "course_awaiting_push", "residual_data", "course_audit")


def _report_urls() -> dict[str, str]:
    return {name: reverse(f"reports:{name}") for name in REPORTS}


def _require_push_user(user, what: str) -> None:
    """District admins and school admins use the push tools; teachers do not push."""
    if not may_use_push_tools(user):
        raise PermissionDenied(f"Only district and school administrators can open {what}.")


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# ---------------------------------------------------------------------------
# The Batch Queue List (R43), shown on both tools and on its own page
# ---------------------------------------------------------------------------


@dataclass
class QueueList:
    form: QueueWindowForm
    jobs: list[PushJob]
    poll_url: str
    next_url: str
    active: bool
    error: str = ""


# The list is re-read while a job runs or one is about to start; a job due next week needs no poll.
QUEUE_POLL_AHEAD = timedelta(minutes=5)


def _queue_moving(jobs: list[PushJob]) -> bool:
    soon = timezone.now() + QUEUE_POLL_AHEAD
    return any(
        job.status == PushJob.PROCESSING or (job.status == PushJob.QUEUED and job.scheduled_for <= soon) for job in jobs
    )


def _queue_list(request, *, next_url: str, year: str = "") -> QueueList:
    form = QueueWindowForm(
        request.GET if "start" in request.GET else None, default_window=queue_list_default_window(), year=year
    )
    error = ""
    if form.is_bound and not form.is_valid():
        problems = [str(e) for errors in form.errors.values() for e in errors]
        error = " ".join(problems) + " Showing the default window instead."
    start, end = form.window() if not error else queue_list_default_window()
    jobs = push_jobs_for_queue_list(user=request.user, start=start, end=end)
    manageable = push_jobs_manageable_ids(user=request.user, jobs=jobs)
    for job in jobs:
        job.may_manage = job.pk in manageable
    poll_url = reverse("pushjobs:batch_queue_rows") + "?" + urlencode({"start": start, "end": end, "next": next_url})
    return QueueList(
        form=form,
        jobs=jobs,
        poll_url=poll_url,
        next_url=next_url,
        active=_queue_moving(jobs),
        error=error,
    )


def _tool_context(request, *, next_url: str, year: str = "") -> dict:
    return {
        "queue": _queue_list(request, next_url=next_url, year=year),
        "batch_processing_enabled": batch_processing_enabled(),
        "batch_off_message": BATCH_PROCESSING_OFF_MESSAGE,
        "may_switch_batch": can_manage_district(request.user),
        "report_urls": _report_urls(),
    }


def batch_queue_view(request):
    _require_push_user(request.user, "the Batch Queue List")
    context = {**_tool_context(request, next_url=request.get_full_path()), "queue_page": True}
    return render(request, "pushjobs/batch_queue.html", context)


def batch_queue_rows_view(request):
    """The list's rows alone, for the page's poll (static/js/pushjobs.js) while jobs run."""
    _require_push_user(request.user, "the Batch Queue List")
    next_url = _safe_next(request, reverse("pushjobs:batch_queue"))
    return render(request, "pushjobs/batch_queue.html#queue_table", {"queue": _queue_list(request, next_url=next_url)})


@require_POST
def batch_processing_view(request):
    """District admins switch batch processing on or off (R42)."""
    enabled = request.POST.get("enabled") == "on"
    try:
        batch_processing_set(user=request.user, enabled=enabled)
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    if enabled:
        messages.success(request, "Batch processing is on: queued jobs that are due run now.")
    else:
        messages.warning(request, "Batch processing is off: queued jobs wait until it is switched on again.")
    return redirect(_safe_next(request, reverse("pushjobs:batch_queue")))


# ---------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------


def _push_submit(request, form, *, done_url: str | None):
    """Run the clicked action of a valid tool form; the redirect to follow, or None when refused
    (the refusal becomes the form's error).

    Preview records a preview job and opens its page (R71). Run Now or Submit to Batch of a push
    that may delete course or teacher items (overwrite, Overwrite Categories) leads to its preview
    first, where the deletions are confirmed (R72)."""
    options = form.push_options()
    action = form.cleaned_data["action"]
    try:
        if action == PREVIEW or push_options_overwrite(options):
            preview = push_job_preview_submit(user=request.user, options=options)
        elif action == RUN_NOW:
            job = push_job_submit(user=request.user, options=options, run_now=True)
        else:
            job = push_job_submit(
                user=request.user,
                options=options,
                scheduled_for=form.cleaned_data["scheduled_for"],
                priority=form.cleaned_data["priority"],
            )
    except InputError as error:
        form.add_error(None, error_sentence(error))
        return None
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    if action == PREVIEW or push_options_overwrite(options):
        url = reverse("pushjobs:job_detail", args=[preview.pk])
        if action != PREVIEW:
            messages.warning(
                request,
                "This push overwrites course and section setup and can delete items: check what it would change "
                "and confirm below to run it.",
            )
            then = {"then": action}
            if action == BATCH:
                moment = timezone.localtime(form.cleaned_data["scheduled_for"])
                then.update(
                    run_date=moment.date().isoformat(),
                    run_time=moment.strftime("%H:%M"),
                    priority=form.cleaned_data["priority"],
                )
            url += "?" + urlencode(then)
        # No #fragment: the page opens at its top, where the message that asks to confirm is.
        return redirect(url)
    job.refresh_from_db()  # without a broker, Run Now has already run by now
    when = timezone.localtime(job.scheduled_for).strftime("%m/%d/%Y %I:%M %p")
    if action == BATCH:
        text = f"Job {job.pk} submitted to batch for {when} ({job.get_priority_display().lower()} priority)."
    else:
        text = f"Job {job.pk} submitted to run now."
    text += f" Status: {job.get_status_display()}."
    if job.status == PushJob.QUEUED and not batch_processing_enabled():
        text += " " + BATCH_PROCESSING_OFF_MESSAGE
    messages.success(request, text)
    return redirect(done_url or reverse("pushjobs:job_detail", args=[job.pk]))


def _tool_status(request) -> int:
    """A POST that comes back to the page was refused (400)."""
    return 400 if request.method == "POST" else 200


def _year_pick(request, years) -> SchoolYear | None:
    """The tool's year: posted, asked for, the toolbar's, or the latest that can be pushed."""
    name = request.POST.get("year") or request.GET.get("year")
    if name:
        return years.filter(name=name).first()
    selection_year = toolbar_selection(request).year
    if selection_year is not None and years.filter(pk=selection_year.pk).exists():
        return selection_year
    return years.last()


def _master_push_forms(request, *, years, url: str, master=None):
    """The year picker and push form of a master push page (Push All Course Masters, Push to
    Courses), and the page's own address for the picked year."""
    year = _year_pick(request, years)
    year_form = MasterYearForm(initial={"year": year}, years=years, auto_id="pick_%s")
    form = MasterPushForm(request.POST if request.method == "POST" else None, year=year, master=master)
    here = url + (f"?{urlencode({'year': year.name})}" if year else "")
    # Posted to the page's own address: never to a section of it the browser last jumped to.
    form.helper.form_action = here
    return year, year_form, form, here


def push_all_course_masters_view(request):
    require_district_admin(request.user, "Push All Course Masters")
    year, year_form, form, here = _master_push_forms(
        request, years=push_tool_years(), url=reverse("pushjobs:push_all_course_masters")
    )
    if request.method == "POST" and form.is_valid():
        # The page opens at its top, where the message says what became of the job (issue 14).
        done = _push_submit(request, form, done_url=here)
        if done is not None:
            return done
    context = {
        "title": "Push All Course Masters",
        "year": year,
        "year_form": year_form,
        "form": form,
        **_tool_context(request, next_url=here, year=year.name if year else ""),
    }
    return render(request, "pushjobs/push_all_course_masters.html", context, status=_tool_status(request))


def push_to_courses_view(request, pk: int):
    """Push to Courses: one master's locked data to its linked courses (same options as the tool)."""
    require_district_admin(request.user, "Push to Courses")
    master = master_get(pk=pk)
    if master is None:
        raise Http404("No such course master")
    year, year_form, form, here = _master_push_forms(
        request,
        years=push_tool_years_for_catalog(catalog=master.catalog),
        url=reverse("pushjobs:push_to_courses", args=[master.pk]),
        master=master,
    )
    if request.method == "POST" and form.is_valid():
        done = _push_submit(request, form, done_url=None)
        if done is not None:
            return done
    context = {
        "title": f"Push {master.number} to Courses",
        "master": master,
        "year": year,
        "year_form": year_form,
        "form": form,
        "report_urls": _report_urls(),
        "batch_processing_enabled": batch_processing_enabled(),
        "batch_off_message": BATCH_PROCESSING_OFF_MESSAGE,
        "may_switch_batch": True,
        "here": here,
    }
    return render(request, "pushjobs/push_to_courses.html", context, status=_tool_status(request))


def push_all_courses_view(request):
    _require_push_user(request.user, "Push All Courses")
    calendar = toolbar_selection(request).calendar
    if calendar is not None and not can_manage_school(request.user, calendar.school_id):
        raise PermissionDenied(f"{calendar.school} is not one of your schools: pick one of yours in the toolbar.")
    form = CoursePushForm(request.POST if request.method == "POST" else None, calendar=calendar)
    here = reverse("pushjobs:push_all_courses")
    form.helper.form_action = here
    if request.method == "POST" and form.is_valid():
        done = _push_submit(request, form, done_url=here)
        if done is not None:
            return done
    context = {
        "title": "Push All Courses",
        "calendar": calendar,
        "form": form,
        **_tool_context(request, next_url=here),
    }
    return render(request, "pushjobs/push_all_courses.html", context, status=_tool_status(request))


# ---------------------------------------------------------------------------
# One job: detail, live status, report, cancel / reschedule / restart (R41, R44)
# ---------------------------------------------------------------------------


def _job(request, pk: int) -> PushJob:
    job = push_job_get(pk=pk)
    if job is None:
        raise Http404(f"No job {pk}")
    if not push_job_report_allowed(user=request.user, job=job):
        raise PermissionDenied(
            f"Job {job.pk} is not yours: its submitter, district administrators and administrators of the "
            "schools it touched can open it."
        )
    return job


def job_detail_view(request, pk: int):
    job = _job(request, pk)
    if job.is_preview:
        return preview_views.preview_detail(request, job)
    rows = Paginator(push_job_result_rows_queryset(job=job), RESULT_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    rows.object_list = list(rows.object_list)
    names = result_rows_names(rows.object_list)
    for row in rows.object_list:
        row.outcome_label = outcome_label(row.outcome, undo=job.previewed_kind == PushJob.UNDO)
        row.type_label = type_label(row.data_type) if row.data_type else ""
        row.item_label = item_label(row.data_type, row.item, names)
        row.detail_words = detail_in_words(row.detail, names)
    options = job.options
    impact = job_grade_impact_shown(job=job)
    stored = impact is not None and isinstance(impact.rows, StoredGradeRows)
    context = {
        **job_status_context(user=request.user, job=job),
        **(preview_views.change_section(request, job) if job.is_finished else {}),
        "grade_impact": impact,
        "grade_rows": grade_rows_in_words(impact.rows[: preview_views.GRADE_ROWS_SHOWN])
        if impact and impact.rows
        else [],
        "grade_rows_shown": preview_views.GRADE_ROWS_SHOWN,
        # R83: worked out at the job's end and stored: all its rows can be downloaded.
        "grade_impact_stored": stored,
        "grade_impact_xlsx_prepare": xlsx_prepare_fields(GRADE_IMPACT, job=job.pk)
        if stored and xlsx_too_large(impact.summary.grades)
        else None,
        "may_undo": job.status == PushJob.COMPLETED and undo_refusal(request.user, job) is None,
        "undone_job": push_job_get(pk=options.get("job")) if job.kind == PushJob.UNDO else None,
        "rows": rows,
        "outcome_counts": [
            (outcome_label(o, undo=job.kind == PushJob.UNDO), n) for o, n in push_job_outcome_counts(job=job)
        ],
        "calendars": ", ".join(options.get("calendars") or []) or "All calendars using the catalog",
        "reschedule_form": RescheduleForm(job=job, action=reverse("pushjobs:job_reschedule", args=[job.pk]))
        if job.can_reschedule
        else None,
        "batch_processing_enabled": batch_processing_enabled(),
        "batch_off_message": BATCH_PROCESSING_OFF_MESSAGE,
        "may_switch_batch": can_manage_district(request.user),
    }
    return render(request, "pushjobs/job_detail.html", context)


def _stored_impact(request, pk: int):
    job = _job(request, pk)
    impact = job_grade_impact_stored(job=job)
    if impact is None:
        raise Http404(f"Job {pk} has no grade impact to download: it is shown on the job's page.")
    return job, impact


def job_grade_impact_csv_view(request, pk: int):
    """R83: every grade the job moved, as the grade impact CSV (cli.md's columns, for scripts), streamed."""
    job, impact = _stored_impact(request, pk)
    lines = csv_lines(GRADE_IMPACT_COLUMNS, (grade_impact_values(row) for row in impact.rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{grade_impact_filename(job=job, fmt="csv")}"'
    return response


def job_grade_impact_xlsx_view(request, pk: int):
    """R83: every grade the job moved, for people (in words), put together on disk and sent from there."""
    job, impact = _stored_impact(request, pk)
    if xlsx_too_large(impact.summary.grades):
        return xlsx_prepare_redirect(GRADE_IMPACT, job=job.pk)
    out = tempfile.TemporaryFile()
    grade_impact_write_xlsx(impact, out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=grade_impact_filename(job=job, fmt="xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )


@require_POST
def job_grade_impact_request_view(request, pk: int):
    """Work out the grade impact of a job that has none stored (finished before impacts were, or
    whose working out failed) in the background; the page says so while it is."""
    job = _job(request, pk)
    state = JobGradeImpact.objects.filter(job=job).values_list("state", flat=True).first()
    if state in (None, JobGradeImpact.FAILED) and job_grade_impact_request(job, asked=True):
        messages.success(request, "The grade impact is being worked out; refresh the page in a few minutes to see it.")
    return redirect(reverse("pushjobs:job_detail", args=[pk]) + "#grade-impact")


def job_status_view(request, pk: int):
    """The job's status, progress and summary alone, for the page's poll while it runs."""
    job = _job(request, pk)
    return render(request, "pushjobs/job_detail.html#job_status", job_status_context(user=request.user, job=job))


def _report_job(request, pk: int) -> PushJob:
    try:
        return push_job_for_report(user=request.user, job_id=pk)
    except PermissionError:
        raise PermissionDenied(
            f"The report of job {pk} is for its submitter, district administrators and administrators of the "
            "schools it touched."
        ) from None
    except InputError as error:
        raise Http404(str(error)) from None


def job_report_csv_view(request, pk: int):
    job = _report_job(request, pk)
    response = StreamingHttpResponse(result_report_csv_lines(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{result_report_filename(job=job, fmt="csv")}"'
    return response


def job_report_xlsx_view(request, pk: int):
    job = _report_job(request, pk)
    if xlsx_too_large(result_report_size(job=job)):
        return xlsx_prepare_redirect(JOB_REPORT, job=job.pk)
    out = io.BytesIO()
    result_report_write_xlsx(job=job, out=out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{result_report_filename(job=job, fmt="xlsx")}"'
    return response


def _job_action(request, pk: int, action, done):
    """Cancel / restart: one service call; a refusal is the page's message (R41). ``done``: the
    success message of the job the service returns."""
    try:
        job = action(user=request.user, job_id=pk)
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    except InputError as error:
        messages.error(request, f"Not done: {error}.")
    else:
        messages.success(request, done(job))
    return redirect(_safe_next(request, reverse("pushjobs:job_detail", args=[pk])))


@require_POST
def job_cancel_view(request, pk: int):
    return _job_action(request, pk, push_job_cancel, lambda job: f"Job {job.pk} canceled: it will not run.")


@require_POST
def job_restart_view(request, pk: int):
    return _job_action(request, pk, push_job_restart, lambda job: job_restarted_message(job, now=timezone.now()))


@require_POST
def job_reschedule_view(request, pk: int):
    job = push_job_get(pk=pk)
    if job is None:
        raise Http404(f"No job {pk}")
    refusal = job_action_refusal(request.user, job)
    if refusal:
        raise PermissionDenied(f"{request.user.username} may not change job {pk}: {refusal}")
    form = RescheduleForm(request.POST, job=job, action="")
    back = _safe_next(request, reverse("pushjobs:job_detail", args=[pk]))
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Not rescheduled: {problems}")
        return redirect(back)
    try:
        job = push_job_reschedule(user=request.user, job_id=pk, scheduled_for=form.scheduled_for())
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    except InputError as error:
        messages.error(request, f"Not rescheduled: {error}.")
    else:
        when = timezone.localtime(job.scheduled_for).strftime("%m/%d/%Y %I:%M %p")
        messages.success(request, f"Job {job.pk} rescheduled for {when}.")
    return redirect(back)


# ---------------------------------------------------------------------------
# Notifications (R45)
# ---------------------------------------------------------------------------


def notifications_view(request):
    notifications = list(notifications_for_user(user=request.user, limit=100))
    # A teacher is told about pushes to their sections (R75) but may not open those jobs' pages.
    rights = PushRights.of(request.user)
    jobs = PushJob.objects.in_bulk({n.job_id for n in notifications if n.job_id})
    for notification in notifications:
        job = jobs.get(notification.job_id)
        notification.may_open_job = job is not None and rights.may_see_job(job)
    return render(request, "pushjobs/notifications.html", {"notifications": notifications})


@require_POST
def notification_read_view(request, pk: int):
    # Someone else's notification, or one already read: nothing to do.
    notification_mark_read(user=request.user, notification_id=pk)
    return redirect(_safe_next(request, reverse("pushjobs:notifications")))


@require_POST
def notifications_read_all_view(request):
    changed = notification_mark_read(user=request.user)
    text = ngettext("Marked %(n)d notification read.", "Marked %(n)d notifications read.", changed)
    messages.success(request, text % {"n": changed})
    return redirect("pushjobs:notifications")
