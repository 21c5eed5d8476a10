"""Prepared downloads: asked for in the web request, put together by a worker, fetched, deleted.

    prepared_download_request(user=..., what=..., scope=...) -> PreparedDownload   checked, recorded, sent
    prepared_download_build(download_id=...)                                        the worker's part
    prepared_downloads_remove_expired(now=...) -> int                               the retention clean-up
                                                                                    (and files no row names)

The row is the truth and the message only a hint ("prepare download N"), as the batch queue's
are: a message delivered twice finds the row ready and does nothing.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import User
from pushjobs.messages import FOLLOW_UP_PRIORITY

from .kinds import Unavailable, download_kind
from .models import PreparedDownload

logger = logging.getLogger(__name__)

PREPARE_TASK = "downloads.prepared_download_prepare"
REMOVE_EXPIRED_TASK = "downloads.prepared_downloads_remove_expired"
# Under the default storage's root, and never under MEDIA_URL's: nothing serves this folder, a
# prepared file is sent only by downloads.views.prepared_download_file_view, to the one who asked.
FOLDER = "private/prepared-downloads"
# A download still being prepared this long after it was asked for has lost its message (a broker
# emptied, say): the clean-up says so, and a new click asks again.
GIVE_UP_AFTER = timedelta(hours=24)
LOST = "It was not put together in time. Ask for it again; if that fails too, tell your system administrator."
BROKEN = (
    "Something went wrong while the file was put together. Ask for it again; if it fails again, "
    "tell your system administrator."
)


def prepared_download_request(*, user: User, what: str, scope: dict[str, str]) -> PreparedDownload:
    """Record the download, checked as its direct download is (kinds.Unavailable if the person may
    not have it), and ask a worker to prepare it after commit; the same download if it is still
    being prepared (a second click)."""
    kind = download_kind(what)
    opened = kind.open(user=user, scope=scope)
    waiting = PreparedDownload.objects.filter(user=user, what=what, scope=scope, state=PreparedDownload.PREPARING)
    download = waiting.first()
    if download is not None:
        return download
    download = PreparedDownload.objects.create(
        user=user, what=what, scope=scope, description=opened.description[:600], filename=opened.filename
    )
    signature = current_app.signature(PREPARE_TASK, args=(download.pk,), priority=FOLLOW_UP_PRIORITY)
    transaction.on_commit(signature.apply_async)
    return download


def prepared_download_build(*, download_id: int) -> None:
    """Put the file together with the direct download's writer, spooled on disk, and store it;
    checked again for the person who asked (they may have lost the right since). A failure is
    recorded in words (the log has the trace)."""
    download = (
        PreparedDownload.objects.filter(pk=download_id, state=PreparedDownload.PREPARING).select_related("user").first()
    )
    if download is None:
        return  # ready, failed or deleted: a message delivered twice
    name = f"{FOLDER}/{download.user_id}/{download.pk}/{download.filename}"
    try:
        kind = download_kind(download.what)
        opened = kind.open(user=download.user, scope=download.scope)
        with tempfile.TemporaryFile() as spool:
            kind.write(opened.subject, spool)
            size = spool.tell()
            spool.seek(0)
            default_storage.delete(name)  # a redelivered message's earlier try
            name = default_storage.save(name, File(spool, name=download.filename))
    except Unavailable as error:
        _fail(download, error.words)
        return
    except Exception:
        logger.exception("prepared download %s failed", download.pk)
        _fail(download, BROKEN)
        return
    ready = PreparedDownload.objects.filter(pk=download.pk, state=PreparedDownload.PREPARING).update(
        state=PreparedDownload.READY, file=name, size=size, finished_at=timezone.now()
    )
    if not ready:
        default_storage.delete(name)  # deleted while it was put together


def _fail(download: PreparedDownload, words: str) -> None:
    PreparedDownload.objects.filter(pk=download.pk, state=PreparedDownload.PREPARING).update(
        state=PreparedDownload.FAILED, error=words, finished_at=timezone.now()
    )


def prepared_downloads_remove_expired(*, now: datetime | None = None) -> int:
    """Delete the files and rows of downloads finished (or asked for) more than
    settings.PREPARED_DOWNLOAD_RETENTION_DAYS ago; how many rows went. One still being prepared
    after GIVE_UP_AFTER could not be prepared (its message was lost)."""
    now = now or timezone.now()
    PreparedDownload.objects.filter(state=PreparedDownload.PREPARING, requested_at__lt=now - GIVE_UP_AFTER).update(
        state=PreparedDownload.FAILED, error=LOST, finished_at=now
    )
    cutoff = now - timedelta(days=settings.PREPARED_DOWNLOAD_RETENTION_DAYS)
    expired = PreparedDownload.objects.annotate(since=Coalesce("finished_at", "requested_at")).filter(since__lt=cutoff)
    for name in expired.exclude(file="").values_list("file", flat=True).iterator():
        default_storage.delete(name)
    removed = expired.delete()[0]
    _orphans_remove()
    return removed


def _orphans_remove() -> None:
    """Delete the files that no row names any more: their person was deleted (the rows go with them)
    or the district was imported again (its users truncated). Files live at FOLDER/user/download/."""
    if not default_storage.exists(FOLDER):
        return
    users, _ = default_storage.listdir(FOLDER)
    found = []  # (download id, its folder)
    for user in users:
        downloads, _ = default_storage.listdir(f"{FOLDER}/{user}")
        found += [(int(d), f"{FOLDER}/{user}/{d}") for d in downloads if d.isdigit()]
    kept = set(PreparedDownload.objects.filter(pk__in=[pk for pk, _ in found]).values_list("pk", flat=True))
    for pk, folder in found:
        if pk not in kept:
            for name in default_storage.listdir(folder)[1]:
                default_storage.delete(f"{folder}/{name}")
