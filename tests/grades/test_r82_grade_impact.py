"""R82/R83 grade impact: a weight change pushed to sections moves a named student's grade; the
preview's "after" is what the applied push leaves; --grade-impact CSV; the result report carries it."""

from __future__ import annotations

import copy
import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from pushjobs.grade_impact import grade_impact_of_changes, job_grade_impact
from pushjobs.models import PushJob
from pushjobs.result_report import result_report_write_xlsx
from sections.grades import section_grades
from sections.models import Section
from tests.engine.conftest import (
    BASE,
    assignment,
    course,
    course_push,
    exported,
    master_item_remove,
    master_push,
    posted_grade,
    pushed,
    reload,
    section,
)


@pytest.fixture
def district(db):
    return copy.deepcopy(BASE)


A_F = [{"grade": g, "min": m} for g, m in (("A", "90"), ("B", "80"), ("C", "70"), ("D", "60"), ("F", "0"))]


def _district(district, *, homework_weight="50.00"):
    """In sync, Q1G Q1 weighting categories; s0001 has Homework 5/10 and Tests 10/10 (90 %, an A,
    posted A), s0002 Homework 10/10 and Tests 10/10 (100 % either way). Then the course's Homework
    weight changes from 20 to ``homework_weight``, not yet pushed to sections."""
    district["grading_scales"] = [{"name": "A-F", "bands": A_F}, {"name": "1-4"}]
    for o in district["course_masters"][0]["grade_calc_options"]:
        o["weight_categories"] = True
    doc = pushed(district)
    sec = section(doc)
    sec["assignments"] = [
        assignment("HW1", "Homework", ["task:Q1G"], scores=[("s0001", "5.00", ""), ("s0002", "10.00", "")]),
        assignment("T1", "Tests", ["task:Q1G"], scores=[("s0001", "10.00", ""), ("s0002", "10.00", "")]),
    ]
    sec["posted_grades"] = [posted_grade("task:Q1G", "Q1", "s0001", "A")]
    for c in course(doc)["categories"]:
        if c["name"] == "Homework":
            c["weight"] = homework_weight
    reload(doc)


def _grade(student="s0001", item="task:Q1G", term="Q1"):
    ids = list(Section.objects.values_list("pk", flat=True))
    found = [g for g in section_grades(section_ids=ids) if (g.student, g.item, g.term) == (student, item, term)]
    return (found[0].percent, found[0].letter) if found else None


def test_r82_weight_change_moves_a_named_students_grade_and_the_push_leaves_the_preview_after(
    district, django_assert_max_num_queries
):
    _district(district)
    assert _grade() == (Decimal("90.00"), "A")  # (20 x 50 % + 80 x 100 %) / 100

    # when: a dry run of Push All Courses, and its grade impact
    preview = course_push(dry_run=True)
    with django_assert_max_num_queries(9):
        impact = grade_impact_of_changes(preview.changes)

    # then: s0001's Q1G Q1 moves from 90.00 A to (50 x 50 % + 80 x 100 %) / 130 = 80.77 B, and
    # with it the composite S1 (its only child with a grade is Q1G), under S1's option term Q1;
    # s0002 stays at 100 and is not listed; the posted A now differs from the new letter
    assert [(r.student, r.item, r.term, r.before_percent, r.after_percent) for r in impact.rows] == [
        ("s0001", "task:Q1G", "Q1", Decimal("90.00"), Decimal("80.77")),
        ("s0001", "task:S1", "Q1", Decimal("90.00"), Decimal("80.77")),
    ]
    row = impact.rows[0]
    assert (row.before_letter, row.after_letter, row.posted_differs) == ("A", "B", True)
    assert (row.school, row.calendar, row.course, row.section, row.teacher) == (
        "101 North High",
        "22-23",
        "ENG9",
        "1",
        "jdoe",
    )
    s = impact.summary
    assert (s.sections_changed, s.students_affected, s.letters_up, s.letters_down) == (1, 1, 0, 2)
    assert impact.rows[1].posted_differs is False  # no posted S1 grade
    assert _grade() == (Decimal("90.00"), "A")  # a dry run changes nothing

    # when the push is applied, the section's grades are the preview's "after"
    course_push()
    assert _grade() == (row.after_percent, row.after_letter)
    assert _grade("s0002") == (Decimal("100.00"), "A")


