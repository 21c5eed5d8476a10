"""Celery tasks of prepared downloads: thin, ids only, the work is in ``downloads.services``.

Without a broker (development) they run in the process that asks, when its transaction commits,
as every task of the project does (config/settings.py).
"""

from celery import shared_task

from .services import PREPARE_TASK, REMOVE_EXPIRED_TASK, prepared_download_build, prepared_downloads_remove_expired


@shared_task(name=PREPARE_TASK, ignore_result=True)
def prepared_download_prepare(download_id: int) -> None:
    prepared_download_build(download_id=download_id)


@shared_task(name=REMOVE_EXPIRED_TASK, ignore_result=True)
def prepared_downloads_clean_up() -> None:
    """Beat, hourly: delete prepared downloads past their retention (settings.PREPARED_DOWNLOAD_RETENTION_DAYS)."""
    prepared_downloads_remove_expired()
