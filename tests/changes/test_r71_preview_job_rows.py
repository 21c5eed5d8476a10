"""R71: a preview job stores exactly the change rows its push would write, every column of them
(pushjobs.previews.preview_changes_write, its own COPY), and costs queries per chunk, not per course
or row. Each property example runs in its own rolled-back transaction."""

from __future__ import annotations

from collections import Counter

import orjson
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.accounts import system_user
from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs.engine import MasterPushOptions, push_run, push_scope
from pushjobs.engine.bulk import json_text
from pushjobs.models import PreviewChange, PushJob, PushJobChunk
from pushjobs.previews import push_job_preview_submit
from pushjobs.submit import push_job_restart
from pushjobs.worker import _chunk_claim, _chunk_push, _ChunkTakenBack, push_job_prepare
from tests.engine.conftest import CATALOG, YEAR, district, load
from tests.engine.test_properties import PROPERTY_SETTINGS, course_options, districts, master_options

from .helpers import csv_form, run, stored

__all__ = ["district"]

any_options = st.one_of(master_options(), course_options())
# Every column a preview row stores but its id and job.
COLUMNS = [f.attname for f in PreviewChange._meta.concrete_fields if f.attname not in ("id", "job_id")]
JSON_COLUMNS = {"before", "after", "raw"}


def _preview(options, capture) -> PushJob:
    """A preview job as the web submits it, run by the batch queue's code (no broker: here)."""
    with capture(execute=True):
        job = push_job_preview_submit(user=system_user(), options=options)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED, job.error
    return job


def _stored_form(value, column):
    """A Change's value as the database gives it back (JSON through the encoder the rows use)."""
    if column in JSON_COLUMNS and value is not None:
        return orjson.loads(json_text(value))
    return value


def _preview_rows(job) -> Counter:
    return Counter(
        tuple(
            orjson.dumps(v, option=orjson.OPT_SORT_KEYS) if c in JSON_COLUMNS else v
            for c, v in zip(COLUMNS, row, strict=True)
        )
        for row in PreviewChange.objects.filter(job=job).values_list(*COLUMNS)
    )


def _dry_run_rows(changes) -> Counter:
    return Counter(
        tuple(
            orjson.dumps(_stored_form(getattr(c, col), col), option=orjson.OPT_SORT_KEYS)
            if col in JSON_COLUMNS
            else getattr(c, col)
            for col in COLUMNS
        )
        for c in changes
    )


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(doc=districts(), options=any_options)
def test_r71_a_preview_job_stores_every_column_of_the_rows_its_push_writes(
    db, doc, options, django_capture_on_commit_callbacks
):
    with transaction.atomic():
        load(doc)
        dry = push_run(options, dry_run=True, chunk_size=2)

        preview = _preview(options, django_capture_on_commit_callbacks)
        job, _ = run(options)

        # every stored column, ids and database values (what the grade impact reads) included
        assert _preview_rows(preview) == _dry_run_rows(dry.changes)
        # and in words, the rows the push then wrote
        assert csv_form(PreviewChange.objects.filter(job=preview).order_by("pk")) == csv_form(stored(job))
        transaction.set_rollback(True)


def test_r71_a_preview_chunk_whose_job_was_removed_meanwhile_keeps_no_rows(db):
    # given a preview job ready to run its one chunk
    district_import(district_generate(schools=1, masters=5, seed=3, unpushed=True))
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
    job = push_job_preview_submit(user=system_user(), options=options)  # the tick is not run
    PushJob.objects.filter(pk=job.pk).update(status=PushJob.PROCESSING)
    job.refresh_from_db()
    assert push_job_prepare(job_id=job.pk) == 1
    chunk = _chunk_claim(job, "token")

    # when its job row is deleted while the chunk runs (the chunk row's check waits for COMMIT)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pushjobs_pushjob WHERE id = %s", [job.pk])
    with pytest.raises(_ChunkTakenBack):
        _chunk_push(job, chunk, "token")

    # then the chunk wrote nothing: no preview row is left without its job
    assert not PreviewChange.objects.filter(job_id=job.pk).exists()
    assert PushJobChunk.objects.get(pk=chunk.pk).status == PushJobChunk.RUNNING
    PushJobChunk.objects.filter(job_id=job.pk).delete()  # its own check of its job ends the test otherwise


CHUNK = 5
# A push chunk's own bound (tests/changes/test_query_count.py), less the writes a preview does not
# make, plus its rows' one COPY.
PER_CHUNK = 70
PER_JOB = 90


@pytest.mark.parametrize("schools", [2, 8])
def test_r71_a_preview_jobs_queries_are_bounded_per_chunk(db, settings, schools, django_capture_on_commit_callbacks):
    settings.PUSH_CHUNK_SIZE = CHUNK
    district_import(district_generate(schools=schools, masters=20, seed=3, unpushed=True))
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
    chunks = -(-len(push_scope(options)) // CHUNK)

    with CaptureQueriesContext(connection) as previewed:
        job = _preview(options, django_capture_on_commit_callbacks)

    assert PreviewChange.objects.filter(job=job).count() > 100 * schools
    assert len(previewed) <= chunks * PER_CHUNK + PER_JOB, (len(previewed), chunks)


def test_r71_a_restarted_preview_stores_its_rows_once(district, django_capture_on_commit_callbacks):
    # given a preview job that ran to its end, then failed (as a worker that died at its end leaves it)
    load(district)
    options = MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True)
    job = _preview(options, django_capture_on_commit_callbacks)
    first = _preview_rows(job)
    assert first
    PushJob.objects.filter(pk=job.pk).update(status=PushJob.FAILED)

    # when it is restarted, its rows of the first run go with its report
    with django_capture_on_commit_callbacks(execute=True):
        push_job_restart(user=system_user(), job_id=job.pk)
    job.refresh_from_db()

    # and the run again stores each row once, as the first run did
    assert job.status == PushJob.COMPLETED, job.error
    assert _preview_rows(job) == first
