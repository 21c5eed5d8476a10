"""R50 Course Master Awaiting Push: per catalog and year, the master's grading setup changes
not yet pushed to each linked course, computed by comparing values (never a stale flag)."""

import pytest

from catalog.errors import InputError
from pushjobs.engine import MasterPushOptions, push_run
from reports.filters import report_filters_resolve
from reports.selectors import report_get

from .conftest import CATALOG, YEAR, category, course, gco, load, master, rows_of

KIND = "master-awaiting-push"


def awaiting(**filters):
    return rows_of(KIND, catalog=CATALOG, **filters)


def test_r50_nothing_awaits_right_after_a_push(district):
    load(district)
    assert awaiting() == []
    # The engine agrees: pushing now changes nothing (R18).
    outcome = push_run(MasterPushOptions(year=YEAR, catalog=CATALOG))
    assert outcome.summary.courses_changed == 0


def test_r50_changed_master_value_awaits_on_every_linked_course(district):
    master(district)["categories"][0]["weight"] = "30.00"  # Homework: 20 -> 30 on the master only
    load(district)

    rows = awaiting()

    assert [(r["school"], r["data_type"], r["item"], r["change"]) for r in rows] == [
        ("101 North High", "categories", "Homework", "changed"),
        ("102 South High", "categories", "Homework", "changed"),
    ]
    row = rows[0]
    assert row["old_value"] == "weight: 20"
    assert row["new_value"] == "weight: 30"
    assert row["locked"] == "yes"
    assert row["course_state"] == "awaiting_push"
    assert row["course_item_state"] == "linked"
    assert (row["catalog"], row["course_master"], row["course"], row["calendar"]) == (CATALOG, "ENG9", "ENG9", YEAR)


def test_r50_added_and_removed_items(district):
    master(district)["categories"].append(category("Labs", "5.00", 3))
    master(district)["grading_tasks"] = [t for t in master(district)["grading_tasks"] if t["task"] != "Q1G"]
    # The course still has Q1G, linked to a master item that is gone (source null, R8).
    for t in course(district)["grading_tasks"]:
        if t["task"] == "Q1G":
            t["source"] = None
    del district["courses"][1]  # one course is enough here
    load(district)

    rows = {(r["data_type"], r["item"]): r for r in awaiting()}

    assert set(rows) == {("categories", "Labs"), ("grading_tasks", "task:Q1G")}
    assert rows[("categories", "Labs")]["change"] == "added"
    labs = rows[("categories", "Labs")]
    assert labs["new_value"] == "weight: 5; sequence: 3; drop lowest: 0; excluded from grade: No"
    assert rows[("grading_tasks", "task:Q1G")]["change"] == "removed"
    assert rows[("grading_tasks", "task:Q1G")]["old_value"].startswith("credit: 0; credit type: English")


def test_r50_unlocked_type_is_shown_but_not_pushed(district):
    district["catalogs"][0]["locks"]["types"].remove("categories")
    master(district)["categories"][0]["weight"] = "30.00"
    load(district)

    rows = awaiting()

    assert {(r["item"], r["locked"]) for r in rows} == {("Homework", "no")}
    # Only locked data is pushed (R2): the courses do not await a push.
    assert {r["course_state"] for r in rows} == {"in_sync"}
    assert "unlocked" in rows[0]["detail"]
    assert awaiting(locked="yes") == []
    summary = report_get(filters=report_filters_resolve(kind=KIND, year=YEAR, catalog=CATALOG)).summary()
    assert summary["masters"][0]["awaiting_push"] == 0


def test_r50_per_master_count_of_courses_awaiting(district):
    master(district)["standards"][0]["score_group"] = "A-F"
    load(district)

    summary = report_get(filters=report_filters_resolve(kind=KIND, year=YEAR, catalog=CATALOG)).summary()

    assert [(m["number"], m["courses"], m["awaiting_push"]) for m in summary["masters"]] == [("ENG9", 2, 2)]


