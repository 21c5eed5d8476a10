"""R82 at scale and on the page: the grade impact's queries do not grow with sections or students,
its chart draws the counts the rows hold, and a preview's impact is computed once, not per view."""

from __future__ import annotations

import copy
import csv
import io

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import User
from pushjobs.engine.api import CoursePushOptions
from pushjobs.grade_impact import grade_impact_of_changes, grade_impact_write_csv
from pushjobs.models import PushJob
from pushjobs.previews import push_job_preview_submit
from tests.engine.conftest import BASE, assignment, course, course_push, posted_grade, pushed, reload, section

A_F = [{"grade": g, "min": m} for g, m in (("A", "90"), ("B", "80"), ("C", "70"), ("D", "60"), ("F", "0"))]


def _gradebooks(*, sections: int, students: int) -> None:
    """``sections`` sections of ENG9 weighting Q1G Q1, each with ``students`` students who have
    Homework 5/10 and Tests 10/10 (90.00 %, an A); then the course's Homework weight changes from 20
    to 50 (each of them: 80.77 %, a B), not yet pushed."""
    district = copy.deepcopy(BASE)
    district["grading_scales"] = [{"name": "A-F", "bands": A_F}, {"name": "1-4"}]
    district["users"].append({"username": "admin1", "role": "district_admin", "schools": []})
    for o in district["course_masters"][0]["grade_calc_options"]:
        o["weight_categories"] = True
    doc = pushed(district)
    first = section(doc)
    names = [f"s{n:04d}" for n in range(1, students + 1)]
    first["assignments"] = [
        assignment("HW1", "Homework", ["task:Q1G"], scores=[(s, "5.00", "") for s in names]),
        assignment("T1", "Tests", ["task:Q1G"], scores=[(s, "10.00", "") for s in names]),
    ]
    first["posted_grades"] = [posted_grade("task:Q1G", "Q1", names[0], "A")]
    doc["sections"] = [s for s in doc["sections"] if s is not first]
    for n in range(1, sections + 1):
        doc["sections"].append({**copy.deepcopy(first), "number": str(n)})
    for c in course(doc)["categories"]:
        if c["name"] == "Homework":
            c["weight"] = "50.00"
    reload(doc)


@pytest.mark.parametrize(("sections", "students"), [(2, 2), (12, 9)])
def test_r82_grade_impact_queries_do_not_grow_with_sections_or_students(db, sections, students):
    _gradebooks(sections=sections, students=students)
    preview = course_push(dry_run=True)

    # when: the grade impact, its page of rows, and its CSV
    with CaptureQueriesContext(connection) as computed:
        impact = grade_impact_of_changes(preview.changes)
    with CaptureQueriesContext(connection) as paged:
        first_page = list(impact.rows[:100])
    out = io.StringIO()
    with CaptureQueriesContext(connection) as written:
        grade_impact_write_csv(impact, out)

    # then: a fixed number of queries for each, whatever the size
    assert (len(computed), len(paged), len(written)) == (9, 1, 3)
    # and the size is real: each student's Q1G and S1 grade in every section, A to B
    assert impact.summary.grades == len(impact.rows) == 2 * sections * students
    assert len(first_page) == min(100, 2 * sections * students)
    assert (impact.summary.sections_changed, impact.summary.students_affected) == (sections, students)
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    assert len(lines) == 1 + 2 * sections * students
    assert lines[1][5:] == ["s0001", "task:Q1G", "Q1", "90.00", "80.77", "A", "B", "true"]
    assert [r.section for r in first_page] == sorted(r.section for r in first_page)
    assert [line[3] for line in lines[1:]] == sorted(line[3] for line in lines[1:])


def test_r82_chart_draws_the_change_buckets_and_letter_moves_of_the_rows(db):
    _gradebooks(sections=3, students=2)
    impact = grade_impact_of_changes(course_push(dry_run=True).changes)
    s = impact.summary
    # every listed grade moves 90.00 -> 80.77: 9.23 points down, A to B
    assert dict(s.buckets)["down 5 to 10"] == s.grades == 12
    assert sum(n for _, n in s.buckets) == 12
    assert s.letter_moves == [("A", "B", 12)]

    html = render_to_string("pushjobs/_grade_impact_chart.html", {"chart": impact.chart})
    assert html.count('role="img"') == 2
    assert 'data-label="down 5 to 10" data-count="12"' in html
    assert 'data-label="down 1 to 5" data-count="0"' in html
    assert 'data-label="A → B" data-count="12"' in html
    assert "down 5 to 10: 12; none in the others." in html
    # no inline style or script: the Content-Security-Policy would block it
    assert "style=" not in html and "<script" not in html


def test_r82_preview_page_computes_its_grade_impact_once(db, client, django_capture_on_commit_callbacks):
    _gradebooks(sections=2, students=3)
    admin = User.objects.get(username="admin1")
    with django_capture_on_commit_callbacks(execute=True):
        preview = push_job_preview_submit(user=admin, options=CoursePushOptions(school="101", year="22-23"))
    preview.refresh_from_db()
    assert preview.status == PushJob.COMPLETED
    client.force_login(admin)
    url = reverse("pushjobs:job_detail", args=[preview.pk])

    first = client.get(url)
    with CaptureQueriesContext(connection) as again:
        second = client.get(url)

    # the second view reads no score: the impact is kept with the preview
    assert not [q["sql"] for q in again.captured_queries if "sections_score" in q["sql"]]
    for page in (first, second):
        text = page.content.decode()
        assert "In-progress grades would change in 2 sections for 3 students" in text
        assert 'data-label="A → B" data-count="12"' in text
        assert text.count("80.77% B") == 12
    assert second.context["grade_impact"].summary == first.context["grade_impact"].summary
