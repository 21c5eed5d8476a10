"""R94: each push tool end to end through the API on a real Celery worker: Push All Course
Masters (Run Now), Push All Courses (Submit to Batch, due in a moment), Push to Sections (Run
Now), each polled through the API until finished, with its report and change log read back."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from sections.models import SectionCategory
from tests.batch.conftest import district_build, pushed_categories
from tests.batch.test_worker import cluster, redis_url, wait_for

from .conftest import api_as

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]
__all__ = ["cluster", "redis_url"]


def _wait(api, cluster, started, what: str) -> dict:
    assert started.status_code == 201, started.content
    job_id = started.json()["id"]

    def finished():
        job = api.get(f"/jobs/{job_id}").json()
        return job if job["finished"] else None

    job = wait_for(finished, cluster, what=what)
    assert job["status"] == "completed", job["error"]
    return job


def test_r94_each_push_tool_runs_on_a_worker_through_the_api(cluster):
    d = district_build(courses_per_school=2)
    cluster.worker("w1")
    cluster.beat()
    admin, north_admin = api_as(d.district_admin), api_as(d.school_admin)
    course_ids = [c.pk for c in d.courses]
    north = [c for c in d.courses if c.calendar.school == d.north]

    # Push All Course Masters, Run Now: the catalog's four courses get the master's categories
    masters = _wait(
        admin,
        cluster,
        admin.post("/pushes/course-masters", {"action": "run_now", "year": "22-23", "catalog": "High School Catalog"}),
        "Push All Course Masters",
    )
    assert masters["kind"] == "push_all_course_masters" and masters["summary"]["courses_changed"] == 4
    assert all(len(found) == 2 for found in pushed_categories(course_ids).values())
    assert len(admin.get(masters["links"]["changes"], page_size=100).json()["results"]) == 4 * 2

    # Push All Courses for North High, Submit to Batch a moment from now: its sections get them
    soon = (timezone.now() + timedelta(seconds=2)).isoformat()
    courses = _wait(
        north_admin,
        cluster,
        north_admin.post(
            "/pushes/courses", {"action": "batch", "school": "101", "year": "22-23", "scheduled_for": soon}
        ),
        "Push All Courses",
    )
    assert courses["kind"] == "push_all_courses" and courses["priority"] == "normal"
    assert SectionCategory.objects.filter(section__course__in=north, state="linked").count() == 2 * 2
    assert north_admin.get(courses["links"]["report"]).status_code == 200

    # Push to Sections for one South High course, Run Now
    south_course = next(c for c in d.courses if c.calendar.school == d.south)
    sections = _wait(
        admin,
        cluster,
        admin.post(f"/pushes/courses/{south_course.pk}/sections", {"action": "run_now", "data": ["categories"]}),
        "Push to Sections",
    )
    assert sections["kind"] == "push_course_to_sections" and sections["course"] == south_course.number
    assert SectionCategory.objects.filter(section__course=south_course, state="linked").count() == 2
    rows = admin.get(sections["links"]["changes"]).json()["results"]
    assert {(row["level"], row["change"]) for row in rows} == {("section", "created")}
