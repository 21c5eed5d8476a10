"""Issue 14, "Words, not codes": the pages name tasks and standards by code and name ("Q1G Quarter 1
Grade"), never by their internal reference ("task:Q1G"); no rule number reaches a person; a section's
categories are described for the one reading the page; the job page's result table stacks on a phone."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from catalog.models import Calendar, CourseCatalog
from pushjobs.models import PushJob
from tests.conftest import PHONE

HS = "High School Catalog"


def _text(response) -> str:
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _push_a_desynced_task(client, district, django_capture_on_commit_callbacks) -> PushJob:
    """Push All Course Masters once grading tasks are locked: 101's ENG9 edited its Q2G while they were
    not, so the course fails desynced, on a result row that names the task."""
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(locked_types=["grading_tasks"], locked_attributes=[])
    calendars = Calendar.objects.filter(year__name="22-23", school__catalog__name=HS).values_list("pk", flat=True)
    client.force_login(district.district_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pushjobs:push_all_course_masters") + "?year=22-23",
            {
                "year": "22-23",
                "catalog": HS,
                "calendars": [str(pk) for pk in calendars],
                "mode": "push",
                "data": ["grading_tasks_standards"],
                "priority": "normal",
                "action": "run_now",
            },
        )
    job = PushJob.objects.get()
    assert job.status == PushJob.COMPLETED, job.status
    assert job.result_rows.filter(item="task:Q2G", outcome="failed_desynced").exists()
    return job


def test_words_the_course_page_names_a_pushed_task_by_code_and_name(client, district):
    client.force_login(district.district_admin)
    text = _text(client.get(reverse("courses:course_detail", args=[district.own_course.pk])))
    assert "Q1G Quarter 1 Grade" in text
    assert "task:Q1G" not in text


def test_words_the_master_page_names_tasks_by_code_and_name(client, district):
    client.force_login(district.district_admin)
    text = _text(client.get(reverse("coursemasters:master_detail", args=[district.master.pk])))
    assert "Q1G Quarter 1 Grade" in text
    assert not re.search(r"\b(task|standard):", text)


def test_words_the_job_page_names_the_task_its_rows_are_about(client, district, django_capture_on_commit_callbacks):
    job = _push_a_desynced_task(client, district, django_capture_on_commit_callbacks)
    text = _text(client.get(reverse("pushjobs:job_detail", args=[job.pk])))
    assert "Q2G Quarter 2 Grade" in text
    assert not re.search(r"\b(task|standard):", text)


def test_words_the_job_report_csv_keeps_the_code_for_machines(client, district, django_capture_on_commit_callbacks):
    job = _push_a_desynced_task(client, district, django_capture_on_commit_callbacks)
    csv = b"".join(client.get(reverse("pushjobs:job_report_csv", args=[job.pk])).streaming_content).decode()
    assert "task:Q2G" in csv


def test_words_the_catalog_locks_page_has_no_rule_numbers(client, district):
    client.force_login(district.district_admin)
    response = client.get(reverse("catalog:catalog_detail", args=[district.catalog.pk]))
    assert response.status_code == 200
    text = _text(response)
    assert "Only locked types are pushed from course masters" in text
    assert not re.search(r"\(R\d", text), re.search(r".{40}\(R\d.{20}", text).group(0)


def test_words_the_sections_teacher_reads_of_their_own_categories(client, district):
    from sections.models import SectionCategory

    SectionCategory.objects.create(section=district.own_section, name="Projects", weight=5, sequence=9, state="teacher")
    client.force_login(district.teacher)
    text = _text(client.get(reverse("sections:section_detail", args=[district.own_section.pk])))
    assert "Your own category" in text and "Teacher's category" not in text


def test_words_a_school_admin_reads_of_the_teachers_categories_not_their_own(client, district):
    from sections.models import SectionCategory

    SectionCategory.objects.create(section=district.own_section, name="Projects", weight=5, sequence=9, state="teacher")
    client.force_login(district.school_admin)
    text = _text(client.get(reverse("sections:section_detail", args=[district.own_section.pk])))
    assert "Teacher's category" in text
    assert "Your own" not in text


def test_words_the_job_result_table_stacks_on_a_phone_with_a_heading_in_each_cell(
    client, district, django_capture_on_commit_callbacks
):
    job = _push_a_desynced_task(client, district, django_capture_on_commit_callbacks)
    html = client.get(reverse("pushjobs:job_detail", args=[job.pk])).content.decode()
    table = re.search(r'<table class="[^"]*result-rows[^"]*">.*?</table>', html, re.S)
    assert table is not None and "table-stack" in table.group(0).split(">")[0]
    cells = re.findall(r"<td([^>]*)>", table.group(0))
    assert cells and len(cells) % 9 == 0 and all("data-label=" in c for c in cells), cells


@pytest.mark.browser
def test_words_the_job_result_table_reads_at_375_px_without_sideways_scrolling(
    browser_page, client, district, django_capture_on_commit_callbacks, tmp_path
):
    job = _push_a_desynced_task(client, district, django_capture_on_commit_callbacks)
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = browser_page.page
    page.set_viewport_size(PHONE)
    browser_page.login(district.district_admin.username)
    assert browser_page.goto(reverse("pushjobs:job_detail", args=[job.pk])).status == 200
    table = page.locator("table.result-rows")
    scroll, client_width = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert scroll <= client_width, (scroll, client_width)
    assert "Q2G Quarter 2 Grade" in table.inner_text()
    browser_page.assert_renders_cleanly("job-result-rows", viewport=PHONE, out=out)
    assert browser_page.unexpected_errors() == []


def test_words_a_desynced_courses_reasons_name_its_task_by_code_and_name(client, district):
    """The course page's "Desynced from its master" says which item, as people name it: a grade calc
    option's task by code and name ("Q1G Quarter 1 Grade Q1"), not its reference ("task:Q1G Q1")."""
    from courses.models import CourseGradeCalcOption

    option = (
        CourseGradeCalcOption.objects.filter(course=district.own_course, state="linked")
        .select_related("item")
        .order_by("pk")
        .first()
    )
    assert option is not None
    CourseGradeCalcOption.objects.filter(pk=option.pk).update(state="unlinked")
    CourseCatalog.objects.filter(pk=district.catalog.pk).update(locked_types=["grade_calc_options"])
    client.force_login(district.district_admin)
    text = _text(client.get(reverse("courses:course_detail", args=[district.own_course.pk])))
    assert f"grade calc option {option.item.code} {option.item.name} {option.term}" in text
    assert f"{option.item.ref} " not in text
