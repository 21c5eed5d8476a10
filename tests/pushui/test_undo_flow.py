"""R71-R73, R75 through the real pages in Chromium: a district admin previews an overwrite push that
deletes a teacher's category, sees it in the preview's rows, confirms and runs it, undoes it and
sees the category back on the section's page; the teacher is told what the push did.

Without a broker (tests) Celery runs a queued job in the process that queues it, once the request
that records it commits: the preview and the jobs have run by the time their pages open.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pushjobs.models import PushJob
from sections.models import SectionCategory
from tests.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _toolbar(page, year: str, school: str) -> None:
    page.get_by_label("Year", exact=True).select_option(label=year)
    page.get_by_label("School", exact=True).select_option(label=school)
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()


def _no_codes(page) -> None:
    """Words for people: no internal codes on the page."""
    text = page.locator("main").inner_text() if page.locator("main").count() else page.inner_text("body")
    for code in ("kept_residual", "grading_tasks", "renamed_teacher_item", "True", "False", "None"):
        assert re.search(rf"\b{code}\b", text) is None, code


def test_r71_r72_r73_r75_preview_confirm_run_undo_and_the_teacher_is_told(browser_page, district, tmp_path):
    # given jdoe's own category in ENG9-1, with no assignments: Overwrite Categories deletes it
    SectionCategory.objects.create(section=district.own_section, name="Reading Log", weight=5, sequence=9)
    page = browser_page.page
    browser_page.login("admin1")
    _toolbar(page, "22-23", "101 North High")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Push All Courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Push All Courses")

    # when the district admin runs an Overwrite Categories push now
    page.get_by_label("Overwrite Categories").check()
    page.get_by_role("button", name="Run Now").click()

    # then it is not run: its preview opens, naming what it deletes
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of Push All Courses")
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW
    expect(page.locator("#job-status-badge")).to_have_text("Completed")
    deletions = page.locator("#preview-deletions")
    expect(deletions).to_contain_text(re.compile(r"This push deletes \d+ items? in 1 course and \d+ sections?"))
    expect(deletions).to_contain_text("made by teachers in their sections")
    _no_codes(page)

    # and its rows filtered to the deletions show the teacher's category
    deletions.get_by_role("link", name=re.compile("^See the")).click()
    rows = page.locator("#changes table.change-rows tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.get_by_label("Changes", exact=True)).to_have_value("removed")
    reading = rows.filter(has_text="Reading Log")
    expect(reading).to_have_count(1)
    expect(reading).to_contain_text("Removed")
    expect(reading).to_contain_text("jdoe")
    expect(reading).to_contain_text("state: made by the teacher")
    for n in range(rows.count()):
        expect(rows.nth(n)).to_contain_text("Removed")

    # when they run it without confirming, it is refused; once confirmed, it runs
    page.get_by_role("button", name="Run this push now").click()
    expect(page.get_by_role("alert").filter(has_text="Tick the box to confirm the deletions first.")).to_be_visible()
    page.get_by_label(re.compile("I understand this push deletes")).check()
    page.get_by_role("button", name="Run this push now").click()
    pushed = PushJob.objects.get(kind=PushJob.PUSH_ALL_COURSES)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Job {pushed.pk}: Push All Courses")
    expect(page.locator("#job-status-badge")).to_have_text("Completed")
    expect(page.locator("#changes")).to_contain_text("Reading Log")
    assert not SectionCategory.objects.filter(section=district.own_section, name="Reading Log").exists()
    _no_codes(page)

    # when they undo it: the undo's preview first, which would put the category back
    page.get_by_role("button", name="Undo this push…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Preview of Undo of job {pushed.pk}")
    expect(page.locator("#job-status-badge")).to_have_text("Completed")
    back = page.locator("#changes table.change-rows tbody tr").filter(has_text="Reading Log")
    expect(back).to_contain_text("Created")
    page.get_by_role("button", name="Undo this push").click()
    undo = PushJob.objects.get(kind=PushJob.UNDO)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Job {undo.pk}: Undo of job {pushed.pk}")
    expect(page.locator("#job-status-badge")).to_have_text("Completed")
    expect(page.locator("#undo-of")).to_contain_text(f"This job undoes job {pushed.pk}")

    # then the category is back on the section's page
    browser_page.goto(f"/sections/{district.own_section.pk}/")
    expect(page.locator("main")).to_contain_text("Reading Log")

    # and the undo is in the Batch Queue List beside the push and the preview
    browser_page.goto("/push/queue/")
    expect(page.locator(f'#queue-table tr[data-job="{undo.pk}"]')).to_contain_text(f"Undo of job {pushed.pk}")
    expect(page.locator(f'#queue-table tr[data-job="{preview.pk}"]')).to_contain_text("Preview of Push All Courses")
    assert browser_page.unexpected_errors() == []

    # and the teacher's notifications say what the push did to their section
    page.context.clear_cookies()
    browser_page.login("jdoe")
    browser_page.goto("/push/notifications/")
    told = page.locator(".notification").filter(has_text=f"Job {pushed.pk} (")
    expect(told).to_contain_text("Reading Log")
    expect(told).to_contain_text("ENG9 section 1")
    # a teacher may not open a district admin's job: no link that would be refused
    expect(told.get_by_role("link", name=re.compile("^Open job"))).to_have_count(0)
    _no_codes(page)
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        browser_page.assert_renders_cleanly("teacher-notifications", viewport=viewport, out=out)
    assert browser_page.unexpected_errors() == []
