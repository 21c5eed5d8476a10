"""R71 Preview is a queued job with its own page; R72 a push that deletes is confirmed on it first;
R73 a completed job's page offers Undo, previewed the same way. Through the Django test client,
the queued jobs run when the request's transaction commits (no broker: Celery runs them here)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import openpyxl
import pytest
from django.urls import reverse

from catalog.models import School, SchoolYear
from pushjobs.engine.api import CoursePushOptions
from pushjobs.models import ChangeRow, PreviewChange, PushJob
from pushjobs.submit import push_job_submit
from sections.models import SectionCategory


def _text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _toolbar(client, *, year: str = "22-23", school: str = "101") -> None:
    session = client.session
    session["toolbar"] = {"year": SchoolYear.objects.get(name=year).pk, "school": School.objects.get(number=school).pk}
    session.save()


@pytest.fixture
def teacher_category(district):
    """A category jdoe made in ENG9-1 with no assignments: Overwrite Categories deletes it."""
    return SectionCategory.objects.create(
        section=district.own_section, name="Reading Log", weight=5, sequence=9, state="teacher"
    )


def _post_tool(client, capture, **data):
    with capture(execute=True):
        return client.post(reverse("pushjobs:push_all_courses"), {"data": ["categories"], **data})


def test_r71_preview_is_a_queued_high_priority_job_whose_page_lists_the_changes(
    client, district, teacher_category, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)

    # when the district admin previews Push All Courses with Overwrite Categories
    response = _post_tool(client, django_capture_on_commit_callbacks, action="preview", overwrite_categories="on")

    # then a preview job was queued at high priority and ran; the browser is sent to its page
    preview = PushJob.objects.get()
    assert (preview.kind, preview.priority, preview.status) == (PushJob.PREVIEW, PushJob.HIGH, PushJob.COMPLETED)
    assert response.status_code == 302 and response["Location"] == reverse("pushjobs:job_detail", args=[preview.pk])
    # nothing was changed, and the change log holds nothing: the rows are the preview's own
    assert SectionCategory.objects.filter(pk=teacher_category.pk).exists()
    assert ChangeRow.objects.count() == 0
    removed = PreviewChange.objects.get(job=preview, change="removed", item="Reading Log")
    assert (removed.section, removed.teacher, removed.before["state"]) == ("1", "jdoe", "teacher")

    page = client.get(response["Location"])
    text = _text(page)
    assert f"Job {preview.pk}: Preview of Push All Courses" in text
    assert "Nothing has been changed" in text and "Computed " in text
    assert "Reading Log" in text and "made by the teacher" in text
    for code in ("kept_residual", "grading_tasks", "True", "False", "teacher_item"):
        assert code not in text, code

    # the rows filter by change; the filtered downloads hold exactly those rows
    only_removed = client.get(response["Location"], {"change": "removed"})
    assert (
        only_removed.context["change_page"].paginator.count
        == PreviewChange.objects.filter(job=preview, change="removed").count()
    )
    csv_response = client.get(reverse("pushjobs:job_changes_csv", args=[preview.pk]), {"change": "removed"})
    lines = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert lines[0][:2] == ["job", "level"]
    assert {line[9] for line in lines[1:]} == {"removed"}
    assert "Reading Log" in {line[8] for line in lines[1:]}
    xlsx = client.get(reverse("pushjobs:job_changes_xlsx", args=[preview.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["Changes"]
    assert sheet.max_row - 1 == PreviewChange.objects.filter(job=preview).count()

    # R82: a push to sections shows the grades it would move, from the preview's own rows
    impact = page.context["grade_impact"]
    assert impact is not None and "Grade impact" in text and "Posted grades never change" in text
    assert impact.summary.sections_changed == len({g.section_id for g in impact.rows})

    # and it is listed in the Batch Queue List as a preview
    queue = _text(client.get(reverse("pushjobs:batch_queue")))
    assert f"Job {preview.pk} · Preview of Push All Courses" in queue


def test_r72_run_now_of_an_overwrite_push_leads_to_its_preview_and_runs_once_confirmed(
    client, district, teacher_category, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)

    # when they click Run Now on an Overwrite Categories push
    response = _post_tool(client, django_capture_on_commit_callbacks, action="run_now", overwrite_categories="on")

    # then nothing is pushed: they land on its preview, which names what it deletes
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW
    assert response["Location"].startswith(reverse("pushjobs:job_detail", args=[preview.pk]) + "?then=run_now")
    removed = PreviewChange.objects.filter(job=preview, change="removed")
    sections = removed.exclude(section_pk=None).values("section_pk").distinct().count()
    courses = removed.values("course_pk").distinct().count()
    text = _text(client.get(response["Location"]))
    count = removed.count()
    assert (
        f"This push deletes {count} item{'s' if count != 1 else ''} in {courses} course{'s' if courses != 1 else ''} "
        f"and {sections} section{'s' if sections != 1 else ''}"
    ) in text
    assert "made by teachers in their sections" in text
    page = client.get(response["Location"])
    assert page.context["removed_rows_url"] == reverse("pushjobs:job_detail", args=[preview.pk]) + (
        "?change=removed#changes"
    )

    # when they run it without ticking the confirmation, it is refused
    run = reverse("pushjobs:preview_run", args=[preview.pk])
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(run, {"action": "run_now"}, follow=True)
    assert "Tick the box to confirm the deletions first." in _text(refused)
    assert not PushJob.objects.exclude(kind=PushJob.PREVIEW).exists()

    # when they confirm, the push runs with the preview's options and deletes what it said
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(run, {"action": "run_now", "confirm": "on"})
    job = PushJob.objects.exclude(kind=PushJob.PREVIEW).get()
    assert done["Location"] == reverse("pushjobs:job_detail", args=[job.pk])
    assert (job.kind, job.status, job.options) == (PushJob.PUSH_ALL_COURSES, PushJob.COMPLETED, preview.options)
    assert not SectionCategory.objects.filter(pk=teacher_category.pk).exists()
    logged = set(ChangeRow.objects.filter(job=job).values_list("section", "item", "change"))
    assert logged == set(PreviewChange.objects.filter(job=preview).values_list("section", "item", "change"))

    # and the preview now says the data changed since it was computed
    assert "The data changed since this preview" in _text(client.get(reverse("pushjobs:job_detail", args=[preview.pk])))


def test_r71_a_push_that_deletes_nothing_runs_now_from_the_tool(client, district, django_capture_on_commit_callbacks):
    client.force_login(district.district_admin)
    _toolbar(client)
    response = _post_tool(client, django_capture_on_commit_callbacks, action="run_now")
    job = PushJob.objects.get()
    # back to the tool at its top, where the message says what became of the job (issue 14 bug 6)
    assert job.kind == PushJob.PUSH_ALL_COURSES and response["Location"] == reverse("pushjobs:push_all_courses")


def test_r71_a_fresh_preview_is_not_stale_and_run_this_push_submits_to_batch(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)
    _post_tool(client, django_capture_on_commit_callbacks, action="preview")
    preview = PushJob.objects.get()
    page = client.get(reverse("pushjobs:job_detail", args=[preview.pk]))
    assert page.context["stale"] is False and "The data changed since" not in _text(page)
    assert not page.context["deletions"].needs_confirmation
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pushjobs:preview_run", args=[preview.pk]),
            {"action": "batch", "run_date": "2099-01-02", "run_time": "22:15", "priority": "high"},
        )
    job = PushJob.objects.exclude(pk=preview.pk).get()
    assert (job.status, job.priority, job.options) == (PushJob.QUEUED, PushJob.HIGH, preview.options)


def test_r73_undo_is_previewed_on_the_job_page_then_puts_the_teacher_category_back(
    client, district, teacher_category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pushed = push_job_submit(
            user=district.district_admin,
            options=CoursePushOptions(
                school="101", year="22-23", data=frozenset({"categories"}), overwrite_categories=True
            ),
            run_now=True,
        )
    pushed.refresh_from_db()
    assert pushed.status == PushJob.COMPLETED
    assert not SectionCategory.objects.filter(section=district.own_section, name="Reading Log").exists()

    # the teacher and a school admin of another school see no Undo; the district admin does
    client.force_login(district.teacher)
    assert client.get(reverse("pushjobs:job_detail", args=[pushed.pk])).status_code == 403
    client.force_login(district.district_admin)
    page = client.get(reverse("pushjobs:job_detail", args=[pushed.pk]))
    assert page.context["may_undo"] is True and "Undo this push…" in _text(page)
    assert "Reading Log" in _text(page)  # the job's own change rows

    # when they click Undo, a preview of the undo runs first: it would put the category back
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pushjobs:job_undo_preview", args=[pushed.pk]))
    preview = PushJob.objects.get(kind=PushJob.PREVIEW)
    assert preview.options == {"kind": "undo", "job": pushed.pk}
    assert SectionCategory.objects.filter(name="Reading Log").count() == 0
    text = _text(client.get(response["Location"]))
    assert f"Preview of Undo of job {pushed.pk}" in text and "Reading Log" in text
    assert PreviewChange.objects.filter(job=preview, item="Reading Log", change="created").exists()

    # when they undo it, the undo job runs and the category is back
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("pushjobs:preview_run", args=[preview.pk]), {"action": "run_now"})
    undo = PushJob.objects.get(kind=PushJob.UNDO)
    assert done["Location"] == reverse("pushjobs:job_detail", args=[undo.pk])
    assert undo.status == PushJob.COMPLETED
    assert SectionCategory.objects.filter(section=district.own_section, name="Reading Log", state="teacher").exists()
    undo_page = _text(client.get(done["Location"]))
    assert f"This job undoes job {pushed.pk}" in undo_page and "Reading Log" in undo_page


def test_r73_a_school_admin_may_not_undo_a_district_push(
    client, district, teacher_category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pushed = push_job_submit(
            user=district.district_admin,
            options=CoursePushOptions(
                school="101", year="22-23", data=frozenset({"categories"}), overwrite_categories=True
            ),
            run_now=True,
        )
    client.force_login(district.school_admin)
    # principal administers 101: they may see it, and may undo it only if they submitted it
    page = client.get(reverse("pushjobs:job_detail", args=[pushed.pk]))
    assert page.status_code == 200 and page.context["may_undo"] is False
    assert client.post(reverse("pushjobs:job_undo_preview", args=[pushed.pk])).status_code == 403
    assert not PushJob.objects.filter(kind=PushJob.PREVIEW).exists()


def test_r72_submit_to_batch_of_an_overwrite_push_leads_to_its_preview_with_the_time_kept(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)
    response = _post_tool(
        client,
        django_capture_on_commit_callbacks,
        action="batch",
        overwrite_categories="on",
        run_date="2099-03-04",
        run_time="21:30",
        priority="high",
    )
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW
    page = client.get(response["Location"])
    form = page.context["run_form"]
    assert (form.initial["run_date"], form.initial["run_time"], form.initial["priority"]) == (
        "2099-03-04",
        "21:30",
        "high",
    )
    assert "check the time, confirm and submit" in _text(page)


def test_r72_push_to_sections_with_overwrite_categories_is_confirmed_on_its_preview(
    client, district, teacher_category, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pushjobs:push_to_sections", args=[district.own_course.pk]),
            {"data": ["categories"], "overwrite_categories": "on", "confirm": "on"},
        )
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW and preview.course == "ENG9"
    assert response["Location"] == reverse("pushjobs:job_detail", args=[preview.pk]) + "?then=run_now"
    assert SectionCategory.objects.filter(pk=teacher_category.pk).exists()
    assert "Preview of Push to Sections" in _text(client.get(response["Location"]))
