"""R94: the API has the pages' roles and rules (section 1, R41, R44), on other schools' and other
teachers' objects too; refusals and bad input come as one error body that names the field (R32);
lists are cursor-paginated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import CourseCatalog
from pushjobs.models import PushJob

from .conftest import api_as, errors_of


def _sections_push(api, course_id: int, **body):
    return api.post(f"/pushes/courses/{course_id}/sections", {"action": "run_now", **body})


@pytest.mark.parametrize(
    "who, path, status",
    [
        ("district_admin", "/catalogs", 200),
        ("school_admin", "/catalogs", 403),
        ("teacher", "/catalogs", 403),
        ("school_admin", "/courses/{north_course}", 200),
        ("school_admin", "/courses/{south_course}", 403),  # another school's course
        ("teacher", "/courses/{north_course}", 403),
        ("teacher", "/sections/{own_section}", 200),
        ("teacher", "/sections/{other_section}", 403),  # another teacher's section
        ("school_admin", "/sections/{other_section}", 200),
        ("district_admin", "/masters/{master}", 200),
        ("school_admin", "/masters/{master}", 403),
        ("teacher", "/jobs", 403),
        ("district_admin", "/courses/999999", 404),
    ],
)
def test_r94_reading_follows_the_pages_rights(d, who, path, status):
    ids = {
        "north_course": d.north_course.pk,
        "south_course": d.south_course.pk,
        "own_section": d.own_section.pk,
        "other_section": d.other_section.pk,
        "master": d.master.pk,
    }
    response = api_as(getattr(d, who)).get(path.format(**ids))
    assert response.status_code == status, response.content
    if status >= 400:
        assert errors_of(response)[0]["message"]


def test_r94_course_list_holds_only_the_school_admins_schools(d, as_school_admin, as_district_admin):
    mine = {c["id"] for c in as_school_admin.get("/courses").json()["results"]}
    assert mine == {c.pk for c in d.courses if c.calendar.school == d.north}
    assert len(as_district_admin.get("/courses").json()["results"]) == 5


def test_r94_pushing_follows_the_pages_rights(d, as_school_admin, as_teacher):
    # given a school admin of North High
    assert _sections_push(as_school_admin, d.north_course.pk).status_code == 201
    # when they push South High's course, or a teacher pushes at all, it is refused and nothing is queued
    before = PushJob.objects.count()
    assert _sections_push(as_school_admin, d.south_course.pk).status_code == 403
    assert _sections_push(as_teacher, d.north_course.pk).status_code == 403
    refused = as_school_admin.post(
        "/pushes/course-masters", {"action": "run_now", "year": "22-23", "catalog": "High School Catalog"}
    )
    assert refused.status_code == 403
    refused_school = as_school_admin.post("/pushes/courses", {"action": "run_now", "school": "102", "year": "22-23"})
    assert refused_school.status_code == 403
    assert PushJob.objects.count() == before


def test_r94_a_job_is_read_by_r44s_readers_and_acted_on_by_who_may_push_it(d, as_district_admin):
    # given a district admin's master push to batch tomorrow, touching North and South High
    at = (timezone.now() + timedelta(days=1)).isoformat()
    job = as_district_admin.post(
        "/pushes/course-masters",
        {"action": "batch", "year": "22-23", "catalog": "High School Catalog", "scheduled_for": at},
    ).json()
    north_admin, middle_admin = api_as(d.school_admin), api_as(d.middle_admin)
    # then North's admin reads it but may not cancel a master push; Central Middle's admin may not read it
    assert north_admin.get(f"/jobs/{job['id']}").status_code == 200
    assert north_admin.post(f"/jobs/{job['id']}/cancel").status_code == 403
    assert middle_admin.get(f"/jobs/{job['id']}").status_code == 403
    assert job["id"] not in {j["id"] for j in middle_admin.get("/jobs").json()}
    # and the district admin cancels it
    canceled = as_district_admin.post(f"/jobs/{job['id']}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    # a second cancel is bad input, in words
    again = as_district_admin.post(f"/jobs/{job['id']}/cancel")
    assert again.status_code == 400 and "only a queued job can be canceled" in errors_of(again)[0]["message"]


def test_r32_batch_without_a_time_names_scheduled_for(d, as_district_admin):
    response = as_district_admin.post(
        "/pushes/course-masters", {"action": "batch", "year": "22-23", "catalog": "High School Catalog"}
    )
    assert response.status_code == 422
    assert errors_of(response) == [
        {"field": "scheduled_for", "message": "Submit to Batch needs the time the job should run"}
    ]


def test_r32_a_time_in_the_past_names_scheduled_for_and_records_nothing(d, as_district_admin):
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = as_district_admin.post(
        "/pushes/course-masters",
        {"action": "batch", "year": "22-23", "catalog": "High School Catalog", "scheduled_for": past},
    )
    assert response.status_code == 400
    [error] = errors_of(response)
    assert error["field"] == "scheduled_for" and "in the past" in error["message"]
    assert not PushJob.objects.exists()


def test_r32_unknown_catalog_and_unparseable_fields_are_named(d, as_district_admin):
    unknown = as_district_admin.post(
        "/pushes/course-masters", {"action": "run_now", "year": "22-23", "catalog": "No Such Catalog"}
    )
    assert unknown.status_code == 400 and errors_of(unknown)[0]["field"] == "catalog"
    bad = as_district_admin.post(
        "/pushes/course-masters",
        {"action": "later", "year": "22-23", "catalog": "High School Catalog", "data": ["nonsense"]},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in errors_of(bad)} == {"action", "data.0"}


def test_r94_overwrite_is_run_from_its_preview_only(d, as_district_admin):
    body = {"action": "run_now", "year": "22-23", "catalog": "High School Catalog", "mode": "overwrite"}
    refused = as_district_admin.post("/pushes/course-masters", body)
    assert refused.status_code == 409 and errors_of(refused)[0]["field"] == "action"
    preview = as_district_admin.post("/pushes/course-masters", {**body, "action": "preview"})
    assert preview.status_code == 201 and preview.json()["kind"] == "preview"


def test_r9_locking_that_desyncs_courses_asks_for_confirm_first(d, as_district_admin):
    # given a course that changed its own grading tasks while they were unlocked
    from catalog.models import GradingItem
    from courses.models import CourseTask

    task = GradingItem.objects.create(kind="task", code="S1", name="Semester 1")
    CourseTask.objects.create(course=d.north_course, item=task, state="local")
    path = f"/catalogs/{d.catalog.pk}/locks"
    asked = as_district_admin.post(path, {"lock": ["grading_tasks"]})
    if asked.status_code == 409:  # the course would be desynced: confirm first, nothing changed yet
        assert errors_of(asked)[0]["field"] == "confirm"
        assert "grading_tasks" not in CourseCatalog.objects.get(pk=d.catalog.pk).locked_types
        asked = as_district_admin.post(path, {"lock": ["grading_tasks"], "confirm": True})
    assert asked.status_code == 200
    assert "grading_tasks" in asked.json()["locks"]["types"]
    unlocked = as_district_admin.post(path, {"unlock": ["grading_tasks", "categories"]})
    assert unlocked.json()["locks"]["types"] == []


def test_r94_cursor_pagination_walks_every_row_once(d, as_district_admin):
    seen, url, pages = [], "/courses", 0
    params = {"page_size": 2}
    while url:
        page = as_district_admin.get(url, **params).json()
        seen += [c["id"] for c in page["results"]]
        url, params, pages = page["next"], {}, pages + 1
    assert pages == 3
    assert sorted(seen) == seen and len(seen) == len(set(seen)) == 5


def test_r74_history_through_the_api_names_who_changed_what(d, as_district_admin, as_teacher):
    # given a district admin's change to a master item, made through the API
    item = d.master.categories.get(name="Homework")
    assert (
        as_district_admin.patch(f"/masters/{d.master.pk}/setup/categories/{item.pk}", {"weight": "45"}).status_code
        == 200
    )
    # then the master's History holds it, newest first, with who made it
    history = as_district_admin.get(f"/masters/{d.master.pk}/history").json()
    assert history["results"][0]["who"] == d.district_admin.username
    assert history["results"][0]["data_type"] == "categories"
    # and a teacher may read their own section's History but not another teacher's
    assert as_teacher.get(f"/sections/{d.own_section.pk}/history").status_code == 200
    assert as_teacher.get(f"/sections/{d.other_section.pk}/history").status_code == 403


def test_r41_reschedule_and_restart_through_the_api(d, as_district_admin):
    tomorrow = timezone.now() + timedelta(days=1)
    job = as_district_admin.post(
        "/pushes/course-masters",
        {"action": "batch", "year": "22-23", "catalog": "High School Catalog", "scheduled_for": tomorrow.isoformat()},
    ).json()
    # a time in the past is refused, naming the field; a later one moves the job
    past = as_district_admin.post(
        f"/jobs/{job['id']}/reschedule", {"scheduled_for": (timezone.now() - timedelta(hours=2)).isoformat()}
    )
    assert past.status_code == 400 and errors_of(past)[0]["field"] == "scheduled_for"
    later = tomorrow + timedelta(days=1)
    moved = as_district_admin.post(f"/jobs/{job['id']}/reschedule", {"scheduled_for": later.isoformat()})
    assert moved.status_code == 200
    assert PushJob.objects.get(pk=job["id"]).scheduled_for == later
    # a queued job cannot be restarted; canceled, it can, and is queued again
    assert as_district_admin.post(f"/jobs/{job['id']}/restart").status_code == 400
    as_district_admin.post(f"/jobs/{job['id']}/cancel")
    restarted = as_district_admin.post(f"/jobs/{job['id']}/restart")
    assert restarted.status_code == 200 and restarted.json()["status"] == "queued"
    # and the Batch Queue List shows it in its window
    listed = as_district_admin.get("/jobs", start=timezone.localdate().isoformat())
    assert job["id"] in {j["id"] for j in listed.json()}
    bad_window = as_district_admin.get("/jobs", start="2026-12-10", end="2026-12-01")
    assert bad_window.status_code == 400 and errors_of(bad_window)[0]["message"].startswith("the window ends")


def test_r42_the_switch_through_the_api_and_a_waiting_job_says_so(d, as_district_admin, as_school_admin):
    # a school admin reads the switch but may not turn it
    assert as_school_admin.get("/batch-processing").json() == {"enabled": True, "notice": ""}
    assert as_school_admin.post("/batch-processing", {"enabled": False}).status_code == 403
    off = as_district_admin.post("/batch-processing", {"enabled": False}).json()
    assert off["enabled"] is False and "Batch processing is off" in off["notice"]
    # a job submitted now waits, and says why
    job = as_district_admin.post(
        "/pushes/course-masters", {"action": "run_now", "year": "22-23", "catalog": "High School Catalog"}
    ).json()
    assert job["status"] == "queued" and job["notice"] == off["notice"]
    assert as_district_admin.get("/jobs").json()[0]["notice"] == off["notice"]
