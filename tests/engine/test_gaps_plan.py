"""Planner behaviours a mutation test of ``pushjobs/engine/plan.py`` found untested (issue 19).

Each test is named after the rule it proves and fails when the planner gets that rule wrong.
Most start from a district in sync (``pushed``), change one thing, and push again: a first push
onto empty courses takes the planner's shortcut and cannot tell these cases apart.
"""

import pytest

from courses.models import CourseCategory, CourseGradeCalcOption
from pushjobs.engine import CONFLICT, FAILED_ERROR, RELINKED, RENAMED_LOCAL_ITEM, RENAMED_TEACHER_ITEM
from sections.models import SectionGradeCalcOption

from .conftest import (
    CATALOG,
    add_course,
    assignment,
    by_key,
    category,
    course,
    exported,
    gco,
    load,
    master,
    master_push,
    posted_grade,
    pushed,
    reload,
    rows,
    section,
    states,
)


def options(items: list[dict]) -> dict:
    return {(g["item"], g["term"]): g for g in items}


# ---------------------------------------------------------------------------
# Identity and relinking (R6, R15)
# ---------------------------------------------------------------------------


def test_r15_overwrite_relinks_an_unlinked_category_renamed_at_the_course_by_identity(district):
    # given a pushed category renamed at the course while categories were unlocked
    doc = pushed(district)
    by_key(course(doc)["categories"])["Homework"].update(
        name="Home Work", weight="5.00", state="unlinked", source="Homework"
    )
    s = section(doc)
    by_key(s["categories"])["Homework"]["source"] = "Home Work"
    s["assignments"] = [assignment("Essay", category="Homework")]
    reload(doc)
    home_work_id = CourseCategory.objects.get(name="Home Work").pk

    # when an overwrite push relinks the course
    outcome = master_push(mode="overwrite", to_sections=True)

    # then the same item takes the master's name and values again, and its section item follows
    after = exported()
    cats = by_key(course(after)["categories"])
    assert states(course(after)["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert cats["Homework"]["weight"] == "20.00"
    assert CourseCategory.objects.get(name="Homework").pk == home_work_id
    assert states(section(after)["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert section(after)["assignments"][0]["category"] == "Homework"
    assert ("Home Work", RELINKED) in {(r.item, r.outcome) for r in outcome.rows}
    assert outcome.summary.items_removed == 0 and outcome.summary.items_created == 0


def test_r15_overwrite_relinks_an_unlinked_item_that_already_has_the_masters_values(district):
    # given an item edited while unlocked and edited back to the master's values (still unlinked)
    doc = pushed(district)
    by_key(course(doc)["categories"])["Tests"]["state"] = "unlinked"
    by_key(course(doc)["grading_tasks"], "task")["S1"]["state"] = "unlinked"
    reload(doc)

    outcome = master_push(mode="overwrite")

    c = course(exported())
    assert states(c["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert states(c["grading_tasks"], "task") == {"S1": "linked", "Q1G": "linked"}
    assert {(r.item, r.outcome) for r in outcome.rows} == {("Tests", RELINKED), ("task:S1", RELINKED)}
    assert outcome.summary.items_updated == 2
    # and the course is no longer desynced
    assert master_push(mode="push").summary.courses_failed == 0


# ---------------------------------------------------------------------------
# A conflict skips only that item (R13, R17)
# ---------------------------------------------------------------------------


def _master_moves_s1_q1_to(doc: dict, term: str) -> None:
    """The master moves its S1 Q1 grade calc option to another term (the same item, a new key)."""
    options(master(doc)["grade_calc_options"])[("task:S1", "Q1")]["term"] = term
    options(course(doc)["grade_calc_options"])[("task:S1", "Q1")]["source"] = f"task:S1 {term}"


def test_r13_an_item_left_by_a_conflict_is_still_pushed_on_to_sections(district):
    # given the master moves S1 Q1 onto Q2, where the course has its own (local) option
    doc = pushed(district)
    _master_moves_s1_q1_to(doc, "Q2")
    course(doc)["grade_calc_options"].append(gco("task:S1", "Q2", "no_calculation", state="local"))
    reload(doc)
    section_item = SectionGradeCalcOption.objects.get(item__code="S1", term="Q1").pk

    outcome = master_push(mode="push", to_sections=True)

    # then the course's S1 Q1 is left as it was, and so is its section item (not removed)
    assert [r.item for r in rows(outcome, CONFLICT)] == ["task:S1 Q2"]
    s = options(section(exported())["grade_calc_options"])
    assert (s[("task:S1", "Q1")]["state"], s[("task:S1", "Q1")]["calculation"]) == ("linked", "in_progress")
    assert SectionGradeCalcOption.objects.get(item__code="S1", term="Q1").pk == section_item
    assert (s[("task:S1", "Q2")]["state"], s[("task:S1", "Q2")]["calculation"]) == ("linked", "no_calculation")
    assert outcome.summary.items_removed == 0


def test_r13_linked_option_moved_by_the_master_to_a_term_the_calendar_lacks_is_left_as_it_was(district):
    # given a district in sync, then the master moves S1 Q1 to a term North High's calendar lacks
    doc = pushed(district)
    _master_moves_s1_q1_to(doc, "T1")
    reload(doc)
    before = exported()

    # when a second push reaches the course and its sections
    outcome = master_push(mode="push", to_sections=True)

    # then that option is a conflict and stays where it is, at the course and at the section
    after = exported()
    assert course(after)["grade_calc_options"] == course(before)["grade_calc_options"]
    assert section(after)["grade_calc_options"] == section(before)["grade_calc_options"]
    assert {(r.item, r.detail) for r in rows(outcome, CONFLICT)} == {("task:S1 T1", 'the calendar has no term "T1"')}
    assert outcome.summary.courses_failed == 0 and outcome.summary.items_removed == 0


def test_r13_option_moved_by_the_master_to_a_free_term_follows_it_without_a_conflict(district):
    doc = pushed(district)
    _master_moves_s1_q1_to(doc, "Q2")
    reload(doc)
    moved = CourseGradeCalcOption.objects.get(item__code="S1", term="Q1").pk

    outcome = master_push(mode="push", to_sections=True)

    c = options(course(exported())["grade_calc_options"])
    assert set(c) == {("task:S1", "Q2"), ("task:Q1G", "Q1")}
    assert c[("task:S1", "Q2")]["state"] == "linked"
    assert CourseGradeCalcOption.objects.get(item__code="S1", term="Q2").pk == moved
    assert set(options(section(exported())["grade_calc_options"])) == {("task:S1", "Q2"), ("task:Q1G", "Q1")}
    assert rows(outcome, CONFLICT) == []


def test_r13_option_moved_onto_the_term_of_an_option_the_master_removed_follows_it(district):
    # given a district in sync whose master has options for S1 in Q1 and Q2
    master(district)["grade_calc_options"].append(gco("task:S1", "Q2", "no_calculation"))
    doc = pushed(district)
    # then the master removes S1 Q2 and moves S1 Q1 onto Q2 in the same change
    m = master(doc)
    m["grade_calc_options"] = [g for g in m["grade_calc_options"] if (g["item"], g["term"]) != ("task:S1", "Q2")]
    options(course(doc)["grade_calc_options"])[("task:S1", "Q2")]["source"] = None
    _master_moves_s1_q1_to(doc, "Q2")
    reload(doc)
    moved = CourseGradeCalcOption.objects.get(item__code="S1", term="Q1").pk

    outcome = master_push(mode="push", to_sections=True)

    c = options(course(exported())["grade_calc_options"])
    assert set(c) == {("task:S1", "Q2"), ("task:Q1G", "Q1")}
    assert (c[("task:S1", "Q2")]["state"], c[("task:S1", "Q2")]["calculation"]) == ("linked", "in_progress")
    assert CourseGradeCalcOption.objects.get(item__code="S1", term="Q2").pk == moved
    assert rows(outcome, CONFLICT) == []
    assert outcome.summary.items_removed == 2  # the old S1 Q2, at the course and at the section


def test_r13_options_moved_onto_the_key_of_an_option_left_by_a_conflict_are_conflicts_too(district):
    # given S1 options in Q1 and Q3; the master moves Q3 onto Q2, where the course has its own,
    # and Q1 onto Q3, which the option left as it was still holds (the first one met moves last)
    master(district)["grade_calc_options"].append(gco("task:S1", "Q3"))
    doc = pushed(district)
    options(master(doc)["grade_calc_options"])[("task:S1", "Q3")]["term"] = "Q2"
    options(course(doc)["grade_calc_options"])[("task:S1", "Q3")]["source"] = "task:S1 Q2"
    _master_moves_s1_q1_to(doc, "Q3")
    course(doc)["grade_calc_options"].append(gco("task:S1", "Q2", "no_calculation", state="local"))
    reload(doc)
    before = {(g["item"], g["term"], g["state"]) for g in course(exported())["grade_calc_options"]}

    outcome = master_push(mode="push", to_sections=True)

    assert {(g["item"], g["term"], g["state"]) for g in course(exported())["grade_calc_options"]} == before
    assert sorted(r.item for r in rows(outcome, CONFLICT)) == ["task:S1 Q2", "task:S1 Q3"]
    assert rows(outcome, FAILED_ERROR) == [] and outcome.summary.courses_failed == 0


def test_r13_a_new_master_option_on_the_key_of_an_option_left_by_a_conflict_is_a_conflict(district):
    # given the master moves S1 Q1 onto Q2, where the course has its own, and adds a new S1 Q1
    doc = pushed(district)
    _master_moves_s1_q1_to(doc, "Q2")
    master(doc)["grade_calc_options"].append(gco("task:S1", "Q1", "no_calculation"))
    course(doc)["grade_calc_options"].append(gco("task:S1", "Q2", "no_calculation", state="local"))
    reload(doc)

    outcome = master_push(mode="push", to_sections=True)

    c = options(course(exported())["grade_calc_options"])
    assert (c[("task:S1", "Q1")]["state"], c[("task:S1", "Q1")]["calculation"]) == ("linked", "in_progress")
    assert sorted(r.item for r in rows(outcome, CONFLICT)) == ["task:S1 Q1", "task:S1 Q2"]
    assert rows(outcome, FAILED_ERROR) == [] and outcome.summary.courses_failed == 0


# ---------------------------------------------------------------------------
# Course numbers (R16)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("giver_first", [True, False])
def test_r16_a_number_another_course_gives_up_in_the_same_push_is_free(district, giver_first):
    # given ENG9 (course) moves to its master's new number ENG10, and ENG9-A's master is ENG9
    district["course_masters"].append({"catalog": CATALOG, "number": "ENG10", "name": "English 10"})
    taker = {"number": "ENG9-A", "master": "ENG9", "sections": ()}
    giver = {"number": "ENG9", "master": "ENG10", "sections": ()}
    district["courses"] = []
    district["sections"] = []
    for record in (giver, taker) if giver_first else (taker, giver):
        add_course(district, "101", **record)
    load(district)

    outcome = master_push(data={"course_info"})

    numbers = {c["name"]: c["number"] for c in exported()["courses"]}
    assert numbers == {"English 9": "ENG9", "English 10": "ENG10"}
    assert rows(outcome, CONFLICT) == [] and outcome.summary.courses_failed == 0


def test_r16_two_courses_given_one_locked_number_one_is_a_conflict(district):
    district["courses"][0]["number"] = "ENG9-A"
    district["sections"][0]["course"]["number"] = "ENG9-A"
    add_course(district, "101", number="ENG9-B", master="ENG9", sections=())
    load(district)

    outcome = master_push(data={"course_info"})

    assert sorted(c["number"] for c in exported()["courses"]) == ["ENG9", "ENG9-B"]
    [row] = rows(outcome, CONFLICT)
    assert (row.course, row.data_type, row.item) == ("ENG9-B", "course_info", "number")
    assert rows(outcome, FAILED_ERROR) == [] and outcome.summary.courses_failed == 0
    # the rest of its Course Info still lands
    assert {c["name"] for c in exported()["courses"]} == {"English 9"}


# ---------------------------------------------------------------------------
# Renames (R13, R19)
# ---------------------------------------------------------------------------


def test_r13_local_category_takes_the_first_free_name_one(district):
    district["courses"][0]["categories"] = [category("homework", "3.00", state="local")]
    district["sections"][0]["categories"] = [category("TESTS", "3.00", state="teacher")]
    load(district)

    outcome = master_push(mode="push", to_sections=True)

    assert states(course(exported())["categories"]) == {
        "Homework": "linked",
        "Tests": "linked",
        "homework (1)": "local",
    }
    assert states(section(exported())["categories"]) == {
        "Homework": "linked",
        "Tests": "linked",
        "homework (1)": "linked",
        "TESTS (1)": "teacher",
    }
    assert [r.detail for r in rows(outcome, RENAMED_LOCAL_ITEM)] == [
        'renamed to "homework (1)": the master pushes a category with this name'
    ]
    assert [r.detail for r in rows(outcome, RENAMED_TEACHER_ITEM)] == [
        'renamed to "TESTS (1)": the course pushes a category with this name'
    ]


@pytest.mark.parametrize("short_of_the_limit", [3, 0])
def test_r13_a_long_local_category_name_is_shortened_to_fit_its_suffix(district, short_of_the_limit):
    limit = CourseCategory._meta.get_field("name").max_length
    name = ("Homework and classwork " * (limit // 20))[: limit - short_of_the_limit]
    master(district)["categories"].append(category(name, "0.00", 3))
    district["courses"][0]["categories"] = [category(name.upper(), "3.00", state="local")]
    load(district)

    outcome = master_push(mode="push")

    renamed = name.upper()[: limit - 4] + " (1)"
    assert len(renamed) == limit
    assert states(course(exported())["categories"]) == {
        "Homework": "linked",
        "Tests": "linked",
        name: "linked",
        renamed: "local",
    }
    assert outcome.summary.courses_failed == 0


# ---------------------------------------------------------------------------
# Counts and writes (R18, R44, R15)
# ---------------------------------------------------------------------------


def test_r18_summary_counts_what_changed_on_a_second_push(district):
    # given a district in sync; then the master adds Labs, changes Homework and drops Tests,
    # the course made its own "labs", a teacher made "LABS", and a section option kept as residual
    # by its posted grade was never grayed out
    doc = pushed(district)
    m = master(doc)
    m["categories"].append(category("Labs", "5.00", 3))
    by_key(m["categories"])["Homework"]["weight"] = "25.00"
    m["categories"].remove(by_key(m["categories"])["Tests"])
    by_key(course(doc)["categories"])["Tests"]["source"] = None
    course(doc)["categories"].append(category("labs", "1.00", 4, state="local"))
    s = section(doc)
    s["categories"].append(category("LABS", "1.00", 5, state="teacher"))
    s["grade_calc_options"].append(gco("task:Q2G", "Q1", state="residual", read_only=False))
    s["posted_grades"] = [posted_grade("task:Q2G", "Q1")]
    reload(doc)

    outcome = master_push(mode="push", to_sections=True)

    after = exported()
    assert states(course(after)["categories"]) == {"Homework": "linked", "Labs": "linked", "labs (1)": "local"}
    assert states(section(after)["categories"]) == {
        "Homework": "linked",
        "Labs": "linked",
        "labs (1)": "linked",
        "LABS (2)": "teacher",
    }
    grayed = options(section(after)["grade_calc_options"])[("task:Q2G", "Q1")]
    assert (grayed["state"], grayed["calculation"], grayed["read_only"]) == ("residual", "no_calculation", True)
    # created: Labs at the course; Labs and labs (1) at the section.
    # updated: Homework at the course and the section, the renamed local and teacher categories,
    #          the grayed-out option.
    # removed: Tests at the course and the section.
    summary = outcome.summary
    assert (summary.items_created, summary.items_updated, summary.items_removed, summary.items_kept_residual) == (
        3,
        5,
        2,
        0,
    )
    assert summary.courses_changed == 1
    again = master_push(mode="push", to_sections=True).summary
    assert (again.courses_changed, again.items_created, again.items_updated, again.items_removed) == (0, 0, 0, 0)


def test_r15_overwrite_forgets_a_remembered_deletion_when_nothing_else_differs(district):
    # given a course in sync that still remembers a deletion (its items were restored since)
    doc = pushed(district)
    course(doc)["desynced"] = ["categories"]
    reload(doc)

    outcome = master_push(mode="overwrite")

    assert course(exported())["desynced"] == []
    assert outcome.summary.courses_changed == 1
    assert ("categories", RELINKED) in {(r.data_type, r.outcome) for r in outcome.rows}
    assert master_push(mode="push").summary.courses_failed == 0
