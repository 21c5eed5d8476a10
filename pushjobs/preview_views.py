"""Previews (R71), the deletion confirmation (R72), undo from a job's page (R73), and the change rows
of a preview or a job with their downloads.

A preview is a queued job (pushjobs.previews): the tools' Preview records one and opens its page,
which shows its progress until it is done, then the summary and the change rows, filterable and a
page at a time. "Run this push" on it submits the same options; a push that deletes course or
teacher items must be confirmed there, and Run Now or Submit to Batch of such a push on a tool
leads to its preview first. Undo on a completed job's page previews the undo the same way.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from catalog.errors import InputError
from catalog.large_downloads import JOB_CHANGES, xlsx_prepare_fields, xlsx_prepare_redirect, xlsx_too_large
from catalog.spreadsheets import XLSX_CONTENT_TYPE
from pushjobs.engine.api import UndoOptions

from .change_choices import change_choices_of, job_change_rows
from .changes_report import change_rows_csv_lines, change_rows_filename, change_rows_write_xlsx
from .display import (
    CHANGE_LABELS,
    change_row_words,
    change_rows_names,
    detail_in_words,
    item_label,
    outcome_label,
    result_rows_names,
    type_label,
)
from .forms import BATCH, RUN_NOW, ChangeFilterForm, PreviewRunForm
from .grade_impact_display import grade_rows_in_words
from .job_status import job_status_context
from .models import PushJob
from .previews import (
    preview_computed_at,
    preview_deletions,
    preview_grade_impact,
    preview_is_stale,
    preview_options,
    preview_run_refusal,
    push_job_preview_submit,
)
from .selectors import BATCH_PROCESSING_OFF_MESSAGE, batch_processing_enabled
from .submit import push_job_submit, push_job_undo_submit
from .ui_selectors import (
    CHANGE_FILTERS,
    ChangeRowsPaginator,
    change_rows_filtered,
    push_job_get,
    push_job_outcome_counts,
)
from .undo import undo_refusal

CHANGE_ROWS_PER_PAGE = 50
GRADE_ROWS_SHOWN = 100


def _job_for(request, pk: int) -> PushJob:
    from .views import _job

    return _job(request, pk)


def _kept_count(kept: dict, filters: dict) -> int | None:
    """The rows under these filters, from the job's kept counts (None: a mix of filters, not kept)."""
    if not filters:
        return kept["rows"]
    if len(filters) == 1:
        ((name, value),) = filters.items()
        return dict(kept["values"].get(name, [])).get(value, 0)
    return None


def change_section(request, job: PushJob) -> dict:
    """The change rows part of a job's page: filter form, a page of rows in words, download links.

    The choices and counts are the job's kept ones (pushjobs.change_choices), so a page reads no
    more than its 50 rows, however many the job holds; only a mix of filters is counted.
    """
    rows = job_change_rows(job)
    kept = change_choices_of(job)
    labels = {
        "school": lambda v: v,
        "course": lambda v: v,
        "data_type": type_label,
        "change": lambda v: CHANGE_LABELS.get(v, v),
    }
    choices = {name: [(v, labels[name](v)) for v, _n in found] for name, found in kept["values"].items()}
    form = ChangeFilterForm(request.GET if any(k in request.GET for k in labels) else None, choices=choices)
    filters = form.filters()
    page = ChangeRowsPaginator(
        change_rows_filtered(rows, filters=filters), CHANGE_ROWS_PER_PAGE, count=_kept_count(kept, filters)
    ).get_page(request.GET.get("changes_page"))
    names = change_rows_names(page.object_list)
    page.object_list = [change_row_words(row, names) for row in page.object_list]
    query = urlencode(filters)
    others = {k: v for k, v in request.GET.items() if k != "changes_page"}
    return {
        "change_form": form,
        "change_page": page,
        "change_filtered": bool(filters),
        "change_total": kept["rows"],
        "change_page_query": urlencode(others),
        "changes_csv_url": reverse("pushjobs:job_changes_csv", args=[job.pk]) + (f"?{query}" if query else ""),
        "changes_xlsx_url": reverse("pushjobs:job_changes_xlsx", args=[job.pk]) + (f"?{query}" if query else ""),
        # A large change log's XLSX is prepared in the background (catalog.large_downloads).
        "changes_xlsx_prepare": xlsx_prepare_fields(JOB_CHANGES, job=job.pk, query=query)
        if xlsx_too_large(page.paginator.count)
        else None,
        "removed_rows_url": reverse("pushjobs:job_detail", args=[job.pk]) + "?change=removed#changes",
    }


