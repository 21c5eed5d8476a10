"""Push All Courses and Push to Sections: rules R19-R23 (and R17's overwrite reaching sections)."""

import pytest

from catalog.errors import LockedError
from catalog.models import User
from pushjobs.engine import CONFLICT, KEPT_RESIDUAL, RELINKED, RENAMED_TEACHER_ITEM
from sections.models import SectionCategory
from sections.services import section_category_update

from .conftest import (
    add_course,
    assignment,
    by_key,
    category,
    composite,
    course,
    course_push,
    exported,
    gco,
    load,
    master_item_remove,
    master_push,
    posted_grade,
    pushed,
    reload,
    rows,
    section,
    states,
)


def _art(district, **course_fields):
    """A course that uses no master (Push All Courses works either way), with two sections."""
    record = add_course(district, "101", number="ART", sections=("1", "2"), **course_fields)
    return record


def test_r19_course_items_go_to_sections_and_residual_ones_stay(district):
    _art(
        district,
        categories=[category("Work", "60.00", state="local"), category("Old", "0.00", 2, state="residual")],
        grade_calc_options=[gco("task:S1", "Q1", state="local")],
        composite_grades=[composite("task:S1", ("task:Q1G", "100.00"), state="local")],
    )
    load(district)

    outcome = course_push()

    for number in ("1", "2"):
        s = section(exported(), number, "ART")
        assert states(s["categories"]) == {"Work": "linked"}
        assert by_key(s["categories"])["Work"]["source"] == "Work"
        assert [(g["item"], g["term"], g["state"], g["read_only"]) for g in s["grade_calc_options"]] == [
            ("task:S1", "Q1", "linked", False)
        ]
        assert [(c["parent"], c["state"]) for c in s["composite_grades"]] == [("task:S1", "linked")]
    assert outcome.summary.courses_failed == 0


def test_r19_linked_items_updated_missing_created_residual_relinked(district):
    _art(district, categories=[category("Work", "60.00", state="local"), category("Tests", "40.00", 2, state="local")])
    load(district)
    course_push()
    doc = exported()
    c = course(doc, "ART")
    by_key(c["categories"])["Work"]["weight"] = "55.00"
    c["categories"].append(category("Labs", "5.00", 3, state="local"))
    s = section(doc, "1", "ART")
    s["categories"].append(category("Labs", "1.00", 3, state="residual"))
    s["assignments"] = [assignment("Lab 1", category="Labs")]
    reload(doc)

    outcome = course_push()

    s = section(exported(), "1", "ART")
    cats = by_key(s["categories"])
    assert states(s["categories"]) == {"Work": "linked", "Tests": "linked", "Labs": "linked"}
    assert cats["Work"]["weight"] == "55.00" and cats["Labs"]["weight"] == "5.00"
    assert s["assignments"][0]["category"] == "Labs"
    assert ("1", "Labs", RELINKED) in {(r.section, r.item, r.outcome) for r in outcome.rows}
    other = section(exported(), "2", "ART")
    assert states(other["categories"]) == {"Work": "linked", "Tests": "linked", "Labs": "linked"}


def test_r19_section_items_whose_course_item_is_gone_or_residual_are_removed_or_kept(district):
    _art(district, categories=[category("Work", state="residual")])  # Tests was deleted at the course
    for number in ("1", "2"):
        section(district, number, "ART")["categories"] = [
            category("Work", state="linked", source=None),
            category("Tests", sequence=2, state="linked", source=None),
        ]
    section(district, "1", "ART")["assignments"] = [assignment("A1", category="Work")]
    load(district)

    outcome = course_push()

    assert states(section(exported(), "1", "ART")["categories"]) == {"Work": "residual"}
    assert states(section(exported(), "2", "ART")["categories"]) == {}
    assert [(r.section, r.item) for r in rows(outcome, KEPT_RESIDUAL)] == [("1", "Work")]
    assert outcome.summary.items_removed == 3


@pytest.mark.parametrize("overwrite_categories", [False, True])
def test_r19_teacher_category_with_a_pushed_name_is_renamed_in_every_mode(district, overwrite_categories):
    _art(district, categories=[category("Work", "60.00", state="local")])
    s = section(district, "1", "ART")
    s["categories"] = [category("work", "5.00", state="teacher"), category("Work (1)", "5.00", 2, state="teacher")]
    s["assignments"] = [assignment("A1", category="work"), assignment("A2", category="Work (1)")]
    load(district)

    outcome = course_push(overwrite_categories=overwrite_categories)

    s = section(exported(), "1", "ART")
    cats = by_key(s["categories"])
    assert cats["Work"]["state"] == "linked" and cats["Work"]["weight"] == "60.00"
    assert cats["work (2)"]["weight"] == "5.00"
    # Overwrite Categories keeps teacher categories in use as residual (R21); otherwise they stay the teacher's.
    assert cats["work (2)"]["state"] == ("residual" if overwrite_categories else "teacher")
    assert {a["name"]: a["category"] for a in s["assignments"]} == {"A1": "work (2)", "A2": "Work (1)"}
    assert [(r.section, r.item, r.detail) for r in rows(outcome, RENAMED_TEACHER_ITEM)] == [
        ("1", "work", 'renamed to "work (2)": the course pushes a category with this name')
    ]


