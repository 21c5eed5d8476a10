"""Issue 14, "Words, not codes": the item forms that name tasks and standards render cleanly in
Chromium at desktop and phone width, their dropdowns and calculations in words. With SCREENSHOTS_DIR
set (docs/screenshots) they are saved as PNGs for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_words_item_forms_render_cleanly_in_words(browser_page, district, viewport, tmp_path):
    from coursemasters.models import MasterComposite

    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    composite = MasterComposite.objects.filter(master=district.master).first()
    course, master = district.own_course.pk, district.master.pk
    page = browser_page.page
    page.set_viewport_size(viewport)
    browser_page.login("admin1")
    for name, path in (
        ("course-grade-calc-option-add", f"/courses/{course}/grade_calc_options/add/"),
        ("course-master-composite-edit", f"/masters/{master}/composite_grades/{composite.pk}/edit/"),
    ):
        response = browser_page.goto(path)
        assert response.status == 200, (name, response.status)
        text = page.locator("main").inner_text()
        assert "task:" not in text and "no_calculation" not in text, name
        browser_page.assert_renders_cleanly(name, viewport=viewport, out=out)
    assert browser_page.unexpected_errors() == []
