"""R82 from change rows: how a push's rows become the two setups the grades are compared under
(``pushjobs.grade_impact``, staged in PostgreSQL). An item named by several rows counts once, its
values before the first and after the last; a row that changes nothing a grade reads, and a
category made or removed, move no grade; rows may come from the same connection (a job's change
log read as it is staged)."""

from __future__ import annotations

import copy
import dataclasses
from decimal import Decimal

import pytest

from catalog.models import User
from catalog.setup_types import SECTION
from pushjobs.engine.api import CoursePushOptions
from pushjobs.engine.levels import type_level
from pushjobs.grade_impact import grade_impact_of_changes, job_grade_impact
from pushjobs.worker import push_job_run_inline
from tests.grades.gradebook import gradebook_section

PUSH = CoursePushOptions(school="101", year="22-23")


@pytest.fixture
def gradebook(db):
    return gradebook_section()


def _admin() -> User:
    return User.objects.get(username="admin1")


def _homework_change():
    """The dry run's one change of a grade's setup: section 1's Homework weight, 20 to 50."""
    _, dry = push_job_run_inline(user=_admin(), options=PUSH, dry_run=True)
    (change,) = [c for c in dry.changes if c.level == "section" and c.data_type == "categories" and c.raw["after"]]
    assert change.item_pk is not None
    return dry.changes, change


def _with_weight(change, *, before: str | None, after: str | None):
    """The change as if the weight had gone from ``before`` to ``after`` (None: no item)."""
    raw = copy.deepcopy(change.raw)
    weight = type_level("categories", SECTION).fields.index("weight")
    kind = type(change.raw["after"]["values"][weight])  # as the engine gives it
    for side, value in (("before", before), ("after", after)):
        if value is None:
            raw[side] = None
        else:
            raw[side] = copy.deepcopy(change.raw["after"])
            raw[side]["values"][weight] = kind(value)
    return dataclasses.replace(change, raw=raw)


def _moves(impact) -> list[tuple]:
    return [(r.student, r.item, r.before_percent, r.after_percent) for r in impact.rows]


def test_r82_an_item_changed_twice_counts_its_values_before_the_first_and_after_the_last(gradebook):
    changes, change = _homework_change()
    whole = _moves(grade_impact_of_changes(changes))
    assert ("s0001", "task:Q1G", Decimal("90.00"), Decimal("80.77")) in whole
    # when the same weight change comes as two rows, 20 to 35 and then 35 to 50
    twice = [_with_weight(change, before="20.00", after="35.00"), _with_weight(change, before="35.00", after="50.00")]
    # then the grades move from 20's to 50's, as for the one row, whichever rows come between
    assert _moves(grade_impact_of_changes(twice)) == whole
    # and a row that changes nothing a grade reads (the weight stays) moves no grade
    assert _moves(grade_impact_of_changes([_with_weight(change, before="20.00", after="20.00")])) == []
    # and a category made or removed (no item on one side) moves none either
    assert _moves(grade_impact_of_changes([_with_weight(change, before=None, after="50.00")])) == []
    assert _moves(grade_impact_of_changes([_with_weight(change, before="20.00", after=None)])) == []


def test_r83_a_jobs_impact_read_from_its_change_log_equals_its_dry_runs(gradebook):
    # given what the dry run says the push would do to grades
    changes, _ = _homework_change()
    would = grade_impact_of_changes(changes)
    would_summary, would_rows = would.summary, list(would.rows)
    assert would_summary.grades >= 2
    # when the push is applied and its impact read back from its change log (this connection's
    # rows, read in chunks while they are staged)
    job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    impact = job_grade_impact(job=job)
    # then it is the same
    assert impact.summary == would_summary
    assert list(impact.rows) == would_rows
