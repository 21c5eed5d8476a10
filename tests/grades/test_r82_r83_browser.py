"""R82/R83 in Chromium: a district admin previews a category weight change pushed to sections, sees
a named student's grade move from its old percent and letter to the new one (with the chart above
the table), runs it, and the teacher's section page shows the same new grade.

With SCREENSHOTS_DIR set the preview's grade impact is saved at desktop and phone width."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pushjobs.models import PushJob
from tests.conftest import DESKTOP, PHONE
from tests.grades.gradebook import gradebook_section

pytestmark = pytest.mark.browser


@pytest.fixture
def gradebook(db):
    return gradebook_section()


def _grade_row(page, student: str, item: str, term: str):
    return (
        page.locator("#grade-impact table.grade-rows tbody tr")
        .filter(has_text=student)
        .filter(has_text=item)
        .filter(has_text=term)
    )


def test_r82_r83_preview_shows_a_named_students_grade_move_and_the_section_page_has_it_after_the_run(
    browser_page, gradebook
):
    page = browser_page.page
    browser_page.login("admin1")
    # given: the calendar picked in the toolbar, on the home page
    page.get_by_label("Year", exact=True).select_option(label="22-23")
    page.get_by_label("School", exact=True).select_option(label="101 North High")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Push All Courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Push All Courses")

    # when they preview the push of the course's setup to its sections
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of Push All Courses")
    expect(page.locator("#job-status-badge")).to_have_text("Completed")

    # then the grade impact names s0001's Q1G grade: 90.00 % A before, 80.77 % B after
    impact = page.locator("#grade-impact")
    expect(impact.locator("#grade-impact-summary")).to_contain_text(
        "In-progress grades would change in 1 section for 1 student: 0 letter grades up, 2 down."
    )
    row = _grade_row(page, "s0001", "Q1G Quarter 1 Grade", "Q1")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(6)).to_have_text("90.00% A")
    expect(row.locator("td").nth(7)).to_have_text("80.77% B")
    expect(row.locator("td").nth(8)).to_have_text("Yes")  # the posted A now differs
    # and above the table, the chart: both grades down 5 to 10 points, both from A to B
    chart = impact.locator("#grade-impact-chart")
    expect(chart.locator('svg[role="img"]')).to_have_count(2)
    expect(chart.locator('g.bar[data-label="down 5 to 10"]')).to_have_attribute("data-count", "2")
    expect(chart.locator('g.bar[data-label="A → B"]')).to_have_attribute("data-count", "2")
    expect(chart.locator(".chart-summary").first).to_have_text("down 5 to 10: 2; none in the others.")
    expect(chart.locator(".chart-summary").last).to_have_text("A → B: 2.")
    _screenshots(browser_page)

    # when they run it now from the preview
    preview = PushJob.objects.get()
    confirm = page.get_by_label("I understand this push", exact=False)
    if confirm.count():
        confirm.check()
    page.get_by_role("button", name="Run this push now").click()
    job = PushJob.objects.exclude(pk=preview.pk).get()
    expect(page.get_by_role("status").filter(has_text=f"Job {job.pk} submitted to run now")).to_be_visible()
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED

    # then the teacher's section page shows the preview's "after" for s0001
    page.context.clear_cookies()
    browser_page.login("jdoe")
    browser_page.goto(f"/sections/{gradebook.pk}/")
    grade = page.locator("#grades-table tbody tr").filter(has_text="s0001").filter(has_text="Q1G")
    grade = grade.filter(has_text="Q1")
    expect(grade.first.locator("td").nth(2)).to_have_text("80.77")
    expect(grade.first.locator("td").nth(3)).to_have_text("B")
    assert browser_page.unexpected_errors() == []


def _screenshots(browser_page) -> None:
    """The grade impact at desktop and phone width, for people to look at (SCREENSHOTS_DIR)."""
    out = os.environ.get("SCREENSHOTS_DIR")
    if not out:
        return
    page = browser_page.page
    for viewport, name in ((DESKTOP, "preview-grade-impact"), (PHONE, "preview-grade-impact-phone")):
        page.set_viewport_size(viewport)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, width)
        page.locator("#grade-impact").screenshot(path=str(Path(out) / f"{name}.png"))
    page.set_viewport_size(DESKTOP)
