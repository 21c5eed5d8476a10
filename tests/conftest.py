"""Shared fixtures. Feature-specific fixtures live beside their tests.

Here: the one real Chromium (driven by Playwright) of the browser tests of every folder. It is
defined once: a second session-wide Playwright in the same run cannot start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls of the
# fixtures and of the live server's thread are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# The password browser tests sign in with; fixtures that make their users set it.
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


# ---------------------------------------------------------------------------
# Chromium
# ---------------------------------------------------------------------------


# How long a browser expectation or navigation may wait for its event on a loaded machine
# (Playwright's own default, 5 s, is not enough on a busy 2-core CI machine).
BROWSER_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 800}

# Every form control must have an accessible name (a label, aria-label or labelledby).
UNLABELLED_CONTROLS = """
[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim())
                && !(el.type === 'submit' && el.value))
  .map(el => el.outerHTML.slice(0, 120))
"""


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

    def assert_renders_cleanly(self, name: str, *, viewport: dict, out: Path) -> None:
        """The page as it stands: every control labelled, one h1, no sideways scrolling at this
        width; saved as ``out/<name>.png`` (``<name>-phone.png`` at phone width)."""
        page = self.page
        assert page.evaluate(UNLABELLED_CONTROLS) == [], name
        assert page.locator("h1").count() == 1, name
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, width)
        suffix = "" if viewport is DESKTOP else "-phone"
        page.screenshot(path=str(out / f"{name}{suffix}.png"), full_page=True)


@pytest.fixture
def browser_page(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # CI runs on a busy 2-core machine: expectations wait on the event for up to BROWSER_TIMEOUT_MS.
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield BrowserPage(page=page, base_url=live_server.url, console_errors=errors)
    context.close()
