"""Never lost, never outside scope, bad input refused: rules R30-R32."""

import pytest

from catalog.models import CourseCatalog, SchoolYear
from exchange.generator import district_generate
from pushjobs.engine import CoursePushOptions, MasterPushOptions, PushInputError, push_chunk, push_run, push_scope
from sections.models import Assignment, PostedGrade, Score

from .conftest import (
    CATALOG,
    add_course,
    by_key,
    category,
    course,
    course_push,
    exported,
    load,
    master,
    master_push,
    pushed,
    reload,
    section,
    teacher_data,
)


def _teacher_rows():
    return (
        sorted(Assignment.objects.values_list("id", "section_id", "name", "category_id", "term", "points")),
        sorted(Assignment.items.through.objects.values_list("assignment_id", "gradingitem_id")),
        sorted(Score.objects.values_list("id", "assignment_id", "student", "score", "comment")),
        sorted(PostedGrade.objects.values_list("id", "section_id", "item_id", "term", "student", "grade", "comment")),
    )


def test_r30_no_push_changes_assignments_scores_posted_grades_or_comments(db):
    load(district_generate(schools=1, masters=12, students_per_section=3, assignments_per_section=3, seed=7))
    assert Assignment.objects.exists() and PostedGrade.objects.exists() and Score.objects.exists()
    before_rows, before_doc = _teacher_rows(), teacher_data(exported())

    for catalog in CourseCatalog.objects.all():
        for year in SchoolYear.objects.values_list("name", flat=True):
            for mode in ("push", "overwrite"):
                try:
                    push_run(MasterPushOptions(year=year, catalog=catalog.name, mode=mode, to_sections=True))
                except PushInputError:
                    continue  # no calendar of that year uses the catalog
    for school, year in {(c["calendar"]["school"], c["calendar"]["year"]) for c in exported()["courses"]}:
        push_run(CoursePushOptions(school=school, year=year, overwrite_categories=True))

    # The same rows with the same ids and values; an assignment's category may only have been renamed.
    assert _teacher_rows() == before_rows
    assert teacher_data(exported()) == before_doc


def test_r31_nothing_outside_the_selected_calendars_and_types_changes(district):
    add_course(district, "102", master="ENG9")
    doc = pushed(district)
    m = master(doc)
    by_key(m["categories"])["Homework"]["weight"] = "33.00"
    by_key(m["grading_tasks"], "task")["S1"]["credit"] = "3.00"
    reload(doc)
    before = exported()

    master_push(calendars=("102",), data={"categories"}, mode="overwrite", to_sections=True)

    after = exported()
    assert course(after) == course(before) and section(after) == section(before)  # 101 not selected
    south = course(after, school="102")
    assert by_key(south["categories"])["Homework"]["weight"] == "33.00"
    assert by_key(south["grading_tasks"], "task")["S1"]["credit"] == "0.50"  # tasks were not ticked
    assert south["grading_tasks"] == course(before, school="102")["grading_tasks"]


def test_r31_push_to_sections_of_one_course_touches_only_its_sections(district):
    add_course(district, "101", number="ART", categories=[category("Work", state="local")])
    add_course(district, "101", number="MUSIC", categories=[category("Play", state="local")])
    load(district)
    before = exported()

    course_push(course="ART")

    after = exported()
    assert [c["name"] for c in section(after, "1", "ART")["categories"]] == ["Work"]
    assert section(after, "1", "MUSIC") == section(before, "1", "MUSIC")
    assert section(after) == section(before)


MASTER_ERRORS = [
    (dict(year="99-00"), 'no school year "99-00"'),
    (dict(catalog="Nope"), 'no course catalog "Nope"'),
    (dict(calendars=("999",)), 'no school "999"'),
    (dict(calendars=("201",)), 'school 201 does not use catalog "High School Catalog"'),
    (dict(year="23-24", catalog="Middle School Catalog"), 'no calendar in 23-24 uses catalog "Middle School Catalog"'),
    (dict(master="NOPE"), 'no course master "NOPE" in catalog "High School Catalog"'),
    (dict(mode="merge"), 'unknown push mode "merge"'),
    (dict(data=frozenset({"grades"})), 'unknown data type "grades"'),
]
COURSE_ERRORS = [
    (dict(school="999"), 'no school "999"'),
    (dict(year="99-00"), 'no school year "99-00"'),
    (dict(school="102", year="23-24"), "school 102 has no calendar in 23-24"),
    (dict(course="NOPE"), 'no course "NOPE"'),
    (dict(data=frozenset({"tasks"})), 'unknown data type "tasks"'),
]


@pytest.mark.parametrize("options,message", MASTER_ERRORS + COURSE_ERRORS)
def test_r32_bad_input_names_the_problem_and_changes_nothing(district, options, message):
    load(district)
    before = exported()
    if (options, message) in MASTER_ERRORS:
        opts = MasterPushOptions(**{"year": "22-23", "catalog": CATALOG, **options})
    else:
        opts = CoursePushOptions(**{"school": "101", "year": "22-23", **options})

    for call in (lambda: push_scope(opts), lambda: push_run(opts), lambda: push_chunk(opts, [1])):
        with pytest.raises(PushInputError) as error:
            call()
        assert message in str(error.value)
    assert exported() == before
