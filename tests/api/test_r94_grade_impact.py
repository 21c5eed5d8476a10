"""R94 with R82/R83: a job's grade impact through the API: the students' grades a push to sections
moved, before and after, and its summary; nothing for a job that did not reach sections."""

from __future__ import annotations

import copy

import pytest

from catalog.models import User
from tests.engine.conftest import BASE
from tests.grades.test_r82_grade_impact import _district

from .conftest import api_as, errors_of


@pytest.fixture
def district(db):
    return copy.deepcopy(BASE)


def test_r83_the_grade_impact_of_a_push_to_sections_reads_through_the_api(district, django_capture_on_commit_callbacks):
    # given a course whose Homework weight changed, not yet pushed to its section
    _district(district)
    api = api_as(User.objects.create(username="api-admin", role=User.DISTRICT_ADMIN))
    # when Push All Courses runs (the queue runs in this process: no broker)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/pushes/courses", {"action": "run_now", "school": "101", "year": "22-23"})
    assert started.status_code == 201
    job = api.get(f"/jobs/{started.json()['id']}").json()
    assert job["status"] == "completed", job["error"]
    # then s0001's Q1G and S1 grades moved from 90.00 A to 80.77 B
    impact = api.get(f"/jobs/{job['id']}/grade-impact").json()
    moved = [
        (r["student"], r["item"], r["before_percent"], r["after_percent"], r["after_letter"]) for r in impact["rows"]
    ]
    assert moved == [
        ("s0001", "task:Q1G", "90.00", "80.77", "B"),
        ("s0001", "task:S1", "90.00", "80.77", "B"),
    ]
    assert impact["summary"]["students_affected"] == 1 and impact["rows_total"] == 2


def test_r83_a_queued_job_has_no_grade_impact_yet(district):
    _district(district)
    api = api_as(User.objects.create(username="api-admin", role=User.DISTRICT_ADMIN))
    job = api.post("/pushes/courses", {"action": "run_now", "school": "101", "year": "22-23"}).json()
    waiting = api.get(f"/jobs/{job['id']}/grade-impact")
    assert waiting.status_code == 400 and "when it has run" in errors_of(waiting)[0]["message"]
