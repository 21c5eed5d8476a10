"""R52 Residual Data: every residual item at course and section level, with the teacher
data that keeps it (R20) and what would let it go."""

from catalog.models import CourseCatalog
from pushjobs.engine import MasterPushOptions, push_run

from .conftest import CATALOG, YEAR, assignment_doc, category, course, gco, load, master, section
from .conftest import rows_of as _rows_of

KIND = "residual"


def rows_of(**filters):
    return _rows_of(KIND, **filters)


def test_r52_residual_data_after_an_overwrite(district):
    # Teachers of section 1 graded work in "Tests"; then the master dropped Tests.
    section(district, "1")["assignments"] = [assignment_doc("Unit test", "Tests", scores=4)]
    master(district)["categories"] = [category("Homework", "20.00", 1)]
    for c in district["courses"]:
        c["categories"][1]["source"] = None  # linked to a master item that is gone (R8)
    load(district)
    assert rows_of() == []

    push_run(MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True))

    rows = {(r["school"], r["level"], r["section"]): r for r in rows_of()}
    assert set(rows) == {("101 North High", "course", ""), ("101 North High", "section", "1")}
    at_section = rows[("101 North High", "section", "1")]
    assert (at_section["data_type"], at_section["item"], at_section["state"]) == ("categories", "Tests", "residual")
    assert (at_section["assignments"], at_section["scores"], at_section["posted_grades"]) == ("1", "4", "0")
    assert at_section["teacher"] == "jdoe"
    assert at_section["course"] == "ENG9"
    assert "realign or delete its 1 assignment (4 scores)" in at_section["action"]
    assert "add it back at course ENG9 and push to sections" in at_section["action"]
    # The course's Tests no longer has section items pushed from it: nothing keeps it (R20),
    # exactly as the engine will judge it at the next push.
    at_course = rows[("101 North High", "course", "")]
    assert (at_course["assignments"], at_course["scores"], at_course["posted_grades"]) == ("0", "0", "0")
    assert "the next push from course master ENG9 removes it" in at_course["action"]


def test_r52_a_residual_item_no_push_can_reach_names_the_fix_that_works(district):
    # issue 14 bug 10: the same item after categories were unlocked: no master push removes it
    section(district, "1")["assignments"] = [assignment_doc("Unit test", "Tests", scores=4)]
    master(district)["categories"] = [category("Homework", "20.00", 1)]
    for c in district["courses"]:
        c["categories"][1]["source"] = None
    load(district)
    push_run(MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True))
    CourseCatalog.objects.filter(name=CATALOG).update(locked_types=["grade_calc_options"])

    at_course = {(r["level"], r["school"]): r for r in rows_of()}[("course", "101 North High")]

    assert "next push" not in at_course["action"]
    assert at_course["action"] == (
        f"nothing keeps it any more: delete it at course ENG9 (categories are not locked on catalog {CATALOG}, "
        "so no push removes it)"
    )


def test_r52_residual_grade_calc_option_kept_by_posted_grades_and_assignments(district):
    c = course(district)
    c["grade_calc_options"].append({**gco("task:Q2G", "Q2"), "state": "residual"})
    s = section(district, "1")
    s["grade_calc_options"].append(
        {**gco("task:Q2G", "Q2", calculation="no_calculation"), "state": "residual", "read_only": True}
    )
    s["assignments"] = [
        assignment_doc("Essay", "Homework", items=["task:Q2G"], term="Q2", scores=3),
        assignment_doc("Quiz", "Homework", items=["task:Q2G"], term="", scores=2),  # no term: every term
        assignment_doc("Other term", "Homework", items=["task:Q2G"], term="Q1", scores=5),
    ]
    s["posted_grades"] = [
        {"item": "task:Q2G", "term": "Q2", "student": "s001", "grade": "A", "comment": ""},
        {"item": "task:Q2G", "term": "Q2", "student": "s002", "grade": "B", "comment": ""},
        {"item": "task:Q2G", "term": "Q1", "student": "s002", "grade": "B", "comment": ""},
    ]
    load(district)

    rows = {(r["level"], r["section"]): r for r in rows_of()}

    assert set(rows) == {("course", ""), ("section", "1")}
    for row in rows.values():
        assert (row["data_type"], row["item"]) == ("grade_calc_options", "task:Q2G Q2")
        assert (row["assignments"], row["scores"], row["posted_grades"]) == ("2", "5", "2")
        assert "realign or delete its 2 assignments (5 scores) and 2 posted grades" in row["action"]
    assert rows[("course", "")]["teacher"] == "jdoe"
    assert "re-add it to course master ENG9 and push" in rows[("course", "")]["action"]


def test_r52_filters_level_type_and_school(district):
    course(district, "102")["standards"].append({"standard": "ELA.R.1", "score_group": "1-4", "state": "residual"})
    course(district, "101")["categories"].append({**category("Labs", "0.00", 3), "state": "residual"})
    load(district)

    assert {(r["school"], r["item"]) for r in rows_of()} == {
        ("101 North High", "Labs"),
        ("102 South High", "standard:ELA.R.1"),
    }
    assert [r["item"] for r in rows_of(school="102")] == ["standard:ELA.R.1"]
    assert [r["item"] for r in rows_of(setup_type="categories")] == ["Labs"]
    assert rows_of(level="section") == []


def test_r52_readding_the_item_to_the_master_relinks_it(district):
    section(district, "1")["assignments"] = [assignment_doc("Unit test", "Tests", scores=4)]
    master(district)["categories"] = [category("Homework", "20.00", 1)]
    for c in district["courses"]:
        c["categories"][1]["source"] = None
    load(district)
    push_run(MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True))
    assert len(rows_of()) == 2

    # "Add the task/standard to the course master and push data again" (the seed article).
    from coursemasters.models import CourseMaster, MasterCategory

    MasterCategory.objects.create(
        master=CourseMaster.objects.get(number="ENG9"), name="Tests", weight="80.00", sequence=2
    )
    push_run(MasterPushOptions(year=YEAR, catalog=CATALOG, to_sections=True))

    assert rows_of() == []
