"""The Import page (district admins): upload a OneRoster package or Ed-Fi files, see the dry run's
summary, apply it as a queued job and follow it; and the OneRoster 1.2 export's download."""

from __future__ import annotations

import re
import tempfile

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from catalog.errors import InputError
from catalog.web_access import require_district_admin

from .forms import ExportForm, ImportForm
from .imports import import_job_apply, import_job_submit, upload_max_bytes
from .models import ImportJob
from .oneroster.exporter import oneroster_export, oneroster_zip_write

WHAT = "the Import page"
# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def _import_page(
    request, form: ImportForm, export_form: ExportForm | None = None, status: int = 200, upload_error: str = ""
):
    jobs = Paginator(ImportJob.objects.select_related("requested_by"), 10).get_page(request.GET.get("page"))
    context = {"form": form, "export_form": export_form or ExportForm(), "jobs": jobs, "upload_error": upload_error}
    return render(request, "interop/import.html", context, status=status)


def import_view(request):
    require_district_admin(request.user, WHAT)
    if request.method != "POST":
        return _import_page(request, ImportForm())
    # Refused before the body is read: a file over the limit is not even stored in a temporary file.
    if int(request.META.get("CONTENT_LENGTH") or 0) > upload_max_bytes() + FORM_OVERHEAD_BYTES:
        error = f"The file is larger than the Import page takes ({upload_max_bytes() // 2**20} MB)."
        return _import_page(request, ImportForm(), status=413, upload_error=error)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    upload = form.cleaned_data["package"]
    job = import_job_submit(
        user=request.user, options=form.options(), file_name=upload.name, content=b"".join(upload.chunks())
    )
    return redirect("interop:import_job", pk=job.pk)


def _job(request, pk: int) -> ImportJob:
    require_district_admin(request.user, WHAT)
    return get_object_or_404(ImportJob.objects.select_related("requested_by", "applied_by"), pk=pk)


def _rows(summary: dict) -> list[tuple[str, int]]:
    # Sorted here: a JSON column keeps no key order.
    return [(what[:1].upper() + what[1:], n) for what, n in sorted(summary.get("counts", {}).items())]


def import_job_view(request, pk: int):
    job = _job(request, pk)
    context = {
        "job": job,
        "dry_run_rows": _rows(job.dry_run),
        "result_rows": _rows(job.result),
        "progress": _progress(job),
    }
    return render(request, "interop/import_job.html", context)


def _progress(job: ImportJob) -> dict:
    state = job.progress or {}
    total = state.get("total")
    done = state.get("done") or 0
    return {
        "what": state.get("what", ""),
        "done": done,
        "total": total,
        "percent": min(100, round(100 * done / total)) if total else None,
    }


def import_job_status_view(request, pk: int):
    """What the page's script polls while a step runs: the status and how far it is."""
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "moving": job.is_moving,
            **_progress(job),
        }
    )


@require_POST
def import_job_apply_view(request, pk: int):
    job = _job(request, pk)
    if import_job_apply(user=request.user, job=job):
        messages.success(request, f"Import {job.pk} is queued: it runs as soon as a worker is free.")
    else:
        messages.error(request, f"Import {job.pk} is not waiting to be applied (it is {job.get_status_display()}).")
    return redirect("interop:import_job", pk=job.pk)


def export_oneroster_view(request):
    """The year's (or one school's) OneRoster 1.2 package as a ZIP, written to a temporary file and
    streamed from it, so the response does not hold the ZIP in memory."""
    require_district_admin(request.user, WHAT)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _import_page(request, ImportForm(), form, status=400)
    year = form.cleaned_data["year"].name
    school = form.cleaned_data["school"]
    try:
        files = oneroster_export(year=year, school=school.number if school else None)
    except InputError as error:
        form.add_error(None, str(error))
        return _import_page(request, ImportForm(), form, status=400)
    out = tempfile.TemporaryFile()
    oneroster_zip_write(files, out)
    del files
    out.seek(0)
    name = "-".join(["oneroster", year, *([school.number] if school else [])])
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
    return FileResponse(out, as_attachment=True, filename=f"{name}.zip", content_type="application/zip")