def test_r82_a_push_that_changes_no_grade_lists_none(district):
    _district(district, homework_weight="20.00")
    impact = grade_impact_of_changes(course_push(dry_run=True).changes)
    assert impact.rows == []


def test_r82_grade_impact_csv_of_a_dry_run_and_r83_of_the_applied_push(district, tmp_path):
    _district(district)
    preview_file, applied_file = tmp_path / "preview.csv", tmp_path / "applied.csv"
    out = io.StringIO()
    call_command(
        "push_all_courses", school="101", year="22-23", dry_run=True, grade_impact=str(preview_file), stdout=out
    )
    expected = [
        [
            "school",
            "calendar",
            "course",
            "section",
            "teacher",
            "student",
            "item",
            "term",
            "before_percent",
            "after_percent",
            "before_letter",
            "after_letter",
            "posted_differs",
        ],
        ["101 North High", "22-23", "ENG9", "1", "jdoe", "s0001", "task:Q1G", "Q1", "90.00", "80.77", "A", "B", "true"],
        ["101 North High", "22-23", "ENG9", "1", "jdoe", "s0001", "task:S1", "Q1", "90.00", "80.77", "A", "B", "false"],
    ]
    assert list(csv.reader(preview_file.open())) == expected

    # R83: the applied push's --grade-impact and its result report carry the same rows
    call_command("push_all_courses", school="101", year="22-23", grade_impact=str(applied_file), stdout=out)
    assert list(csv.reader(applied_file.open())) == expected
    job = PushJob.objects.get(kind=PushJob.PUSH_ALL_COURSES)
    assert [(r.item, r.after_percent) for r in job_grade_impact(job=job).rows] == [
        ("task:Q1G", Decimal("80.77")),
        ("task:S1", Decimal("80.77")),
    ]
    xlsx = io.BytesIO()
    result_report_write_xlsx(job=job, out=xlsx)
    book = load_workbook(io.BytesIO(xlsx.getvalue()))
    rows = [[c if c is not None else "" for c in r] for r in book["Grade impact"].iter_rows(values_only=True)]
    # the same rows, for people (issue 14): headings and items in words, percents as numbers, Yes/No
    assert rows[0][6:9] == ["Item", "Term", "Percent before"]
    assert [r[6:] for r in rows[1:]] == [
        ["Q1G Quarter 1 Grade", "Q1", 90, 80.77, "A", "B", "Yes"],
        ["S1 Semester 1 Grade", "Q1", 90, 80.77, "A", "B", "No"],
    ]
    assert [r[:6] for r in rows[1:]] == [r[:6] for r in expected[1:]]
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Students affected"] == 1
    assert summary["Letter grades down"] == 2
    # and the section's grade now is the impact's after
    assert _grade() == (Decimal("80.77"), "B")
    assert exported()  # the district still exports


def test_r82_r23_grayed_out_option_loses_its_grades_in_every_section_in_one_query(
    district, django_assert_max_num_queries
):
    # given: three sections with the same scores; the master drops its Q1G Q1 grade calc option,
    # which is in use in the sections (aligned assignments), so a push to sections grays it out
    _district(district, homework_weight="20.00")
    doc = exported()
    first = section(doc)
    for n in ("2", "3"):
        doc["sections"].append({**copy.deepcopy(first), "number": n})
    master_item_remove(doc, "grade_calc_options", "task:Q1G Q1", key_field="gco")
    reload(doc)
    # when
    preview = master_push(mode="overwrite", to_sections=True, dry_run=True)
    assert any(c.change == "grayed_out" for c in preview.changes)
    with django_assert_max_num_queries(9):
        impact = grade_impact_of_changes(preview.changes)
    # then: every student's Q1G Q1 grade goes (no grade after), in each of the three sections
    moved = {(r.section, r.student, r.item, r.term, r.after_percent, r.after_letter) for r in impact.rows}
    assert {(s, st, "task:Q1G", "Q1", None, "") for s in ("1", "2", "3") for st in ("s0001", "s0002")} <= moved
    assert impact.summary.sections_changed == 3
    assert impact.summary.students_affected == 2
