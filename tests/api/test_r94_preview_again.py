"""R94: a preview is previewed again through the API as on its job page (R72: the data changed
since, or the preview is old): the same options, a new preview job, once per Idempotency-Key, for
whoever may push it."""

from __future__ import annotations

from pushjobs.models import PushJob

from .conftest import api_as, errors_of

PREVIEW = {"action": "preview", "year": "22-23", "catalog": "High School Catalog", "data": ["categories"]}


def test_r72_a_preview_is_previewed_again_with_its_options(d, as_district_admin):
    first = as_district_admin.post("/pushes/course-masters", PREVIEW).json()
    key = {"Idempotency-Key": "again-1"}
    again = as_district_admin.post(f"/jobs/{first['id']}/preview-again", headers=key)
    assert again.status_code == 201, again.content
    job = again.json()
    assert job["id"] != first["id"] and job["kind"] == "preview"
    assert PushJob.objects.get(pk=job["id"]).options == PushJob.objects.get(pk=first["id"]).options
    # retried with the same key, it is the same preview
    retried = as_district_admin.post(f"/jobs/{first['id']}/preview-again", headers=key)
    assert retried.status_code == 200 and retried.json()["id"] == job["id"]
    assert PushJob.objects.count() == 2


def test_r94_only_a_preview_is_previewed_again_and_by_who_may_push_it(d, as_district_admin):
    preview = as_district_admin.post("/pushes/course-masters", PREVIEW).json()
    pushed = as_district_admin.post("/pushes/course-masters", {**PREVIEW, "action": "run_now"}).json()
    not_a_preview = as_district_admin.post(f"/jobs/{pushed['id']}/preview-again")
    assert not_a_preview.status_code == 404 and "is not a preview" in errors_of(not_a_preview)[0]["message"]
    # North High's admin reads the master push's preview but may not push course masters
    refused = api_as(d.school_admin).post(f"/jobs/{preview['id']}/preview-again")
    assert refused.status_code == 403 and errors_of(refused)[0]["message"]
    assert PushJob.objects.count() == 2
