"""The batch-queue commands as cli.md specifies them: output, exit status, --batch, --as."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from courses.models import CourseCategory
from pushjobs.display import outcome_label
from pushjobs.engine.api import REPORT_COLUMNS
from pushjobs.models import PushJob
from pushjobs.result_report import ROW_HEADINGS
from pushjobs.submit import push_job_submit
from pushjobs.worker import push_job_run_inline

from .conftest import master_push, pushed_categories

SUMMARY_START = "courses: "


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=out, stderr=err)
    return raised.value.returncode, str(raised.value), out.getvalue()


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def desync(course) -> None:
    """R9: a category pushed from the master, edited at the course while unlocked."""
    category = district_master_category(course, "Homework")
    CourseCategory.objects.create(course=course, name="Homework", weight=5, state="unlinked", source=category)


def district_master_category(course, name):
    return course.master.categories.get(name=name)


def test_cli_push_all_course_masters_runs_now_and_prints_the_summary_last(district):
    out, _ = run("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog")
    assert last_line(out) == (
        "courses: 4 changed, 0 unchanged, 0 skipped, 0 failed; items: 8 created, 0 updated, 0 removed, 0 kept residual"
    )
    job = PushJob.objects.get()
    assert (job.status, job.inline, job.requested_by.username) == (PushJob.COMPLETED, True, "system")
    assert all(set(c) == {"homework", "tests"} for c in pushed_categories([c.pk for c in district.courses]).values())


def test_cli_dry_run_reports_and_writes_nothing(district):
    out, _ = run("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog", "--dry-run")
    assert last_line(out).startswith("courses: 4 changed")
    assert not PushJob.objects.exists()
    assert pushed_categories([c.pk for c in district.courses]) == {c.pk: {} for c in district.courses}


def test_cli_exit_1_when_a_course_failed_and_the_report_says_why(district, tmp_path):
    desync(district.courses[0])
    report = tmp_path / "report.csv"
    code, message, out = run_failing(
        "push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog", "--report", str(report)
    )
    assert code == 1 and "1 course(s) failed" in message
    assert last_line(out).startswith("courses: 3 changed, 0 unchanged, 0 skipped, 1 failed")
    rows = list(csv.reader(report.open(newline="")))
    assert tuple(rows[0]) == REPORT_COLUMNS
    failed = [dict(zip(REPORT_COLUMNS, r, strict=True)) for r in rows[1:] if r[7] == "failed_desynced"]
    assert [(r["course"], r["school"]) for r in failed] == [(district.courses[0].number, "101 North High")]


def test_cli_batch_prints_the_job_id_last_and_queues_it(district):
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    out, _ = run(
        "push_course_master",
        "--catalog",
        "High School Catalog",
        "--number",
        "ENG9",
        "--year",
        "22-23",
        "--to-sections",
        "--batch",
        "--at",
        at.isoformat(),
        "--priority",
        "high",
    )
    job = PushJob.objects.get()
    assert last_line(out) == str(job.pk)
    assert (job.status, job.kind, job.master, job.priority, job.scheduled_for) == (
        PushJob.QUEUED,
        PushJob.PUSH_COURSE_MASTER,
        "ENG9",
        PushJob.HIGH,
        at,
    )
    assert job.to_sections


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--catalog", "Nowhere"], "Nowhere"),
        (["--catalog", "High School Catalog", "--data", "categories,grades"], 'unknown data type "grades"'),
        (["--catalog", "High School Catalog", "--batch", "--at", "2001-01-01T10:00"], "in the past"),
        (["--catalog", "High School Catalog", "--batch", "--at", "tomorrow"], "not an ISO time"),
        (["--catalog", "High School Catalog", "--at", "2031-01-01T10:00"], "go with --batch"),
        (["--catalog", "High School Catalog", "--as", "nobody"], "nobody"),
    ],
)
def test_r32_cli_bad_input_exits_2_and_changes_nothing(district, args, message):
    code, text, _ = run_failing("push_all_course_masters", "--year", "22-23", *args)
    assert code == 2 and message in text
    assert not PushJob.objects.exists()


def test_cli_school_admin_may_not_push_another_schools_courses(district):
    code, text, _ = run_failing("push_all_courses", "--school", "102", "--year", "22-23", "--as", "sadmin")
    assert code == 2 and "sadmin" in text
    out, _ = run("push_course_to_sections", "--school", "101", "--year", "22-23", "--course", "E000", "--as", "sadmin")
    assert last_line(out).startswith(SUMMARY_START)
    assert PushJob.objects.get().kind == PushJob.PUSH_COURSE_TO_SECTIONS


def test_r42_cli_says_plainly_when_batch_processing_is_off(district):
    out, err = run("batch_processing", "off")
    assert last_line(out) == "batch processing: off"
    out, err = run("push_all_courses", "--school", "101", "--year", "22-23", "--batch")
    assert "Batch processing is off" in err
    assert last_line(out) == str(PushJob.objects.get().pk)
    out, err = run("batch_queue")
    assert "Batch processing is off" in err
    out, err = run("batch_processing", "on")
    assert last_line(out) == "batch processing: on" and "off" not in err
    code, text, _ = run_failing("batch_processing", "off", "--as", "sadmin")
    assert code == 2


def test_r43_cli_batch_queue_lists_one_job_a_line_id_first(district):
    job_a = push_job_submit(user=district.district_admin, options=master_push())
    job_b = push_job_submit(
        user=district.district_admin, options=master_push(), scheduled_for=timezone.now() + timedelta(days=2)
    )
    far = push_job_submit(
        user=district.district_admin, options=master_push(), scheduled_for=timezone.now() + timedelta(days=30)
    )
    out, _ = run("batch_queue")
    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(job_b.pk), str(job_a.pk)]
    fields = lines[1].split("\t")
    assert fields[2:8] == [
        "Push All Course Masters",
        "High School Catalog",
        "22-23",
        "queued",
        "push",
        "to sections: no",
    ]
    later = (timezone.localdate() + timedelta(days=29)).isoformat()
    out, _ = run("batch_queue", "--from", later, "--to", later)
    assert out == ""
    out, _ = run("batch_queue", "--from", later, "--to", (timezone.localdate() + timedelta(days=31)).isoformat())
    assert [line.split("\t")[0] for line in out.splitlines()] == [str(far.pk)]


def test_r41_cli_cancel_reschedule_restart(district):
    job = push_job_submit(user=district.district_admin, options=master_push())
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    out, _ = run("batch_queue", "reschedule", str(job.pk), "--at", at.isoformat())
    assert out.startswith(f"{job.pk}\t")
    assert PushJob.objects.get(pk=job.pk).scheduled_for == at
    out, _ = run("batch_queue", "cancel", str(job.pk))
    assert "\tcanceled\t" in out
    code, text, _ = run_failing("batch_queue", "cancel", str(job.pk))
    assert code == 2 and "only a queued job" in text
    out, _ = run("batch_queue", "restart", str(job.pk))
    assert "\tqueued\t" in out
    code, text, _ = run_failing("batch_queue", "reschedule", str(job.pk), "--at", "2001-01-01T00:00")
    assert code == 2 and "in the past" in text
    code, text, _ = run_failing("batch_queue", "cancel", "99999")
    assert code == 2 and "no job 99999" in text
    code, text, _ = run_failing("batch_queue", "cancel", str(job.pk), "--as", "madmin")
    assert code == 2


def test_r44_cli_job_report_csv_and_xlsx(district, tmp_path):
    district.courses[0].ignore_master_push = True
    district.courses[0].save()
    job, _ = push_job_run_inline(user=district.district_admin, options=master_push())
    out, _ = run("job_report", str(job.pk))
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == REPORT_COLUMNS
    assert [r[7] for r in rows[1:]] == ["skipped_ignore_master_push"]
    assert rows[1][2] == district.courses[0].number
    target = tmp_path / "report.xlsx"
    run("job_report", str(job.pk), "--format", "xlsx", "--out", str(target))
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["Summary", "Rows"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Courses changed"] == 3 and summary["Courses skipped"] == 1
    rows_sheet = list(book["Rows"].iter_rows(values_only=True))
    # The XLSX is for people: headings and outcomes in words (the CSV above keeps the codes).
    assert rows_sheet[0] == ROW_HEADINGS and rows_sheet[1][7] == outcome_label("skipped_ignore_master_push")
    code, text, _ = run_failing("job_report", str(job.pk), "--as", "madmin")
    assert code == 2 and "may not" in text
    queued = push_job_submit(user=district.district_admin, options=master_push())
    code, text, _ = run_failing("job_report", str(queued.pk))
    assert code == 2 and "queued" in text


@pytest.mark.django_db(transaction=True)
def test_run_batch_scheduler_runs_due_jobs_in_its_own_process(committed_district):
    d = committed_district
    now = timezone.now()
    job = push_job_submit(user=d.district_admin, options=master_push(), scheduled_for=now + timedelta(hours=1))
    later = push_job_submit(user=d.district_admin, options=master_push(), scheduled_for=now + timedelta(hours=2))
    run("run_batch_scheduler", "--once")
    assert PushJob.objects.get(pk=job.pk).status == PushJob.QUEUED
    PushJob.objects.filter(pk=job.pk).update(scheduled_for=timezone.now() - timedelta(seconds=1))  # its time came
    run("run_batch_scheduler", "--once")
    assert PushJob.objects.get(pk=job.pk).status == PushJob.COMPLETED
    assert PushJob.objects.get(pk=later.pk).status == PushJob.QUEUED