def _confirm_label(deletions) -> str:
    """R72: what the push deletes, in numbers, as the box to tick before it runs."""
    if not deletions.needs_confirmation:
        return ""
    if deletions.items == 0:
        return "I understand this push overwrites course and section setup, and wish to run it"
    items = ngettext("%(n)d item", "%(n)d items", deletions.items) % {"n": deletions.items}
    courses = ngettext("%(n)d course", "%(n)d courses", deletions.courses) % {"n": deletions.courses}
    sections = ngettext("%(n)d section", "%(n)d sections", deletions.sections) % {"n": deletions.sections}
    return f"I understand this push deletes {items} in {courses} and {sections}, and wish to run it"


def preview_detail(request, job: PushJob):
    """The page of a preview job: its progress, then what the push would change."""
    undo = job.previewed_kind == PushJob.UNDO
    context = {**job_status_context(user=request.user, job=job), "undo": undo}
    if job.status == PushJob.COMPLETED:
        deletions = preview_deletions(job=job)
        stale = preview_is_stale(job=job)
        initial = {k: request.GET[k] for k in ("run_date", "run_time", "priority") if request.GET.get(k)}
        run_form = PreviewRunForm(preview=job, confirm_label=_confirm_label(deletions), undo=undo, initial=initial)
        rows = job.result_rows.order_by("chunk_index", "position")
        attention = list(rows[:200])
        names = result_rows_names(attention)
        impact = preview_grade_impact(job=job)
        for row in attention:
            row.outcome_label = outcome_label(row.outcome, undo=job.previewed_kind == PushJob.UNDO)
            row.type_label = type_label(row.data_type) if row.data_type else ""
            row.item_label = item_label(row.data_type, row.item, names)
            row.detail_words = detail_in_words(row.detail, names)
        context.update(
            deletions=deletions,
            stale=stale,
            run_form=run_form,
            may_run=preview_run_refusal(user=request.user, job=job) is None,
            then_batch=request.GET.get("then") == BATCH,
            attention=attention,
            attention_total=rows.count(),
            outcome_counts=[(outcome_label(o, undo=undo), n) for o, n in push_job_outcome_counts(job=job)],
            grade_impact=impact,
            grade_rows=grade_rows_in_words(impact.rows[:GRADE_ROWS_SHOWN]) if impact and impact.rows else [],
            grade_rows_shown=GRADE_ROWS_SHOWN,
            **change_section(request, job),
        )
    context["computed_at"] = preview_computed_at(job)
    context["batch_processing_enabled"] = batch_processing_enabled()
    context["batch_off_message"] = BATCH_PROCESSING_OFF_MESSAGE
    if undo:
        context["undone_job"] = push_job_get(pk=job.options.get("job"))
    return render(request, "pushjobs/preview_detail.html", context)


