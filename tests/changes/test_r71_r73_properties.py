"""Property tests over the generated districts of tests/engine/test_properties.py: a dry run
produces exactly the change rows the push writes (R71), and push then undo leaves the district
as it was, undo of the undo as pushed (R73). Each example runs in its own rolled-back transaction."""

from __future__ import annotations

from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from pushjobs.engine import UndoOptions, push_run
from tests.engine.conftest import exported, load
from tests.engine.test_properties import PROPERTY_SETTINGS, course_options, districts, master_options

from .helpers import csv_form, run, stored

any_options = st.one_of(master_options(), course_options())


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(doc=districts(), options=any_options)
def test_r71_dry_run_rows_are_the_rows_the_push_writes(db, doc, options):
    with transaction.atomic():
        load(doc)
        preview = push_run(options, dry_run=True, chunk_size=2)

        job, outcome = run(options)

        assert csv_form(preview.changes) == csv_form(stored(job))
        transaction.set_rollback(True)


@settings(PROPERTY_SETTINGS, max_examples=18)
@given(doc=districts(), options=any_options)
def test_r73_push_then_undo_is_the_district_before_and_undo_of_undo_is_the_push(db, doc, options):
    with transaction.atomic():
        load(doc)
        before = exported()
        job, _ = run(options)
        after = exported()

        undo, outcome = run(UndoOptions(job=job.pk))
        assert outcome.summary.courses_failed == 0, outcome.rows
        assert exported() == before

        redo, outcome = run(UndoOptions(job=undo.pk))
        assert outcome.summary.courses_failed == 0, outcome.rows
        assert exported() == after
        transaction.set_rollback(True)
