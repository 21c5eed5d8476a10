"""One measured step in its own process: ``python -m bench.steps NAME 'JSON-ARGS'``.

The last line of standard output is ``BENCH-RESULT {json}``: wall time of the step's work, the SQL
statements it sent (Django's execute_wrapper, plus COPY statements, which go around it), the
peak resident memory of this process, and what the step found. Rows written are measured by the
caller from PostgreSQL's statistics (pg_stat_user_tables), which this process flushes before it
exits (pg_stat_force_next_flush), so the caller reads them as soon as it has exited.

Pushes run through the public commands of cli.md (``push_all_course_masters``...), which run the
batch queue's chunk code in this process and write the result report, as an operator would.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from . import procs

YEAR = "24-25"
RESULT_PREFIX = "BENCH-RESULT "
ROOT = Path(__file__).resolve().parent.parent
# Repeats of each timed page: its first request and the median of all.
PAGE_REPEATS = 5


class QueryCounter:
    """Counts every statement the process sends on the default connection, COPY included."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def install(self) -> None:
        import psycopg
        from django.db import connection

        connection.execute_wrappers.append(self)
        counter = self
        original = psycopg.Cursor.copy

        def copy(self, *args, **kwargs):
            counter.count += 1
            return original(self, *args, **kwargs)

        psycopg.Cursor.copy = copy


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _admin():
    from catalog.models import User

    return User.objects.filter(role=User.DISTRICT_ADMIN).order_by("pk").first()


def _catalogs() -> list[str]:
    from catalog.models import CourseCatalog

    return list(
        CourseCatalog.objects.filter(schools__calendars__year__name=YEAR)
        .distinct()
        .order_by("name")
        .values_list("name", flat=True)
    )


def _command(argv: list[str]) -> dict:
    """Run a cli.md command in this process: its exit status and the last line of its output."""
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    status = 0
    try:
        call_command(*argv, stdout=out, stderr=err)
    except CommandError as error:
        status = getattr(error, "returncode", 1)
        err.write(str(error))
    lines = out.getvalue().strip().splitlines()
    return {"argv": argv, "status": status, "last_line": lines[-1] if lines else "", "stderr": err.getvalue()[-500:]}


def _summary_numbers(line: str) -> dict:
    """The cli.md summary line as numbers."""
    import re

    names = ("changed", "unchanged", "skipped", "failed", "created", "updated", "removed", "kept residual")
    found = {}
    for name in names:
        m = re.search(rf"(\d+) {name}\b", line)
        found[name.replace(" ", "_")] = int(m.group(1)) if m else None
    return found


def _report_rows(path: str, *, keep_rows: bool = False) -> dict:
    import csv
    from collections import Counter

    outcomes: Counter = Counter()
    kept = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            outcomes[row["outcome"]] += 1
            if keep_rows:
                kept.append(row)
    found = {"rows": sum(outcomes.values()), "outcomes": dict(outcomes)}
    if keep_rows:
        found["all_rows"] = kept
    return found


def _job_figures(since_pk: int) -> dict:
    from pushjobs.models import PushJob, PushJobChunk

    jobs = PushJob.objects.filter(pk__gt=since_pk)
    return {
        "jobs": jobs.count(),
        "chunks": PushJobChunk.objects.filter(job__in=jobs).count(),
        "courses": sum(jobs.values_list("courses_total", flat=True)),
        "statuses": sorted(set(jobs.values_list("status", flat=True))),
    }


def _last_job_pk() -> int:
    from pushjobs.models import PushJob

    return PushJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _pushes(commands: list[list[str]], report_dir: str, *, keep_rows: bool = False) -> dict:
    """Run push commands one after another (one per catalog); their summaries and reports."""
    since = _last_job_pk()
    runs = []
    for i, argv in enumerate(commands):
        report = str(Path(report_dir) / f"report-{len(os.listdir(report_dir))}-{i}.csv")
        run = _command([*argv, "--report", report])
        run["summary"] = _summary_numbers(run["last_line"])
        if os.path.exists(report):
            run["report"] = _report_rows(report, keep_rows=keep_rows)
        runs.append(run)
    total = {}
    for run in runs:
        for name, value in run["summary"].items():
            total[name] = total.get(name, 0) + (value or 0)
    return {"runs": runs, "summary": total, **_job_figures(since)}


# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------


