"""R53 Course Audit: every linked course with its state (R8, R9), one row per item that
differs from its master (master value beside course value) and the action that fixes it."""

import pytest

from pushjobs.engine import MasterPushOptions, push_run
from reports.filters import COURSE_STATES, report_filters_resolve
from reports.selectors import report_get

from .conftest import CATALOG, YEAR, category, course, load, master, pushed_course, section

KIND = "course-audit"


def audit(**filters):
    return report_get(filters=report_filters_resolve(kind=KIND, year=YEAR, **filters))


def course_rows(**filters):
    return {r["school"]: r for r in audit(**filters).row_dicts() if r["row"] == "course"}


def item_rows(**filters):
    return [r for r in audit(**filters).row_dicts() if r["row"] == "item"]


def test_r53_in_sync_courses_have_a_course_row_and_no_item_rows(district):
    load(district)
    rows = list(audit().row_dicts())
    assert [(r["row"], r["school"], r["state"]) for r in rows] == [
        ("course", "101 North High", "in_sync"),
        ("course", "102 South High", "in_sync"),
    ]


def test_r9_unlinked_item_of_a_locked_type_desyncs_the_course(district):
    tests = course(district)["categories"][1]
    tests.update(state="unlinked", weight="70.00")  # edited at the course while categories were unlocked
    load(district)

    assert course_rows()["101 North High"]["state"] == "desynced"
    assert course_rows()["102 South High"]["state"] == "in_sync"
    [row] = item_rows()
    assert (row["data_type"], row["item"], row["change"], row["course_item_state"]) == (
        "categories",
        "Tests",
        "unlinked",
        "unlinked",
    )
    assert (row["master_value"], row["course_value"]) == ("weight: 80", "weight: 70")
    assert row["locked"] == "yes"
    assert "overwrite mode" in row["action"]
    assert "overwrite mode" in course_rows()["101 North High"]["action"]


def test_r9_remembered_deletion_desyncs_the_course(district):
    c = course(district)
    c["categories"] = c["categories"][:1]  # Tests was deleted at the course...
    c["desynced"] = ["categories"]  # ...while categories were unlocked
    for number in ("1", "2"):
        section(district, number)["categories"][1]["source"] = None  # its course item is gone
    load(district)

    assert course_rows()["101 North High"]["state"] == "desynced"
    changes = {(r["item"], r["change"]) for r in item_rows()}
    assert changes == {("Tests", "added"), ("", "deleted")}
    deleted = next(r for r in item_rows() if r["change"] == "deleted")
    assert "deleted at the course" in deleted["course_value"]
    assert "restores" in deleted["action"]


def test_r53_unlinked_item_of_an_unlocked_type_is_course_controlled(district):
    district["catalogs"][0]["locks"]["types"].remove("standards")
    course(district)["standards"][0].update(state="unlinked", score_group="A-F")
    load(district)

    assert course_rows()["101 North High"]["state"] == "course_controlled"
    [row] = item_rows()
    assert (row["item"], row["change"], row["locked"]) == ("standard:ELA.W.1", "unlinked", "no")


def test_r8_changed_master_makes_courses_awaiting_push_never_desynced(district):
    master(district)["categories"].append(category("Labs", "5.00", 3))
    load(district)

    states = {school: r["state"] for school, r in course_rows().items()}
    assert states == {"101 North High": "awaiting_push", "102 South High": "awaiting_push"}
    assert {(r["item"], r["change"], r["master_value"], r["course_value"]) for r in item_rows()} == {
        ("Labs", "added", "weight: 5; sequence: 3; drop lowest: 0; excluded from grade: No", "")
    }


def test_r11_ignored_course(district):
    district["courses"][1] = pushed_course("102", ignore_master_push=True)
    master(district)["categories"][0]["weight"] = "25.00"
    load(district)

    row = course_rows()["102 South High"]
    assert row["state"] == "ignored"
    assert "Ignore Master Push" in row["action"]
    ignored_items = [r for r in item_rows() if r["school"] == "102 South High"]
    assert [r["item"] for r in ignored_items] == ["Homework"]
    assert all("Ignore Master Push" in r["action"] for r in ignored_items)


def test_r53_counts_per_state_and_state_filter(district):
    course(district, "101")["grading_tasks"][0].update(state="unlinked", credit="1.00")
    district["courses"][1] = pushed_course("102", ignore_master_push=True)
    load(district)

    report = audit()
    states = report.summary()["states"]
    assert set(states) == set(COURSE_STATES)
    assert (states["desynced"], states["ignored"], states["in_sync"]) == (1, 1, 0)
    assert list(course_rows(state="ignored")) == ["102 South High"]
    assert list(course_rows(state="in_sync")) == []
    # The counts are of the whole scope, whatever the state filter shows.
    assert audit(state="ignored").summary()["states"]["desynced"] == 1


def test_r53_filters_master_school_and_type(district):
    district["courses"].append(
        {"calendar": {"school": "201", "year": YEAR}, "number": "ENG7", "name": "English 7", "master": "ENG7"}
    )
    load(district)

    assert {r["course"] for r in audit(catalog="Middle School Catalog").row_dicts()} == {"ENG7"}
    assert set(course_rows(catalog=CATALOG, master="ENG9")) == {"101 North High", "102 South High"}
    assert set(course_rows(school="102")) == {"102 South High"}
    # ENG7's master has a category the course lacks: awaiting push, and the type filter keeps it.
    assert {r["item"] for r in item_rows(setup_type="categories")} == {"Work"}
    assert item_rows(setup_type="standards") == []


@pytest.mark.parametrize("mode", ["overwrite"])
def test_r15_overwrite_push_relinks_the_desynced_course(district, mode):
    c = course(district)
    c["categories"][1].update(state="unlinked", weight="70.00")
    c["desynced"] = ["standards"]
    c["standards"] = []
    master(district)["categories"][0]["weight"] = "25.00"
    load(district)
    assert course_rows()["101 North High"]["state"] == "desynced"

    push_run(MasterPushOptions(year=YEAR, catalog=CATALOG, mode=mode))

    assert {r["state"] for r in course_rows().values()} == {"in_sync"}
    assert item_rows() == []


def test_r14_push_mode_leaves_the_desynced_course_desynced(district):
    course(district)["categories"][1].update(state="unlinked", weight="70.00")
    load(district)

    outcome = push_run(MasterPushOptions(year=YEAR, catalog=CATALOG))

    assert outcome.summary.courses_failed == 1
    assert course_rows()["101 North High"]["state"] == "desynced"
