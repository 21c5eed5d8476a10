"""The report pages in Chromium: they render without a complaint (CSP, scripts, missing
files) at desktop and phone width, every control labelled, and the filters work by hand.

With SCREENSHOTS_DIR set the pages are saved as docs/screenshots/report-*.png:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/reports/test_browser.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DESKTOP, PHONE
from tests.conftest import PASSWORD as WEB_PASSWORD

from .conftest import CATALOG, YEAR, category, course, load, master, pushed_course, section
from .test_pages import add_schools, behind_section

pytestmark = pytest.mark.browser


@pytest.fixture
def shown_district(district):
    """Something in every report: a changed master, a desynced, an ignored and a
    course-controlled course, residual data with teacher data, sections behind their course."""
    master(district)["categories"][0]["weight"] = "30.00"
    master(district)["categories"].append(category("Labs", "5.00", 3))
    district["courses"][1] = pushed_course("102", ignore_master_push=True)
    course(district, "101")["standards"][0].update(state="unlinked", score_group="A-F")
    add_schools(district, 6)
    for c in district["courses"][-3:]:
        c["standards"][0].update(state="linked", score_group="1-4")  # these three are not desynced
    section(district, "2")["categories"][1]["weight"] = "60.00"
    district["sections"].append(behind_section("3"))
    load(district)
    from catalog.models import User

    for user in User.objects.all():
        user.set_password(WEB_PASSWORD)
        user.save(update_fields=["password"])
    return district


PAGES = [
    ("report-index", "/reports/"),
    ("report-master-awaiting-push", f"/reports/master-awaiting-push/?year={YEAR}&catalog={CATALOG}"),
    ("report-course-awaiting-push", f"/reports/course-awaiting-push/?year={YEAR}&school=101"),
    ("report-residual", f"/reports/residual/?year={YEAR}"),
    ("report-course-audit", f"/reports/course-audit/?year={YEAR}&catalog={CATALOG}"),
]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_report_pages_render_cleanly(browser_page, shown_district, viewport, tmp_path):
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = browser_page.page
    page.set_viewport_size(viewport)
    browser_page.login("admin")
    for name, path in PAGES:
        response = browser_page.goto(path)
        assert response.status == 200, (name, response.status)
        browser_page.assert_renders_cleanly(name, viewport=viewport, out=out)
    assert browser_page.unexpected_errors() == []


def test_filtering_the_course_audit_by_hand(browser_page, shown_district):
    page = browser_page.page
    browser_page.login("admin")
    browser_page.goto("/reports/course-audit/")

    page.get_by_label("Course state").select_option("ignored")
    page.get_by_role("button", name="Show report").click()
    page.wait_for_load_state()

    states = page.locator("#report-table tr.audit-course-row .col-state").all_inner_texts()
    assert [s.strip() for s in states] == ["Ignored"]
    assert "102 South High" in page.locator("#report-table").inner_text()
    # The state counts link to the same filter.
    page.locator("#report-summary a[data-state=desynced]").click()
    page.wait_for_load_state()
    states = page.locator("#report-table tr.audit-course-row .col-state").all_inner_texts()
    assert states and {s.strip() for s in states} == {"Desynced"}
    assert browser_page.unexpected_errors() == []
