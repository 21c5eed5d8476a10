"""The Import page's jobs with a real Redis and a real Celery worker of this project (the
production shape: the web process stores the upload, a worker in another process checks and
imports it). Skipped only when TEST_REDIS_URL is unset."""

from __future__ import annotations

import os
import time

import pytest

from catalog.models import School, User
from interop.imports import ImportOptions, import_job_apply, import_job_submit
from interop.models import ImportJob, ImportPackage
from sections.models import Score
from tests.batch.test_worker import cluster, redis_url  # noqa: F401  (the fixtures)

from .conftest import district_12, write_package

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]


def wait_for(job: ImportJob, status: str, cluster) -> ImportJob:  # noqa: F811
    """The job once the worker has moved it to ``status`` (a minute at most, on a busy machine)."""
    deadline = time.monotonic() + 60
    while True:
        job.refresh_from_db()
        if job.status == status:
            return job
        if job.is_finished or time.monotonic() > deadline:
            raise AssertionError(f"import {job.pk} is {job.status} ({job.error}):\n{cluster.logs()}")
        time.sleep(0.2)


def test_r91_worker_checks_then_imports_an_upload_the_web_stored(cluster, tmp_path):  # noqa: F811
    cluster.worker("w1")
    admin = User.objects.create(username="admin7", role=User.DISTRICT_ADMIN)
    content = write_package(tmp_path / "pkg.zip", district_12()).read_bytes()
    # when the web stores an upload
    job = import_job_submit(
        user=admin,
        options=ImportOptions(format=ImportJob.ONEROSTER, catalog="District Catalog"),
        file_name="pkg.zip",
        content=content,
    )
    # then the worker checks it, from the database (it shares no disk with the web), changing nothing
    job = wait_for(job, ImportJob.CHECKED, cluster)
    assert job.dry_run["counts"]["scores created"] == 1
    assert not School.objects.filter(number="0101").exists()
    # when it is applied, the worker imports it
    assert import_job_apply(user=admin, job=job)
    job = wait_for(job, ImportJob.COMPLETED, cluster)
    assert job.result["counts"] == job.dry_run["counts"]
    assert Score.objects.get(assignment__name="Essay 1").student == "s0001"
    assert not ImportPackage.objects.filter(job=job).exists()
