"""The push tools' pages through the Django test client: who may open what (per role), and that
each form reaches the batch queue's services and shows what a district admin needs (R40-R45)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta
from html import unescape

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalog.models import Calendar, District, School, SchoolYear, User
from coursemasters.models import CourseMaster, MasterCategory
from courses.models import CourseCategory
from pushjobs.engine.api import REPORT_COLUMNS, CoursePushOptions, MasterPushOptions
from pushjobs.models import Notification, PushJob
from pushjobs.submit import push_job_submit

HS = "High School Catalog"


def _text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _master_post(**overrides) -> dict:
    calendars = [
        str(pk)
        for pk in Calendar.objects.filter(year__name="22-23", school__catalog__name=HS).values_list("pk", flat=True)
    ]
    data = {
        "year": "22-23",
        "catalog": HS,
        "calendars": calendars,
        "mode": "push",
        "data": [
            "course_info",
            "grading_tasks_standards",
            "grade_calc_options",
            "composite_grades",
            "categories",
            "assessments",
        ],
        "priority": "normal",
    }
    data.update(overrides)
    return data


def _toolbar(client, *, year: str, school: str) -> None:
    session = client.session
    session["toolbar"] = {
        "year": SchoolYear.objects.get(name=year).pk,
        "school": School.objects.get(number=school).pk,
    }
    session.save()


@pytest.fixture
def middle_admin(district):
    user = User.objects.create(username="midadmin", role=User.SCHOOL_ADMIN)
    user.schools.add(School.objects.get(number="201"))
    return user


def _user(district, middle_admin, role: str):
    return {
        "district_admin": district.district_admin,
        "school_admin": district.school_admin,
        "other_school_admin": middle_admin,
        "teacher": district.teacher,
    }[role]


# ---------------------------------------------------------------------------
# Who may open what
# ---------------------------------------------------------------------------

PAGE_ACCESS = [
    # page, district admin, school admin (101, 102), school admin (201), teacher
    ("pushjobs:push_all_course_masters", 200, 403, 403, 403),
    ("pushjobs:push_all_courses", 200, 200, 200, 403),
    ("pushjobs:batch_queue", 200, 200, 200, 403),
    ("pushjobs:push_to_courses", 200, 403, 403, 403),
    ("pushjobs:notifications", 200, 200, 200, 200),
    ("coursemasters:master_copy", 200, 403, 403, 403),
]
ROLES = ("district_admin", "school_admin", "other_school_admin", "teacher")


@pytest.mark.parametrize(
    ("url_name", "role", "status"),
    [(page[0], role, page[1 + i]) for page in PAGE_ACCESS for i, role in enumerate(ROLES)],
)
def test_r40_push_pages_open_for_the_roles_that_push(client, district, middle_admin, url_name, role, status):
    args = [district.master.pk] if url_name in ("pushjobs:push_to_courses", "coursemasters:master_copy") else []
    client.force_login(_user(district, middle_admin, role))
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == status
    if status == 403:
        assert "Only district" in _text(response) or "administrators" in _text(response)


def test_push_pages_ask_anonymous_visitors_to_sign_in(client, district):
    response = client.get(reverse("pushjobs:push_all_course_masters"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_push_pages_use_no_inline_script_or_style(client, district):
    client.force_login(district.district_admin)
    job = push_job_submit(user=district.district_admin, options=MasterPushOptions(year="22-23", catalog=HS))
    for url in (
        reverse("pushjobs:push_all_course_masters"),
        reverse("pushjobs:push_all_courses"),
        reverse("pushjobs:batch_queue"),
        reverse("pushjobs:push_to_courses", args=[district.master.pk]),
        reverse("pushjobs:job_detail", args=[job.pk]),
        reverse("pushjobs:notifications"),
    ):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html and " style=" not in html, url


# ---------------------------------------------------------------------------
# Push All Course Masters (R10, R40, R32)
# ---------------------------------------------------------------------------


def test_r10_the_year_filters_the_catalogs(client, district):
    client.force_login(district.district_admin)
    url = reverse("pushjobs:push_all_course_masters")
    both = client.get(url, {"year": "22-23"})
    assert [o for o in both.context["form"].fields["catalog"].choices if o[0]] == [
        (HS, HS),
        ("Middle School Catalog",) * 2,
    ]
    # only North High (High School Catalog) has a 23-24 calendar
    later = client.get(url, {"year": "23-24"})
    assert later.context["form"].fields["catalog"].choices == [(HS, HS)]
    assert [label for _, label in later.context["form"].fields["calendars"].choices] == [
        "23-24 North High (High School Catalog)"
    ]


def test_r40_master_tool_shows_every_option_ticked_and_the_overwrite_considerations(client, district):
    client.force_login(district.district_admin)
    response = client.get(reverse("pushjobs:push_all_course_masters"), {"year": "22-23"})
    form = response.context["form"]
    assert form["mode"].value() == "push"
    assert set(form["data"].value()) == {
        "course_info",
        "grading_tasks_standards",
        "grade_calc_options",
        "composite_grades",
        "categories",
        "assessments",
    }
    text = _text(response)
    assert "Considerations for overwriting data" in text
    assert "starting over with a clean slate" in text
    assert "Push locked data to sections" in text
    for button in ("Preview", "Run Now", "Submit to Batch"):
        assert f">{button}</button>" in response.content.decode()


def test_r71_preview_is_a_queued_job_showing_what_would_change_and_changes_nothing(
    client, district, django_capture_on_commit_callbacks
):
    # given a category on the master that the linked courses do not have yet
    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    client.force_login(district.district_admin)
    # when the district admin previews the push
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pushjobs:push_all_course_masters") + "?year=22-23",
            _master_post(action="preview", mode="overwrite"),
        )
    # then a preview job ran and its page shows the plan: courses that would change, the items created
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW and response.url == reverse("pushjobs:job_detail", args=[preview.pk])
    assert preview.summary["courses_changed"] >= 2  # ENG9 at North High and South High
    assert preview.summary["items_created"] >= 2
    text = _text(client.get(response.url))
    assert "Preview of Push All Course Masters" in text and "Nothing has been changed" in text
    assert "Projects" in text
    # and nothing was pushed
    assert not CourseCategory.objects.filter(name="Projects").exists()


def test_r40_run_now_queues_at_high_priority_and_the_list_shows_it_completed(
    client, district, django_capture_on_commit_callbacks
):
    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    client.force_login(district.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pushjobs:push_all_course_masters") + "?year=22-23",
            _master_post(action="run_now", mode="overwrite"),
        )
    # an overwrite is confirmed on its preview first (R72)
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW and response.url.startswith(f"/push/jobs/{preview.pk}/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pushjobs:preview_run", args=[preview.pk]), {"action": "run_now", "confirm": "on"}
        )
    assert response.status_code == 302
    job = PushJob.objects.exclude(pk=preview.pk).get()
    assert (job.kind, job.priority, job.catalog, job.year) == (PushJob.PUSH_ALL_COURSE_MASTERS, "high", HS, "22-23")
    assert job.status == PushJob.COMPLETED
    assert CourseCategory.objects.filter(course=district.own_course, name="Projects").exists()
    assert response.url == reverse("pushjobs:job_detail", args=[job.pk])
    page = client.get(reverse("pushjobs:batch_queue"))
    row = page.content.decode().split(f'data-job="{job.pk}"')[1].split("</tr>")[0]
    assert "Completed" in row and "Get the report" in row and HS in row


def test_r40_submit_to_batch_records_the_time_and_priority(client, district):
    client.force_login(district.district_admin)
    day = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("pushjobs:push_all_course_masters") + "?year=22-23",
        _master_post(action="batch", run_date=day.isoformat(), run_time="22:30", priority="high", mode="push"),
    )
    assert response.status_code == 302
    job = PushJob.objects.get()
    assert job.status == PushJob.QUEUED
    assert timezone.localtime(job.scheduled_for).replace(tzinfo=None) == datetime.combine(day, time(22, 30))
    assert (job.priority, job.mode) == ("high", "push")
    assert any(m.startswith(f"Job {job.pk} submitted to batch for ") for m in _messages(response))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"action": "batch", "run_date": "2020-01-01", "run_time": "10:00"}, "is in the past"),
        ({"action": "batch", "run_date": "", "run_time": "10:00"}, "Pick the date the job should run."),
        ({"action": "run_now", "data": []}, "Tick at least one kind of data to push."),
        ({"action": "run_now", "calendars": []}, "Tick at least one calendar whose school uses High School Catalog."),
        ({"action": "run_now", "catalog": "No Such Catalog"}, "Select a valid choice"),
        ({"action": "run_now", "mode": "sideways"}, "Select a valid choice"),
        ({"action": ""}, "Choose Preview, Run Now or Submit to Batch."),
    ],
)
def test_r32_master_tool_refuses_bad_input_with_a_message_and_records_nothing(client, district, overrides, message):
    client.force_login(district.district_admin)
    response = client.post(reverse("pushjobs:push_all_course_masters") + "?year=22-23", _master_post(**overrides))
    assert response.status_code == 400
    assert message in _text(response)
    assert PushJob.objects.count() == 0


def test_r32_a_catalog_no_school_uses_in_the_year_is_refused(client, district):
    client.force_login(district.district_admin)
    response = client.post(
        reverse("pushjobs:push_all_course_masters") + "?year=23-24",
        _master_post(year="23-24", catalog="Middle School Catalog", action="run_now"),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in _text(response)
    assert PushJob.objects.count() == 0


def test_r10_unticked_calendars_are_left_out_and_all_ticked_means_every_calendar(client, district):
    client.force_login(district.district_admin)
    north = Calendar.objects.get(year__name="22-23", school__number="101")
    url = reverse("pushjobs:push_all_course_masters") + "?year=22-23"
    client.post(
        url,
        _master_post(action="batch", run_date=(timezone.localdate() + timedelta(days=2)).isoformat(), run_time="20:00"),
    )
    client.post(
        url,
        _master_post(
            action="batch",
            calendars=[str(north.pk)],
            run_date=(timezone.localdate() + timedelta(days=2)).isoformat(),
            run_time="21:00",
        ),
    )
    every, north_only = PushJob.objects.order_by("scheduled_for")
    assert every.options["calendars"] == []
    assert north_only.options["calendars"] == ["101"]


# ---------------------------------------------------------------------------
# Push All Courses (R19, R40): the toolbar's calendar
# ---------------------------------------------------------------------------


def test_r40_push_all_courses_says_plainly_when_no_calendar_is_picked(client, district):
    client.force_login(district.district_admin)
    _toolbar(client, year="23-24", school="201")  # Central Middle has no 23-24 calendar
    page = client.get(reverse("pushjobs:push_all_courses"))
    assert "Pick a calendar in the toolbar first." in _text(page)
    response = client.post(reverse("pushjobs:push_all_courses"), {"data": ["categories"], "action": "run_now"})
    assert response.status_code == 400
    assert "Pick a calendar in the toolbar first" in _text(response)
    assert PushJob.objects.count() == 0


def test_r40_push_all_courses_shows_the_options_ticked_the_caution_and_the_calendar(client, district):
    client.force_login(district.school_admin)
    _toolbar(client, year="22-23", school="101")
    response = client.get(reverse("pushjobs:push_all_courses"))
    form = response.context["form"]
    assert set(form["data"].value()) == {"categories", "grade_calc_options", "composite_grades", "advisory"}
    assert form["overwrite_categories"].value() in (None, False)
    text = _text(response)
    assert "Calendar: 22-23 North High" in text
    assert "Composite Grades and Weights" in text and "Overwrite Categories" in text
    assert "may change students' grades once classes are in session" in text
    assert "Course Awaiting Push report" in text
    report = reverse("reports:course_awaiting_push") + "?year=22-23&amp;school=101"
    assert f'href="{report}"' in response.content.decode()


def test_r19_school_admin_runs_push_all_courses_for_their_calendar(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.school_admin)
    _toolbar(client, year="22-23", school="101")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pushjobs:push_all_courses"),
            {"data": ["categories", "advisory"], "action": "run_now"},
        )
    assert response.status_code == 302
    job = PushJob.objects.get()
    assert (job.kind, job.school, job.year, job.mode, job.status) == (
        PushJob.PUSH_ALL_COURSES,
        "101",
        "22-23",
        "push",
        PushJob.COMPLETED,
    )
    assert sorted(job.data) == ["advisory", "categories"]
    assert job.requested_by == district.school_admin


def test_r71_push_all_courses_preview_changes_nothing(client, district, django_capture_on_commit_callbacks):
    client.force_login(district.district_admin)
    _toolbar(client, year="22-23", school="101")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pushjobs:push_all_courses"), {"data": ["categories"], "action": "preview"})
    preview = PushJob.objects.get()
    assert response.status_code == 302 and preview.kind == PushJob.PREVIEW
    assert "Preview of Push All Courses" in _text(client.get(response.url))


# ---------------------------------------------------------------------------
# Push to Courses (one master) and Copy Course Master (R60)
# ---------------------------------------------------------------------------


def test_r40_push_to_courses_pushes_one_master_and_opens_its_job(client, district):
    client.force_login(district.district_admin)
    url = reverse("pushjobs:push_to_courses", args=[district.master.pk]) + "?year=22-23"
    page = client.get(url)
    assert "catalog" not in page.context["form"].fields or page.context["form"]["catalog"].value() == HS
    post = _master_post(
        action="batch", run_date=(timezone.localdate() + timedelta(days=1)).isoformat(), run_time="23:00"
    )
    response = client.post(url, post)
    job = PushJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("pushjobs:job_detail", args=[job.pk])
    assert (job.kind, job.master, job.catalog) == (PushJob.PUSH_COURSE_MASTER, "ENG9", HS)


def test_r71_push_to_courses_preview(client, district):
    client.force_login(district.district_admin)
    url = reverse("pushjobs:push_to_courses", args=[district.master.pk]) + "?year=22-23"
    response = client.post(url, _master_post(action="preview", mode="overwrite"))
    preview = PushJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("pushjobs:job_detail", args=[preview.pk])
    assert (preview.kind, preview.master, preview.priority) == (PushJob.PREVIEW, "ENG9", PushJob.HIGH)


def test_master_page_links_push_to_courses_and_copy(client, district):
    client.force_login(district.district_admin)
    html = client.get(reverse("coursemasters:master_detail", args=[district.master.pk])).content.decode()
    assert reverse("pushjobs:push_to_courses", args=[district.master.pk]) in html
    assert reverse("coursemasters:master_copy", args=[district.master.pk]) in html


def test_r60_copy_course_master_from_its_page(client, district):
    client.force_login(district.district_admin)
    url = reverse("coursemasters:master_copy", args=[district.master.pk])
    response = client.post(
        url,
        {
            "to_catalog": district.catalog.pk,
            "new_number": "ENG9H",
            "new_name": "English 9 Honors",
            "data": ["categories"],
        },
    )
    copy = CourseMaster.objects.get(catalog=district.catalog, number="ENG9H")
    assert response.status_code == 302 and response.url == reverse("coursemasters:master_detail", args=[copy.pk])
    assert set(copy.categories.values_list("name", flat=True)) == set(
        district.master.categories.values_list("name", flat=True)
    )


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"new_number": "ENG9", "new_name": "Again", "data": []}, 'already has a course master numbered "ENG9"'),
        (
            {"new_number": "X1", "new_name": "X", "data": ["grade_calc_options"]},
            "Copying grade calc options requires copying grading tasks/standards too.",
        ),
    ],
)
def test_r60_copy_course_master_refusals_are_explained(client, district, post, message):
    client.force_login(district.district_admin)
    before = CourseMaster.objects.count()
    response = client.post(
        reverse("coursemasters:master_copy", args=[district.master.pk]), {"to_catalog": district.catalog.pk, **post}
    )
    assert response.status_code == 400
    assert message in _text(response)
    assert CourseMaster.objects.count() == before


# ---------------------------------------------------------------------------
# The Batch Queue List (R43) and the batch-processing switch (R42)
# ---------------------------------------------------------------------------


def _job_at(district, moment, options=None, user=None) -> PushJob:
    job = push_job_submit(
        user=user or district.district_admin, options=options or MasterPushOptions(year="22-23", catalog=HS)
    )
    PushJob.objects.filter(pk=job.pk).update(scheduled_for=moment)
    return PushJob.objects.get(pk=job.pk)


def test_r43_list_shows_a_week_either_side_newest_first_with_its_columns(client, district):
    now = timezone.now()
    older = _job_at(district, now - timedelta(days=3))
    newer = _job_at(
        district,
        now + timedelta(days=2),
        options=MasterPushOptions(
            year="22-23", catalog=HS, mode="overwrite", to_sections=True, data=frozenset({"categories"})
        ),
    )
    far = _job_at(district, now + timedelta(days=20))
    client.force_login(district.district_admin)
    response = client.get(reverse("pushjobs:batch_queue"))
    jobs = response.context["queue"].jobs
    assert [j.pk for j in jobs] == [newer.pk, older.pk]
    html = response.content.decode()
    for heading in (
        "Scheduled Time",
        "Catalog or Calendar",
        "School Year",
        "Status",
        "Push Mode",
        "Pushed To Sections",
        "Pushed Data",
        "Requested By",
        "Courses",
        "Download",
    ):
        assert f">{heading}</th>" in html
    row = html.split(f'data-job="{newer.pk}"')[1].split("</tr>")[0]
    row_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert timezone.localtime(newer.scheduled_for).strftime("%m/%d/%Y %I:%M %p") in row_text
    for cell in (HS, "22-23", "Queued", "Overwrite", "Yes", "Categories", "admin1"):
        assert cell in row_text
    # Refresh with other dates shows the far job
    day = timezone.localtime(far.scheduled_for).date()
    other = client.get(reverse("pushjobs:batch_queue"), {"start": day.isoformat(), "end": day.isoformat()})
    assert [j.pk for j in other.context["queue"].jobs] == [far.pk]


def test_r43_dates_the_wrong_way_round_are_explained(client, district):
    client.force_login(district.district_admin)
    today = timezone.localdate()
    response = client.get(
        reverse("pushjobs:batch_queue"), {"start": today.isoformat(), "end": (today - timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 200
    assert "The dates are the wrong way round" in _text(response)


def test_r43_the_polled_rows_are_the_list_alone_and_say_whether_anything_moves(client, district):
    job = _job_at(district, timezone.now())
    client.force_login(district.district_admin)
    response = client.get(reverse("pushjobs:batch_queue_rows"))
    html = response.content.decode()
    assert "<html" not in html and f'data-job="{job.pk}"' in html
    assert 'data-active="true"' in html  # a job due now is about to run
    PushJob.objects.filter(pk=job.pk).update(status=PushJob.CANCELED)
    assert 'data-active="false"' in client.get(reverse("pushjobs:batch_queue_rows")).content.decode()


def test_r43_school_admins_list_their_schools_jobs_only(client, district, middle_admin):
    hs = _job_at(district, timezone.now())
    middle = _job_at(district, timezone.now(), options=CoursePushOptions(school="201", year="22-23"))
    client.force_login(district.school_admin)
    assert [j.pk for j in client.get(reverse("pushjobs:batch_queue")).context["queue"].jobs] == [hs.pk]
    client.force_login(middle_admin)
    assert [j.pk for j in client.get(reverse("pushjobs:batch_queue")).context["queue"].jobs] == [middle.pk]


@pytest.mark.parametrize(
    "url_name", ["pushjobs:push_all_course_masters", "pushjobs:push_all_courses", "pushjobs:batch_queue"]
)
def test_r42_switch_off_shows_the_banner_on_the_tools_and_jobs_wait(
    client, district, url_name, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    client.post(reverse("pushjobs:batch_processing"), {"enabled": "off"})
    assert District.current().batch_processing_enabled is False
    page = client.get(reverse(url_name))
    assert 'id="batch-off-banner"' in page.content.decode()
    assert "Batch processing is off" in _text(page) and "Switch batch processing on" in _text(page)
    # a Run Now waits, Queued
    _toolbar(client, year="22-23", school="101")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pushjobs:push_all_courses"), {"data": ["categories"], "action": "run_now"})
    job = PushJob.objects.get()
    assert job.status == PushJob.QUEUED
    assert any("Batch processing is off" in m for m in _messages(response))
    # switching it on runs what waits
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pushjobs:batch_processing"), {"enabled": "on"})
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert 'id="batch-off-banner"' not in client.get(reverse(url_name)).content.decode()


def test_r42_only_district_admins_switch_batch_processing(client, district):
    client.force_login(district.school_admin)
    response = client.post(reverse("pushjobs:batch_processing"), {"enabled": "off"})
    assert response.status_code == 403
    assert District.current().batch_processing_enabled is True
    html = client.get(reverse("pushjobs:batch_queue")).content.decode()
    assert "Switch batch processing" not in html


# ---------------------------------------------------------------------------
# Cancel, reschedule, restart (R41)
# ---------------------------------------------------------------------------


def test_r41_cancel_a_queued_job_and_restart_it(client, district):
    job = _job_at(district, timezone.now() + timedelta(days=1))
    client.force_login(district.district_admin)
    response = client.post(reverse("pushjobs:job_cancel", args=[job.pk]), {"next": reverse("pushjobs:batch_queue")})
    assert response.status_code == 302 and response.url == reverse("pushjobs:batch_queue")
    job.refresh_from_db()
    assert job.status == PushJob.CANCELED
    assert f"Job {job.pk} canceled: it will not run." in _messages(response)
    response = client.post(reverse("pushjobs:job_restart", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == PushJob.QUEUED
    when = timezone.localtime(job.scheduled_for).strftime("%m/%d/%Y %I:%M %p")
    assert f"Job {job.pk} restarted: it keeps its scheduled time, {when}." in _messages(response)


def test_r41_refusals_say_why(client, district):
    job = _job_at(district, timezone.now() + timedelta(days=1))
    client.force_login(district.district_admin)
    response = client.post(reverse("pushjobs:job_restart", args=[job.pk]))
    assert f"Not done: job {job.pk} is queued: only a canceled or failed job can be restarted." in _messages(response)
    PushJob.objects.filter(pk=job.pk).update(status=PushJob.COMPLETED)
    response = client.post(reverse("pushjobs:job_cancel", args=[job.pk]))
    assert f"Not done: job {job.pk} is completed: only a queued job can be canceled." in _messages(response)
    response = client.post(
        reverse("pushjobs:job_reschedule", args=[job.pk]), {"run_date": "2099-01-01", "run_time": "10:00"}
    )
    assert f"Not rescheduled: job {job.pk} is completed: only a queued job can be rescheduled." in _messages(response)


def test_r41_reschedule_a_queued_job_and_refuse_the_past(client, district):
    job = _job_at(district, timezone.now() + timedelta(days=1))
    client.force_login(district.district_admin)
    day = timezone.localdate() + timedelta(days=3)
    response = client.post(
        reverse("pushjobs:job_reschedule", args=[job.pk]), {"run_date": day.isoformat(), "run_time": "05:15"}
    )
    job.refresh_from_db()
    assert timezone.localtime(job.scheduled_for).replace(tzinfo=None) == datetime.combine(day, time(5, 15))
    assert any(m.startswith(f"Job {job.pk} rescheduled for") for m in _messages(response))
    response = client.post(
        reverse("pushjobs:job_reschedule", args=[job.pk]), {"run_date": "2020-01-01", "run_time": "05:15"}
    )
    assert any("is in the past" in m for m in _messages(response))
    job.refresh_from_db()
    assert timezone.localtime(job.scheduled_for).date() == day


def test_r41_a_school_admin_may_not_cancel_a_district_push(client, district):
    job = _job_at(district, timezone.now() + timedelta(days=1))
    client.force_login(district.school_admin)
    # they see it (it touches their schools) but have no Cancel button, and a forced POST is refused
    row = (
        client.get(reverse("pushjobs:batch_queue")).content.decode().split(f'data-job="{job.pk}"')[1].split("</tr>")[0]
    )
    assert "Cancel" not in row
    assert client.post(reverse("pushjobs:job_cancel", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == PushJob.QUEUED


# ---------------------------------------------------------------------------
# A job's page and its report (R44)
# ---------------------------------------------------------------------------


@pytest.fixture
def finished_job(district, django_capture_on_commit_callbacks):
    """A completed Push All Course Masters by the district admin; it reaches 101 and 102 (not 201)."""
    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    with django_capture_on_commit_callbacks(execute=True):
        job = push_job_submit(
            user=district.district_admin,
            options=MasterPushOptions(year="22-23", catalog=HS, mode="overwrite"),
            run_now=True,
        )
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    return job


REPORT_ACCESS = [("district_admin", 200), ("school_admin", 200), ("other_school_admin", 403), ("teacher", 403)]


@pytest.mark.parametrize(("role", "status"), REPORT_ACCESS)
@pytest.mark.parametrize("url_name", ["pushjobs:job_detail", "pushjobs:job_report_csv", "pushjobs:job_report_xlsx"])
def test_r44_job_page_and_report_for_submitter_district_and_touched_schools(
    client, district, middle_admin, finished_job, role, status, url_name
):
    client.force_login(_user(district, middle_admin, role))
    response = client.get(reverse(url_name, args=[finished_job.pk]))
    assert response.status_code == status
    if status == 403:
        assert "submitter, district administrators and administrators of the" in _text(response)


def test_r44_submitter_school_admin_reads_their_own_job(client, district, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = push_job_submit(
            user=district.school_admin, options=CoursePushOptions(school="101", year="22-23"), run_now=True
        )
    client.force_login(district.school_admin)
    assert client.get(reverse("pushjobs:job_report_csv", args=[job.pk])).status_code == 200


def test_r44_job_page_shows_options_status_summary_rows_and_downloads(client, district, finished_job):
    client.force_login(district.district_admin)
    response = client.get(reverse("pushjobs:job_detail", args=[finished_job.pk]))
    text = _text(response)
    for words in (
        f"Job {finished_job.pk}: Push All Course Masters",
        "Course catalog High School Catalog",
        "Push mode Overwrite existing course and section level data",
        "Completed",
        "Courses changed",
        "Items created",
        "Get the report (CSV)",
        "Get the report (XLSX)",
    ):
        assert words in text
    summary = finished_job.summary
    assert f"Courses changed {summary['courses_changed']}" in text


def test_r44_job_page_rows_are_paginated(client, district, finished_job):
    from pushjobs.models import PushResultRow

    PushResultRow.objects.bulk_create(
        PushResultRow(
            job=finished_job,
            chunk_index=99,
            position=i,
            school="101 North High",
            calendar="22-23",
            course=f"C{i:03d}",
            outcome="conflict",
            detail="x",
        )
        for i in range(120)
    )
    client.force_login(district.district_admin)
    first = client.get(reverse("pushjobs:job_detail", args=[finished_job.pk]))
    assert len(first.context["rows"].object_list) == 50
    assert "Page 1 of 3" in _text(first)
    last = client.get(reverse("pushjobs:job_detail", args=[finished_job.pk]), {"page": 3})
    assert last.context["rows"].object_list[len(last.context["rows"].object_list) - 1].course == "C119"


def test_r44_csv_and_xlsx_downloads(client, district, finished_job):
    client.force_login(district.district_admin)
    response = client.get(reverse("pushjobs:job_report_csv", args=[finished_job.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="push-job-{finished_job.pk}-report.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert tuple(rows[0]) == REPORT_COLUMNS
    response = client.get(reverse("pushjobs:job_report_xlsx", args=[finished_job.pk]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "Rows"]


def test_r44_a_queued_jobs_report_is_not_ready(client, district):
    job = _job_at(district, timezone.now() + timedelta(days=1))
    client.force_login(district.district_admin)
    assert client.get(reverse("pushjobs:job_report_csv", args=[job.pk])).status_code == 404
    page = client.get(reverse("pushjobs:job_detail", args=[job.pk]))
    assert "Get the report" not in _text(page)
    assert "Reschedule" in _text(page) and "Cancel job" in _text(page)


def test_r44_job_status_fragment_for_the_poll(client, district, finished_job):
    client.force_login(district.district_admin)
    html = client.get(reverse("pushjobs:job_status", args=[finished_job.pk])).content.decode()
    assert "<html" not in html and 'data-active="false"' in html and "Completed" in html


def test_unknown_job_is_not_found(client, district):
    client.force_login(district.district_admin)
    assert client.get(reverse("pushjobs:job_detail", args=[999999])).status_code == 404


# ---------------------------------------------------------------------------
# Notifications (R45)
# ---------------------------------------------------------------------------


def test_r45_finished_job_notifies_the_submitter_in_the_header_and_the_list(client, district, finished_job):
    client.force_login(district.district_admin)
    home = client.get(reverse("home")).content.decode()
    bell = home.split('id="notification-bell"')[1].split("</a>")[0]
    assert ">1<" in bell and "unread" in bell
    page = client.get(reverse("pushjobs:notifications"))
    text = _text(page)
    assert f"Job {finished_job.pk} completed" in text
    assert reverse("pushjobs:job_detail", args=[finished_job.pk]) in page.content.decode()
    notification = Notification.objects.get(user=district.district_admin)
    client.post(reverse("pushjobs:notification_read", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read
    bell = client.get(reverse("home")).content.decode().split('id="notification-bell"')[1].split("</a>")[0]
    assert "unread" not in bell


def test_r45_mark_all_read_and_nobody_marks_anothers(client, district, finished_job):
    notification = Notification.objects.get(user=district.district_admin)
    client.force_login(district.school_admin)
    client.post(reverse("pushjobs:notification_read", args=[notification.pk]))
    notification.refresh_from_db()
    assert not notification.read
    assert f"Job {finished_job.pk}" not in _text(client.get(reverse("pushjobs:notifications")))
    client.force_login(district.district_admin)
    response = client.post(reverse("pushjobs:notifications_read_all"), follow=True)
    assert "Marked 1 notification read." in _text(response)
    notification.refresh_from_db()
    assert notification.read