def step_generate(*, flags: list[str]) -> dict:
    """generate_district with these flags, loaded into the (migrated, empty) database."""
    from catalog.models import School
    from courses.models import Course
    from sections.models import Section

    run = _command(["generate_district", *flags])
    run["schools"] = School.objects.count()
    run["courses"] = Course.objects.count()
    run["sections"] = Section.objects.count()
    run["courses_linked"] = Course.objects.filter(master__isnull=False).count()
    return run


def step_full_push(*, dry_run: bool = False, report_dir: str) -> dict:
    """Push All Course Masters for every catalog: overwrite, to sections, every type (the default --data).
    Whether its jobs wrote any row to the change log (R70), asked of the table itself (one index
    probe: an unchanged push must write none; how many a push wrote comes from the statistics)."""
    from pushjobs.models import ChangeRow

    since = _last_job_pk()
    commands = [
        ["push_all_course_masters", "--year", YEAR, "--catalog", name, "--mode", "overwrite", "--to-sections"]
        + (["--dry-run"] if dry_run else [])
        for name in _catalogs()
    ]
    found = _pushes(commands, report_dir)
    found["change_log_empty"] = not ChangeRow.objects.filter(job_id__gt=since).exists()
    return found


def step_gradebook(*, grade_impact: bool, report_dir: str, counter: QueryCounter) -> dict:
    """The full push's preview on a district with real gradebooks (``--dry-run``, as
    ``step_full_push``), with or without ``--grade-impact FILE`` (R82): each command's time and
    queries, the grades the impact lists and what the gradebooks hold."""
    from sections.models import Assignment, Score

    runs = []
    for i, name in enumerate(_catalogs()):
        argv = ["push_all_course_masters", "--year", YEAR, "--catalog", name, "--mode", "overwrite", "--to-sections"]
        argv.append("--dry-run")
        impact = str(Path(report_dir) / f"grade-impact-{i}.csv")
        if grade_impact:
            argv += ["--grade-impact", impact]
        before, started = counter.count, time.perf_counter()
        run = _command(argv)
        run["seconds"] = round(time.perf_counter() - started, 3)
        run["queries"] = counter.count - before
        if grade_impact and os.path.exists(impact):
            with open(impact, encoding="utf-8") as f:
                run["grades_listed"] = sum(1 for _ in f) - 1
        runs.append(run)
    return {
        "runs": runs,
        "grades_listed": sum(r.get("grades_listed", 0) for r in runs),
        "assignments": Assignment.objects.count(),
        "scores": Score.objects.count(),
    }


def step_full_push_worker() -> dict:
    """The same full push as Run Now from the web gives it to a worker: the batch queue's chunk
    code in this process (no broker: Celery runs the task here), no report file written."""
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.models import PushJob
    from pushjobs.submit import push_job_submit

    since = _last_job_pk()
    admin = _admin()
    summary: dict = {}
    for name in _catalogs():
        options = MasterPushOptions(year=YEAR, catalog=name, mode="overwrite", to_sections=True)
        job = push_job_submit(user=admin, options=options, run_now=True)
        job.refresh_from_db()
        if job.status != PushJob.COMPLETED:
            raise RuntimeError(f"job {job.pk} {job.status}: {job.error}")
        for key, value in job.summary.items():
            summary[key] = summary.get(key, 0) + value
    short = {k.split("_", 1)[1]: v for k, v in summary.items()}
    return {"summary": short, **_job_figures(since)}


