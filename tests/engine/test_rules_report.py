"""R44: the result report lists every course that needs a person's attention."""

from pushjobs.engine import CONFLICT, RELINKED, SKIPPED_IGNORE_MASTER_PUSH

from .conftest import add_course, by_key, course, load, master_item_remove, master_push, pushed, reload, section


def test_r44_overwrite_lists_a_course_desynced_by_a_deletion(district):
    # given a course desynced by deleting a pushed category while categories were unlocked (R9)
    add_course(district, "102", master="ENG9")
    doc = pushed(district)
    south = course(doc, school="102")
    south["categories"].remove(by_key(south["categories"])["Homework"])
    by_key(section(doc, school="102")["categories"])["Homework"]["source"] = None  # its course item is gone
    south["desynced"] = ["categories"]
    reload(doc)

    # when an overwrite push relinks it (R15)
    outcome = master_push(mode="overwrite")

    # then the report lists that course as relinked, and no other
    listed = {(r.school.split()[0], r.course, r.data_type) for r in outcome.rows if r.outcome == RELINKED}
    assert listed == {("102", "ENG9", "categories")}
    assert outcome.summary.courses_changed == 1 and outcome.summary.items_created == 1
    # and once relinked it needs nobody's attention again (R18)
    again = master_push(mode="overwrite")
    assert again.rows == [] and again.summary.courses_changed == 0


def test_r44_every_ignored_course_is_listed_as_skipped(district):
    add_course(district, "102", master="ENG9", ignore_master_push=True)
    doc = pushed(district)
    master_item_remove(doc, "categories", "Homework")
    reload(doc)

    for mode in ("push", "overwrite"):
        outcome = master_push(mode=mode)
        skipped = [(r.school.split()[0], r.course) for r in outcome.rows if r.outcome == SKIPPED_IGNORE_MASTER_PUSH]
        assert skipped == [("102", "ENG9")]
        assert outcome.summary.courses_skipped == 1


def test_r44_each_row_names_its_courses_school_and_school_year(district):
    # given a course whose local task has a master's key (a conflict, R13) and one marked Ignore
    # Master Push (R11), in two schools
    district["courses"][0]["grading_tasks"] = [
        {"task": "S1", "credit": "9.00", "credit_type": "", "score_group": "", "state": "local"}
    ]
    add_course(district, "102", master="ENG9", ignore_master_push=True)
    load(district)

    outcome = master_push(mode="push")

    assert {(r.school, r.calendar, r.course, r.outcome) for r in outcome.rows} == {
        ("101 North High", "22-23", "ENG9", CONFLICT),
        ("102 South High", "22-23", "ENG9", SKIPPED_IGNORE_MASTER_PUSH),
    }
