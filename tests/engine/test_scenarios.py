"""The "Scenarios" of the Push All Course Masters article (seeds/001), one test each."""

from catalog.accounts import system_user
from catalog.setup_types import MASTER_PUSH_DATA
from pushjobs.engine import FAILED_DESYNCED, KEPT_RESIDUAL, REPORT_COLUMNS, SKIPPED_IGNORE_MASTER_PUSH
from sections.rollforward import calendar_roll_forward

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
    master_item_remove,
    master_push,
    posted_grade,
    pushed,
    reload,
    rows,
    section,
    states,
)


def _two_masters(district):
    district["course_masters"].append(
        {
            "catalog": CATALOG,
            "number": "MATH1",
            "name": "Algebra 1",
            "attributes": {"state_code": "02052"},
            "categories": [category("Practice", "100.00")],
        }
    )
    add_course(district, "101", number="MATH1", master="MATH1")
    add_course(district, "102", master="ENG9")
    return pushed(district)


def test_scenario_state_code_updated_on_several_masters_course_info_only(district):
    doc = _two_masters(district)
    master(doc)["attributes"]["state_code"] = "01999"
    master(doc, "MATH1")["attributes"]["state_code"] = "02999"
    by_key(master(doc)["categories"])["Homework"]["weight"] = "1.00"  # not ticked: must not move
    reload(doc)

    outcome = master_push(mode="push", data={"course_info"})

    after = exported()
    assert [course(after, n, s)["attributes"]["state_code"] for n, s in (("ENG9", "101"), ("ENG9", "102"))] == [
        "01999",
        "01999",
    ]
    assert course(after, "MATH1")["attributes"]["state_code"] == "02999"
    assert by_key(course(after)["categories"])["Homework"]["weight"] == "20.00"
    assert outcome.summary.courses_changed == 3


def test_scenario_push_several_changes_of_a_single_master(district):
    doc = _two_masters(district)
    master(doc)["categories"].append(category("Projects", "5.00", 3))
    master(doc, "MATH1")["categories"].append(category("Quizzes", "5.00", 2))
    reload(doc)

    outcome = master_push(master="ENG9")

    after = exported()
    assert "Projects" in states(course(after)["categories"])
    assert "Projects" in states(course(after, school="102")["categories"])
    assert states(course(after, "MATH1")["categories"]) == {"Practice": "linked"}
    assert outcome.summary.courses_changed == 2


def test_scenario_push_to_all_but_one_course_managed_by_its_school(district):
    doc = _two_masters(district)
    course(doc, school="102")["ignore_master_push"] = True
    master(doc)["categories"].append(category("Projects", "5.00", 3))
    reload(doc)
    before = course(exported(), school="102")

    outcome = master_push()

    assert course(exported(), school="102") == before
    assert "Projects" in states(course(exported())["categories"])
    assert [(r.school, r.outcome) for r in rows(outcome, SKIPPED_IGNORE_MASTER_PUSH)] == [
        ("102 South High", SKIPPED_IGNORE_MASTER_PUSH)
    ]


