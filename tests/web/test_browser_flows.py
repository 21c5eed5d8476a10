"""The main flows, driven through the real pages in Chromium, asserting what the user sees."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sections.models import SectionCategory

pytestmark = pytest.mark.browser


def test_r22_teacher_sees_the_lock_on_a_pushed_category_and_edits_an_own_one(browser_page, district):
    page = browser_page.page
    # given the teacher signed in, on their section
    browser_page.login("jdoe")
    expect(page.get_by_role("heading", name="Welcome, jdoe")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"ENG9-1 English 9")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Section ENG9-1")

    # when they try to edit the category pushed from the course
    page.get_by_role("link", name="Edit category Homework (locked)").click()
    # then they read who manages it, and there is nothing to save
    lock = page.locator("#locked-message")
    expect(lock).to_contain_text("Homework is managed by the district course master ENG9")
    expect(lock).to_contain_text("cannot be edited in the section")
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_label("Weight")).to_be_disabled()

    # when they edit their own category instead
    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Edit category Homework (1)", exact=True).click()
    page.get_by_label("Weight").fill("17.5")
    page.get_by_role("button", name="Save").click()
    # then the section page says so and shows the new weight
    expect(page.get_by_role("status").filter(has_text="Saved the category Homework (1).")).to_be_visible()
    row = page.locator('tr[data-item="Homework (1)"]')
    expect(row).to_contain_text("17.5")
    expect(page.locator('tr[data-item="Homework"]')).to_contain_text("20")
    assert SectionCategory.objects.get(section=district.own_section, name="Homework (1)").weight == Decimal("17.50")
    assert browser_page.console_errors == []


def test_school_admin_is_refused_another_schools_course_and_reaches_push_to_sections(browser_page, district):
    page = browser_page.page
    browser_page.login("principal")

    # when the school admin opens a course of a school they do not manage
    browser_page.goto(f"/courses/{district.other_school_course.pk}/")
    # then the 403 page says why
    expect(page.get_by_role("heading", name="You can't open this page")).to_be_visible()
    expect(page.locator("#forbidden-reason")).to_contain_text("201 Central Middle, which is not one of your schools")

    # when they pick 22-23 in the toolbar and open their own course from the course list
    page.get_by_label("Year", exact=True).select_option(label="22-23")
    page.get_by_label("School", exact=True).select_option(label="101 North High")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#toolbar-summary")).to_contain_text("22-23 North High")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses", exact=True).click()
    page.get_by_role("link", name="ENG9 English 9").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Course ENG9")
    expect(page.locator('tr[data-item="Homework"] .icon-lock')).to_be_visible()
    expect(page.locator('tr[data-item="Homework"]')).to_contain_text(
        "Pushed from master ENG9; locked by catalog High School Catalog"
    )

    # and they reach the Push to Sections confirmation, which insists on being confirmed
    page.get_by_role("link", name="Push to Sections").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Push ENG9 to its sections")
    expect(page.get_by_label("I understand and wish to continue")).not_to_be_checked()
    expect(page.get_by_label("Categories", exact=True)).to_be_checked()
    page.get_by_role("button", name="Push to Sections").click()
    expect(page.get_by_text("Tick “I understand and wish to continue” to push.")).to_be_visible()
    # when they confirm, the push runs and the course page says what it did
    page.get_by_label("I understand and wish to continue").check()
    page.get_by_role("button", name="Push to Sections").click()
    expect(
        page.get_by_role("status").filter(has_text="Pushed ENG9 to its sections: courses: 1 changed")
    ).to_be_visible()
    assert SectionCategory.objects.get(section=district.own_section, name="Participation").state == "linked"
    # nothing complained (CSP, scripts, missing files)
    assert browser_page.unexpected_errors() == []


def test_layout_is_usable_at_phone_width(browser_page, district):
    page = browser_page.page
    page.set_viewport_size({"width": 375, "height": 800})
    browser_page.login("principal")
    # the menu folds behind a labelled button that opens with the keyboard
    toggle = page.get_by_role("button", name="Show or hide the menu")
    expect(toggle).to_be_visible()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses", exact=True)).to_be_visible()
    # and the course page does not scroll sideways as a whole
    browser_page.goto(f"/courses/{district.own_course.pk}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    overflowing = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className).slice(0, 15)"
    )
    assert width <= 375, overflowing
    assert browser_page.console_errors == []
