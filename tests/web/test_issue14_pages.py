"""Issue 14, what a real walk found on the push tools' pages: the message after an action is in
view (bug 6), messages are sentences with the pages' dates (bug 7), an error is said once (bug 8),
counts agree with their nouns (bug 9), the toolbar only where the page reads it, the tools' help
folded away, and beside each "Data to be pushed" box whether the catalog locks it (R2)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalog.models import Calendar, CourseCatalog, School, SchoolYear
from pushjobs.models import PushJob

HS = "High School Catalog"
ALL_MASTER_DATA = [
    "course_info",
    "grading_tasks_standards",
    "grade_calc_options",
    "composite_grades",
    "categories",
    "assessments",
]


def _text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _master_post(**overrides) -> dict:
    calendars = Calendar.objects.filter(year__name="22-23", school__catalog__name=HS).values_list("pk", flat=True)
    data = {
        "year": "22-23",
        "catalog": HS,
        "calendars": [str(pk) for pk in calendars],
        "mode": "push",
        "data": ALL_MASTER_DATA,
        "priority": "normal",
    }
    return {**data, **overrides}


def _toolbar(client, *, year: str = "22-23", school: str = "101") -> None:
    session = client.session
    session["toolbar"] = {"year": SchoolYear.objects.get(name=year).pk, "school": School.objects.get(number=school).pk}
    session.save()


# ---------------------------------------------------------------------------
# Bug 6: after an action the page opens at its top, where the message is
# ---------------------------------------------------------------------------


def test_bug6_run_now_on_push_all_course_masters_opens_the_page_at_its_message(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    url = reverse("pushjobs:push_all_course_masters") + "?year=22-23"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, _master_post(action="run_now"))
    job = PushJob.objects.get()
    assert response.status_code == 302 and "#" not in response["Location"]
    page = client.get(response["Location"])
    assert f"Job {job.pk} submitted to run now." in _text(page)


def test_bug6_run_now_on_push_all_courses_opens_the_page_at_its_message(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pushjobs:push_all_courses"), {"data": ["categories"], "action": "run_now"})
    job = PushJob.objects.get()
    assert response.status_code == 302 and "#" not in response["Location"]
    assert f"Job {job.pk} submitted to run now." in _text(client.get(response["Location"]))


def test_bug6_a_refused_submit_to_batch_posts_to_the_page_itself_not_to_a_section_of_it(client, district):
    client.force_login(district.district_admin)
    # The form's action is the page's own address: a refusal shown in the form is not scrolled past.
    page = client.get(reverse("pushjobs:push_all_course_masters") + "?year=22-23").content.decode()
    action = re.search(r'<form[^>]*id="push-masters-form"[^>]*>', page).group(0)
    assert 'action="/push/masters/?year=22-23"' in action.replace("&amp;", "&")


def test_bug6_an_overwrite_run_now_opens_its_preview_at_the_message_that_asks_to_confirm(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pushjobs:push_all_courses"),
            {"data": ["categories"], "overwrite_categories": "on", "action": "run_now"},
        )
    assert response.status_code == 302 and "#" not in response["Location"]
    assert "confirm below to run it" in _text(client.get(response["Location"]))


def test_bug6_and_bug7_a_refused_submit_on_a_preview_opens_it_at_the_refusal_in_the_pages_words(
    client, district, django_capture_on_commit_callbacks
):
    client.force_login(district.district_admin)
    _toolbar(client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pushjobs:push_all_courses"), {"data": ["categories"], "action": "preview"})
    preview = PushJob.objects.get()
    assert preview.status == PushJob.COMPLETED
    response = client.post(
        reverse("pushjobs:preview_run", args=[preview.pk]),
        {"action": "batch", "run_date": "2020-01-01", "run_time": "11:11", "priority": "normal"},
    )
    assert response.status_code == 302 and "#" not in response["Location"]
    assert _messages(response) == [
        "Not run: The scheduled time, 01/01/2020 11:11 AM, is in the past: pick a later date or time."
    ]


# ---------------------------------------------------------------------------
# Bug 7: messages are sentences, with dates as the pages write them
# ---------------------------------------------------------------------------


def test_bug7_a_time_in_the_past_is_refused_in_a_sentence_with_the_pages_date_and_time(client, district):
    client.force_login(district.district_admin)
    response = client.post(
        reverse("pushjobs:push_all_course_masters") + "?year=22-23",
        _master_post(action="batch", run_date="2020-12-01", run_time="11:11"),
    )
    assert response.status_code == 400
    text = _text(response)
    assert "The scheduled time, 12/01/2020 11:11 AM, is in the past: pick a later date or time." in text
    assert "the scheduled time 2020-12-01" not in text
    assert not PushJob.objects.exists()


def test_bug7_a_refusal_of_the_queue_reads_as_a_sentence(client, district):
    from pushjobs.forms import error_sentence

    assert error_sentence("the scheduled time 2026-12-01 11:11 is in the past") == (
        "The scheduled time 2026-12-01 11:11 is in the past."
    )
    assert error_sentence("Pick a date.") == "Pick a date."


def test_bug7_rescheduling_into_the_past_is_refused_in_a_sentence_with_the_pages_date_and_time(client, district):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.submit import push_job_submit

    job = push_job_submit(
        user=district.district_admin,
        options=MasterPushOptions(year="22-23", catalog=HS),
        scheduled_for=timezone.now() + timedelta(days=1),
    )
    client.force_login(district.district_admin)
    url = reverse("pushjobs:job_reschedule", args=[job.pk])
    response = client.post(url, {"run_date": "2020-12-01", "run_time": "11:11"})
    assert _messages(response) == [
        "Not rescheduled: The scheduled time, 12/01/2020 11:11 AM, is in the past: pick a later date or time."
    ]
    response = client.post(url, {"run_date": "", "run_time": "11:11"})
    assert _messages(response)[-1] == "Not rescheduled: Pick the new date."


# ---------------------------------------------------------------------------
# Bug 8: the Batch Queue List's wrong-order dates are said once
# ---------------------------------------------------------------------------


def test_bug8_dates_the_wrong_way_round_are_said_once_with_the_pages_dates(client, district):
    client.force_login(district.district_admin)
    response = client.get(reverse("pushjobs:batch_queue"), {"start": "2026-12-08", "end": "2026-12-01"})
    text = _text(response)
    assert text.count("The dates are the wrong way round") == 1
    assert "12/01/2026 is before 12/08/2026" in text


# ---------------------------------------------------------------------------
# Bug 9: a count agrees with its noun and verb
# ---------------------------------------------------------------------------


def test_bug9_a_job_of_one_course_says_course(client, district):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.submit import push_job_submit

    job = push_job_submit(
        user=district.district_admin,
        options=MasterPushOptions(year="22-23", catalog=HS),
        scheduled_for=timezone.now() + timedelta(minutes=30),
    )
    PushJob.objects.filter(pk=job.pk).update(
        status=PushJob.PROCESSING, courses_total=1, courses_done=0, heartbeat_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(district.district_admin)
    text = _text(client.get(reverse("pushjobs:batch_queue")))
    assert "0 of 1 course " in text and "0 of 1 courses" not in text


def test_bug9_one_outcome_needs_attention_after_a_push_to_sections(
    client, district, django_capture_on_commit_callbacks
):
    from courses.models import CourseCategory
    from sections.models import SectionCategory

    url = reverse("pushjobs:push_to_sections", args=[district.own_course.pk])
    client.force_login(district.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"data": ["categories"], "confirm": "on"})  # the sections as the course has them
    # A new course category that one teacher already has a category of that name for: the next push
    # renames the teacher's to "Projects (1)", one outcome to look at.
    CourseCategory.objects.create(course=district.own_course, name="Projects", weight=0, sequence=9, state="local")
    SectionCategory.objects.create(section=district.own_section, name="Projects", weight=5, sequence=9, state="teacher")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"data": ["categories"], "confirm": "on"})
    message = _messages(response)[-1]
    attention = re.search(r"(\d+) outcomes? needs? attention", message)
    assert attention is not None and attention.group(0) == "1 outcome needs attention", message


# ---------------------------------------------------------------------------
# Layout: the toolbar where the page reads it, the help folded away
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "shown"),
    [
        ("pushjobs:push_all_course_masters", False),
        ("pushjobs:push_to_courses", False),
        ("pushjobs:batch_queue", False),
        ("catalog:catalog_list", False),
        ("courses:course_detail", False),
        ("reports:course_audit", False),
        ("pushjobs:push_all_courses", True),
        ("courses:course_list", True),
        ("home", True),
    ],
)
def test_the_toolbar_shows_only_on_pages_that_read_its_calendar(client, district, url_name, shown):
    client.force_login(district.district_admin)
    _toolbar(client)
    args = {
        "pushjobs:push_to_courses": [district.master.pk],
        "courses:course_detail": [district.other_school_course.pk],
    }.get(url_name, [])
    page = client.get(reverse(url_name, args=args)).content.decode()
    assert ('id="toolbar-form"' in page) is shown
    if not shown:
        # a course of school 201 never says the toolbar's 101 calendar
        assert "Calendar: <strong>" not in page


@pytest.mark.parametrize("url_name", ["pushjobs:push_all_course_masters", "pushjobs:push_all_courses"])
def test_the_push_tools_help_folds_away_under_a_disclosure(client, district, url_name):
    client.force_login(district.district_admin)
    _toolbar(client)
    page = client.get(reverse(url_name)).content.decode()
    details = re.search(r"<details[^>]*>\s*<summary>What do these options do\?</summary>(.*?)</details>", page, re.S)
    assert details is not None
    assert "never" in details.group(1)  # what a push never deletes is in it
    assert "<details open" not in page


# ---------------------------------------------------------------------------
# R2 beside each "Data to be pushed" box: does the catalog lock it?
# ---------------------------------------------------------------------------


def _data_labels(page: str) -> dict[str, str]:
    """Each data checkbox's label text, by its value."""
    labels = {}
    for value, box_id in re.findall(r'<input type="checkbox"[^>]*name="data" value="([^"]+)"[^>]*id="([^"]+)"', page):
        label = re.search(rf'<label for="{box_id}"[^>]*>(.*?)</label>', page, re.S).group(1)
        labels[value] = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", label))).strip()
    return labels


