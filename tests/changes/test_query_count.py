"""The change log, undo and teachers' notifications cost queries per chunk, not per course,
section or item (STYLE.md; as tests/engine/test_query_count.py for the push itself)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs.engine import MasterPushOptions, UndoOptions, push_scope
from pushjobs.models import ChangeRow
from tests.engine.conftest import district, north_high_courses

from .helpers import run

__all__ = ["district"]

CHUNK = 5
# A push chunk's own bound (tests/engine/test_query_count.py) plus the job's chunk bookkeeping,
# the change log's reads (teachers, names, cleared links) and its one COPY.
PER_CHUNK = 70
# Per job: options, scope, job rows, chunk split, finish, notifications.
PER_JOB = 90


@pytest.mark.parametrize("schools", [2, 8])
def test_change_log_and_undo_queries_are_bounded_per_chunk(db, settings, schools):
    settings.PUSH_CHUNK_SIZE = CHUNK
    district_import(district_generate(schools=schools, masters=20, seed=3, unpushed=True))
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
    chunks = -(-len(push_scope(options)) // CHUNK)

    with CaptureQueriesContext(connection) as pushed:
        job, _ = run(options)
    rows = ChangeRow.objects.filter(job=job).count()
    assert rows > 100 * schools
    assert len(pushed) <= chunks * PER_CHUNK + PER_JOB, (len(pushed), chunks)

    with CaptureQueriesContext(connection) as undone:
        undo, outcome = run(UndoOptions(job=job.pk))
    assert outcome.summary.courses_failed == 0
    assert ChangeRow.objects.filter(job=undo).count() == rows
    assert len(undone) <= chunks * PER_CHUNK + PER_JOB, (len(undone), chunks)
    print(f"schools={schools} chunks={chunks} rows={rows} push={len(pushed)} undo={len(undone)}")

    # And one chunk holding every course costs what one chunk costs, push and undo alike.
    settings.PUSH_CHUNK_SIZE = 10_000
    with CaptureQueriesContext(connection) as redone:
        redo, outcome = run(UndoOptions(job=undo.pk))
    assert outcome.summary.courses_failed == 0, outcome.rows[:3]
    assert ChangeRow.objects.filter(job=redo).count() == rows
    assert len(redone) <= PER_CHUNK + PER_JOB, len(redone)
    print(f"one chunk: undo of the undo={len(redone)}")


@pytest.mark.parametrize("pairs", [1, 12])
def test_r16_r73_a_push_and_undo_of_courses_trading_numbers_cost_what_one_chunk_costs(district, pairs):
    # given courses trading numbers two by two, in one chunk
    north_high_courses(
        district, [(f"A{i}", f"B{i}") for i in range(pairs)] + [(f"B{i}", f"A{i}") for i in range(pairs)]
    )
    options = MasterPushOptions(year="22-23", catalog="High School Catalog", mode="overwrite", to_sections=True)

    with CaptureQueriesContext(connection) as pushed:
        job, outcome = run(options)
    assert outcome.summary.courses_changed == 2 * pairs and outcome.summary.courses_failed == 0
    assert ChangeRow.objects.filter(job=job, item="number").count() == 2 * pairs
    with CaptureQueriesContext(connection) as undone:
        _, outcome = run(UndoOptions(job=job.pk))
    assert outcome.summary.courses_changed == 2 * pairs and outcome.summary.courses_failed == 0

    assert len(pushed) <= PER_CHUNK + PER_JOB, len(pushed)
    assert len(undone) <= PER_CHUNK + PER_JOB, len(undone)
    print(f"pairs={pairs} push={len(pushed)} undo={len(undone)}")
