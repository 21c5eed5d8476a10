"""The Batch Queue List (R43), the result report and who may read it (R44), notifications (R45)."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from catalog.errors import InputError
from catalog.models import CourseCatalog
from pushjobs.display import outcome_label, type_label
from pushjobs.engine.api import REPORT_COLUMNS, ResultRow, Summary
from pushjobs.models import Notification, PushJob
from pushjobs.notify import notification_mark_read
from pushjobs.result_report import result_report_csv_lines, result_rows_csv_lines, result_rows_write_xlsx
from pushjobs.selectors import (
    notifications_for_user,
    notifications_unread_count,
    push_job_for_report,
    push_job_report_allowed,
    push_jobs_for_queue_list,
)
from pushjobs.submit import push_job_submit
from pushjobs.worker import push_job_run_inline

from .conftest import course_push, master_push


def job_at(district, moment, options=None, user=None) -> PushJob:
    job = push_job_submit(user=user or district.district_admin, options=options or master_push())
    PushJob.objects.filter(pk=job.pk).update(scheduled_for=moment)
    job.refresh_from_db()
    return job


def test_r43_top_50_newest_first_within_a_week_either_side_of_today(district):
    now = timezone.now()
    inside = [job_at(district, now - timedelta(days=6) + timedelta(hours=3 * i)) for i in range(55)]
    job_at(district, now - timedelta(days=9))
    job_at(district, now + timedelta(days=9))
    listed = push_jobs_for_queue_list(user=district.district_admin)
    newest_first = sorted(inside, key=lambda j: j.scheduled_for, reverse=True)
    assert [j.pk for j in listed] == [j.pk for j in newest_first[:50]]


def test_r43_window_is_whole_days_and_checked(district):
    today = timezone.localdate()
    job = job_at(district, timezone.now() + timedelta(days=20))
    day = timezone.localtime(job.scheduled_for).date()
    assert push_jobs_for_queue_list(user=district.district_admin, start=day, end=day) == [job]
    assert push_jobs_for_queue_list(user=district.district_admin, start=today, end=today) == []
    with pytest.raises(InputError, match="before it starts"):
        push_jobs_for_queue_list(user=district.district_admin, start=today, end=today - timedelta(days=1))


def test_r43_school_admins_list_their_own_and_their_schools_jobs(district):
    masters = push_job_submit(user=district.district_admin, options=master_push())
    middle = push_job_submit(user=district.district_admin, options=course_push("201"))
    north = push_job_submit(user=district.school_admin, options=course_push("101"))
    assert {j.pk for j in push_jobs_for_queue_list(user=district.school_admin)} == {masters.pk, north.pk}
    assert {j.pk for j in push_jobs_for_queue_list(user=district.middle_admin)} == {middle.pk}
    assert push_jobs_for_queue_list(user=district.teacher) == []
    assert len(push_jobs_for_queue_list(user=district.other_district_admin)) == 3


def test_r43_school_admin_list_reads_in_a_fixed_number_of_queries(district, django_assert_max_num_queries):
    # given many jobs in the window, most of them about another school
    now = timezone.now()
    for i in range(60):
        job_at(district, now - timedelta(hours=i), options=course_push("201"), user=district.district_admin)
    north = job_at(district, now, options=course_push("101"), user=district.school_admin)
    # when North High's admin lists them, then the queries do not grow with the jobs
    with django_assert_max_num_queries(3):
        listed = push_jobs_for_queue_list(user=district.school_admin)
    assert [j.pk for j in listed] == [north.pk]


def test_r44_report_for_its_submitter_district_admins_and_admins_of_touched_schools(district):
    job, _ = push_job_run_inline(user=district.district_admin, options=master_push())
    assert push_job_report_allowed(user=district.district_admin, job=job)
    assert push_job_report_allowed(user=district.other_district_admin, job=job)
    assert push_job_report_allowed(user=district.school_admin, job=job)  # North High's courses were pushed
    assert not push_job_report_allowed(user=district.middle_admin, job=job)
    assert not push_job_report_allowed(user=district.teacher, job=job)
    with pytest.raises(PermissionError):
        push_job_for_report(user=district.middle_admin, job_id=job.pk)
    north, _ = push_job_run_inline(user=district.school_admin, options=course_push("101"))
    assert push_job_report_allowed(user=district.school_admin, job=north)
    assert not push_job_report_allowed(user=district.middle_admin, job=north)


def test_r44_csv_is_the_header_then_each_row_in_order(district):
    for course in district.courses[:2]:
        course.ignore_master_push = True
        course.save()
    job, _ = push_job_run_inline(user=district.district_admin, options=master_push())
    lines = list(result_report_csv_lines(job=job))
    assert lines[0] == ",".join(REPORT_COLUMNS) + "\r\n"
    assert len(lines) == 3
    assert all(",skipped_ignore_master_push," in line for line in lines[1:])


def test_r44_xlsx_keeps_text_that_looks_like_a_formula_as_text():
    row = ResultRow("101 North High", "22-23", "E1", "ENG9", "", "categories", "=SUM(A1)", "conflict", "=1+1")
    out = io.BytesIO()
    result_rows_write_xlsx([row], out, summary=Summary(courses_failed=1))
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    cells = list(book["Rows"].iter_rows(values_only=True))[1]
    # cli.md: text that would be a formula gets a leading "'" (OWASP), and stays typed as text
    assert cells[6] == "'=SUM(A1)" and cells[8] == "'=1+1"
    assert book["Rows"]["G2"].data_type == "s"


def test_r44_the_xlsx_for_people_says_data_types_and_outcomes_in_words_and_the_csv_keeps_codes():
    row = ResultRow("101 North High", "22-23", "E1", "ENG9", "", "grading_tasks", "task:Q1G", "failed_desynced", "")
    out = io.BytesIO()
    result_rows_write_xlsx([row], out, summary=Summary(courses_failed=1))
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Rows"]
    heading, cells = list(sheet.iter_rows(values_only=True))[:2]
    assert heading[5:8] == ("Data type", "Item", "Outcome")
    assert cells[5] == type_label("grading_tasks") and "grading_tasks" not in cells[5]
    assert cells[6] == "Q1G"
    assert cells[7] == outcome_label("failed_desynced") and "_" not in cells[7]
    lines = list(result_rows_csv_lines([row]))
    assert lines[0] == ",".join(REPORT_COLUMNS) + "\r\n"
    assert ",grading_tasks,task:Q1G,failed_desynced," in lines[1]


def test_r45_the_submitter_is_told_in_the_application_and_by_email(
    district, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = push_job_run_inline(user=district.school_admin, options=course_push("101"))
    note = Notification.objects.get()
    assert (note.user, note.job, note.read) == (district.school_admin, job, False)
    assert f"Job {job.pk} completed" in note.message and "courses: " in note.message
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["sadmin@example.org"]
    assert f"Push job {job.pk} completed" in mailoutbox[0].subject
    assert notifications_unread_count(user=district.school_admin) == 1
    assert notifications_unread_count(user=district.district_admin) == 0


def test_r45_a_failed_job_tells_why(district, mailoutbox, django_capture_on_commit_callbacks):
    from pushjobs.dispatch import push_job_dispatch_due

    job = push_job_submit(user=district.district_admin, options=master_push())
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(name="Gone Catalog")
    with django_capture_on_commit_callbacks(execute=True):
        push_job_dispatch_due()
    job.refresh_from_db()
    assert job.status == PushJob.FAILED
    note = Notification.objects.get(job=job)
    assert f"Job {job.pk} failed" in note.message and "High School Catalog" in note.message
    assert "failed" in mailoutbox[0].subject


def test_r45_notifications_are_marked_read(district):
    push_job_run_inline(user=district.district_admin, options=master_push())
    push_job_run_inline(user=district.district_admin, options=master_push())
    first, second = notifications_for_user(user=district.district_admin)
    assert notification_mark_read(user=district.school_admin, notification_id=first.pk) == 0  # not theirs
    assert notification_mark_read(user=district.district_admin, notification_id=first.pk) == 1
    assert notifications_unread_count(user=district.district_admin) == 1
    assert notification_mark_read(user=district.district_admin) == 1
    assert list(notifications_for_user(user=district.district_admin, unread_only=True)) == []
