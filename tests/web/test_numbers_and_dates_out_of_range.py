"""Numbers and dates out of range get a clear message, never a 500 (issue 11, R32): the limits of
catalog.limits, through the real forms, pages and commands."""

from __future__ import annotations

import io
from datetime import timedelta
from html import unescape

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from catalog.limits import CATEGORY_DROP_LOWEST_MAX, CATEGORY_SEQUENCE_MAX, LATEST_DATE
from catalog.models import Calendar
from catalog.toolbar import SESSION_KEY as TOOLBAR_SESSION_KEY
from coursemasters.models import MasterCategory
from courses.models import CourseCategory
from pushjobs.engine.api import CoursePushOptions
from pushjobs.models import PushJob
from pushjobs.submit import push_job_submit
from sections.models import SectionCategory

TOO_BIG_FOR_POSTGRES = 2_147_483_648  # one more than an integer column holds
HUGE = 10**20
END_OF_TIME = "9999-12-31"


def _category(**overrides) -> dict:
    return {"name": "Projects", "weight": "10", "sequence": "3", "drop_lowest": "0", **overrides}


def _add_urls(d):
    return {
        "master": (reverse("coursemasters:master_item_add", args=[d.master.pk, "categories"]), MasterCategory),
        "course": (reverse("courses:course_item_add", args=[d.own_course.pk, "categories"]), CourseCategory),
        "section": (reverse("sections:section_category_add", args=[d.own_section.pk]), SectionCategory),
    }


def _body(response) -> str:
    return unescape(response.content.decode())


@pytest.mark.parametrize("level", ["master", "course", "section"])
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sequence", TOO_BIG_FOR_POSTGRES, f"Sequence must be a whole number from 0 to {CATEGORY_SEQUENCE_MAX}."),
        ("sequence", CATEGORY_SEQUENCE_MAX + 1, f"Sequence must be a whole number from 0 to {CATEGORY_SEQUENCE_MAX}."),
        ("drop_lowest", HUGE, f"Drop lowest must be a whole number from 0 to {CATEGORY_DROP_LOWEST_MAX}."),
        ("drop_lowest", -1, "Drop lowest must be a whole number from 0 to"),
    ],
)
def test_category_number_out_of_range_is_the_forms_error_at_every_level(client, district, level, field, value, message):
    client.force_login(district.district_admin)
    url, model = _add_urls(district)[level]
    before = model.objects.count()
    response = client.post(url, _category(**{field: str(value)}))
    assert response.status_code == 400
    assert message in _body(response)
    assert model.objects.count() == before


@pytest.mark.parametrize("level", ["master", "course", "section"])
def test_category_numbers_at_the_limits_are_taken(client, district, level):
    client.force_login(district.district_admin)
    url, model = _add_urls(district)[level]
    response = client.post(
        url, _category(sequence=str(CATEGORY_SEQUENCE_MAX), drop_lowest=str(CATEGORY_DROP_LOWEST_MAX))
    )
    assert response.status_code == 302
    saved = model.objects.get(name="Projects")
    assert (saved.sequence, saved.drop_lowest) == (CATEGORY_SEQUENCE_MAX, CATEGORY_DROP_LOWEST_MAX)


def test_category_edit_with_a_number_too_big_is_refused(client, district):
    client.force_login(district.district_admin)
    item = MasterCategory.objects.filter(master=district.master).first()
    url = reverse("coursemasters:master_item_edit", args=[district.master.pk, "categories", item.pk])
    response = client.post(url, {"name": item.name, "weight": "10", "sequence": str(HUGE), "drop_lowest": "0"})
    assert response.status_code == 400
    assert "Sequence must be a whole number" in _body(response)
    item.refresh_from_db()
    assert item.sequence != HUGE


