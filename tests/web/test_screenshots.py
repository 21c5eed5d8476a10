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
    return [
        ("admin1", "home-district-admin", "/"),
        ("admin1", "catalog-locks", f"/catalogs/{district.catalog.pk}/"),
        ("admin1", "course-master", f"/masters/{district.master.pk}/"),
        ("principal", "home-school-admin", "/"),
        ("principal", "course-with-locks", f"/courses/{district.own_course.pk}/"),
        ("principal", "push-to-sections-confirmation", f"/push/to-sections/{district.own_course.pk}/"),
        ("jdoe", "home-teacher", "/"),
        ("jdoe", "teacher-section", f"/sections/{district.own_section.pk}/"),
        ("jdoe", "teacher-pushed-category-locked", f"/sections/{district.own_section.pk}/categories/{pushed.pk}/edit/"),
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
