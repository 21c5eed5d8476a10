"""Imports and pushes exclude each other (issue 11, item 7): an import that replaces the district
waits for a push chunk that is writing, and a job whose rows the import took away ends quietly
instead of dying with a traceback."""

from __future__ import annotations

import threading

from django.db import connection, transaction

from catalog.district_lock import district_shared_lock
from exchange.district import district_export, district_import
from pushjobs.models import PushJob
from pushjobs.worker import _push_job_prepare, push_job_work_chunk

from .conftest import job_waiting_for_worker, master_push


def test_an_import_replacing_the_district_waits_for_a_push_that_is_writing(committed_district):
    document = district_export()
    chunk_holds = threading.Event()
    release = threading.Event()
    import_waits = threading.Event()
    errors: list[BaseException] = []

    def running_chunk():
        # What every push chunk does first, in its own transaction, on its own connection.
        try:
            with transaction.atomic():
                district_shared_lock()
                chunk_holds.set()
                release.wait(timeout=120)
        finally:
            connection.close()

    def importing():
        try:
            district_import(document, replace=True, on_wait=import_waits.set)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    chunk = threading.Thread(target=running_chunk)
    chunk.start()
    assert chunk_holds.wait(timeout=60)
    importer = threading.Thread(target=importing)
    importer.start()

    # then the import says it waits, and does wait, while the chunk holds the district
    assert import_waits.wait(timeout=60)
    assert importer.is_alive()
    release.set()
    chunk.join(timeout=60)
    importer.join(timeout=120)
    assert not importer.is_alive()
    assert errors == []


def test_a_job_that_an_import_took_away_ends_quietly(committed_district):
    job = job_waiting_for_worker(user=committed_district.district_admin, options=master_push())
    PushJob.objects.filter(pk=job.pk).update(status=PushJob.PROCESSING)
    job.refresh_from_db()
    # when an import replaces the district (jobs included) while a worker holds the job, read
    # just before, and is about to split it into chunks
    district_import(district_export(), replace=True)
    assert not PushJob.objects.filter(pk=job.pk).exists()

    # then the worker finds nothing to do, and says so without an error
    assert _push_job_prepare(job) is False
    assert push_job_work_chunk(job_id=job.pk) is False
