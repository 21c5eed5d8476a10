"""The Import page in Chromium (issue 16): a district admin uploads a OneRoster package, reads the
dry run, applies it and reads the result; a bad package is refused with its location; a running
import's page follows it by itself. Screenshots at 1280 and 375 px (SCREENSHOTS_DIR, e.g.
docs/screenshots).

Without a broker Celery runs the check and the import in the live server's request that queues
them; the running import below is made as a worker would leave it, then finished from the test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import School, User
from interop.models import ImportJob
from tests.conftest import DESKTOP, PASSWORD, PHONE

from .conftest import district_12, write_package

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_up(district_db):
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_district_admin_uploads_checks_applies_and_reads_the_result(browser_page, signed_up, tmp_path):
    out = _shots(tmp_path)
    page = browser_page.page
    good = write_package(tmp_path / "north-high.zip", district_12())
    bad_files = district_12()
    bad_files["classes"][1]["courseSourcedId"] = "no-such-course"
    bad = write_package(tmp_path / "broken.zip", bad_files)
    browser_page.login("admin1")

    # the Import page, from the navigation
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import")
    # the Ed-Fi option is hidden while OneRoster is chosen, and shown for Ed-Fi
    expect(page.get_by_label("Create masters from these courses (Ed-Fi)")).to_be_hidden()
    page.get_by_label("Ed-Fi 5.x interchange files (a ZIP of XML files)").check()
    expect(page.get_by_label("Create masters from these courses (Ed-Fi)")).to_be_visible()
    expect(page.get_by_label("Delta package: only the changes since the last one (OneRoster)")).to_be_hidden()
    page.get_by_label("OneRoster 1.1 or 1.2 package (a ZIP of CSV files with manifest.csv)").check()
    browser_page.assert_renders_cleanly("import", viewport=DESKTOP, out=out)

    # when they upload a package with a mistake
    page.get_by_label("File (ZIP)").set_input_files(str(bad))
    page.get_by_label("New catalog's name").fill("District Catalog")
    page.get_by_role("button", name="Check the file").click()
    # then it is refused with its file, line and column, and nothing changed
    expect(page.locator("#import-status-badge")).to_have_text("Refused")
    expect(page.locator("#import-error")).to_contain_text(
        'classes.csv line 3 column "courseSourcedId": no course with sourcedId "no-such-course"'
    )
    expect(page.locator("#import-error")).to_contain_text("nothing was changed")
    expect(page.get_by_role("button", name="Apply this import")).to_have_count(0)
    browser_page.assert_renders_cleanly("import-refused", viewport=DESKTOP, out=out)
    refused_url = page.url
    assert not School.objects.filter(number="0101").exists()

    # when they upload the corrected package
    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("File (ZIP)").set_input_files(str(good))
    page.get_by_label("New catalog's name").fill("District Catalog")
    page.get_by_role("button", name="Check the file").click()
    # then the dry run says what it would create, and nothing is created yet
    expect(page.locator("#import-status-badge")).to_have_text("Checked: ready to apply")
    counts = page.locator("#dry-run-counts")
    expect(counts.get_by_role("row", name="Schools created 1")).to_be_visible()
    expect(counts.get_by_role("row", name="Sections created 2")).to_be_visible()
    browser_page.assert_renders_cleanly("import-dry-run", viewport=DESKTOP, out=out)
    job_url = page.url
    assert not School.objects.filter(number="0101").exists()

    # when they apply it
    page.get_by_role("button", name="Apply this import").click()
    # then the import ran as a job, and its page reports what it did
    expect(page.locator("#import-status-badge")).to_have_text("Completed")
    expect(page.locator("#result-counts").get_by_role("row", name="Scores created 1")).to_be_visible()
    assert School.objects.get(number="0101").name == "North High"
    browser_page.assert_renders_cleanly("import-result", viewport=DESKTOP, out=out)

    # and the Import page lists both uploads
    page.get_by_role("link", name="Import", exact=True).first.click()
    expect(page.locator("table.import-jobs tbody tr")).to_have_count(2)

    # the same pages on a phone
    page.set_viewport_size(PHONE)
    for name, url in (("import", "/import/"), ("import-refused", refused_url), ("import-result", job_url)):
        page.goto(url if url.startswith("http") else browser_page.base_url + url)
        browser_page.assert_renders_cleanly(name, viewport=PHONE, out=out)
    assert browser_page.unexpected_errors() == []


def test_a_running_import_page_follows_it_until_it_ends(browser_page, signed_up, tmp_path):
    out = _shots(tmp_path)
    page = browser_page.page
    admin = User.objects.get(username="admin1")
    # given an import a worker is running, a third of the way through the users
    job = ImportJob.objects.create(
        format=ImportJob.ONEROSTER,
        catalog="District Catalog",
        file_name="district-2025.zip",
        file_size=123_456,
        requested_by=admin,
        applied_by=admin,
        status=ImportJob.RUNNING,
        started_at=timezone.now(),
        dry_run={"counts": {"users created": 300}, "warnings": []},
        progress={"what": "importing users.csv", "done": 100, "total": 300},
    )
    browser_page.login("admin1")
    browser_page.goto(f"/import/{job.pk}/")
    expect(page.locator("#import-status-badge")).to_have_text("Importing")
    expect(page.locator("#import-progress-text")).to_have_text("Importing users.csv: 100 of 300")
    browser_page.assert_renders_cleanly("import-running", viewport=DESKTOP, out=out)
    page.set_viewport_size(PHONE)
    browser_page.assert_renders_cleanly("import-running", viewport=PHONE, out=out)

    # when the worker gets further, the page's bar moves without a reload
    ImportJob.objects.filter(pk=job.pk).update(progress={"what": "importing results.csv", "done": 50, "total": 80})
    expect(page.locator("#import-progress-text")).to_have_text("Importing results.csv: 50 of 80")
    assert page.locator("#import-progress-bar").evaluate("bar => [bar.value, bar.max]") == [50, 80]

    # and when it ends, the page shows the result by itself
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.COMPLETED,
        finished_at=timezone.now(),
        progress={},
        result={"counts": {"users created": 300}, "warnings": []},
    )
    expect(page.locator("#import-status-badge")).to_have_text("Completed")
    expect(page.locator("#result-counts").get_by_role("row", name="Users created 300")).to_be_visible()
    assert browser_page.unexpected_errors() == []
