"""R83 on the job page: an applied push that reached sections shows the grade impact its preview
showed (R82): the summary, the chart above the table (issue 18: server-drawn SVG with its text
summary, nothing the Content-Security-Policy refuses) and the table of grades.

With SCREENSHOTS_DIR set the job's grade impact is saved at desktop and phone width:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/pushui/test_r83_applied_job_grade_impact.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from catalog.models import User
from pushjobs.engine.api import CoursePushOptions
from pushjobs.grade_impact import grade_impact_of_changes
from pushjobs.models import PushJob
from pushjobs.worker import push_job_run_inline
from sections.grades import MOVED_TABLE
from tests.conftest import DESKTOP, PHONE
from tests.engine.conftest import CATALOG
from tests.grades.gradebook import gradebook_section

PUSH = CoursePushOptions(school="101", year="22-23")


@pytest.fixture
def gradebook(db):
    return gradebook_section()


def _admin() -> User:
    return User.objects.get(username="admin1")


def test_r83_the_applied_jobs_page_shows_the_grade_impact_its_dry_run_gave(gradebook, client):
    # given what a dry run of Push All Courses says it would do to grades
    _, dry = push_job_run_inline(user=_admin(), options=PUSH, dry_run=True)
    would = grade_impact_of_changes(dry.changes)
    would_summary, would_rows = would.summary, list(would.rows)
    assert would_summary.letters_down == 2
    # when the push is run and its page opened
    job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    assert job.status == PushJob.COMPLETED
    client.force_login(_admin())
    page = client.get(reverse("pushjobs:job_detail", args=[job.pk]))
    # then the page carries the same summary, chart and rows
    impact = page.context["grade_impact"]
    assert impact.summary == would_summary
    assert list(impact.rows) == would_rows
    text = page.content.decode()
    assert "In-progress grades changed in 1 section for 1 student: 0 letter grades up, 2 down." in text
    assert 'id="grade-impact-chart"' in text and 'role="img"' in text
    assert "down 5 to 10: 2; none in the others." in text
    assert "90.00% A" in text and "80.77% B" in text
    # and it is computed once: a second look at the page is served from what the first kept
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("pushjobs:job_detail", args=[job.pk]))
    assert again.context["grade_impact"].summary == would_summary
    assert list(again.context["grade_impact"].rows) == would_rows
    assert not [q for q in queries.captured_queries if MOVED_TABLE in q["sql"]]


def test_r83_a_push_that_did_not_reach_sections_and_its_undo_show_no_grade_impact(gradebook, client):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.worker import push_job_undo_run

    client.force_login(_admin())
    # a master push to courses only changes no section's setup: its page has no grade impact
    master_push = MasterPushOptions(year="22-23", catalog=CATALOG, to_sections=False)
    job, _ = push_job_run_inline(user=_admin(), options=master_push)
    page = client.get(reverse("pushjobs:job_detail", args=[job.pk]))
    assert page.context["grade_impact"] is None and 'id="grade-impact"' not in page.content.decode()
    # the undo of a push that moved grades is a job of its own, whose page does not claim them
    pushed_job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    undo, _ = push_job_undo_run(user=_admin(), job_id=pushed_job.pk)
    page = client.get(reverse("pushjobs:job_detail", args=[undo.pk]))
    assert page.context["grade_impact"] is None and 'id="grade-impact"' not in page.content.decode()


def test_r83_a_push_too_large_to_work_out_while_the_page_opens_says_so(gradebook, client, monkeypatch):
    from django.core.cache import cache

    from catalog.setup_types import SECTION
    from pushjobs import grade_impact
    from pushjobs.models import ChangeRow

    cache.clear()  # the page keeps a job's impact by its number, which another test's job may share
    job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    changed = ChangeRow.objects.filter(
        job=job, level=SECTION, data_type__in=["categories", "grade_calc_options", "composite_grades"]
    ).count()
    assert changed >= 1
    client.force_login(_admin())
    # when the page may work out one item fewer than the push changed: it says so and reads no score
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", changed - 1)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("pushjobs:job_detail", args=[job.pk]))
    assert page.context["grade_impact"].too_large
    text = page.content.decode()
    assert "more sections than this page can work out students' grades for" in text
    assert 'id="grade-impact-chart"' not in text
    assert not [q for q in queries.captured_queries if MOVED_TABLE in q["sql"]]
    # and when it may work out as many as it changed, the page shows them
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", changed)
    page = client.get(reverse("pushjobs:job_detail", args=[job.pk]))
    assert not page.context["grade_impact"].too_large
    assert "In-progress grades changed in 1 section for 1 student" in page.content.decode()


@pytest.mark.browser
def test_r83_applied_job_page_shows_the_grade_impact_chart_and_its_words_in_chromium(browser_page, gradebook):
    # given Push All Courses run for 101 22-23, moving s0001's and s0002's Q1G grades
    job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    assert job.status == PushJob.COMPLETED
    page = browser_page.page
    browser_page.login("admin1")
    # when the district admin opens the job's page
    browser_page.goto(reverse("pushjobs:job_detail", args=[job.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Job {job.pk}")
    # then its grade impact says what changed, in words
    impact = page.locator("#grade-impact")
    expect(impact.get_by_role("heading", name="Grade impact")).to_be_visible()
    expect(impact.locator("#grade-impact-summary")).to_contain_text(
        "In-progress grades changed in 1 section for 1 student: 0 letter grades up, 2 down."
    )
    # and draws it above the table: two charts, each an image named by its title and described
    # by its text summary
    chart = impact.locator("#grade-impact-chart")
    expect(chart.locator('svg[role="img"]')).to_have_count(2)
    expect(page.get_by_role("img", name="Change in percent")).to_be_visible()
    expect(page.get_by_role("img", name="Letter grades, from → to")).to_be_visible()
    expect(chart.locator('g.bar[data-label="down 5 to 10"]')).to_have_attribute("data-count", "2")
    expect(chart.locator('g.bar[data-label="A → B"]')).to_have_attribute("data-count", "2")
    expect(chart.locator("#grade-change-summary")).to_have_text("down 5 to 10: 2; none in the others.")
    expect(chart.locator("#letter-moves-summary")).to_have_text("A → B: 2.")
    chart_box = chart.bounding_box()
    table = impact.locator("table.grade-rows")
    assert chart_box["y"] + chart_box["height"] <= table.bounding_box()["y"]
    row = table.locator("tbody tr").filter(has_text="s0001").filter(has_text="Q1G Quarter 1 Grade")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(6)).to_have_text("90.00% A")
    expect(row.locator("td").nth(7)).to_have_text("80.77% B")
    expect(row.locator("td").nth(8)).to_have_text("Yes")
    expect(impact.locator("#grade-rows-count")).to_have_text("2 grades.")
    # nothing the page's policy refuses (an inline script or style is a console error)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (viewport, width)
        expect(chart.locator('svg[role="img"]').first).to_be_visible()
    page.set_viewport_size(DESKTOP)
    assert browser_page.unexpected_errors() == []
    _screenshots(browser_page)


def _screenshots(browser_page) -> None:
    """The job's grade impact at desktop and phone width, for people to look at (SCREENSHOTS_DIR)."""
    out = os.environ.get("SCREENSHOTS_DIR")
    if not out:
        return
    page = browser_page.page
    for viewport, name in ((DESKTOP, "job-grade-impact"), (PHONE, "job-grade-impact-phone")):
        page.set_viewport_size(viewport)
        page.locator("#grade-impact").screenshot(path=str(Path(out) / f"{name}.png"))
    page.set_viewport_size(DESKTOP)
