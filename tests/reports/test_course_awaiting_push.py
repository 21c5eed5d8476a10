"""R51 Course Awaiting Push: per calendar, the course's grading setup changes not yet pushed
to its sections (R19), computed by comparing values."""

import pytest

from catalog.errors import InputError
from pushjobs.engine import CoursePushOptions, push_run
from reports.filters import report_filters_resolve
from reports.selectors import report_get

from .conftest import YEAR, category, course, load, section
from .conftest import rows_of as _rows_of

KIND = "course-awaiting-push"


def rows_of(**filters):
    return _rows_of(KIND, school="101", **filters)


def test_r51_nothing_awaits_right_after_a_push(district):
    load(district)
    assert rows_of() == []
    assert push_run(CoursePushOptions(school="101", year=YEAR)).summary.courses_changed == 0


def test_r51_course_change_awaits_on_every_section(district):
    course(district)["categories"][0]["weight"] = "35.00"  # the course changed Homework; sections have 20
    load(district)

    rows = rows_of()

    assert [(r["course"], r["section"], r["teacher"], r["item"], r["change"]) for r in rows] == [
        ("ENG9", "1", "jdoe", "Homework", "changed"),
        ("ENG9", "2", "msmith", "Homework", "changed"),
    ]
    assert (rows[0]["old_value"], rows[0]["new_value"]) == ("weight: 20", "weight: 35")
    assert (rows[0]["school"], rows[0]["calendar"]) == ("101 North High", YEAR)
    report = report_get(filters=report_filters_resolve(kind=KIND, year=YEAR, school="101"))
    assert report.summary() == {"sections": 2, "awaiting": 2, "courses": 1}


def test_r19_teacher_category_with_a_pushed_name_is_renamed(district):
    course(district)["categories"].append({**category("Labs", "0.00", 3), "state": "local"})
    section(district, "1")["categories"].append({**category("labs ", "10.00", 3), "state": "teacher"})
    load(district)

    rows = {r["section"]: r for r in rows_of()}

    assert {(s, r["item"], r["change"]) for s, r in rows.items()} == {("1", "Labs", "added"), ("2", "Labs", "added")}
    assert "renames the teacher's category" in rows["1"]["detail"]
    assert "renames" not in rows["2"]["detail"]

    push_run(CoursePushOptions(school="101", year=YEAR))

    assert rows_of() == []
    from sections.models import SectionCategory

    names = set(SectionCategory.objects.filter(section__number="1").values_list("name", flat=True))
    assert {"Labs", "labs (1)"} <= names


def test_r19_teacher_item_of_another_type_is_a_conflict(district):
    course(district)["grade_calc_options"].append(
        {"item": "task:Q2G", "term": "Q2", "calculation": "in_progress", "grading_scale": "A-F", "state": "local"}
    )
    section(district, "1")["grade_calc_options"].append(
        {"item": "task:Q2G", "term": "Q2", "calculation": "no_calculation", "state": "teacher"}
    )
    load(district)

    rows = {r["section"]: r for r in rows_of(setup_type="grade_calc_options")}

    assert (rows["1"]["change"], rows["2"]["change"]) == ("conflict", "added")
    assert "teacher's own grade calc option" in rows["1"]["detail"]


def test_r51_removed_when_the_course_item_is_residual_or_gone(district):
    course(district)["categories"][1].update(state="residual", source=None)
    for number in ("1", "2"):
        section(district, number)["categories"][1]["source"] = "Tests"
    load(district)

    assert {(r["section"], r["item"], r["change"]) for r in rows_of()} == {
        ("1", "Tests", "removed"),
        ("2", "Tests", "removed"),
    }


def test_r51_advisory_flag(district):
    course(district)["attributes"] = {"advisory": True}
    load(district)

    rows = rows_of()

    assert {(r["section"], r["data_type"], r["change"], r["old_value"], r["new_value"]) for r in rows} == {
        ("1", "advisory", "changed", "advisory: No", "advisory: Yes"),
        ("2", "advisory", "changed", "advisory: No", "advisory: Yes"),
    }
    assert rows_of(setup_type="categories") == []
    push_run(CoursePushOptions(school="101", year=YEAR))
    assert rows_of() == []


def test_r51_read_only_grade_calc_option_differs_from_its_linked_course_item(district):
    section(district, "2")["grade_calc_options"][0]["read_only"] = True
    load(district)

    [row] = rows_of()
    assert (row["section"], row["item"], row["change"]) == ("2", "task:Q1G Q1", "changed")
    assert (row["old_value"], row["new_value"]) == ("read only: Yes", "read only: No")


def test_r32_course_awaiting_push_needs_a_calendar(district):
    load(district)
    with pytest.raises(InputError, match="--school is required"):
        report_filters_resolve(kind=KIND, year=YEAR)
    with pytest.raises(InputError, match="school 101 has no calendar in 23-24"):
        report_filters_resolve(kind=KIND, year="23-24", school="101")
    with pytest.raises(InputError, match='no school "999"'):
        report_filters_resolve(kind=KIND, year=YEAR, school="999")