def test_r19_teacher_item_of_another_type_is_a_conflict_unless_an_overwrite_adopts_it(district):
    load(district)
    master_push(mode="overwrite")  # the course has its items; sections not pushed yet
    doc = exported()
    section(doc)["grade_calc_options"] = [gco("task:S1", "Q1", "no_calculation", state="teacher")]
    section(doc)["posted_grades"] = [posted_grade("task:S1", "Q1")]
    reload(doc)

    outcome = course_push()

    [row] = rows(outcome, CONFLICT)
    assert (row.section, row.data_type, row.item) == ("1", "grade_calc_options", "task:S1 Q1")
    kept = by_key(section(exported())["grade_calc_options"], "item")["task:S1"]
    assert (kept["state"], kept["calculation"]) == ("teacher", "no_calculation")

    outcome = master_push(mode="overwrite", to_sections=True)

    adopted = {(g["item"], g["term"]): g for g in section(exported())["grade_calc_options"]}[("task:S1", "Q1")]
    assert (adopted["state"], adopted["calculation"]) == ("linked", "in_progress")
    assert section(exported())["posted_grades"] == [posted_grade("task:S1", "Q1")]
    assert ("task:S1 Q1", RELINKED) in {(r.item, r.outcome) for r in outcome.rows}


def test_r19_advisory_copies_the_course_flag(district):
    _art(district, attributes={"advisory": True})
    load(district)
    course_push(data={"advisory"})
    assert [section(exported(), n, "ART")["advisory"] for n in ("1", "2")] == [True, True]
    assert section(exported())["advisory"] is False  # ENG9 is not advisory


def test_r20_items_in_use_are_kept_residual_never_deleted(district):
    load(district)
    master_push(mode="overwrite", to_sections=True)
    doc = exported()
    c = course(doc)
    c["grading_tasks"].append({"task": "Q2G", "state": "local"})
    c["standards"].append({"standard": "ELA.R.1", "state": "local"})
    c["assessments"].append({"test": "SBAC", "state": "local"})
    s = section(doc)
    s["categories"] += [category("Used", state="teacher"), category("Unused", state="teacher")]
    s["grade_calc_options"] += [
        gco("task:Q2G", "Q1", state="teacher"),  # posted grade in Q1
        gco("task:Q2G", "Q2", state="teacher"),  # nothing in Q2
        gco("standard:ELA.R.1", "Q3", state="teacher"),  # an aligned assignment without a term
    ]
    s["composite_grades"] += [
        composite("task:Q3G", ("task:Q1G", "100.00"), state="teacher"),  # aligned assignment
        composite("standard:ELA.W.1", ("standard:ELA.R.1", "100.00"), state="teacher"),  # nothing
    ]
    s["assignments"] = [
        assignment("Essay", category="Used", items=["standard:ELA.R.1"], term=""),
        assignment("Project", items=["task:Q3G"]),
    ]
    s["posted_grades"] = [posted_grade("task:Q2G", "Q1")]
    reload(doc)

    outcome = master_push(mode="overwrite", to_sections=True)

    after = exported()
    c, s = course(after), section(after)
    assert states(c["grading_tasks"], "task") == {"S1": "linked", "Q1G": "linked", "Q2G": "residual"}
    assert states(c["standards"], "standard") == {"ELA.W.1": "linked", "ELA.R.1": "residual"}
    assert states(c["assessments"], "test") == {"MAP": "linked"}
    assert states(s["categories"]) == {"Homework": "linked", "Tests": "linked", "Used": "residual"}
    assert {(g["item"], g["term"]): g["state"] for g in s["grade_calc_options"]} == {
        ("task:S1", "Q1"): "linked",
        ("task:Q1G", "Q1"): "linked",
        ("task:Q2G", "Q1"): "residual",
        ("standard:ELA.R.1", "Q3"): "residual",
    }
    assert states(s["composite_grades"], "parent") == {"task:S1": "linked", "task:Q3G": "residual"}
    assert len(rows(outcome, KEPT_RESIDUAL)) == 6  # 2 at the course, 4 at the section


def test_r20_a_course_item_renamed_since_its_sections_were_pushed_is_kept_by_their_teacher_data(district):
    # The master renamed "Practice" to "Drills", pushed to courses only: the section's category still
    # has the old name, linked to the course's "Drills". Then the master deleted "Drills".
    doc = pushed(district)
    course(doc)["categories"].append(category("Drills", sequence=3, state="linked", source=None))
    s = section(doc)
    s["categories"].append(category("Practice", sequence=3, state="linked", source="Drills"))
    s["assignments"] = [assignment("Drill 1", category="Practice")]
    reload(doc)

    outcome = master_push(mode="overwrite")

    after = exported()
    assert states(course(after)["categories"]) == {"Homework": "linked", "Tests": "linked", "Drills": "residual"}
    assert [(r.section, r.item) for r in rows(outcome, KEPT_RESIDUAL)] == [("", "Drills")]


