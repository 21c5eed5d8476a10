"""R70: every applied push records one change row per thing it changed, in the transaction of
the change; R72: the result report names every removed item with its former values."""

from __future__ import annotations

import pytest

from pushjobs.engine import CoursePushOptions, MasterPushOptions
from pushjobs.models import ChangeRow, PushResultRow
from tests.engine.conftest import (
    BASE,
    CATALOG,
    YEAR,
    assignment,
    category,
    course,
    district,
    load,
    master,
    master_item_remove,
    pushed,
    reload,
    section,
)

from .helpers import by_change, run, stored

pytestmark = pytest.mark.django_db
__all__ = ["district"]  # the fixture, imported


def _master(**kw):
    kw.setdefault("year", YEAR)
    kw.setdefault("catalog", CATALOG)
    return MasterPushOptions(**kw)


def test_r70_first_push_logs_every_created_item_and_attribute():
    import copy

    load(copy.deepcopy(BASE))
    job, outcome = run(_master(to_sections=True))
    rows = stored(job)

    created = {(r.level, r.data_type, r.item) for r in by_change(rows, "created")}
    assert ("course", "categories", "Homework") in created
    assert ("section", "categories", "Tests") in created
    assert ("course", "grade_calc_options", "task:S1 Q1") in created
    homework = next(r for r in rows if r.level == "section" and r.item == "Homework")
    assert homework.before is None
    assert homework.after == {
        "name": "Homework",
        "weight": "20.00",
        "sequence": 1,
        "drop_lowest": 0,
        "excluded": False,
        "state": "linked",
        "source": "Homework",
    }
    assert (homework.school, homework.calendar, homework.course, homework.section, homework.teacher) == (
        "101 North High",
        "22-23",
        "ENG9",
        "1",
        "jdoe",
    )
    attributes = {(r.item, r.after[r.item]) for r in rows if r.data_type == "course_info"}
    assert ("state_code", "01001") in attributes and ("credits", "1.00") in attributes
    # one row per created item, as the summary counts them
    assert len(by_change(rows, "created")) == outcome.summary.items_created


def test_r70_r72_removed_renamed_and_kept_residual_are_logged_and_reported(district):
    # given a pushed district whose section has a teacher category "tests" and a course local
    # "Homework" clash, and the master drops "Tests" while a section assignment uses it
    doc = pushed(district)
    master_item_remove(doc, "categories", "Tests")
    m = master(doc)
    m["categories"] = [category("Homework", "25.00", 1), category("Labs", "5.00", 3)]
    s = section(doc)
    s["categories"].append({**category("Scratch", "1.00", 9), "state": "teacher", "source": None})
    s["assignments"] = [assignment("Essay", category="Tests")]
    reload(doc)

    # when an overwrite push to sections runs
    job, _ = run(_master(mode="overwrite", to_sections=True))

    rows = stored(job)
    kinds = {(r.level, r.item, r.change) for r in rows if r.data_type == "categories"}
    assert ("course", "Homework", "updated") in kinds
    assert ("course", "Labs", "created") in kinds
    assert ("section", "Scratch", "removed") in kinds  # a teacher item not in use (R21)
    assert ("section", "Tests", "kept_residual") in kinds  # in use
    scratch = next(r for r in rows if r.item == "Scratch")
    assert scratch.after is None and scratch.before["state"] == "teacher"
    # R72: the result report names the removed item with its former values
    report = PushResultRow.objects.filter(job=job, outcome="removed")
    assert [(r.section, r.item) for r in report] == [("1", "Scratch")]
    assert '"weight": "1.00"' in report[0].detail


def test_r70_nothing_changed_nothing_logged(district):
    pushed(district)
    job, outcome = run(_master(mode="overwrite", to_sections=True))
    assert outcome.summary.courses_changed == 0
    assert not ChangeRow.objects.filter(job=job).exists()


def test_r70_teacher_category_renamed_and_advisory(district):
    doc = pushed(district)
    s = section(doc)
    s["categories"] = [c for c in s["categories"] if c["name"] != "Tests"]
    s["categories"].append({**category("tests", "3.00", 5), "state": "teacher", "source": None})
    course(doc)["attributes"]["advisory"] = True
    reload(doc)

    job, _ = run(CoursePushOptions(school="101", year=YEAR))

    rows = stored(job)
    renamed = by_change(rows, "renamed")
    assert [(r.item, r.before["name"], r.after["name"]) for r in renamed] == [("tests (1)", "tests", "tests (1)")]
    assert ("section", "Tests", "created") in {(r.level, r.item, r.change) for r in rows}
    advisory = [r for r in rows if r.data_type == "advisory"]
    assert [(r.before, r.after) for r in advisory] == [({"advisory": False}, {"advisory": True})]