def _celery_worker(name: str, env: dict, log: Path) -> subprocess.Popen:
    """A real worker of the project's app, one chunk at a time (as tests/batch/test_worker.py
    starts them), in this process's group: the bench stops it with the step if the step overruns."""
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "threads", "-c", "1"]
        + ["-n", f"{name}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker {name} did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    return process


def _backend_states() -> list[str]:
    """What each of the database's other client backends (the workers') is doing now: running in
    PostgreSQL, waiting (Lock, LWLock:WALWrite, IO:DataFileRead...), or idle in a transaction
    while its worker computes."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, '') FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        rows = cursor.fetchall()
    found = []
    for state, kind, event in rows:
        if state == "active":
            found.append(f"active:{kind}:{event}" if kind else "active")
        else:
            found.append(state or "unknown")
    return found


def _other_backends() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def step_full_push_workers(*, workers: int, report_dir: str) -> dict:
    """The same full push on ``workers`` real Celery workers against Redis (issue 15): one job per
    catalog, Run Now, each waited for before the next, so that only one job's chunks are spread
    over the workers (up to PUSH_JOB_WORKERS at once, set to ``workers``). Timed from each submit
    to its job's end; the workers' start is not timed. While the jobs run, the workers' database
    sessions are sampled every 0.25 s (running, waiting and on what, idle in a transaction)."""
    import redis
    from django.conf import settings

    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.models import PushJob, PushJobChunk
    from pushjobs.submit import push_job_submit

    broker = settings.CELERY_BROKER_URL
    assert broker, "the real workers need a broker: set CELERY_BROKER_URL"
    redis.Redis.from_url(broker).flushdb()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "PUSH_JOB_WORKERS": str(workers),
        "LOG_LEVEL": "INFO",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("PRODUCTION", None)
    processes: list[subprocess.Popen] = []
    logs = [Path(report_dir) / f"worker-{i}.log" for i in range(workers)]
    try:
        started = time.perf_counter()
        for i, log in enumerate(logs):
            processes.append(_celery_worker(f"bench-{i + 1}", env, log))
        startup_s = time.perf_counter() - started
        cpu_at_start = [procs.cpu_seconds(p.pid) for p in processes]
        since = _last_job_pk()
        admin = _admin()
        job_runs, summary, samples = [], {}, Counter()
        max_running = 0
        push_started = time.perf_counter()
        for name in _catalogs():
            options = MasterPushOptions(year=YEAR, catalog=name, mode="overwrite", to_sections=True)
            submitted = time.perf_counter()
            job = push_job_submit(user=admin, options=options, run_now=True)
            while True:
                job.refresh_from_db(fields=["status", "error"])
                if job.is_finished:
                    break
                dead = [i for i, p in enumerate(processes) if p.poll() is not None]
                if dead:
                    raise RuntimeError(f"worker {dead[0] + 1} stopped:\n{logs[dead[0]].read_text()[-2000:]}")
                running = PushJobChunk.objects.filter(job=job, status=PushJobChunk.RUNNING).count()
                max_running = max(max_running, running)
                samples.update(_backend_states())
                time.sleep(0.25)
            seconds = time.perf_counter() - submitted
            job.refresh_from_db()
            if job.status != PushJob.COMPLETED:
                raise RuntimeError(f"job {job.pk} {job.status}: {job.error}")
            for key, value in job.summary.items():
                summary[key] = summary.get(key, 0) + value
            job_runs.append(
                {
                    "catalog": name,
                    "seconds": round(seconds, 3),
                    "chunks": job.chunks.count(),
                    "courses": job.courses_total,
                    "running_s": round((job.finished_at - job.started_at).total_seconds(), 3),
                }
            )
        push_s = time.perf_counter() - push_started
        # CPU of each worker while it pushed (its start left out).
        worker_cpu = [
            None if a is None or b is None else b - a
            for a, b in zip(cpu_at_start, (procs.cpu_seconds(p.pid) for p in processes), strict=True)
        ]
        worker_peaks = [procs.peak_mb(p.pid) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.terminate()
        for p in processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    # Their sessions gone, the workers' table statistics are in pg_stat_user_tables for the caller.
    deadline = time.monotonic() + 30
    while _other_backends() and time.monotonic() < deadline:
        time.sleep(0.1)
    short = {k.split("_", 1)[1]: v for k, v in summary.items()}
    return {
        "workers": workers,
        "push_job_workers": workers,
        "startup_s": round(startup_s, 2),
        "push_s": round(push_s, 3),
        "job_runs": job_runs,
        "summary": short,
        "max_running_chunks": max_running,
        "session_samples": dict(samples.most_common()),
        "worker_cpu_s": [None if c is None else round(c, 2) for c in worker_cpu],
        "worker_peaks_mb": worker_peaks,
        "worker_peak_mb": max((p for p in worker_peaks if p is not None), default=None),
        **_job_figures(since),
    }


def step_edit_master() -> dict:
    """A district admin changes one category weight on the high-school master with the most courses."""
    from django.db.models import Count

    from catalog.setup_types import MASTER, SETUP_TYPES_BY_NAME
    from coursemasters.models import CourseMaster
    from coursemasters.services import master_item_update

    category_model = SETUP_TYPES_BY_NAME["categories"].model(MASTER)
    master = (
        CourseMaster.objects.filter(catalog__name="High School Catalog", pk__in=category_model.objects.values("master"))
        .annotate(n=Count("courses"))
        .order_by("-n", "number")
        .first()
    )
    item = category_model.objects.filter(master=master).order_by("sequence", "pk").first()
    master_item_update(user=_admin(), item=item, values={"weight": str(item.weight + 5)})
    return {"catalog": master.catalog.name, "master": master.number, "courses": master.n, "category": item.name}


def step_one_master(*, catalog: str, master: str, report_dir: str) -> dict:
    """Push to Courses for the edited master: overwrite, to sections."""
    argv = ["push_course_master", "--catalog", catalog, "--number", master, "--year", YEAR]
    return _pushes([[*argv, "--mode", "overwrite", "--to-sections"]], report_dir)


def _biggest_calendar_school() -> tuple[str, int]:
    from django.db.models import Count

    from catalog.models import Calendar

    calendar = (
        Calendar.objects.filter(year__name=YEAR)
        .annotate(n=Count("courses__sections"))
        .order_by("-n", "school__number")
        .select_related("school")
        .first()
    )
    return calendar.school.number, calendar.n


def step_push_all_courses(*, report_dir: str) -> dict:
    """Push All Courses for the calendar with the most sections, every data type."""
    school, sections = _biggest_calendar_school()
    found = _pushes([["push_all_courses", "--school", school, "--year", YEAR]], report_dir)
    return {**found, "school": school, "calendar_sections": sections}


def _client():
    from django.test import Client

    client = Client()
    client.force_login(_admin())
    return client


def _timed_get(client, url: str, query: dict, counter: QueryCounter) -> dict:
    before = counter.count
    started = time.perf_counter()
    response = client.get(url, query)
    size = 0
    lines = 0
    if response.streaming:
        for part in response.streaming_content:
            size += len(part)
            lines += part.count(b"\n")
    else:
        size = len(response.content)
    return {
        "status": response.status_code,
        "seconds": round(time.perf_counter() - started, 4),
        "queries": counter.count - before,
        "bytes": size,
        "lines": lines,
    }


def _report_query(kind: str) -> dict:
    """The widest scope each report takes: the biggest catalog, the biggest calendar, the whole year."""
    if kind == "master-awaiting-push":
        return {"year": YEAR, "catalog": "High School Catalog"}
    if kind == "course-awaiting-push":
        return {"year": YEAR, "school": _biggest_calendar_school()[0]}
    return {"year": YEAR}


def step_report(*, kind: str, counter: QueryCounter) -> dict:
    """A report's first page (cold, then again, PAGE_REPEATS times in all: its median) and its
    full CSV download, as a district admin."""
    from django.urls import reverse

    client = _client()
    client.get(reverse("reports:index"))  # the site's own templates and middleware warmed up
    query = _report_query(kind)
    page_url = f"/reports/{kind}/"
    page = _repeat(lambda: _timed_get(client, page_url, query, counter), PAGE_REPEATS)
    csv_part = _timed_get(client, reverse("reports:download", args=[kind, "csv"]), query, counter)
    return {
        "query": query,
        "page_first": page["runs"][0],
        "page_again": page["runs"][1],
        "page_median": page["median"],
        "page_statuses": page["statuses"],
        "csv": csv_part,
    }


def _jobs_create(n: int) -> int:
    """n jobs in the Batch Queue List's default window: a fortnight of a busy district's pushes."""
    from django.utils import timezone

    from catalog.models import School, User
    from pushjobs.engine.api import CoursePushOptions, MasterPushOptions, Summary
    from pushjobs.models import PushJob

    rng = random.Random(7)
    now = timezone.now()
    admins = list(User.objects.filter(role__in=[User.DISTRICT_ADMIN, User.SCHOOL_ADMIN]).order_by("pk")[:50])
    schools = list(School.objects.exclude(catalog=None).select_related("catalog").order_by("number"))
    by_catalog: dict[str, list[int]] = {}
    for s in schools:
        by_catalog.setdefault(s.catalog.name, []).append(s.pk)
    statuses = [PushJob.COMPLETED] * 6 + [PushJob.QUEUED, PushJob.FAILED, PushJob.CANCELED]
    jobs = []
    for _ in range(n):
        when = now + timedelta(seconds=rng.uniform(-7 * 86400, 7 * 86400))
        status = PushJob.QUEUED if when > now else rng.choice(statuses)
        if rng.random() < 0.35:
            catalog = rng.choice(sorted(by_catalog))
            options = MasterPushOptions(year=YEAR, catalog=catalog, mode="overwrite", to_sections=True)
            fields = dict(
                kind=PushJob.PUSH_ALL_COURSE_MASTERS,
                catalog=catalog,
                target=catalog,
                mode="overwrite",
                to_sections=True,
                school_ids=by_catalog[catalog],
                conflict_keys=[f"catalog:{catalog}:{YEAR}"],
            )
        else:
            school = rng.choice(schools)
            options = CoursePushOptions(school=school.number, year=YEAR)
            fields = dict(
                kind=PushJob.PUSH_ALL_COURSES,
                school=school.number,
                target=str(school),
                mode="push",
                to_sections=True,
                school_ids=[school.pk],
                conflict_keys=[f"sections:{school.pk}:{YEAR}"],
            )
        finished = status in (PushJob.COMPLETED, PushJob.FAILED, PushJob.CANCELED)
        summary = Summary(courses_changed=rng.randrange(400), courses_unchanged=rng.randrange(900))
        jobs.append(
            PushJob(
                requested_by=rng.choice(admins),
                options=options.to_json(),
                year=YEAR,
                data=sorted(options.data),
                scheduled_for=when,
                status=status,
                started_at=when if finished else None,
                finished_at=when + timedelta(minutes=3) if finished else None,
                chunks_prepared=finished,
                summary=summary.to_json() if finished else {},
                **fields,
            )
        )
    PushJob.objects.bulk_create(jobs, batch_size=2000)
    return n


def _repeat(fn: Callable[[], dict], times: int) -> dict:
    runs = [fn() for _ in range(times)]
    seconds = sorted(r["seconds"] for r in runs)
    return {
        "runs": runs,
        "first": runs[0]["seconds"],
        "median": seconds[len(seconds) // 2],
        "max": seconds[-1],
        "statuses": sorted({r["status"] for r in runs}),
        "queries": runs[-1]["queries"],
    }


def step_web(*, counter: QueryCounter, jobs: int = 10000) -> dict:
    """Submitting a push from the web (Run Now, Submit to Batch) with a real broker and no worker,
    so the request only records and enqueues; then the Batch Queue List with ``jobs`` jobs."""
    from django.conf import settings
    from django.urls import reverse

    from catalog.models import Calendar, User
    from pushjobs.models import PushJob

    assert settings.CELERY_BROKER_URL, "the web step needs a broker: set CELERY_BROKER_URL"
    client = _client()
    tool = reverse("pushjobs:push_all_course_masters")
    catalog = "High School Catalog"
    calendars = [
        str(pk)
        for pk in Calendar.objects.filter(year__name=YEAR, school__catalog__name=catalog).values_list("pk", flat=True)
    ]
    form = {
        "year": YEAR,
        "catalog": catalog,
        "calendars": calendars,
        "mode": "overwrite",
        "to_sections": "on",
        "data": [
            "course_info",
            "grading_tasks_standards",
            "grade_calc_options",
            "composite_grades",
            "categories",
            "assessments",
        ],
    }
    tool_page = _repeat(lambda: _timed_get(client, tool, {"year": YEAR}, counter), 3)

    def post(action: str) -> dict:
        before = counter.count
        data = {**form, "action": action}
        if action == "batch":
            later = time.localtime(time.time() + 3 * 3600)
            data.update(run_date=time.strftime("%Y-%m-%d", later), run_time=time.strftime("%H:00", later))
        started = time.perf_counter()
        response = client.post(tool, data)
        return {
            "status": response.status_code,
            "seconds": round(time.perf_counter() - started, 4),
            "queries": counter.count - before,
        }

    jobs_before = PushJob.objects.count()
    run_now = _repeat(lambda: post("run_now"), 5)
    batch = _repeat(lambda: post("batch"), 5)
    submitted = PushJob.objects.count() - jobs_before
    queued = PushJob.objects.filter(status=PushJob.QUEUED).count()
    _jobs_create(jobs)
    queue = reverse("pushjobs:batch_queue")
    queue_admin = _repeat(lambda: _timed_get(client, queue, {}, counter), 5)
    school_admin = User.objects.filter(role=User.SCHOOL_ADMIN, schools__catalog__name=catalog).order_by("pk").first()
    from django.test import Client

    other = Client()
    other.force_login(school_admin)
    queue_school = _repeat(lambda: _timed_get(other, queue, {}, counter), 5)
    return {
        "tool_page": tool_page,
        "run_now": run_now,
        "submit_to_batch": batch,
        "jobs_submitted": submitted,
        "jobs_queued": queued,
        "jobs_in_queue_list_window": PushJob.objects.count(),
        "queue_list_district_admin": queue_admin,
        "queue_list_school_admin": queue_school,
    }


def step_r18(*, report_dir: str) -> dict:
    """On a district as pushes leave it (not --unpushed): the first overwrite push to sections lists
    every ignored and every desynced course (as the Course Audit named them before), and the same
    push again changes nothing (R18)."""
    import csv

    audit = str(Path(report_dir) / "audit.csv")
    _command(["report", "course-audit", "--year", YEAR, "--out", audit])
    states: dict[tuple[str, str], str] = {}
    with open(audit, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["row"] == "course":
                states[(row["school"], row["course"])] = row["state"]
    commands = [
        ["push_all_course_masters", "--year", YEAR, "--catalog", name, "--mode", "overwrite", "--to-sections"]
        for name in _catalogs()
    ]
    first = _pushes(commands, report_dir, keep_rows=True)
    rows_by_course: dict[tuple[str, str], set[str]] = {}
    for run in first["runs"]:
        for row in run.get("report", {}).pop("all_rows", []):
            rows_by_course.setdefault((row["school"], row["course"]), set()).add(row["outcome"])
    found = {}
    for state, outcome in (("ignored", "skipped_ignore_master_push"), ("desynced", None)):
        courses = sorted(k for k, v in states.items() if v == state)
        # An ignored course must be listed as skipped; a desynced one with any outcome (what was relinked).
        listed = [k for k in courses if k in rows_by_course and (outcome is None or outcome in rows_by_course[k])]
        outcomes = sorted({o for k in courses for o in rows_by_course.get(k, ())})
        found[state] = {
            "courses": len(courses),
            "listed": len(listed),
            "missing": [" ".join(k) for k in courses if k not in listed][:10],
            "their_outcomes": outcomes,
        }
    second = _pushes(commands, report_dir)
    return {
        "audit_states": {s: sum(1 for v in states.values() if v == s) for s in sorted(set(states.values()))},
        "first": {"summary": first["summary"], "lines": [r["last_line"] for r in first["runs"]]},
        "second": {"summary": second["summary"], "lines": [r["last_line"] for r in second["runs"]]},
        **found,
    }


def _file_mb(path: str) -> float | None:
    return round(os.path.getsize(path) / 1e6, 1) if os.path.exists(path) else None


def step_export(*, out: str) -> dict:
    """export_district --out FILE: the whole district written a record at a time."""
    run = _command(["export_district", "--out", out])
    return {**run, "file_mb": _file_mb(out)}


def step_generate_file(*, flags: list[str], out: str) -> dict:
    """generate_district --out FILE: the generator alone, writing the district's JSON as it goes."""
    run = _command(["generate_district", *flags, "--out", out])
    return {**run, "file_mb": _file_mb(out)}


def step_import(*, file: str) -> dict:
    """import_district FILE --replace: the file read a record at a time, every check, one transaction."""
    from sections.models import Section

    run = _command(["import_district", file, "--replace"])
    return {**run, "file_mb": _file_mb(file), "sections": Section.objects.count()}


def step_preview() -> dict:
    """The full push's preview job (R71), for every catalog, run as a worker runs it (no broker:
    Celery runs the task in this process): what it would change kept apart, nothing pushed."""
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.models import PushJob
    from pushjobs.previews import push_job_preview_submit
    from pushjobs.worker import push_job_prepare, push_job_work_chunk

    since = _last_job_pk()
    admin = _admin()
    for name in _catalogs():
        options = MasterPushOptions(year=YEAR, catalog=name, mode="overwrite", to_sections=True)
        job = push_job_preview_submit(user=admin, options=options)
        job.refresh_from_db()
        if not job.is_finished:  # no eager tick: run its chunks here, as a worker would
            push_job_prepare(job_id=job.pk)
            while push_job_work_chunk(job_id=job.pk):
                pass
            job.refresh_from_db()
        if job.status != PushJob.COMPLETED:
            raise RuntimeError(f"preview job {job.pk} {job.status}: {job.error}")
    return _job_figures(since)


def step_report_csv(*, kind: str, counter: QueryCounter, fmt: str = "csv") -> dict:
    """A report's full download (CSV or XLSX) alone, read to the end (its peak is the download's)."""
    from django.urls import reverse

    client = _client()
    query = _report_query(kind)
    with _xlsx_in_the_request():
        return {
            "query": query,
            "csv": _timed_get(client, reverse("reports:download", args=[kind, fmt]), query, counter),
        }


def _xlsx_in_the_request():
    """A large XLSX download is prepared by a worker (the downloads app), with the writer the direct
    download uses: the steps time and weigh that writer in the request, as they always have, so
    their figures stay comparable from run to run."""
    from django.test import override_settings

    return override_settings(XLSX_IN_REQUEST_ROWS=2**62)


def _full_push_job():
    """The full first push's job with the most courses (the biggest catalog's): its change log is
    the biggest of the run."""
    from pushjobs.models import PushJob

    return (
        PushJob.objects.filter(kind=PushJob.PUSH_ALL_COURSE_MASTERS, status=PushJob.COMPLETED, inline=True)
        .order_by("-courses_total", "pk")
        .first()
    )


def _preview_job():
    from pushjobs.models import PushJob

    return (
        PushJob.objects.filter(kind=PushJob.PREVIEW, status=PushJob.COMPLETED).order_by("-courses_total", "pk").first()
    )


def _history_targets(job) -> dict[str, int]:
    """The objects whose History holds the most: the course the full push changed most, its
    section changed most, and the master with the most History records (the edited one)."""
    from django.db.models import Count

    from catalog.models import HistoryRecord
    from courses.models import Course
    from pushjobs.models import ChangeRow

    course_pk = (
        ChangeRow.objects.filter(job=job)
        .values("course_pk")
        .annotate(n=Count("id"))
        .order_by("-n", "course_pk")
        .values_list("course_pk", flat=True)
        .first()
    )
    section_pk = (
        ChangeRow.objects.filter(job=job, course_pk=course_pk, level="section")
        .values("section_pk")
        .annotate(n=Count("id"))
        .order_by("-n", "section_pk")
        .values_list("section_pk", flat=True)
        .first()
    )
    master_pk = (
        HistoryRecord.objects.filter(level=HistoryRecord.MASTER)
        .values("object_pk")
        .annotate(n=Count("id"))
        .order_by("-n", "object_pk")
        .values_list("object_pk", flat=True)
        .first()
    ) or Course.objects.filter(pk=course_pk).values_list("master_id", flat=True).first()
    return {"master": master_pk, "course": course_pk, "section": section_pk}


def step_pages(*, counter: QueryCounter) -> dict:
    """Issue 12: the History tab of a master, a course and a section, and the full push job's page
    with its change log (first page, a filter, the last page), as a district admin; each the
    median of PAGE_REPEATS."""
    from django.urls import reverse

    from pushjobs.models import ChangeRow

    client = _client()
    client.get("/")  # the site's own templates and middleware warmed up
    job = _full_push_job()
    targets = _history_targets(job)
    found: dict = {"job": job.pk, "change_rows": ChangeRow.objects.filter(job=job).count(), "targets": targets}
    for level, pk in targets.items():
        if pk is None:
            continue
        url = reverse("history:history", args=[level, pk])
        found[f"history:{level}"] = _repeat(lambda url=url: _timed_get(client, url, {}, counter), PAGE_REPEATS)
    url = reverse("pushjobs:job_detail", args=[job.pk])
    for label, query in (
        ("first page", {}),
        ("removed only", {"change": "removed"}),
        ("last page", {"changes_page": "1000000000"}),  # past the end: the paginator gives the last
    ):
        found[f"job:{label}"] = _repeat(lambda q=query: _timed_get(client, url, q, counter), PAGE_REPEATS)
    return found


def step_api(*, counter: QueryCounter, pages: int = 10) -> dict:
    """Issue 17: the API's cursor pagination with a token, as a district admin: the first page of a
    list and the ``next`` pages after it (``pages`` in all, 100 rows each), for the courses and
    sections of the year and the full push job's change log; and the Batch Queue List (one list
    of its top 50 jobs, not paginated)."""
    from django.test import Client

    from api.tokens import api_token_create

    _row, token = api_token_create(user=_admin(), name="bench")
    client = Client(headers={"Authorization": f"Bearer {token}"})
    job = _full_push_job()
    lists = {
        "courses": ("/api/v1/courses", {"year": YEAR, "page_size": 100}),
        "sections": ("/api/v1/sections", {"year": YEAR, "page_size": 100}),
        "jobs": ("/api/v1/jobs", {"page_size": 100}),
        "job changes": (f"/api/v1/jobs/{job.pk}/changes", {"page_size": 100}),
    }
    client.get("/api/v1/catalogs")  # warmed up
    found = {}
    for name, (url, query) in lists.items():
        runs, rows = [], 0
        for _ in range(pages):
            before, started = counter.count, time.perf_counter()
            response = client.get(url, query)
            runs.append(
                {
                    "status": response.status_code,
                    "seconds": round(time.perf_counter() - started, 4),
                    "queries": counter.count - before,
                }
            )
            body = response.json() if response.status_code == 200 else {}
            # A paginated list is {"results": [...], "next": URL}; the Batch Queue List is one list.
            page = body if isinstance(body, dict) else {"results": body, "next": None}
            rows += len(page.get("results", []))
            if not page.get("next"):
                break
            url, query = page["next"], {}
        seconds = sorted(r["seconds"] for r in runs)
        found[name] = {
            "runs": runs,
            "pages": len(runs),
            "rows": rows,
            "first": runs[0]["seconds"],
            "median": seconds[len(seconds) // 2],
            "max": seconds[-1],
            "statuses": sorted({r["status"] for r in runs}),
            "queries": runs[-1]["queries"],
        }
    return found


def _set_year(client) -> None:
    """The toolbar's year is the generated district's, as a user who picked it (the default is
    this school year, which the district may not have)."""
    from catalog.models import SchoolYear

    session = client.session
    session["toolbar"] = {"year": SchoolYear.objects.get(name=YEAR).pk, "school": None}
    session.save()


def step_home(*, counter: QueryCounter) -> dict:
    """Issue 18: each role's home page: the district admin, the school admin with the most schools,
    the teacher with the most sections; each the median of PAGE_REPEATS."""
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from catalog.models import User

    users = {
        "district admin": _admin(),
        "school admin": User.objects.filter(role=User.SCHOOL_ADMIN)
        .annotate(n=Count("schools"))
        .order_by("-n", "pk")
        .first(),
        "teacher": User.objects.filter(role=User.TEACHER).annotate(n=Count("sections")).order_by("-n", "pk").first(),
    }
    found = {}
    warm = Client()
    warm.force_login(users["district admin"])
    # The site's URL conf, API, templates and middleware loaded, as a running server has them (the
    # process's first request imports them, 2-4 s, which no reader of a home page waits for).
    warm.get(reverse("reports:index"))
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        _set_year(client)
        found[role] = _repeat(lambda c=client: _timed_get(c, "/", {}, counter), PAGE_REPEATS)
        found[role]["user"] = user.username
        found[role]["has"] = getattr(user, "n", None)
    return found


def step_download(*, what: str, fmt: str, counter: QueryCounter) -> dict:
    """One download read to the end, alone in its process (its peak memory is the download's): the
    full push job's result report or change log, the preview job's changes, or the History of the
    course the full push changed most; CSV or XLSX."""
    from django.urls import reverse

    if what == "history":
        job = _full_push_job()
        pk = _history_targets(job)["course"]
        url = reverse(f"history:history_{fmt}", args=["course", pk])
    else:
        job = _preview_job() if what == "preview_changes" else _full_push_job()
        name = {"job_report": "job_report", "job_changes": "job_changes", "preview_changes": "job_changes"}[what]
        url = reverse(f"pushjobs:{name}_{fmt}", args=[job.pk])
    client = _client()
    with _xlsx_in_the_request():
        return {"url": url, "csv": _timed_get(client, url, {}, counter)}


STEPS = {
    "export": step_export,
    "generate_file": step_generate_file,
    "import": step_import,
    "preview": step_preview,
    "report_csv": step_report_csv,
    "r18": step_r18,
    "generate": step_generate,
    "full_push": step_full_push,
    "full_push_worker": step_full_push_worker,
    "full_push_workers": step_full_push_workers,
    "gradebook": step_gradebook,
    "edit_master": step_edit_master,
    "one_master": step_one_master,
    "push_all_courses": step_push_all_courses,
    "report": step_report,
    "web": step_web,
    "pages": step_pages,
    "api": step_api,
    "home": step_home,
    "download": step_download,
}


def main(argv: list[str]) -> None:
    name, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    # The test client runs without setup_test_environment(): its template instrumentation (a signal
    # and a context copy per template rendered) would be timed with the pages.
    baseline = _peak_mb()
    counter = QueryCounter()
    counter.install()
    step = STEPS[name]
    wants = inspect.signature(step).parameters
    if "counter" in wants:
        args["counter"] = counter
    with tempfile.TemporaryDirectory(prefix="bench-report-") as report_dir:
        if "report_dir" in wants:
            args["report_dir"] = report_dir
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        found = step(**args)
        wall = time.perf_counter() - started
    queries = counter.count
    connection.execute_wrappers.remove(counter)
    with connection.cursor() as cursor:
        # Statistics reach pg_stat_user_tables when this backend next goes idle; make it now.
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")
    result = {
        "step": name,
        "wall_s": round(wall, 3),
        "queries": queries,
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "found": found,
    }
    sys.stdout.write("\n" + RESULT_PREFIX + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