def _labs_with_section_labs(district, *, state: str) -> None:
    """A course's local "Labs" and, in its section, a "Labs" of ``state`` with an assignment in it."""
    doc = pushed(district)
    course(doc)["categories"].append(category("Labs", sequence=3, state="local"))
    s = section(doc)
    s["categories"].append(category("Labs", sequence=3, state=state))
    s["assignments"] = [assignment("Lab 1", category="Labs")]
    reload(doc)


def test_r20_a_residual_section_item_keeps_the_course_item_of_its_name_in_use(district):
    # A section category that came from the course and was left residual has lost its source link,
    # not its name: its assignments keep the course's category of that name in use.
    _labs_with_section_labs(district, state="residual")

    outcome = master_push(mode="overwrite")

    assert states(course(exported())["categories"]) == {"Homework": "linked", "Tests": "linked", "Labs": "residual"}
    assert [(r.section, r.item) for r in rows(outcome, KEPT_RESIDUAL)] == [("", "Labs")]


def test_r20_a_teacher_category_does_not_keep_the_course_category_of_its_name_in_use(district):
    # The teacher's own "Labs" was never pushed from the course's "Labs": its assignments are the
    # teacher's, and the course's local "Labs" (never pushed to sections) is removed by an overwrite.
    _labs_with_section_labs(district, state="teacher")

    outcome = master_push(mode="overwrite")

    after = exported()
    assert states(course(after)["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert states(section(after)["categories"]) == {"Homework": "linked", "Tests": "linked", "Labs": "teacher"}
    assert section(after)["assignments"][0]["category"] == "Labs"
    assert not rows(outcome, KEPT_RESIDUAL)


@pytest.mark.parametrize("overwrite_categories", [False, True])
def test_r21_overwrite_categories_deletes_unused_teacher_categories(district, overwrite_categories):
    _art(district, categories=[category("Work", state="local")])
    s = section(district, "1", "ART")
    s["categories"] = [category("Mine", state="teacher"), category("Used", sequence=2, state="teacher")]
    s["grade_calc_options"] = [gco("task:S1", "Q4", state="teacher")]
    s["assignments"] = [assignment("A1", category="Used")]
    load(district)

    course_push(overwrite_categories=overwrite_categories)

    s = section(exported(), "1", "ART")
    if overwrite_categories:
        assert states(s["categories"]) == {"Work": "linked", "Used": "residual"}
    else:
        assert states(s["categories"]) == {"Work": "linked", "Mine": "teacher", "Used": "teacher"}
    # Only categories: the teacher's grade calc option stays.
    assert [g["state"] for g in s["grade_calc_options"]] == ["teacher"]


def test_r22_categories_pushed_to_sections_are_linked_and_locked(district):
    load(district)
    master_push(to_sections=True)
    assert states(section(exported())["categories"]) == {"Homework": "linked", "Tests": "linked"}
    teacher = User.objects.get(username="jdoe")
    homework = SectionCategory.objects.get(name="Homework")
    with pytest.raises(LockedError):
        section_category_update(user=teacher, category=homework, values={"weight": "1"})


def test_r23_section_gco_becomes_no_calculation_and_read_only_then_restored(district):
    doc = pushed(district)
    section(doc)["posted_grades"] = [posted_grade("task:Q1G", "Q1")]
    master_item_remove(doc, "grading_tasks", "Q1G", key_field="task")
    master_item_remove(doc, "grade_calc_options", "task:Q1G Q1", key_field="gco")
    reload(doc)

    master_push(mode="overwrite", to_sections=True)

    after = exported()
    assert states(course(after)["grading_tasks"], "task") == {"S1": "linked", "Q1G": "residual"}
    q1g = {(g["item"], g["term"]): g for g in section(after)["grade_calc_options"]}[("task:Q1G", "Q1")]
    assert (q1g["state"], q1g["calculation"], q1g["read_only"]) == ("residual", "no_calculation", True)

    # Fix: set up the grade calc option at the course (local) and push it to sections.
    doc = exported()
    c_gco = {(g["item"], g["term"]): g for g in course(doc)["grade_calc_options"]}[("task:Q1G", "Q1")]
    c_gco.update(state="local", calculation="in_progress")
    reload(doc)
    course_push(data={"grade_calc_options"})

    q1g = {(g["item"], g["term"]): g for g in section(exported())["grade_calc_options"]}[("task:Q1G", "Q1")]
    assert (q1g["state"], q1g["calculation"], q1g["read_only"]) == ("linked", "in_progress", False)
    assert section(exported())["posted_grades"] == [posted_grade("task:Q1G", "Q1")]
