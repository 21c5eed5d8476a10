"""R94's "done when": the seed workflow of docs/api.md, using only the API, against a real Celery
worker and beat of this project: lock, edit a master, preview the push to its courses and on to
their sections, run the preview, wait for the job by polling the API, fetch the result report and
the change log (JSON and CSV), undo, and wait for the undo."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from courses.models import CourseCategory
from sections.models import SectionCategory
from tests.batch.conftest import district_build
from tests.batch.test_worker import cluster, redis_url, wait_for

from .conftest import api_as

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]
__all__ = ["cluster", "redis_url"]


def _finished(api, job_id: int):
    def check():
        job = api.get(f"/jobs/{job_id}").json()
        return job if job["finished"] else None

    return check


def test_r94_the_docs_seed_workflow_runs_through_the_api_on_a_worker(cluster):
    d = district_build(courses_per_school=2)
    cluster.worker("w1")
    cluster.beat()
    api = api_as(d.district_admin)
    course_ids = [c.pk for c in d.courses]

    # 1. lock the catalog's categories and composite grades (confirmed: nothing would desync)
    catalog = next(c for c in api.get("/catalogs").json()["results"] if c["name"] == "High School Catalog")
    locked = api.post(f"/catalogs/{catalog['id']}/locks", {"lock": ["categories", "composite_grades"], "confirm": True})
    assert locked.status_code == 200 and "composite_grades" in locked.json()["locks"]["types"]

    # 2. edit a master: Homework weighs 50
    master = next(m for m in api.get(f"/catalogs/{catalog['id']}/masters").json()["results"] if m["number"] == "ENG9")
    categories = api.get(f"/masters/{master['id']}").json()["setup"]["categories"]
    homework = next(i for i in categories if i["name"] == "Homework")
    edited = api.patch(f"/masters/{master['id']}/setup/categories/{homework['id']}", {"weight": "50"})
    assert edited.status_code == 200 and edited.json()["item"]["weight"] == "50.00"

    # 3. preview Push to Courses, on to the sections; wait for the preview
    body = {"action": "preview", "year": "22-23", "to_sections": True, "data": ["categories"]}
    preview = api.post(f"/pushes/course-masters/{master['id']}/courses", body, headers={"Idempotency-Key": "p-1"})
    assert preview.status_code == 201
    preview = wait_for(_finished(api, preview.json()["id"]), cluster, what="the preview")
    assert preview["status"] == "completed", preview["error"]
    would = api.get(preview["links"]["changes"], page_size=100).json()["results"]
    assert {row["change"] for row in would} == {"created"} and len(would) == 4 * 2 * 2
    assert not CourseCategory.objects.filter(course_id__in=course_ids).exists()  # a preview writes nothing

    # 4. run it (a retry with the same key is the same job), wait for it by polling the API
    run = api.post(f"/jobs/{preview['id']}/run", {"action": "run_now"}, headers={"Idempotency-Key": "r-1"})
    again = api.post(f"/jobs/{preview['id']}/run", {"action": "run_now"}, headers={"Idempotency-Key": "r-1"})
    assert (run.status_code, again.status_code) == (201, 200) and run.json()["id"] == again.json()["id"]
    job = wait_for(_finished(api, run.json()["id"]), cluster, what="the push")
    assert job["status"] == "completed", job["error"]
    assert job["progress"] == {"courses_total": 4, "courses_done": 4, "courses_failed": 0}
    assert job["summary"]["courses_changed"] == 4
    weights = CourseCategory.objects.filter(course_id__in=course_ids, name="Homework").values_list("weight", flat=True)
    assert set(weights) == {Decimal("50.00")}
    assert SectionCategory.objects.filter(section__course_id__in=course_ids, state="linked").count() == 4 * 2

    # 5. the result report and the change log, as JSON and as the files
    assert api.get(job["links"]["report"]).status_code == 200
    report_csv = api.get(job["links"]["report_csv"])
    assert report_csv.status_code == 200 and report_csv["Content-Type"].startswith("text/csv")
    changes = api.get(job["links"]["changes"], page_size=100).json()["results"]
    assert len(changes) == 4 * 2 * 2 and {row["level"] for row in changes} == {"course", "section"}
    homework_rows = api.get(job["links"]["changes"], data_type="categories", course=d.courses[0].number).json()
    assert all(row["course"] == d.courses[0].number for row in homework_rows["results"])
    changes_xlsx = api.get(job["links"]["changes_xlsx"])
    assert changes_xlsx.status_code == 200 and changes_xlsx.content[:2] == b"PK"

    # 6. undo it, and wait for the undo
    undo = api.post(f"/jobs/{job['id']}/undo", {"action": "run_now"}, headers={"Idempotency-Key": "u-1"})
    assert undo.status_code == 201 and undo.json()["kind"] == "undo"
    undone = wait_for(_finished(api, undo.json()["id"]), cluster, what="the undo")
    assert undone["status"] == "completed", undone["error"]
    assert not CourseCategory.objects.filter(course_id__in=course_ids).exists()
    assert not SectionCategory.objects.filter(section__course_id__in=course_ids).exists()

    # and the submitter was told, in their notifications
    told = api.get("/notifications").json()["results"]
    assert {n["job_id"] for n in told} >= {job["id"], undone["id"]}
