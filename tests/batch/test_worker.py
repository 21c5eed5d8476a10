"""The batch queue with a real Redis and real Celery workers of this project
(``celery -A config worker`` / ``beat`` as subprocesses) against the pytest database.

The workers read short tick and heartbeat settings from the environment, so a
crash is noticed in seconds. Skipped only when TEST_REDIS_URL is unset.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from pushjobs.dispatch import push_job_dispatch_due
from pushjobs.models import PushJob, PushJobChunk
from pushjobs.result_report import result_report_csv_lines
from pushjobs.submit import batch_processing_set, push_job_submit

from .conftest import district_build, master_push, middle_push, pushed_categories

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]

ROOT = Path(__file__).resolve().parents[2]
TICK_SECONDS = 0.5
STALE_SECONDS = 3
CHUNK_SIZE = 2


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Cluster:
    """Celery processes of the project's app, sharing the test database and a Redis db."""

    def __init__(self, redis_url: str, workdir: Path):
        self.redis_url = redis_url
        self.workdir = workdir
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": redis_url,
            "BATCH_TICK_SECONDS": str(TICK_SECONDS),
            "BATCH_HEARTBEAT_STALE_SECONDS": str(STALE_SECONDS),
            "PUSH_CHUNK_SIZE": str(CHUNK_SIZE),
            "LOG_LEVEL": "INFO",
        }
        self.env.pop("PRODUCTION", None)

    def _start(self, name: str, args: list[str], ready: str) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((process, log))
        deadline = time.monotonic() + 60
        while ready not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{name} did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        return process

    def worker(self, name: str, *, concurrency: int = 2) -> subprocess.Popen:
        # One process with threads: a SIGKILL takes the whole worker, mid-chunk, as a crash would.
        return self._start(
            name,
            [
                "worker",
                "-P",
                "threads",
                "-c",
                str(concurrency),
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            "ready.",
        )

    def beat(self) -> subprocess.Popen:
        return self._start(
            "beat", ["beat", "-s", str(self.workdir / "beat-schedule"), "--loglevel", "INFO"], "beat: Starting"
        )

    def logs(self) -> str:
        return "\n".join(f"== {log.name}\n{log.read_text(errors='replace')[-4000:]}" for _, log in self.processes)

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process, _ in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def redis_url(worker_id):
    """A Redis database of this test process's own: parallel test processes (pytest-xdist's
    gw0, gw1, ...) never share a queue, and flushing one never empties another's. Counted from
    TEST_REDIS_URL's own database number, so two runs given different numbers never share one."""
    server, _, base = os.environ["TEST_REDIS_URL"].rpartition("/")
    index = int(base or 0) + (0 if worker_id == "master" else int(worker_id.removeprefix("gw")) + 1)
    return f"{server}/{index}"


@pytest.fixture
def cluster(transactional_db, redis_url, tmp_path):
    """Start nothing yet; the test starts the workers and beat it needs. The test process
    sends its messages through the same Redis instead of running tasks in-process."""
    redis.Redis.from_url(redis_url).flushdb()
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = redis_url
    # Earlier in-process (eager) tasks left connection pools for the old broker URL: drop them,
    # as Celery does in a forked child.
    celery_app._after_fork()
    c = Cluster(redis_url, tmp_path)
    try:
        yield c
    finally:
        c.stop()
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
        celery_app._after_fork()
        redis.Redis.from_url(redis_url).flushdb()


@pytest.fixture
def d(cluster):
    return district_build(courses_per_school=2)


def wait_for(predicate, cluster: Cluster, timeout: float = 60, what: str = "the queue"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{cluster.logs()}")


def finished(*job_ids):
    def check():
        jobs = list(PushJob.objects.filter(pk__in=job_ids))
        return all(job.is_finished for job in jobs) and jobs

    return check


def test_r40_submitted_job_completes_on_a_worker_and_its_report_downloads(cluster, d):
    cluster.worker("w1")
    cluster.beat()
    d.courses[0].ignore_master_push = True
    d.courses[0].save()
    job = push_job_submit(user=d.district_admin, options=master_push(), run_now=True)
    wait_for(finished(job.pk), cluster)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED, job.error
    assert job.courses_done == job.courses_total == 4
    assert job.summary["courses_changed"] == 3 and job.summary["courses_skipped"] == 1
    assert PushJobChunk.objects.filter(job=job).count() == 2
    lines = list(result_report_csv_lines(job=job))
    assert len(lines) == 2 and ",skipped_ignore_master_push," in lines[1]
    assert job.notifications.get().user == d.district_admin


def test_r40_job_scheduled_ahead_waits_then_runs(cluster, d):
    cluster.worker("w1")
    cluster.beat()
    at = timezone.now() + timedelta(seconds=4)
    job = push_job_submit(user=d.district_admin, options=master_push(), scheduled_for=at)
    time.sleep(2)
    assert PushJob.objects.get(pk=job.pk).status == PushJob.QUEUED
    wait_for(finished(job.pk), cluster)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert job.started_at >= at


def test_r41_two_jobs_on_one_catalog_run_one_after_the_other(cluster, d):
    cluster.worker("w1")  # two threads: room for both, yet they must not overlap
    cluster.beat()
    first = push_job_submit(user=d.district_admin, options=master_push())
    second = push_job_submit(user=d.district_admin, options=master_push(mode="overwrite"), run_now=True)
    other = push_job_submit(user=d.district_admin, options=middle_push())
    wait_for(finished(first.pk, second.pk, other.pk), cluster)
    first, second, other = (PushJob.objects.get(pk=j.pk) for j in (first, second, other))
    assert first.status == second.status == other.status == PushJob.COMPLETED
    assert second.started_at >= first.finished_at  # in the order they became due, high priority or not
    assert first.summary["courses_changed"] == 4 and second.summary["courses_changed"] == 0


def test_r42_switch_off_holds_jobs_and_on_releases_them(cluster, d):
    cluster.worker("w1")
    cluster.beat()
    batch_processing_set(user=d.district_admin, enabled=False)
    job = push_job_submit(user=d.district_admin, options=master_push(), run_now=True)
    time.sleep(TICK_SECONDS * 6)
    assert PushJob.objects.get(pk=job.pk).status == PushJob.QUEUED
    batch_processing_set(user=d.district_admin, enabled=True)
    wait_for(finished(job.pk), cluster)
    assert PushJob.objects.get(pk=job.pk).status == PushJob.COMPLETED


def test_r46_lost_messages_redis_flushed_after_submit_the_job_still_runs(cluster, d, redis_url):
    # No worker yet: the start message waits in Redis, then Redis loses everything.
    job = push_job_submit(user=d.district_admin, options=master_push(), run_now=True)
    assert push_job_dispatch_due() == [job.pk]
    client = redis.Redis.from_url(redis_url)
    assert client.dbsize() > 0
    client.flushdb()
    cluster.worker("w1")
    cluster.beat()
    wait_for(finished(job.pk), cluster, timeout=STALE_SECONDS + 60)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert job.courses_done == 4 and job.summary["courses_changed"] == 4


def _libpq_url() -> str:
    return _database_url().replace("postgres://", "postgresql://", 1)


def _waiting_on_lock(watch, fragment: str) -> int | None:
    """The pid of a backend waiting for a row lock while running a statement that mentions ``fragment``."""
    row = watch.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
        "AND position(%s in query) > 0",
        [fragment],
    ).fetchone()
    return row[0] if row else None


def test_r46_worker_killed_mid_job_another_finishes_each_course_pushed_once(cluster):
    d = district_build(courses_per_school=6)  # 12 courses: 6 chunks of 2, pushed in id order
    course_ids = sorted(c.pk for c in d.courses)
    victim = cluster.worker("victim")
    cluster.beat()
    url = _libpq_url()
    with (
        psycopg.connect(url) as courses_holder,
        psycopg.connect(url) as job_holder,
        psycopg.connect(url, autocommit=True) as watch,
    ):
        # The courses after the first two chunks are held: the worker pushes chunks 0 and 1, then waits.
        courses_holder.execute("SELECT id FROM courses_course WHERE id = ANY(%s) FOR UPDATE", [course_ids[4:]])
        job = push_job_submit(user=d.district_admin, options=master_push(), run_now=True)
        wait_for(
            lambda: PushJob.objects.get(pk=job.pk).courses_done == 4 and _waiting_on_lock(watch, "courses_course"),
            cluster,
            what="two chunks pushed and the third waiting",
        )
        # Hold the job row and let the third chunk go: it writes its courses, then waits, inside
        # its transaction, to count them. Kill the worker there, as a crash would.
        job_holder.execute("SELECT id FROM pushjobs_pushjob WHERE id = %s FOR UPDATE", [job.pk])
        courses_holder.rollback()
        pid = wait_for(lambda: _waiting_on_lock(watch, "courses_done"), cluster, what="the third chunk mid-write")
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        job_holder.rollback()
        # The dead worker's transaction goes with its connection.
        wait_for(
            lambda: watch.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0] == 0,
            cluster,
            what="the dead worker's connection to close",
        )

    # Nothing half-written: the first four courses fully pushed and counted, the rest untouched.
    state = pushed_categories(course_ids)
    assert [cid for cid in course_ids if set(state[cid]) == {"homework", "tests"}] == course_ids[:4]
    assert all(state[cid] == {} for cid in course_ids[4:])
    job.refresh_from_db()
    assert (job.status, job.courses_done) == (PushJob.PROCESSING, 4)

    cluster.worker("rescuer")
    wait_for(finished(job.pk), cluster, timeout=STALE_SECONDS + 60)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED, job.error
    # Each course counted once and pushed once (pushed twice, it would count as unchanged: R18).
    assert job.courses_done == job.courses_total == 12
    assert job.summary["courses_changed"] == 12 and job.summary["courses_unchanged"] == 0
    assert all(set(cats) == {"homework", "tests"} for cats in pushed_categories(course_ids).values())
    attempts = list(PushJobChunk.objects.filter(job=job).order_by("index").values_list("attempts", flat=True))
    assert attempts[:3] == [1, 1, 2] and max(attempts) == 2  # the killed chunk ran again, once


