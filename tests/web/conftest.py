"""Web page fixtures: the small hand-made district (exchange format), signed-in
clients per role, and a real Chromium driven by Playwright for browser tests."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the
# fixtures and of the live server's thread are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "district-small.json"
PASSWORD = "web-tests-password-1"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class District:
    """Handles on the records the web tests talk about (natural keys from district-small.json)."""

    district_admin: object
    school_admin: object  # principal of 101 and 102
    teacher: object  # jdoe: ENG9-1 at 101
    other_teacher: object  # msmith: ENG9-2 at 101, SCI7-1 at 201
    own_course: object  # 101 22-23 ENG9, linked to master ENG9
    other_school_course: object  # 201 22-23 SCI7
    own_section: object  # ENG9-1, jdoe's
    other_section: object  # ENG9-2, msmith's
    catalog: object
    master: object


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def district(db) -> District:
    from catalog.exchange import district_import
    from catalog.models import CourseCatalog, User
    from coursemasters.models import CourseMaster
    from courses.models import Course
    from sections.models import Section

    district_import(json.loads(FIXTURE.read_text()))
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])

    def course(school: str, number: str, year: str = "22-23") -> Course:
        return Course.objects.get(calendar__school__number=school, calendar__year__name=year, number=number)

    eng9 = course("101", "ENG9")
    return District(
        district_admin=User.objects.get(username="admin1"),
        school_admin=User.objects.get(username="principal"),
        teacher=User.objects.get(username="jdoe"),
        other_teacher=User.objects.get(username="msmith"),
        own_course=eng9,
        other_school_course=course("201", "SCI7"),
        own_section=Section.objects.get(course=eng9, number="1"),
        other_section=Section.objects.get(course=eng9, number="2"),
        catalog=CourseCatalog.objects.get(name="High School Catalog"),
        master=CourseMaster.objects.get(catalog__name="High School Catalog", number="ENG9"),
    )


# ---------------------------------------------------------------------------
# Chromium
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    """A page plus what the browser complained about (CSP violations are console errors)."""

    page: object
    base_url: str
    console_errors: list

    def unexpected_errors(self) -> list[str]:
        """Console errors other than the browser's note of a 400 or 403 answer the test asked for."""
        expected = ("status of 400 (Bad Request)", "status of 403 (Forbidden)")
        return [e for e in self.console_errors if not e.endswith(expected)]

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str) -> None:
        self.goto("/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield BrowserPage(page=page, base_url=live_server.url, console_errors=errors)
    context.close()