def test_category_model_validation_names_the_limit(district):
    item = MasterCategory(master=district.master, name="Labs", sequence=TOO_BIG_FOR_POSTGRES, drop_lowest=HUGE)
    with pytest.raises(Exception) as raised:
        item.full_clean()
    assert "Sequence must be a whole number" in str(raised.value)
    assert "Drop lowest must be a whole number" in str(raised.value)


# ---------------------------------------------------------------------------
# The Batch Queue List's window
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["pushjobs:batch_queue", "pushjobs:batch_queue_rows"])
def test_queue_window_at_the_end_of_time_is_a_message_not_a_500(client, district, view):
    client.force_login(district.district_admin)
    response = client.get(reverse(view), {"start": END_OF_TIME, "end": END_OF_TIME})
    assert response.status_code == 200
    if view == "pushjobs:batch_queue":
        body = _body(response)
        assert f"{END_OF_TIME} is outside the dates this product takes" in body
        assert "Showing the default window instead." in body


def _run_command(*args):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=out, stderr=err)
    return raised.value.returncode, str(raised.value)


def test_batch_queue_command_window_at_the_end_of_time_exits_2(district):
    code, text = _run_command("batch_queue", "--from", END_OF_TIME, "--to", END_OF_TIME)
    assert code == 2
    assert f"--from: {END_OF_TIME} is outside the dates this product takes" in text


# ---------------------------------------------------------------------------
# Scheduled times
# ---------------------------------------------------------------------------


def _queued_job(d) -> PushJob:
    return push_job_submit(
        user=d.district_admin,
        options=CoursePushOptions(school="101", year="22-23"),
        scheduled_for=timezone.now() + timedelta(days=1),
    )


def test_reschedule_to_the_end_of_time_on_the_page_is_a_message(client, district):
    job = _queued_job(district)
    client.force_login(district.district_admin)
    response = client.post(
        reverse("pushjobs:job_reschedule", args=[job.pk]), {"run_date": END_OF_TIME, "run_time": "23:59"}, follow=True
    )
    assert response.status_code == 200
    assert f"The new date {END_OF_TIME} is outside the dates this product takes" in _body(response)
    before = job.scheduled_for
    job.refresh_from_db()
    assert job.scheduled_for == before


@pytest.mark.parametrize("at", [f"{END_OF_TIME}T23:59", f"{END_OF_TIME}T23:59-12:00", "0001-01-01T00:00+14:00"])
def test_reschedule_command_to_a_time_out_of_range_exits_2(district, at):
    job = _queued_job(district)
    code, text = _run_command("batch_queue", "reschedule", str(job.pk), "--at", at)
    assert code == 2
    assert "is outside the dates this product takes" in text


def test_push_command_batch_at_the_end_of_time_exits_2(district):
    code, text = _run_command(
        "push_all_courses", "--school", "101", "--year", "22-23", "--batch", "--at", f"{END_OF_TIME}T23:59"
    )
    assert code == 2
    assert "outside the dates this product takes" in text
    assert not PushJob.objects.exists()


def test_push_tool_submit_to_batch_at_the_end_of_time_is_the_forms_error(client, district):
    client.force_login(district.district_admin)
    calendar = Calendar.objects.get(school__number="101", year__name="22-23")
    session = client.session
    session[TOOLBAR_SESSION_KEY] = {"year": calendar.year_id, "school": calendar.school_id}
    session.save()
    response = client.post(
        reverse("pushjobs:push_all_courses"),
        {"data": ["categories"], "action": "batch", "run_date": END_OF_TIME, "run_time": "23:59"},
    )
    assert response.status_code == 400
    assert f"The date {END_OF_TIME} is outside the dates this product takes" in _body(response)
    assert not PushJob.objects.exists()


def test_latest_date_is_still_taken(district):
    job = _queued_job(district)
    call_command(
        "batch_queue",
        "reschedule",
        str(job.pk),
        "--at",
        f"{LATEST_DATE}T12:00",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    job.refresh_from_db()
    assert timezone.localtime(job.scheduled_for).date() == LATEST_DATE
