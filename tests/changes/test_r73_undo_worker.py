"""R73 on the real queue: an undo submitted to the batch queue is a job that a Celery worker of
this project runs, chunk by chunk, with its own change log; R75 notices come from a worker's job."""

from __future__ import annotations

import os

import pytest

from courses.models import CourseCategory
from pushjobs.models import ChangeRow, Notification, PushJob, PushJobChunk
from pushjobs.submit import push_job_submit, push_job_undo_submit
from tests.batch.conftest import district_build, master_push, pushed_categories
from tests.batch.test_worker import cluster, finished, redis_url, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]
__all__ = ["cluster", "redis_url"]


def test_r73_an_undo_job_runs_on_a_worker_and_puts_the_push_back(cluster):
    d = district_build(courses_per_school=2)
    cluster.worker("w1")
    cluster.beat()
    course_ids = [c.pk for c in d.courses]

    push = push_job_submit(user=d.district_admin, options=master_push(to_sections=True), run_now=True)
    wait_for(finished(push.pk), cluster)
    assert all(pushed_categories(course_ids).values())
    assert ChangeRow.objects.filter(job=push).count() == 4 * (2 + 2)  # 2 categories at each course and section
    assert Notification.objects.filter(job=push, user=d.teacher).count() == 1  # R75: one for all four sections

    undo = push_job_undo_submit(user=d.district_admin, job_id=push.pk, run_now=True)
    wait_for(finished(undo.pk), cluster)

    undo.refresh_from_db()
    assert (undo.kind, undo.status, undo.courses_done, undo.courses_failed) == (PushJob.UNDO, PushJob.COMPLETED, 4, 0)
    assert PushJobChunk.objects.filter(job=undo).count() == 2  # the worker's chunks of two courses
    assert not CourseCategory.objects.filter(course_id__in=course_ids).exists()
    assert ChangeRow.objects.filter(job=undo, change="removed").count() == 16
    assert undo.summary["items_removed"] == 16
