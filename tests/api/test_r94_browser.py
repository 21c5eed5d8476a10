"""R94 in Chromium: the browsable docs render every operation under the site's CSP (no console
error: a blocked script or style is one), and a user makes a token from the user menu."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from api.models import ApiToken
from tests.batch.conftest import district_build
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_r94_docs_render_under_the_csp(browser_page, transactional_db):
    page = browser_page.page
    browser_page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Grading Push API")).to_be_visible()
    expect(page.get_by_text("/api/v1/pushes/courses/{course_id}/sections")).to_be_visible()
    assert browser_page.console_errors == []


def test_r94_a_user_makes_a_token_from_the_user_menu(browser_page, transactional_db):
    d = district_build()
    d.school_admin.set_password(PASSWORD)
    d.school_admin.save()
    page = browser_page.page
    browser_page.login("sadmin")
    page.get_by_role("button", name="sadmin").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Token name").fill("Nightly SIS sync")
    page.get_by_role("button", name="Make a token").click()
    token = page.get_by_label("New token").input_value()
    assert len(token) > 40
    expect(page.locator("#token-table")).to_contain_text("Nightly SIS sync")
    assert ApiToken.objects.get(user=d.school_admin).prefix == token[:8]
    page.reload()
    expect(page.get_by_label("New token")).to_have_count(0)
    assert browser_page.console_errors == []
