"""R74 in Chromium: a school admin's web edit and a district admin's push, then the course's
History tab, its filter and its download link, as a person sees them.

With SCREENSHOTS_DIR set the tab is saved as a PNG for people to look at:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/history/test_r74_browser.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coursemasters.models import MasterCategory

pytestmark = pytest.mark.browser


def test_r74_course_history_tab_after_a_web_edit_and_a_push(browser_page, district, tmp_path):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.worker import push_job_run_inline

    page = browser_page.page
    course = district.own_course
    # given a school admin who changes the weight of the course's own category in its form
    browser_page.login("principal")
    browser_page.goto(f"/courses/{course.pk}/")
    page.get_by_role("link", name="Edit category Participation").click()
    page.get_by_label("Weight").fill("7")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Course {course.number}")
    # and a district admin's push that adds a category from the master
    MasterCategory.objects.create(master=district.master, name="Projects", weight=10, sequence=9)
    job, _ = push_job_run_inline(
        user=district.district_admin,
        options=MasterPushOptions(year="22-23", catalog="High School Catalog", master="ENG9", mode="overwrite"),
    )

    # when the school admin opens the course's History tab
    browser_page.goto(f"/courses/{course.pk}/")
    page.get_by_role("link", name="History", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Course {course.number}")
    expect(page.locator("#history-tab")).to_have_attribute("aria-current", "page")

    # then the push's rows come first, with a link to the job, and the web edit after them
    rows = page.locator("table.history-rows tbody tr")
    expect(rows.first).to_contain_text("Push")
    expect(page.get_by_role("link", name=f"job {job.pk}").first).to_be_visible()
    projects = rows.filter(has=page.get_by_role("cell", name="Projects", exact=True))
    expect(projects).to_contain_text("Created")
    web = rows.filter(has_text="Participation").filter(has_text="Web page")
    expect(web).to_contain_text("principal")
    expect(web.locator(".history-before")).to_contain_text("weight: 5.00")
    expect(web.locator(".history-after")).to_contain_text("weight: 7.00")
    assert "weight" not in (web.locator("td").nth(3).inner_text()).lower()  # the data type cell is words

    # and filtering by how keeps only the web edit
    page.get_by_label("How", exact=True).select_option(label="Web page")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.history-rows caption")).to_have_text("1 change, filtered")
    expect(page.locator("#history-csv")).to_have_attribute("href", f"/history/course/{course.pk}/history.csv?how=web")

    # the tab at both widths, every control labelled and nothing wider than the screen
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    page.get_by_label("How", exact=True).select_option(label="Any way")
    page.get_by_role("button", name="Filter").click()
    from tests.conftest import DESKTOP, PHONE

    browser_page.assert_renders_cleanly("history-course", viewport=DESKTOP, out=out)
    page.set_viewport_size(PHONE)
    browser_page.assert_renders_cleanly("history-course", viewport=PHONE, out=out)
    assert browser_page.unexpected_errors() == []
