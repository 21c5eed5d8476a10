"""Issue 14's job-page bugs: a restarted job keeps a scheduled time still ahead (bug 3), a canceled
job's page says it was canceled, not finished (bug 4), and the status line tells changed, unchanged,
skipped and failed courses apart (bug 5)."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from catalog.models import CourseCatalog
from courses.models import Course, CourseCategory
from pushjobs.dispatch import push_job_dispatch_due
from pushjobs.models import PushJob
from pushjobs.submit import push_job_cancel, push_job_restart, push_job_submit

from .conftest import master_push


def _text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _run_due(capture) -> list[int]:
    """What beat and a worker do: dispatch the due jobs; their tasks run in this process."""
    with capture(execute=True):
        return push_job_dispatch_due()


def _tomorrow_at_two() -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(2, 0)))


@pytest.fixture
def canceled_for_tomorrow(district):
    """A push scheduled for tomorrow 02:00, then canceled."""
    job = push_job_submit(user=district.district_admin, options=master_push(), scheduled_for=_tomorrow_at_two())
    return push_job_cancel(user=district.district_admin, job_id=job.pk)


# ---------------------------------------------------------------------------
# Bug 3: restart keeps a scheduled time that is still ahead
# ---------------------------------------------------------------------------


def test_r41_restarting_a_canceled_job_keeps_its_scheduled_time_still_ahead(
    district, canceled_for_tomorrow, django_capture_on_commit_callbacks
):
    # when the canceled night-time job is restarted in the day
    job = push_job_restart(user=district.district_admin, job_id=canceled_for_tomorrow.pk)

    # then it waits for its night again: queued at the same time, and a tick now runs nothing
    assert (job.status, job.scheduled_for) == (PushJob.QUEUED, _tomorrow_at_two())
    assert _run_due(django_capture_on_commit_callbacks) == []
    job.refresh_from_db()
    assert job.status == PushJob.QUEUED and job.started_at is None


def test_r41_restarting_a_job_whose_time_has_passed_runs_it_now(
    district, canceled_for_tomorrow, django_capture_on_commit_callbacks
):
    # given the canceled job's time went by
    PushJob.objects.filter(pk=canceled_for_tomorrow.pk).update(scheduled_for=timezone.now() - timedelta(hours=3))
    before = timezone.now()

    # when it is restarted
    job = push_job_restart(user=district.district_admin, job_id=canceled_for_tomorrow.pk)

    # then it is due now and runs at the next tick
    assert job.scheduled_for >= before
    assert _run_due(django_capture_on_commit_callbacks) == [job.pk]
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED


def test_r41_the_restart_button_says_the_job_keeps_its_time(client, district, canceled_for_tomorrow):
    client.force_login(district.district_admin)
    response = client.post(reverse("pushjobs:job_restart", args=[canceled_for_tomorrow.pk]))
    job = PushJob.objects.get(pk=canceled_for_tomorrow.pk)
    assert (job.status, job.scheduled_for) == (PushJob.QUEUED, _tomorrow_at_two())
    when = timezone.localtime(_tomorrow_at_two()).strftime("%m/%d/%Y %I:%M %p")
    assert _messages(response) == [f"Job {job.pk} restarted: it keeps its scheduled time, {when}."]


def test_r41_the_restart_button_runs_a_job_whose_time_has_passed_now(client, district, canceled_for_tomorrow):
    PushJob.objects.filter(pk=canceled_for_tomorrow.pk).update(scheduled_for=timezone.now() - timedelta(hours=3))
    client.force_login(district.district_admin)
    response = client.post(reverse("pushjobs:job_restart", args=[canceled_for_tomorrow.pk]))
    assert _messages(response) == [f"Job {canceled_for_tomorrow.pk} restarted: it is queued to run now."]


def test_r41_the_restart_command_keeps_the_scheduled_time_too(district, canceled_for_tomorrow):
    out = io.StringIO()
    call_command("batch_queue", "restart", str(canceled_for_tomorrow.pk), stdout=out, stderr=io.StringIO())
    fields = out.getvalue().strip().split("\t")
    shown = timezone.localtime(_tomorrow_at_two()).strftime("%Y-%m-%d %H:%M")
    assert (fields[0], fields[1], fields[5]) == (str(canceled_for_tomorrow.pk), shown, "queued")
    assert PushJob.objects.get(pk=canceled_for_tomorrow.pk).scheduled_for == _tomorrow_at_two()


# ---------------------------------------------------------------------------
# Bug 4: a canceled job's page says it was canceled
# ---------------------------------------------------------------------------


def test_a_canceled_jobs_page_says_when_by_whom_and_how_far_it_got(client, district):
    job = push_job_submit(user=district.district_admin, options=master_push(), scheduled_for=_tomorrow_at_two())
    job = push_job_cancel(user=district.other_district_admin, job_id=job.pk)
    client.force_login(district.district_admin)

    text = _text(client.get(reverse("pushjobs:job_detail", args=[job.pk])))

    when = timezone.localtime(job.finished_at).strftime("%m/%d/%Y %I:%M:%S %p")
    assert f"Canceled {when} by dadmin2, before it started: no course was pushed." in text
    assert "Finished" not in text
    assert "Nothing needs attention" not in text
    assert "No result report: the job was canceled before it ran." in text
    # the status poll says the same
    poll = _text(client.get(reverse("pushjobs:job_status", args=[job.pk])))
    assert f"Canceled {when} by dadmin2" in poll and "Finished" not in poll


def test_a_restarted_job_forgets_who_canceled_it(district, canceled_for_tomorrow):
    assert canceled_for_tomorrow.canceled_by == district.district_admin
    job = push_job_restart(user=district.district_admin, job_id=canceled_for_tomorrow.pk)
    assert job.canceled_by is None


# ---------------------------------------------------------------------------
# Bug 5: the status line tells changed, unchanged, skipped and failed apart
# ---------------------------------------------------------------------------


def test_r44_the_status_line_says_changed_unchanged_skipped_and_failed(
    client, district, django_capture_on_commit_callbacks
):
    # given four courses: one that ignores master pushes (skipped), one desynced (fails in push
    # mode), and two pushed already with nothing new to push (unchanged) but for one
    first, second, third, _fourth = district.courses
    with django_capture_on_commit_callbacks(execute=True):
        push_job_submit(user=district.district_admin, options=master_push(), run_now=True)
    Course.objects.filter(pk=first.pk).update(ignore_master_push=True)
    Course.objects.filter(pk=second.pk).update(desynced_types=["categories"])
    # a locked category changed behind the push
    CourseCategory.objects.filter(course=third, name="Tests").update(weight=10)
    with django_capture_on_commit_callbacks(execute=True):
        job = push_job_submit(user=district.district_admin, options=master_push(), run_now=True)
    job.refresh_from_db()
    summary = {k: job.summary[k] for k in ("courses_changed", "courses_unchanged", "courses_skipped", "courses_failed")}
    assert summary == {"courses_changed": 1, "courses_unchanged": 1, "courses_skipped": 1, "courses_failed": 1}

    client.force_login(district.district_admin)
    for url in (reverse("pushjobs:job_detail", args=[job.pk]), reverse("pushjobs:job_status", args=[job.pk])):
        text = _text(client.get(url))
        assert "4 courses: 1 changed, 1 unchanged, 1 skipped, 1 failed." in text
        assert "courses pushed" not in text


def test_r43_a_running_jobs_line_counts_courses_done_not_pushed(client, district):
    job = push_job_submit(user=district.district_admin, options=master_push(), scheduled_for=_tomorrow_at_two())
    PushJob.objects.filter(pk=job.pk).update(
        status=PushJob.PROCESSING, courses_total=4, courses_done=3, courses_failed=1, started_at=timezone.now()
    )
    client.force_login(district.district_admin)
    text = _text(client.get(reverse("pushjobs:job_status", args=[job.pk])))
    assert "3 of 4 courses done so far, 1 failed." in text
    assert "pushed" not in text


# ---------------------------------------------------------------------------
# The email that tells a job finished: the outcome in one line, a link to the job's page
# ---------------------------------------------------------------------------


def test_r45_the_finished_email_says_the_outcome_in_one_line_and_links_to_the_jobs_page(
    client, district, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://grading.example.org"
    Course.objects.filter(pk=district.courses[0].pk).update(ignore_master_push=True)
    with django_capture_on_commit_callbacks(execute=True):
        job = push_job_submit(user=district.district_admin, options=master_push(), run_now=True)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED

    (mail,) = mailoutbox
    first_line = mail.body.splitlines()[0]
    assert first_line == (
        f"Job {job.pk} completed: Push All Course Masters, High School Catalog 22-23. "
        "4 courses: 3 changed, 0 unchanged, 1 skipped, 0 failed."
    )
    path = reverse("pushjobs:job_detail", args=[job.pk])
    assert f"https://grading.example.org{path}" in mail.body
    # the link opens that job's page for its submitter
    client.force_login(district.district_admin)
    assert f"Job {job.pk}: Push All Course Masters" in _text(client.get(path))


def test_r45_a_failed_jobs_email_says_why_in_one_line(
    district, settings, mailoutbox, django_capture_on_commit_callbacks
):
    job = push_job_submit(user=district.district_admin, options=master_push())
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(name="Gone Catalog")
    with django_capture_on_commit_callbacks(execute=True):
        push_job_dispatch_due()
    job.refresh_from_db()
    assert job.status == PushJob.FAILED
    (mail,) = mailoutbox
    first_line = mail.body.splitlines()[0]
    assert first_line.startswith(f"Job {job.pk} failed: Push All Course Masters, High School Catalog 22-23. ")
    assert "High School Catalog" in first_line.split(". ", 1)[1]  # the error: the catalog it cannot find
    assert f"{settings.SITE_URL}{reverse('pushjobs:job_detail', args=[job.pk])}" in mail.body
