"""R16 with R70, R73, R74: a push that traded course numbers logs each course's number change,
shows it in the courses' History, and its undo trades the numbers back; a course of the trade
that cannot be undone leaves the others of it as they are."""

from __future__ import annotations

import pytest

from courses.models import Course
from history.selectors import COURSE, history_rows, history_target
from pushjobs.engine import MasterPushOptions, UndoOptions
from pushjobs.models import PushResultRow
from tests.engine.conftest import CATALOG, YEAR, district, exported, north_high_courses, refuse_categories_of

from .helpers import csv_form, run, stored

pytestmark = pytest.mark.django_db
__all__ = ["district"]

TRADES = {
    "two": [("A", "B"), ("B", "A")],
    "three": [("A", "B"), ("B", "C"), ("C", "A")],
}


def _options():
    return MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True)


def _numbers():
    """Each course's number, by its master's number."""
    return {c["master"]: c["number"] for c in exported()["courses"]}


@pytest.mark.parametrize("trade", TRADES)
def test_r73_an_undo_trades_the_numbers_back(district, settings, trade):
    # given a push job, one course a chunk, in which courses traded numbers
    settings.PUSH_CHUNK_SIZE = 1
    north_high_courses(district, TRADES[trade])
    before = exported()
    job, outcome = run(_options())
    assert _numbers() == {m: m for _, m in TRADES[trade]}  # the job kept the calendar in one chunk
    assert outcome.summary.courses_failed == 0

    undo, outcome = run(UndoOptions(job=job.pk))

    assert exported() == before
    assert outcome.summary.courses_failed == 0
    assert not PushResultRow.objects.filter(job=undo, outcome__in=["conflict", "failed_error"]).exists()
    numbers = sorted((r.course, r.before["number"], r.after["number"]) for r in stored(undo) if r.item == "number")
    assert numbers == sorted((m, m, n) for n, m in TRADES[trade])


def test_r70_r71_r74_each_course_of_a_trade_logs_its_number_change(district):
    north_high_courses(district, TRADES["two"])
    ids = dict(Course.objects.values_list("number", "pk"))
    _, preview = run(_options(), dry_run=True)

    job, _ = run(_options())

    logged = [r for r in stored(job) if r.item == "number"]
    assert sorted((r.course_pk, r.course, r.change, r.before, r.after) for r in logged) == sorted(
        [
            (ids["A"], "A", "updated", {"number": "A"}, {"number": "B"}),
            (ids["B"], "B", "updated", {"number": "B"}, {"number": "A"}),
        ]
    )
    # the preview said exactly what the push then did (R71)
    assert csv_form(preview.changes) == csv_form(stored(job))
    # and each course's History shows its own number change (R74)
    for number, now in (("A", "B"), ("B", "A")):
        history = history_rows(target=history_target(level=COURSE, pk=ids[number]))
        assert [(h["h_before"], h["h_after"]) for h in history if h["h_item"] == "number"] == [
            ({"number": number}, {"number": now})
        ]


def test_r73_a_course_of_a_trade_that_changed_since_leaves_the_others_not_undone(district):
    # given three courses that traded numbers (A took B's, B C's, C A's), and the one now
    # numbered A renamed since
    north_high_courses(district, TRADES["three"])
    job, _ = run(_options())
    pushed = sorted(Course.objects.values_list("number", "name"))
    Course.objects.filter(number="A").update(name="Renamed")
    _, dry = run(UndoOptions(job=job.pk), dry_run=True)

    undo, outcome = run(UndoOptions(job=job.pk))

    # nobody's number goes back: each would take the number of a course that keeps it
    assert sorted(Course.objects.values_list("number", flat=True)) == ["A", "B", "C"]
    assert sorted(Course.objects.exclude(number="A").values_list("number", "name")) == [
        x for x in pushed if x[0] != "A"
    ]
    assert outcome.summary.courses_failed == 3 and outcome.summary.courses_changed == 0
    details = dict(PushResultRow.objects.filter(job=undo, outcome="conflict").values_list("course", "detail"))
    assert details == {
        "A": "not undone: its Name is now Renamed, not Course A",
        "B": 'not undone: its number "A" is now used by another course of this calendar, which keeps it',
        "C": 'not undone: its number "B" is now used by another course of this calendar, which keeps it',
    }
    assert not PushResultRow.objects.filter(job=undo, outcome="failed_error").exists()
    # and the dry run said so (R71)
    assert {r.course: r.detail for r in dry.rows} == details


@pytest.mark.parametrize("failing", ["C2", "B"])
def test_r12_r73_an_undo_redone_course_by_course_trades_numbers_back_or_leaves_the_trade_whole(district, failing):
    # given a push in which A and B traded numbers and C moved to C2, then an undo whose writes
    # fail for one course: the chunk is redone course by course
    north_high_courses(district, [("A", "B"), ("B", "A"), ("C", "C2")])
    job, _ = run(_options())
    pushed = sorted(Course.objects.values_list("number", "name"))
    refuse_categories_of(failing, on="DELETE")

    undo, outcome = run(UndoOptions(job=job.pk))

    failed = dict(PushResultRow.objects.filter(job=undo, outcome="failed_error").values_list("course", "detail"))
    numbers = sorted(Course.objects.values_list("number", "name"))
    if failing == "C2":
        # A and B are written together, and trade their numbers back
        assert list(failed) == ["C2"] and "refused by test trigger" in failed["C2"]
        assert numbers == [("A", "A"), ("B", "B"), ("C2", "Course C2")]
    else:
        # the course now numbered B fails, so the one now numbered A cannot take B back: both stay
        assert sorted(failed) == ["A", "B"]
        assert "refused by test trigger" in failed["B"]
        assert failed["B"].endswith("; left as it was together with A: this undo passes numbers between them")
        assert failed["A"].endswith("; left as it was together with B: this undo passes numbers between them")
        assert numbers == [("A", "Course A"), ("B", "Course B"), ("C", "C")]
        assert [n for n in pushed if n[0] in "AB"] == numbers[:2]  # as the push left them
