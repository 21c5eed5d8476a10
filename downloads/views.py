"""Prepared downloads' pages: the offer to prepare a large XLSX, the page of one prepared download
(being prepared, ready, or could not be), My downloads, and the file itself.

Thin views: every page is the signed-in person's own (another's download is a 404), and the file is
sent only after the check its direct download makes passes again (downloads.kinds).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from catalog.spreadsheets import XLSX_CONTENT_TYPE

from .forms import PrepareForm
from .kinds import Unavailable, download_kind
from .models import PreparedDownload
from .services import prepared_download_request

PER_PAGE = 50


def _refusal(error: Unavailable):
    return PermissionDenied(error.words) if error.refused else Http404(error.words)


def prepare_view(request):
    """GET (a large XLSX's direct link, bookmarked): what would be prepared, and a button to ask;
    POST: ask, and show the download's page."""
    form = PrepareForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        raise Http404("No such download.")
    what, scope = form.cleaned_data["what"], form.scope()
    try:
        if request.method == "POST":
            download = prepared_download_request(user=request.user, what=what, scope=scope)
            return redirect("downloads:detail", pk=download.pk)
        opened = download_kind(what).open(user=request.user, scope=scope)
    except Unavailable as error:
        raise _refusal(error) from None
    return render(
        request, "downloads/prepare.html", {"description": opened.description, "fields": {"what": what, **scope}}
    )


def _own(request, pk: int) -> PreparedDownload:
    return get_object_or_404(PreparedDownload, pk=pk, user=request.user)


def prepared_download_view(request, pk: int):
    return render(request, "downloads/detail.html", {"download": _own(request, pk)})


def my_downloads_view(request):
    page = Paginator(PreparedDownload.objects.filter(user=request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "downloads/list.html",
        {"page": page, "downloads": page.object_list, "retention_days": settings.PREPARED_DOWNLOAD_RETENTION_DAYS},
    )


def prepared_download_file_view(request, pk: int):
    download = _own(request, pk)
    if download.state != PreparedDownload.READY or not download.file:
        raise Http404("This download is not ready.")
    try:
        download_kind(download.what).open(user=request.user, scope=download.scope)
    except Unavailable as error:
        raise _refusal(error) from None
    try:
        stream = default_storage.open(download.file, "rb")
    except FileNotFoundError:
        raise Http404("This download's file has been deleted.") from None
    return FileResponse(stream, as_attachment=True, filename=download.filename, content_type=XLSX_CONTENT_TYPE)
