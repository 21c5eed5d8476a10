"""The push tools' pages render in Chromium without a complaint (CSP, scripts), at desktop and
phone width, every control labelled, nothing wider than the screen.

With SCREENSHOTS_DIR set the pages are saved as PNGs for people to look at:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/pushui/test_screenshots.py
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _queue(district) -> dict[str, int]:
    """A Batch Queue List with a job in each state."""
    from catalog.models import School, SchoolYear
    from coursemasters.models import MasterCategory
    from pushjobs.engine.api import CoursePushOptions, MasterPushOptions
    from pushjobs.models import PushJob
    from pushjobs.submit import push_job_cancel, push_job_submit

    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    admin = district.district_admin
    later = timezone.localtime() + timedelta(days=1)
    done = push_job_submit(
        user=admin,
        options=MasterPushOptions(year="22-23", catalog="High School Catalog", mode="overwrite"),
        run_now=True,
    )
    push_job_submit(
        user=district.school_admin,
        options=CoursePushOptions(school="101", year="22-23", data=frozenset({"categories", "advisory"})),
        run_now=True,
    )
    running = push_job_submit(
        user=admin,
        options=MasterPushOptions(year="22-23", catalog="Middle School Catalog", to_sections=True),
        scheduled_for=timezone.now() + timedelta(minutes=30),
    )
    # A worker's job as the list sees it; its heartbeat keeps the reaper (a preview's tick) off it.
    PushJob.objects.filter(pk=running.pk).update(
        status=PushJob.PROCESSING,
        courses_total=40,
        courses_done=14,
        started_at=timezone.now(),
        heartbeat_at=timezone.now() + timedelta(days=1),
    )
    push_job_submit(
        user=admin,
        options=MasterPushOptions(year="22-23", catalog="High School Catalog", data=frozenset({"course_info"})),
        scheduled_for=later.replace(hour=22, minute=0),
    )
    canceled = push_job_submit(
        user=admin,
        options=MasterPushOptions(year="23-24", catalog="High School Catalog", mode="overwrite"),
        scheduled_for=later.replace(hour=23, minute=30),
        priority="high",
    )
    push_job_cancel(user=admin, job_id=canceled.pk)
    assert SchoolYear.objects.filter(name="22-23").exists() and School.objects.filter(number="101").exists()
    return {"done": done.pk}


def _toolbar(browser_page, year: str, school: str) -> None:
    """Pick a calendar in the toolbar of the home page (the pages that ignore it do not show it)."""
    browser_page.goto("/")
    page = browser_page.page
    page.get_by_label("Year", exact=True).select_option(label=year)
    page.get_by_label("School", exact=True).select_option(label=school)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_push_pages_render_cleanly(browser_page, district, viewport, tmp_path):
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    jobs = _queue(district)
    page = browser_page.page
    page.set_viewport_size(viewport)

    def shoot(name: str) -> None:
        browser_page.assert_renders_cleanly(name, viewport=viewport, out=out)

    browser_page.login("admin1")
    browser_page.goto("/push/masters/?year=22-23")
    page.get_by_label("Course Catalog").select_option("High School Catalog")
    shoot("push-all-course-masters")
    page.get_by_label("Overwrite existing course and section level data").check()
    page.get_by_role("button", name="Preview").click()
    page.locator("#changes").wait_for()
    shoot("push-all-course-masters-preview")

    _toolbar(browser_page, "22-23", "101 North High")
    browser_page.goto("/push/courses/")
    shoot("push-all-courses")
    # R71, R72: a preview that deletes a teacher's category, its confirmation and the rows it links to
    from sections.models import SectionCategory

    SectionCategory.objects.create(section=district.own_section, name="Reading Log", weight=5, sequence=9)
    page.get_by_label("Overwrite Categories").check()
    page.get_by_role("button", name="Preview").click()
    page.locator("#preview-deletions").wait_for()
    shoot("push-all-courses-preview")
    page.locator("#removed-rows-link").click()
    page.locator("#changes").wait_for()
    shoot("push-preview-confirmation")
    browser_page.goto("/push/queue/")
    shoot("batch-queue")
    browser_page.goto(f"/push/jobs/{jobs['done']}/")
    shoot("job-detail")
    # R73: Undo previews the undo first
    page.get_by_role("button", name="Undo this push…").click()
    page.locator("#changes").wait_for()
    shoot("undo-preview")
    browser_page.goto("/push/notifications/")
    shoot("notifications")
    browser_page.goto(f"/push/to-courses/{district.master.pk}/?year=22-23")
    shoot("push-to-courses")
    browser_page.goto(f"/masters/{district.master.pk}/copy/")
    shoot("copy-course-master")

    browser_page.goto("/push/queue/")
    page.get_by_role("button", name="Switch batch processing off").click()
    browser_page.goto("/push/courses/")
    page.locator("#batch-off-banner").wait_for()
    shoot("push-all-courses-batch-off")
    assert browser_page.console_errors == []