def test_scenario_start_next_year_from_scratch(district):
    doc = pushed(district)
    c = course(doc)
    c["categories"].append(category("Course Own", "1.00", 5, state="local"))
    s = section(doc)
    s["categories"].append(category("Teacher Own", "1.00", 5, state="teacher"))
    s["assignments"] = [assignment("Essay", category="Teacher Own", items=["task:S1"])]
    s["posted_grades"] = [posted_grade("task:S1", "Q1")]
    reload(doc)
    last_year = exported()

    calendar_roll_forward(user=system_user(), school="101", from_year="22-23", to_year="23-24")
    master_push(year="23-24", mode="overwrite", to_sections=True)

    after = exported()
    new = course(after, year="23-24")
    assert states(new["categories"]) == {"Homework": "linked", "Tests": "linked"}
    new_section = section(after, year="23-24")
    assert states(new_section["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert new_section.get("assignments", []) == [] and new_section.get("posted_grades", []) == []
    # Last year is as it was.
    assert course(after) == course(last_year) and section(after) == section(last_year)


def test_scenario_schools_and_teachers_control_their_own_setup_without_overwrite(district):
    doc = pushed(district)
    course(doc)["categories"].append(category("Labs", "5.00", 3, state="local"))
    section(doc)["categories"].append(category("Warm-ups", "5.00", 3, state="teacher"))
    reload(doc)

    master_push(mode="push", to_sections=True)

    after = exported()
    assert states(course(after)["categories"])["Labs"] == "local"
    assert states(section(after)["categories"])["Warm-ups"] == "teacher"


def test_scenario_push_not_working_because_the_course_is_desynced(district):
    doc = pushed(district)
    by_key(course(doc)["categories"])["Tests"].update(state="unlinked", weight="70.00")
    master(doc)["categories"].append(category("Projects", "5.00", 3))
    reload(doc)

    outcome = master_push(mode="push")

    [row] = rows(outcome, FAILED_DESYNCED)
    assert (row.course, row.data_type, row.item) == ("ENG9", "categories", "Tests")
    assert "overwrite mode relinks it" in row.detail
    assert "Projects" not in states(course(exported())["categories"])


def test_scenario_data_that_did_not_get_pushed_was_not_locked(district):
    doc = pushed(district)
    doc["catalogs"][0]["locks"]["types"].remove("assessments")
    master(doc)["assessments"][0]["copies_forward"] = False
    reload(doc)

    master_push()
    assert course(exported())["assessments"][0]["copies_forward"] is True

    doc = exported()
    doc["catalogs"][0]["locks"]["types"].append("assessments")
    reload(doc)
    master_push()
    assert course(exported())["assessments"][0]["copies_forward"] is False


def test_scenario_residual_records_stay_until_grades_and_assignments_are_realigned(district):
    doc = pushed(district)
    course(doc)["categories"].append(category("Old Projects", "5.00", 3, state="local"))
    section(doc)["categories"].append(category("Old Projects", "5.00", 3, state="linked", source="Old Projects"))
    section(doc)["assignments"] = [assignment("Project 1", category="Old Projects")]
    reload(doc)

    outcome = master_push(mode="overwrite", to_sections=True)

    assert states(course(exported())["categories"])["Old Projects"] == "residual"
    assert states(section(exported())["categories"])["Old Projects"] == "residual"
    assert {(r.section, r.item) for r in rows(outcome, KEPT_RESIDUAL)} == {("", "Old Projects"), ("1", "Old Projects")}

    # The teacher moves the assignment to a district category; the next push removes the residue.
    doc = exported()
    section(doc)["assignments"][0]["category"] = "Homework"
    reload(doc)
    master_push(mode="overwrite", to_sections=True)
    assert "Old Projects" not in states(course(exported())["categories"])
    assert "Old Projects" not in states(section(exported())["categories"])


def test_scenario_how_do_i_know_the_push_worked(district):
    add_course(district, "102", master="ENG9", ignore_master_push=True)
    load(district)

    outcome = master_push(mode="overwrite", to_sections=True)

    assert outcome.summary.line() == (
        "courses: 1 changed, 0 unchanged, 1 skipped, 0 failed; items: 14 created, 1 updated, 0 removed, 0 kept residual"
    )
    [row] = outcome.rows
    assert row.as_list() == [
        "102 South High",
        "22-23",
        "ENG9",
        "ENG9",
        "",
        "",
        "",
        "skipped_ignore_master_push",
        "Ignore Master Push is marked on this course",
    ]
    assert len(REPORT_COLUMNS) == len(row.as_list())


def test_scenario_get_all_courses_managed_at_the_master_level_again(district):
    add_course(district, "102", master="ENG9")
    add_course(district, "101", number="ENG9B", master="ENG9")
    doc = pushed(district)
    # One course manages its own categories (type unlocked then), another is desynced.
    by_key(course(doc)["categories"])["Homework"].update(state="unlinked", weight="1.00")
    course(doc, school="102")["desynced"] = ["grading_tasks"]
    south = course(doc, school="102")
    south["grading_tasks"] = [t for t in south["grading_tasks"] if t["task"] != "S1"]
    reload(doc)
    assert master_push(mode="push").summary.courses_failed == 2

    master_push(mode="overwrite", to_sections=True)

    again = master_push(mode="push", to_sections=True)
    assert again.summary.courses_failed == 0 and again.summary.courses_changed == 0
    for school, number in (("101", "ENG9"), ("102", "ENG9"), ("101", "ENG9B")):
        c = course(exported(), number, school)
        assert set(states(c["categories"]).values()) == {"linked"}
        assert states(c["grading_tasks"], "task") == {"S1": "linked", "Q1G": "linked"}
        assert c["desynced"] == []


def test_scenario_restore_a_removed_task_and_relink_its_residual_data(district):
    doc = pushed(district)
    section(doc)["posted_grades"] = [posted_grade("task:Q1G", "Q1")]
    section(doc)["assignments"] = [assignment("Quiz", items=["task:Q1G"])]
    master_item_remove(doc, "grading_tasks", "Q1G", key_field="task")
    master_item_remove(doc, "grade_calc_options", "task:Q1G Q1", key_field="gco")
    reload(doc)
    master_push(mode="overwrite", to_sections=True)
    assert states(course(exported())["grading_tasks"], "task")["Q1G"] == "residual"

    doc = exported()
    master(doc)["grading_tasks"].append({"task": "Q1G", "credit": "0.00", "credit_type": "", "score_group": ""})
    master(doc)["grade_calc_options"].append(gco("task:Q1G", "Q1"))
    reload(doc)
    master_push(to_sections=True)

    after = exported()
    assert states(course(after)["grading_tasks"], "task")["Q1G"] == "linked"
    section_gco = {(g["item"], g["term"]): g for g in section(after)["grade_calc_options"]}[("task:Q1G", "Q1")]
    assert (section_gco["state"], section_gco["read_only"]) == ("linked", False)
    assert section_gco["calculation"] == "in_progress"
    assert section(after)["posted_grades"] == [posted_grade("task:Q1G", "Q1")]


def _grayed_out(district):
    doc = pushed(district)
    section(doc)["assignments"] = [assignment("Quiz", items=["task:Q1G"], term="Q1")]
    master_item_remove(doc, "grading_tasks", "Q1G", key_field="task")
    master_item_remove(doc, "grade_calc_options", "task:Q1G Q1", key_field="gco")
    reload(doc)
    master_push(mode="overwrite", to_sections=True)
    q1g = {(g["item"], g["term"]): g for g in section(exported())["grade_calc_options"]}[("task:Q1G", "Q1")]
    assert (q1g["calculation"], q1g["read_only"]) == ("no_calculation", True)


def test_scenario_grayed_out_fixed_by_course_grade_calc_options_pushed_to_sections(district):
    _grayed_out(district)
    doc = exported()
    c_gco = {(g["item"], g["term"]): g for g in course(doc)["grade_calc_options"]}[("task:Q1G", "Q1")]
    c_gco.update(state="local", calculation="in_progress")
    reload(doc)

    master_push(mode="push", to_sections=True)

    q1g = {(g["item"], g["term"]): g for g in section(exported())["grade_calc_options"]}[("task:Q1G", "Q1")]
    assert (q1g["state"], q1g["calculation"], q1g["read_only"]) == ("linked", "in_progress", False)


def test_scenario_grayed_out_fixed_by_realigning_assignments(district):
    _grayed_out(district)
    doc = exported()
    section(doc)["assignments"][0]["items"] = ["task:S1"]
    reload(doc)

    master_push(mode="overwrite", to_sections=True)

    after = exported()
    assert ("task:Q1G", "Q1") not in {(g["item"], g["term"]) for g in section(after)["grade_calc_options"]}
    assert "Q1G" not in states(course(after)["grading_tasks"], "task")


def test_scenario_relink_everything_except_teacher_managed_categories(district):
    doc = pushed(district)
    section(doc)["categories"].append(category("Teacher Own", "5.00", 3, state="teacher"))
    by_key(course(doc)["grading_tasks"], "task")["S1"].update(state="unlinked", credit="9.00")
    reload(doc)
    before = exported()

    master_push(mode="overwrite", to_sections=True, data=set(MASTER_PUSH_DATA) - {"categories"})

    after = exported()
    assert course(after)["categories"] == course(before)["categories"]
    assert section(after)["categories"] == section(before)["categories"]
    assert by_key(course(after)["grading_tasks"], "task")["S1"]["state"] == "linked"
