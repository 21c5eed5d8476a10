"""R83 on a real Celery worker against Redis: the grade impact of a push to sections is worked out
by a follow-up task after the job has completed, and stored as it would be worked out now."""

from __future__ import annotations

import os

import pytest

from catalog.models import User
from pushjobs.engine.api import CoursePushOptions
from pushjobs.grade_impact import job_grade_impact, job_grade_impact_stored
from pushjobs.models import JobGradeChange, JobGradeImpact, PushJob
from pushjobs.submit import push_job_submit
from tests.batch.test_worker import cluster, redis_url, wait_for  # noqa: F401 (fixtures)
from tests.grades.gradebook import gradebook_section

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]


def test_r83_a_worker_stores_the_grade_impact_after_the_job_has_completed(cluster):  # noqa: F811
    gradebook_section()
    cluster.worker("w1")
    admin = User.objects.get(username="admin1")

    # when Push All Courses is run on the worker
    job = push_job_submit(user=admin, options=CoursePushOptions(school="101", year="22-23"), run_now=True)
    completed = PushJob.objects.filter(pk=job.pk, status=PushJob.COMPLETED)
    job = wait_for(completed.first, cluster, what="the push")

    # then its grade impact is stored by the follow-up, which came after the job's end
    record = wait_for(
        lambda: JobGradeImpact.objects.filter(job=job).exclude(state=JobGradeImpact.WORKING).first(),
        cluster,
        what="the grade impact",
    )
    assert record.state == JobGradeImpact.DONE, record.error
    assert record.finished_at > job.finished_at
    stored, direct = job_grade_impact_stored(job=job), job_grade_impact(job=job)
    assert stored.summary == direct.summary and stored.summary.letters_down == 2
    assert list(stored.rows) == list(direct.rows)
    assert JobGradeChange.objects.filter(job=job).count() == 2