@require_POST
def preview_run_view(request, pk: int):
    """Run this push (R71): the preview's options, Run Now or Submit to Batch; confirmed when it deletes (R72)."""
    preview = _job_for(request, pk)
    if not preview.is_preview or preview.status != PushJob.COMPLETED:
        raise Http404(f"Job {pk} is not a finished preview")
    undo = preview.previewed_kind == PushJob.UNDO
    deletions = preview_deletions(job=preview)
    form = PreviewRunForm(request.POST, preview=preview, confirm_label=_confirm_label(deletions), undo=undo)
    back = reverse("pushjobs:job_detail", args=[preview.pk])
    if not form.is_valid():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        # The refusal is the page's message, at its top: no #fragment that would scroll past it.
        messages.error(request, f"Not run: {problems}")
        return redirect(back)
    if deletions.needs_confirmation and preview_is_stale(job=preview):
        messages.error(request, "Not run: the data changed since this preview. Preview the push again first.")
        return redirect(back)
    options = preview_options(preview)
    action = form.cleaned_data["action"]
    try:
        if undo:
            job = push_job_undo_submit(user=request.user, job_id=options.job, run_now=True)
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
        messages.error(request, f"Not run: {error}.")
        return redirect(back)
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    job.refresh_from_db()
    if action == BATCH:
        when = timezone.localtime(job.scheduled_for).strftime("%m/%d/%Y %I:%M %p")
        text = f"Job {job.pk} submitted to batch for {when} ({job.get_priority_display().lower()} priority)."
    else:
        text = f"Job {job.pk} submitted to run now."
    text += f" Status: {job.get_status_display()}."
    if job.status == PushJob.QUEUED and not batch_processing_enabled():
        text += " " + BATCH_PROCESSING_OFF_MESSAGE
    messages.success(request, text)
    return redirect(reverse("pushjobs:job_detail", args=[job.pk]))


@require_POST
def preview_again_view(request, pk: int):
    """A fresh preview of the same options (the data changed since this one)."""
    preview = _job_for(request, pk)
    if not preview.is_preview:
        raise Http404(f"Job {pk} is not a preview")
    return _preview_submit(request, preview_options(preview))


def _preview_submit(request, options, *, then: dict | None = None):
    try:
        preview = push_job_preview_submit(user=request.user, options=options)
    except InputError as error:
        messages.error(request, f"Not previewed: {error}.")
        return redirect(request.META.get("HTTP_REFERER") or reverse("pushjobs:batch_queue"))
    except PermissionError as error:
        raise PermissionDenied(str(error)) from None
    return redirect(reverse("pushjobs:job_detail", args=[preview.pk]) + (f"?{urlencode(then)}" if then else ""))


@require_POST
def job_undo_preview_view(request, pk: int):
    """Undo on a completed job's page (R73): first a preview of the undo (what it would put back, conflicts)."""
    job = _job_for(request, pk)
    refusal = undo_refusal(request.user, job)
    if refusal:
        raise PermissionDenied(refusal)
    if job.is_preview or job.status != PushJob.COMPLETED:
        messages.error(request, f"Job {job.pk} cannot be undone: only a completed push or undo can.")
        return redirect(reverse("pushjobs:job_detail", args=[job.pk]))
    return _preview_submit(request, UndoOptions(job=job.pk))


def _download_filters(request) -> dict[str, str]:
    return {k: v for k, v in request.GET.items() if k in CHANGE_FILTERS and v}


def _download_rows(request, pk: int):
    job = _job_for(request, pk)
    return job, change_rows_filtered(job_change_rows(job), filters=_download_filters(request)).iterator(chunk_size=2000)


def job_changes_csv_view(request, pk: int):
    job, rows = _download_rows(request, pk)
    response = StreamingHttpResponse(change_rows_csv_lines(rows, job=job.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{change_rows_filename(job=job, fmt="csv")}"'
    return response


def job_changes_xlsx_view(request, pk: int):
    job = _job_for(request, pk)
    filters = _download_filters(request)
    found = change_rows_filtered(job_change_rows(job), filters=filters)
    count = _kept_count(change_choices_of(job), filters)
    if xlsx_too_large(found.count() if count is None else count):
        return xlsx_prepare_redirect(JOB_CHANGES, job=job.pk, query=urlencode(filters))
    rows = found.iterator(chunk_size=2000)
    out = io.BytesIO()
    change_rows_write_xlsx(rows, out, job=job.pk)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{change_rows_filename(job=job, fmt="xlsx")}"'
    return response