def test_r50_term_the_calendar_lacks_is_a_conflict_not_awaiting(district):
    master(district)["grade_calc_options"].append(gco("task:S1", "Q4"))  # the calendars have Q1, Q2 only
    del district["courses"][1]
    load(district)

    rows = awaiting()

    assert [(r["item"], r["change"], r["course_state"]) for r in rows] == [("task:S1 Q4", "conflict", "in_sync")]
    assert 'no term "Q4"' in rows[0]["detail"]


def test_r50_local_item_with_the_master_key_is_a_conflict(district):
    master(district)["standards"].append({"standard": "ELA.R.1", "score_group": "1-4"})
    course(district)["standards"].append({"standard": "ELA.R.1", "score_group": "A-F", "state": "local"})
    del district["courses"][1]
    load(district)

    rows = awaiting()

    assert [(r["item"], r["change"], r["course_state"]) for r in rows] == [
        ("standard:ELA.R.1", "conflict", "awaiting_push")
    ]
    assert "overwrite mode adopts it" in rows[0]["detail"]


def test_r50_master_rename_of_a_category_awaits(district):
    master(district)["categories"][0]["name"] = "Home Work"
    del district["courses"][1]
    course(district)["categories"][0]["source"] = "Home Work"  # still linked to the renamed item
    load(district)

    rows = awaiting()

    assert [(r["item"], r["change"], r["old_value"], r["new_value"]) for r in rows] == [
        ("Homework", "changed", "name: Homework", "name: Home Work")
    ]


@pytest.mark.parametrize("weights_locked", [True, False])
def test_r4_composite_weights_await_only_when_locked(district, weights_locked):
    if not weights_locked:
        district["catalogs"][0]["locks"]["types"].remove("composite_weights")
    course(district)["composite_grades"][0]["children"][0]["weight"] = "60.00"  # the course's own weight
    del district["courses"][1]
    load(district)

    rows = awaiting(setup_type="composite_grades")

    if weights_locked:
        assert [(r["item"], r["change"]) for r in rows] == [("task:S1", "changed")]
        assert rows[0]["old_value"] == "children (weight): task:Q1G (60.00), task:Q2G (50.00)"
    else:
        assert rows == []


def test_r50_filters_by_school_type_and_change(district):
    master(district)["categories"][0]["weight"] = "30.00"
    master(district)["assessments"].append({"test": "SBAC", "standard": None, "copies_forward": False})
    load(district)

    assert {r["school"] for r in awaiting(school="102")} == {"102 South High"}
    assert {r["data_type"] for r in awaiting(setup_type="assessments")} == {"assessments"}
    assert {r["item"] for r in awaiting(change="added")} == {"SBAC"}
    assert awaiting(state="desynced") == []


def test_r50_resolved_by_the_push(district):
    master(district)["categories"][0]["weight"] = "30.00"
    master(district)["categories"].append(category("Labs", "5.00", 3))
    load(district)
    assert len(awaiting()) == 4

    outcome = push_run(MasterPushOptions(year=YEAR, catalog=CATALOG))

    assert outcome.summary.courses_changed == 2
    assert awaiting() == []


def test_r32_bad_input_names_the_problem(district):
    load(district)
    with pytest.raises(InputError, match='no course catalog "Nope"'):
        report_filters_resolve(kind=KIND, year=YEAR, catalog="Nope")
    with pytest.raises(InputError, match="--catalog is required"):
        report_filters_resolve(kind=KIND, year=YEAR)
    with pytest.raises(InputError, match='no school year "99-00"'):
        report_filters_resolve(kind=KIND, year="99-00", catalog=CATALOG)
    with pytest.raises(InputError, match='no calendar in 23-24 uses catalog "High School Catalog"'):
        report_filters_resolve(kind=KIND, year="23-24", catalog=CATALOG)
