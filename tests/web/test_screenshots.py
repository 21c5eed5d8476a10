"""The main pages render in Chromium without a complaint (CSP, scripts, missing
files), at desktop and phone width, every control labelled.

With SCREENSHOTS_DIR set (scripts/screenshots.py sets docs/screenshots) the
pages are also saved as PNGs for people to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


def _pages(district):
    from sections.models import SectionCategory

    pushed = SectionCategory.objects.get(section=district.own_section, name="Homework")
    course, section, master = district.own_course.pk, district.own_section.pk, district.master.pk
    # Every page of every role (the push tools, job pages and reports have their own tests' shots).
    return [
        ("admin1", "home-district-admin", "/"),
        ("admin1", "catalog-list", "/catalogs/"),
        ("admin1", "catalog-locks", f"/catalogs/{district.catalog.pk}/"),
        ("admin1", "course-master", f"/masters/{master}/"),
        ("admin1", "course-master-info", f"/masters/{master}/info/"),
        ("admin1", "course-master-category-add", f"/masters/{master}/categories/add/"),
        ("admin1", "course-list-district-admin", "/courses/"),
        ("admin1", "course-link-master", f"/courses/{course}/link/"),
        ("admin1", "section-list-district-admin", "/sections/"),
        ("principal", "home-school-admin", "/"),
        ("principal", "course-list", "/courses/"),
        ("principal", "course-with-locks", f"/courses/{course}/"),
        ("principal", "course-info", f"/courses/{course}/info/"),
        ("principal", "course-category-add", f"/courses/{course}/categories/add/"),
        ("principal", "push-to-sections-confirmation", f"/push/to-sections/{course}/"),
        ("principal", "section-list", "/sections/"),
        ("principal", "section-school-admin", f"/sections/{section}/"),
        ("principal", "push-all-courses-school-admin", "/push/courses/"),
        ("principal", "batch-queue-school-admin", "/push/queue/"),
        ("principal", "report-index-school-admin", "/reports/"),
        ("principal", "notifications-school-admin", "/push/notifications/"),
        ("jdoe", "home-teacher", "/"),
        ("jdoe", "teacher-my-sections", "/sections/"),
        ("jdoe", "teacher-section", f"/sections/{section}/"),
        ("jdoe", "teacher-category-add", f"/sections/{section}/categories/add/"),
        ("jdoe", "teacher-pushed-category-locked", f"/sections/{section}/categories/{pushed.pk}/edit/"),
        ("jdoe", "teacher-notifications-empty", "/push/notifications/"),
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_main_pages_render_cleanly(browser_page, district, viewport, tmp_path):
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = browser_page.page
    page.set_viewport_size(viewport)
    signed_in = None
    for username, name, path in _pages(district):
        if username != signed_in:
            page.context.clear_cookies()
            browser_page.login(username)
            signed_in = username
        response = browser_page.goto(path)
        assert response.status == 200, (name, response.status)
        browser_page.assert_renders_cleanly(name, viewport=viewport, out=out)
    assert browser_page.unexpected_errors() == []
