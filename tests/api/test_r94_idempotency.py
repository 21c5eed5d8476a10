"""R94: a POST that starts a job, retried with the same Idempotency-Key, gets the job the first
one started and submits nothing twice; the same key on another request is refused."""

from __future__ import annotations

from api.models import IdempotencyKey
from pushjobs.models import PushJob

from .conftest import errors_of

PUSH = {"action": "run_now", "year": "22-23", "catalog": "High School Catalog"}


def test_r94_same_key_twice_is_one_job(d, as_district_admin):
    key = {"Idempotency-Key": "nightly-2026-12-02"}
    first = as_district_admin.post("/pushes/course-masters", PUSH, headers=key)
    retried = as_district_admin.post("/pushes/course-masters", PUSH, headers=key)
    assert (first.status_code, retried.status_code) == (201, 200)
    assert first.json()["id"] == retried.json()["id"]
    assert PushJob.objects.count() == 1
    # without a key, every POST is a new job
    assert as_district_admin.post("/pushes/course-masters", PUSH).json()["id"] != first.json()["id"]
    assert PushJob.objects.count() == 2


def test_r94_a_key_is_each_users_own(d, as_district_admin):
    from .conftest import api_as

    key = {"Idempotency-Key": "shared-words"}
    mine = as_district_admin.post("/pushes/course-masters", PUSH, headers=key).json()
    theirs = api_as(d.other_district_admin).post("/pushes/course-masters", PUSH, headers=key).json()
    assert mine["id"] != theirs["id"]


def test_r94_same_key_with_another_body_is_refused_and_submits_nothing(d, as_district_admin):
    key = {"Idempotency-Key": "k-1"}
    as_district_admin.post("/pushes/course-masters", PUSH, headers=key)
    other = as_district_admin.post("/pushes/course-masters", {**PUSH, "to_sections": True}, headers=key)
    assert other.status_code == 422
    assert errors_of(other)[0]["field"] == "Idempotency-Key"
    assert PushJob.objects.count() == 1


def test_r94_a_refused_request_leaves_its_key_free(d, as_district_admin):
    key = {"Idempotency-Key": "k-2"}
    refused = as_district_admin.post("/pushes/course-masters", {**PUSH, "catalog": "Nope"}, headers=key)
    assert refused.status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = as_district_admin.post("/pushes/course-masters", {**PUSH, "catalog": "Nope"}, headers=key)
    assert fixed.status_code == 400  # still refused: the key recorded no job, so nothing is replayed


def test_r94_two_requests_with_one_key_at_once_start_one_job(transactional_db):
    import threading
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from tests.api.conftest import api_as, district_with_two_teachers

    d = district_with_two_teachers()
    at = (timezone.now() + timedelta(days=1)).isoformat()
    body = {"action": "batch", "year": "22-23", "catalog": "High School Catalog", "scheduled_for": at}
    api = api_as(d.district_admin)
    start, answers = threading.Barrier(4), []

    def post():
        start.wait()
        try:
            answers.append(api.post("/pushes/course-masters", body, headers={"Idempotency-Key": "same-moment"}))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert PushJob.objects.count() == 1
