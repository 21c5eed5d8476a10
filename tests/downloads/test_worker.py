"""A large download on a real Celery worker against Redis: the web request records it and answers at
once; the worker puts the file together and stores it where the web process sends it from."""

from __future__ import annotations

import io
import os

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from catalog.models import User
from downloads.models import PreparedDownload
from pushjobs.models import JobGradeImpact, PushJob
from pushjobs.submit import push_job_submit
from tests.batch.test_worker import cluster, redis_url, wait_for  # noqa: F401 (fixtures)
from tests.grades.gradebook import gradebook_section

from .conftest import PUSH

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]


def _cells(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def pushed_on_the_worker(cluster) -> PushJob:  # noqa: F811
    """Push All Courses of school 101 run by the worker, its grade impact stored."""
    job = push_job_submit(user=User.objects.get(username="admin1"), options=PUSH, run_now=True)
    wait_for(
        lambda: JobGradeImpact.objects.filter(job=job, state=JobGradeImpact.DONE).exists(),
        cluster,
        what="the push and its grade impact",
    )
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    return job


def test_a_worker_prepares_the_large_download_the_web_request_asked_for(cluster, client, settings):  # noqa: F811
    cluster.env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)  # the worker stores where the web process reads
    gradebook_section()
    cluster.worker("w1")
    job = pushed_on_the_worker(cluster)
    admin = User.objects.get(username="admin1")
    client.force_login(admin)
    direct = _cells(client.get(reverse("pushjobs:job_report_xlsx", args=[job.pk])).content)

    # when the report is large and asked for
    settings.XLSX_IN_REQUEST_ROWS = 0
    response = client.post(reverse("downloads:prepare"), {"what": "job_report", "job": job.pk})

    # then the request only recorded it, and the worker prepares it
    download = PreparedDownload.objects.get()
    assert response["Location"] == reverse("downloads:detail", args=[download.pk])
    done = wait_for(
        lambda: PreparedDownload.objects.exclude(state=PreparedDownload.PREPARING).filter(pk=download.pk).first(),
        cluster,
        what="the download",
    )
    assert done.state == PreparedDownload.READY, done.error
    served = client.get(reverse("downloads:file", args=[download.pk]))
    assert _cells(b"".join(served.streaming_content)) == direct
