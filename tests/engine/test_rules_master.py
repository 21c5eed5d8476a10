"""Push All Course Masters and Push to Courses: rules R2, R4, R6-R18."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import CourseCategory
from pushjobs.engine import CONFLICT, FAILED_DESYNCED, FAILED_ERROR, KEPT_RESIDUAL, RELINKED, RENAMED_LOCAL_ITEM

from .conftest import (
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
    pushed,
    reload,
    rows,
    section,
    states,
)


def children(item):
    return [(c["item"], c["weight"]) for c in item["children"]]


def test_r2_only_ticked_and_locked_data_is_pushed(district):
    district["catalogs"][0]["locks"] = {"attributes": ["name"], "types": ["categories", "grading_tasks"]}
    district["courses"][0].update(name="Old name", attributes={"state_code": "XX"})
    load(district)

    master_push(data={"categories", "grading_tasks_standards", "grade_calc_options", "course_info"})

    c = course(exported())
    assert states(c["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert {t["task"] for t in c["grading_tasks"]} == {"S1", "Q1G"}
    # Standards, grade calc options and the rest are not locked: not pushed.
    assert c["standards"] == [] and c["grade_calc_options"] == [] and c["assessments"] == []
    assert c["composite_grades"] == []
    # Course Info: only the locked attribute.
    assert c["name"] == "English 9"
    assert c["attributes"]["state_code"] == "XX"


def test_r2_unticked_types_are_not_pushed(district):
    load(district)
    master_push(data={"categories"})
    c = course(exported())
    assert states(c["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert c["grading_tasks"] == [] and c["grade_calc_options"] == []


def _composite_situation(district):
    doc = pushed(district)
    c = course(doc)
    by_key(c["composite_grades"], "parent")["task:S1"]["children"] = [
        {"item": "task:Q1G", "weight": "70.00"},
        {"item": "task:Q2G", "weight": "30.00"},
    ]
    master(doc)["composite_grades"][0]["children"] = [
        {"item": "task:Q1G", "weight": "40.00"},
        {"item": "task:Q2G", "weight": "40.00"},
        {"item": "task:Q3G", "weight": "20.00"},
    ]
    return doc


def test_r4_composite_weights_unlocked_course_keeps_its_weights(district):
    doc = _composite_situation(district)
    doc["catalogs"][0]["locks"]["types"].remove("composite_weights")
    reload(doc)

    master_push()

    item = by_key(course(exported())["composite_grades"], "parent")["task:S1"]
    assert item["state"] == "linked"
    assert children(item) == [("task:Q1G", "70.00"), ("task:Q2G", "30.00"), ("task:Q3G", "20.00")]
    # Pushing again changes nothing: the course's own weights are not "awaiting push".
    assert master_push().summary.courses_changed == 0


def test_r4_composite_weights_locked_take_the_masters(district):
    doc = _composite_situation(district)
    reload(doc)
    master_push()
    item = by_key(course(exported())["composite_grades"], "parent")["task:S1"]
    assert children(item) == [("task:Q1G", "40.00"), ("task:Q2G", "40.00"), ("task:Q3G", "20.00")]


def test_r4_weights_locked_without_composite_grades_push_nothing_of_composites(district):
    doc = _composite_situation(district)
    doc["catalogs"][0]["locks"]["types"].remove("composite_grades")
    reload(doc)
    master_push()
    item = by_key(course(exported())["composite_grades"], "parent")["task:S1"]
    assert children(item) == [("task:Q1G", "70.00"), ("task:Q2G", "30.00")]


def test_r6_rename_upstream_is_followed_by_identity(district):
    doc = pushed(district)
    homework_id = CourseCategory.objects.get(name="Homework").pk
    by_key(master(doc)["categories"])["Homework"]["name"] = "Home Work"
    by_key(course(doc)["categories"])["Homework"]["source"] = "Home Work"
    section(doc)["assignments"] = [assignment("Essay", category="Homework")]
    reload(doc)
    homework_id = CourseCategory.objects.get(name="Homework").pk

    master_push(to_sections=True)

    after = exported()
    assert states(course(after)["categories"]) == {"Home Work": "linked", "Tests": "linked"}
    assert CourseCategory.objects.get(name="Home Work").pk == homework_id  # the same item, renamed
    s = section(after)
    assert states(s["categories"]) == {"Home Work": "linked", "Tests": "linked"}
    assert s["assignments"][0]["category"] == "Home Work"


def test_r7_linked_course_awaits_push_and_linking_changed_nothing(district):
    district["courses"][0]["categories"] = [category("Labs", state="local")]
    load(district)
    before = exported()
    assert states(course(before)["categories"]) == {"Labs": "local"}

    preview = master_push(dry_run=True)

    assert exported() == before
    assert preview.summary.items_created > 0 and preview.summary.courses_changed == 1
    master_push()
    assert states(course(exported())["categories"]) == {"Labs": "local", "Homework": "linked", "Tests": "linked"}


def test_r8_awaiting_push_is_resolved_by_a_plain_push(district):
    doc = pushed(district)
    cats = master(doc)["categories"]
    by_key(cats)["Homework"]["weight"] = "25.00"  # changed
    cats.append(category("Quizzes", "75.00", 3))  # added
    master_item_remove(doc, "categories", "Tests")  # removed
    reload(doc)

    outcome = master_push(mode="push")

    assert outcome.summary.courses_failed == 0
    cats = by_key(course(exported())["categories"])
    assert set(cats) == {"Homework", "Quizzes"}
    assert cats["Homework"]["weight"] == "25.00" and cats["Homework"]["state"] == "linked"
    assert cats["Quizzes"]["state"] == "linked"


def test_r9_desync_comes_from_the_course_side_for_locked_types_only(district):
    doc = pushed(district)
    add_course(doc, "102", master="ENG9")
    add_course(doc, "101", number="ENG9B", master="ENG9")
    # ENG9 at 101: a category edited while categories were unlocked (now locked again).
    by_key(course(doc)["categories"])["Homework"].update(state="unlinked", weight="5.00")
    # ENG9 at 102: remembers a deleted pushed standard.
    course(doc, school="102")["desynced"] = ["standards"]
    # ENG9B: an unlinked item of a type that is not locked is not desync.
    doc["catalogs"][0]["locks"]["types"].remove("assessments")
    course(doc, "ENG9B")["assessments"] = [{"test": "SBAC", "state": "unlinked", "source": None}]
    reload(doc)

    outcome = master_push(mode="push")

    failed = {(r.school, r.course, r.data_type, r.item) for r in rows(outcome, FAILED_DESYNCED)}
    assert failed == {("101 North High", "ENG9", "categories", "Homework"), ("102 South High", "ENG9", "standards", "")}
    assert outcome.summary.courses_failed == 2
    assert states(course(exported(), "ENG9B")["categories"]) == {"Homework": "linked", "Tests": "linked"}


def test_r10_only_linked_courses_of_the_catalog_in_that_year(district):
    doc = pushed(district)
    add_course(doc, "101", year="23-24", master="ENG9")  # another year
    add_course(doc, "201", number="ENG7", master="ENG7")  # another catalog
    add_course(doc, "101", number="ART")  # not linked
    for number, school, year in (("ENG9", "101", "23-24"), ("ENG7", "201", "22-23"), ("ART", "101", "22-23")):
        course(doc, number, school, year)["categories"] = [category("Homework", "1.00", state="local")]
    by_key(master(doc)["categories"])["Homework"]["weight"] = "30.00"
    reload(doc)
    before = exported()

    master_push(mode="overwrite", to_sections=True)

    after = exported()
    assert by_key(course(after)["categories"])["Homework"]["weight"] == "30.00"
    for number, school, year in (("ENG9", "101", "23-24"), ("ENG7", "201", "22-23"), ("ART", "101", "22-23")):
        assert course(after, number, school, year) == course(before, number, school, year)


@pytest.mark.parametrize("mode", ["push", "overwrite"])
def test_r11_ignore_master_push_receives_nothing_and_is_reported(district, mode):
    add_course(district, "102", master="ENG9", ignore_master_push=True)
    load(district)
    before = course(exported(), school="102")

    outcome = master_push(mode=mode, to_sections=True)

    assert course(exported(), school="102") == before
    skipped = rows(outcome, "skipped_ignore_master_push")
    assert [(r.school, r.course) for r in skipped] == [("102 South High", "ENG9")]
    assert outcome.summary.courses_skipped == 1 and outcome.summary.courses_changed == 1


def _fail_inserts_for(model, course_number: str, school: str = "102"):
    """A real database error for one course: a trigger refusing its rows of ``model``."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_refuse() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM courses_course c JOIN catalog_calendar cal ON cal.id = c.calendar_id
                           JOIN catalog_school s ON s.id = cal.school_id
                           WHERE c.id = NEW.course_id AND c.number = '{course_number}' AND s.number = '{school}') THEN
                    RAISE EXCEPTION 'refused by test trigger';
                END IF;
                RETURN NEW;
            END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_refuse();
            """
        )


def test_r12_a_failing_course_is_left_as_it_was_and_the_others_go_on(district):
    add_course(district, "102", master="ENG9")
    add_course(district, "101", number="ENG9B", master="ENG9")
    course(district, "ENG9B")["categories"] = [category("Labs", state="unlinked", source=None)]  # desynced
    load(district)
    before = course(exported(), school="102")
    _fail_inserts_for(CourseCategory, "ENG9", "102")

    outcome = master_push(mode="push")

    after = exported()
    assert course(after, school="102") == before  # nothing of it was written, not even its tasks
    assert states(course(after)["categories"]) == {"Homework": "linked", "Tests": "linked"}
    errors = rows(outcome, FAILED_ERROR)
    assert [(r.school, r.course) for r in errors] == [("102 South High", "ENG9")]
    assert "refused by test trigger" in errors[0].detail
    assert outcome.summary.courses_failed == 2 and outcome.summary.courses_changed == 1


def test_r13_linked_items_take_the_masters_values_and_new_name(district):
    doc = pushed(district)
    m = master(doc)
    by_key(m["categories"])["Homework"]["weight"] = "35.00"
    by_key(m["categories"])["Tests"]["name"] = "Exams"
    by_key(course(doc)["categories"])["Tests"]["source"] = "Exams"
    by_key(m["grading_tasks"], "task")["S1"]["credit"] = "1.00"
    reload(doc)

    master_push()

    c = course(exported())
    cats = by_key(c["categories"])
    assert set(cats) == {"Homework", "Exams"} and cats["Homework"]["weight"] == "35.00"
    assert by_key(c["grading_tasks"], "task")["S1"]["credit"] == "1.00"


def test_r13_missing_master_items_are_created_linked(district):
    load(district)
    master_push()
    c = course(exported())
    assert states(c["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert {(g["item"], g["term"], g["state"]) for g in c["grade_calc_options"]} == {
        ("task:S1", "Q1", "linked"),
        ("task:Q1G", "Q1", "linked"),
    }
    assert c["assessments"][0]["state"] == "linked" and c["assessments"][0]["source"] == "MAP"


def test_r13_residual_item_with_a_master_key_is_relinked_with_its_teacher_data(district):
    doc = pushed(district)
    course(doc)["categories"].append(category("Quizzes", "5.00", 3, state="residual"))
    s = section(doc)
    s["categories"].append(category("Quizzes", "5.00", 3, state="residual"))
    s["assignments"] = [assignment("Quiz 1", category="Quizzes")]
    master(doc)["categories"].append(category("Quizzes", "15.00", 3))
    reload(doc)

    outcome = master_push(to_sections=True)

    after = exported()
    assert by_key(course(after)["categories"])["Quizzes"]["state"] == "linked"
    assert by_key(course(after)["categories"])["Quizzes"]["weight"] == "15.00"
    assert by_key(section(after)["categories"])["Quizzes"]["state"] == "linked"
    assert section(after)["assignments"][0]["category"] == "Quizzes"
    assert ("categories", "Quizzes", RELINKED) in {(r.data_type, r.item, r.outcome) for r in outcome.rows}


def test_r13_linked_item_whose_master_item_is_gone_is_removed_or_kept_residual(district):
    doc = pushed(district)
    master_item_remove(doc, "categories", "Homework")
    master_item_remove(doc, "categories", "Tests")
    section(doc)["assignments"] = [assignment("Essay", category="Homework")]
    reload(doc)

    outcome = master_push(mode="push", to_sections=True)

    after = exported()
    assert states(course(after)["categories"]) == {"Homework": "residual"}
    assert states(section(after)["categories"]) == {"Homework": "residual"}
    kept = {(r.section, r.item) for r in rows(outcome, KEPT_RESIDUAL)}
    assert kept == {("", "Homework"), ("1", "Homework")}
    assert outcome.summary.items_removed == 2  # Tests, at the course and at the section


def test_r13_local_category_with_a_pushed_name_is_renamed_and_kept(district):
    # The same name but for case ("homework"): an import trims and compares without case (R90).
    district["courses"][0]["categories"] = [
        category("homework ", "3.00", state="local"),
        category("Homework (1)", "4.00", 2, state="local"),
    ]
    load(district)

    outcome = master_push(mode="push")

    cats = by_key(course(exported())["categories"])
    assert cats["Homework"]["state"] == "linked" and cats["Homework"]["weight"] == "20.00"
    # "(n)" is appended to the local category's own name, the first free one.
    assert cats["homework (2)"]["state"] == "local" and cats["homework (2)"]["weight"] == "3.00"
    assert cats["Homework (1)"]["weight"] == "4.00"
    renamed = rows(outcome, RENAMED_LOCAL_ITEM)
    assert [(r.item, r.detail) for r in renamed] == [
        ("homework", 'renamed to "homework (2)": the master pushes a category with this name')
    ]
    assert outcome.summary.courses_failed == 0


def test_r13_local_item_of_another_type_with_a_master_key_is_a_conflict(district):
    district["courses"][0]["grading_tasks"] = [
        {"task": "S1", "credit": "9.00", "credit_type": "", "score_group": "", "state": "local"}
    ]
    load(district)

    outcome = master_push(mode="push")

    tasks = by_key(course(exported())["grading_tasks"], "task")
    assert tasks["S1"]["state"] == "local" and tasks["S1"]["credit"] == "9.00"
    assert tasks["Q1G"]["state"] == "linked"
    conflicts = rows(outcome, CONFLICT)
    assert [(r.data_type, r.item) for r in conflicts] == [("grading_tasks", "task:S1")]
    assert outcome.summary.courses_failed == 0 and outcome.summary.courses_changed == 1


def test_r13_grade_calc_option_for_a_term_the_calendar_lacks_is_a_conflict(district):
    district["calendars"][1]["terms"] = ["T1", "T2", "T3"]
    add_course(district, "102", master="ENG9")
    master(district)["grade_calc_options"].append(gco("task:S1", "T1"))
    load(district)

    outcome = master_push()

    south = course(exported(), school="102")
    assert [(g["item"], g["term"]) for g in south["grade_calc_options"]] == [("task:S1", "T1")]
    conflicts = {(r.school, r.item, r.detail) for r in rows(outcome, CONFLICT)}
    assert conflicts == {
        ("102 South High", "task:S1 Q1", 'the calendar has no term "Q1"'),
        ("102 South High", "task:Q1G Q1", 'the calendar has no term "Q1"'),
        ("101 North High", "task:S1 T1", 'the calendar has no term "T1"'),
    }
    assert outcome.summary.courses_failed == 0


def test_r14_desynced_course_fails_whole_in_push_mode(district):
    doc = pushed(district)
    by_key(course(doc)["categories"])["Tests"].update(state="unlinked", weight="60.00")
    by_key(master(doc)["grading_tasks"], "task")["S1"]["credit"] = "2.00"  # awaiting push: must not land
    reload(doc)
    before = exported()

    outcome = master_push(mode="push", to_sections=True)

    assert exported() == before
    [row] = rows(outcome, FAILED_DESYNCED)
    assert (row.data_type, row.item) == ("categories", "Tests")
    assert "overwrite" in row.detail
    assert outcome.summary.courses_failed == 1


def test_r15_overwrite_relinks_a_desynced_course(district):
    doc = pushed(district)
    c = course(doc)
    by_key(c["categories"])["Tests"].update(state="unlinked", weight="60.00")
    c["categories"].remove(by_key(c["categories"])["Homework"])
    by_key(section(doc)["categories"])["Homework"]["source"] = None  # its course item is gone
    c["desynced"] = ["categories"]
    reload(doc)

    outcome = master_push(mode="overwrite")

    c = course(exported())
    cats = by_key(c["categories"])
    assert states(c["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert cats["Tests"]["weight"] == "80.00"
    assert c["desynced"] == []
    assert ("Tests", RELINKED) in {(r.item, r.outcome) for r in outcome.rows}
    assert master_push(mode="push").summary.courses_failed == 0


def test_r15_overwrite_adopts_local_items_with_a_master_key(district):
    district["courses"][0]["categories"] = [category("Homework", "3.00", state="local")]
    district["courses"][0]["grading_tasks"] = [
        {"task": "S1", "credit": "9.00", "credit_type": "", "score_group": "", "state": "local"}
    ]
    load(district)
    homework_id = CourseCategory.objects.get(name="Homework").pk

    outcome = master_push(mode="overwrite")

    c = course(exported())
    assert by_key(c["categories"])["Homework"]["state"] == "linked"
    assert by_key(c["categories"])["Homework"]["weight"] == "20.00"
    assert CourseCategory.objects.get(name="Homework").pk == homework_id
    assert by_key(c["grading_tasks"], "task")["S1"] == {
        "task": "S1",
        "credit": "0.50",
        "credit_type": "English",
        "score_group": "A-F",
        "state": "linked",
        "source": "S1",
    }
    assert {(r.item, r.outcome) for r in outcome.rows} >= {("Homework", RELINKED), ("task:S1", RELINKED)}


def test_r15_overwrite_removes_other_local_items_unless_in_use(district):
    doc = pushed(district)
    c = course(doc)
    c["categories"] += [category("Labs", state="local"), category("Projects", state="local")]
    c["grading_tasks"].append({"task": "Q2G", "state": "unlinked", "source": None})
    s = section(doc)
    s["categories"].append(category("Labs", state="linked", source="Labs"))
    s["assignments"] = [assignment("Lab 1", category="Labs")]
    reload(doc)

    outcome = master_push(mode="overwrite")

    c = course(exported())
    assert states(c["categories"]) == {"Homework": "linked", "Tests": "linked", "Labs": "residual"}
    assert {t["task"] for t in c["grading_tasks"]} == {"S1", "Q1G"}
    assert [r.item for r in rows(outcome, KEPT_RESIDUAL)] == ["Labs"]


def test_r16_locked_course_info_is_copied(district):
    district["courses"][0].update(
        name="Eng", attributes={"state_code": "X", "credits": "3.00", "department": "Own department"}
    )
    load(district)

    master_push(mode="push", data={"course_info"})

    c = course(exported())
    assert c["name"] == "English 9"
    assert c["attributes"]["state_code"] == "01001" and c["attributes"]["credits"] == "1.00"
    assert c["attributes"]["department"] == "Own department"  # not locked
    assert c["categories"] == []  # only Course Info was ticked


def test_r16_a_number_already_used_in_the_calendar_is_a_conflict(district):
    district["courses"][0]["number"] = "ENG9-A"
    district["sections"][0]["course"]["number"] = "ENG9-A"
    add_course(district, "101", number="ENG9", sections=())
    load(district)

    outcome = master_push(data={"course_info"})

    c = course(exported(), "ENG9-A")
    assert c["name"] == "English 9"
    [row] = rows(outcome, CONFLICT)
    assert (row.course, row.data_type, row.item) == ("ENG9-A", "course_info", "number")
    assert "already used" in row.detail


def test_r17_to_sections_in_the_same_mode_and_unit(district):
    district["catalogs"][0]["locks"]["attributes"].append("advisory")
    master(district)["attributes"]["advisory"] = True
    load(district)

    master_push(to_sections=True)

    s = section(exported())
    assert s["advisory"] is True
    assert states(s["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert {(g["item"], g["term"]) for g in s["grade_calc_options"]} == {("task:S1", "Q1"), ("task:Q1G", "Q1")}
    assert [c["parent"] for c in s["composite_grades"]] == ["task:S1"]


def test_r17_a_section_failure_fails_the_whole_course(district):
    from sections.models import SectionCategory

    add_course(district, "102", master="ENG9")
    load(district)
    before = course(exported(), school="102")
    table = SectionCategory._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_refuse() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM sections_section s JOIN courses_course c ON c.id = s.course_id
                           JOIN catalog_calendar cal ON cal.id = c.calendar_id
                           JOIN catalog_school sc ON sc.id = cal.school_id
                           WHERE s.id = NEW.section_id AND sc.number = '102') THEN
                    RAISE EXCEPTION 'section refused by test trigger';
                END IF;
                RETURN NEW;
            END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION test_refuse();
            """
        )

    outcome = master_push(to_sections=True)

    after = exported()
    assert course(after, school="102") == before  # its course-level items were not written either
    assert states(course(after)["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert [r.school for r in rows(outcome, FAILED_ERROR)] == ["102 South High"]


def test_r18_second_identical_push_writes_nothing(district):
    load(district)
    first = master_push(mode="overwrite", to_sections=True)
    assert first.summary.courses_changed == 1
    before = exported()

    with CaptureQueriesContext(connection) as queries:
        second = master_push(mode="overwrite", to_sections=True)

    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert exported() == before
    assert second.summary.line() == (
        "courses: 0 changed, 1 unchanged, 0 skipped, 0 failed; items: 0 created, 0 updated, 0 removed, 0 kept residual"
    )


def test_r18_summary_counts_what_changed(district):
    load(district)
    outcome = master_push(mode="push", to_sections=True)
    # Course: 2 tasks, 1 standard, 2 categories, 1 assessment, 2 grade calc options, 1 composite;
    # section: 2 categories, 2 grade calc options, 1 composite; Course Info (name, credits, state code).
    assert outcome.summary.items_created == 9 + 5
    assert outcome.summary.items_updated == 1
    assert outcome.summary.courses_changed == 1
    assert Decimal(course(exported())["attributes"]["credits"]) == Decimal("1.00")


def test_r13_linked_categories_that_trade_names_follow_the_master(district):
    doc = pushed(district)
    cats = by_key(master(doc)["categories"])
    cats["Homework"]["name"], cats["Tests"]["name"] = "Tests", "Homework"
    for c in (course(doc),):
        for item in c["categories"]:
            item["source"] = {"Homework": "Tests", "Tests": "Homework"}[item["source"]]
    section(doc)["assignments"] = [assignment("Essay", category="Homework")]
    reload(doc)
    homework_id = CourseCategory.objects.get(name="Homework").pk

    master_push(to_sections=True)

    after = exported()
    cats = by_key(course(after)["categories"])
    assert (cats["Tests"]["weight"], cats["Homework"]["weight"]) == ("20.00", "80.00")
    assert CourseCategory.objects.get(name="Tests").pk == homework_id
    assert section(after)["assignments"][0]["category"] == "Tests"  # it followed its category


def test_r13_master_item_moved_onto_a_local_key_is_a_conflict(district):
    doc = pushed(district)
    m_gco = {(g["item"], g["term"]): g for g in master(doc)["grade_calc_options"]}[("task:S1", "Q1")]
    m_gco["term"] = "Q2"  # the master moved its option to Q2; the course has its own Q2 option
    c = course(doc)
    linked = {(g["item"], g["term"]): g for g in c["grade_calc_options"]}[("task:S1", "Q1")]
    linked["source"] = "task:S1 Q2"
    c["grade_calc_options"].append(gco("task:S1", "Q2", "no_calculation", state="local"))
    for s_gco in section(doc)["grade_calc_options"]:
        if s_gco["item"] == "task:S1":
            s_gco["source"] = "task:S1 Q1"
    reload(doc)

    outcome = master_push(mode="push")

    options = {(g["item"], g["term"]): g for g in course(exported())["grade_calc_options"]}
    assert options[("task:S1", "Q1")]["state"] == "linked"  # left as it was
    assert (options[("task:S1", "Q2")]["state"], options[("task:S1", "Q2")]["calculation"]) == (
        "local",
        "no_calculation",
    )
    assert [(r.item, r.outcome) for r in rows(outcome, CONFLICT)] == [("task:S1 Q2", CONFLICT)]
    assert outcome.summary.courses_failed == 0