def test_one_job_on_all_workers_a_second_worker_pushes_chunks_while_the_first_is_busy(cluster):
    # issue 15: once a job's chunks are prepared they go to every free worker at once
    d = district_build(courses_per_school=4)  # 8 courses of the master: 4 chunks of 2, in id order
    course_ids = sorted(c.pk for c in d.courses)
    cluster.worker("first", concurrency=1)
    cluster.worker("second", concurrency=1)
    cluster.beat()
    with psycopg.connect(_libpq_url()) as holder:
        # given the courses of the first chunk held, so that the worker that takes it waits
        holder.execute("SELECT id FROM courses_course WHERE id = ANY(%s) FOR UPDATE", [course_ids[:2]])
        job = push_job_submit(user=d.district_admin, options=master_push(), run_now=True)

        # then the other worker pushes the three other chunks meanwhile
        wait_for(
            lambda: PushJobChunk.objects.filter(job=job, status=PushJobChunk.DONE).count() == 3,
            cluster,
            what="three chunks pushed while the first waits",
        )
        first = PushJobChunk.objects.get(job=job, index=0)
        assert first.status == PushJobChunk.RUNNING
        holder.rollback()

    wait_for(finished(job.pk), cluster)
    job.refresh_from_db()
    # and the result is that of a push on one worker: every course pushed once, all counted
    assert job.status == PushJob.COMPLETED, job.error
    assert job.courses_done == job.courses_total == 8
    assert job.summary["courses_changed"] == 8 and job.summary["courses_unchanged"] == 0
    assert all(set(cats) == {"homework", "tests"} for cats in pushed_categories(course_ids).values())
    assert list(PushJobChunk.objects.filter(job=job).values_list("attempts", flat=True)) == [1, 1, 1, 1]