def test_r2_push_to_courses_says_beside_each_box_whether_the_catalog_locks_it(client, district):
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(
        locked_types=["grading_tasks", "categories", "composite_grades"], locked_attributes=[]
    )
    client.force_login(district.district_admin)
    page = client.get(reverse("pushjobs:push_to_courses", args=[district.master.pk]) + "?year=22-23")
    labels = _data_labels(page.content.decode())
    assert labels == {
        "course_info": "Course Info no attribute locked — nothing to push",
        "grading_tasks_standards": "Grading Tasks/Standards grading tasks locked, standards not — only grading tasks "
        "will be pushed",
        "grade_calc_options": "Grade Calc Options not locked — nothing to push",
        "composite_grades": "Composite Grades locked — will be pushed; composite weights not locked: courses keep "
        "theirs",
        "categories": "Categories locked — will be pushed",
        "assessments": "Assessments not locked — nothing to push",
    }


def test_r2_push_all_course_masters_names_each_catalogs_lock_until_one_is_chosen(client, district):
    catalogs = list(CourseCatalog.objects.filter(schools__calendars__year__name="22-23").distinct())
    assert len(catalogs) > 1
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(locked_types=["categories"])
    client.force_login(district.district_admin)
    page = client.get(reverse("pushjobs:push_all_course_masters") + "?year=22-23").content.decode()
    categories = _data_labels(page)["categories"]
    assert f"{HS}: locked — will be pushed" in categories
    for other in catalogs:
        if other.pk != district.catalog.pk:
            expected = "locked — will be pushed" if "categories" in other.locked_types else "not locked"
            assert f"{other.name}: {expected}" in categories
