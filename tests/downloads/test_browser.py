"""A large download in Chromium, with a real worker: the district admin clicks the job's report
(XLSX), sees that it is being prepared, and, once the worker has put it together, its link, size
and deletion date; My downloads lists it. Screenshots at 1280 and 375 px (SCREENSHOTS_DIR, e.g.
docs/screenshots):

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/downloads/test_browser.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from downloads.models import PreparedDownload
from tests.batch.test_worker import cluster, redis_url, wait_for  # noqa: F401 (fixtures)
from tests.conftest import DESKTOP, PHONE
from tests.grades.gradebook import gradebook_section

from .test_worker import pushed_on_the_worker

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is unset: no Redis to test with"),
]


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def test_a_large_report_is_prepared_then_downloaded_from_its_page(cluster, browser_page, settings, tmp_path):  # noqa: F811
    out = _shots(tmp_path)
    cluster.env["MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
    gradebook_section()
    cluster.worker("w1")
    job = pushed_on_the_worker(cluster)
    cluster.stop()  # no worker while the page is looked at: the download waits, being prepared
    settings.XLSX_IN_REQUEST_ROWS = 0
    page = browser_page.page
    browser_page.login("admin1")

    # when they click the job's report (XLSX)
    browser_page.goto(f"/push/jobs/{job.pk}/")
    expect(page.get_by_role("link", name="Get the report (XLSX)")).to_have_count(0)
    browser_page.assert_renders_cleanly("job-large-downloads", viewport=DESKTOP, out=out)
    page.get_by_role("button", name="Get the report (XLSX), prepared for you").click()

    # then the page says it is being prepared: what, for which job, asked for when
    expect(page.get_by_role("heading", level=1)).to_have_text("Your download is being prepared")
    expect(page.locator("#download-description")).to_have_text(
        f"The report of push job {job.pk} (Push All Courses, 22-23) (XLSX)"
    )
    expect(page.get_by_role("status")).to_contain_text("being put together in the background")
    browser_page.assert_renders_cleanly("download-being-prepared", viewport=DESKTOP, out=out)
    page.set_viewport_size(PHONE)
    browser_page.assert_renders_cleanly("download-being-prepared", viewport=PHONE, out=out)
    page.set_viewport_size(DESKTOP)

    # when a worker has put it together and they refresh
    cluster.worker("w2")
    download = PreparedDownload.objects.get()
    wait_for(
        lambda: PreparedDownload.objects.filter(pk=download.pk).exclude(state=PreparedDownload.PREPARING).exists(),
        cluster,
        what="the download",
    )
    page.get_by_role("link", name="Refresh").click()

    # then its link, size and deletion date are there, and the file is the report
    expect(page.get_by_role("heading", level=1)).to_have_text("Your download is ready")
    expect(page.locator("#download-deleted")).not_to_be_empty()
    link = page.get_by_role("link", name=f"Download push-job-{job.pk}-report.xlsx")
    expect(link).to_contain_text("KB")
    browser_page.assert_renders_cleanly("download-ready", viewport=DESKTOP, out=out)
    page.set_viewport_size(PHONE)
    browser_page.assert_renders_cleanly("download-ready", viewport=PHONE, out=out)
    page.set_viewport_size(DESKTOP)
    with page.expect_download() as caught:
        link.click()
    saved = caught.value
    assert saved.suggested_filename == f"push-job-{job.pk}-report.xlsx"
    assert load_workbook(io.BytesIO(Path(saved.path()).read_bytes())).sheetnames[:2] == ["Summary", "Rows"]

    # and My downloads, from the user menu, lists it
    page.locator("#user-menu").click()
    page.get_by_role("link", name="My downloads", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My downloads")
    expect(page.locator(f'tr[data-download="{download.pk}"]')).to_contain_text("Ready")
    browser_page.assert_renders_cleanly("my-downloads", viewport=DESKTOP, out=out)
    page.set_viewport_size(PHONE)
    browser_page.assert_renders_cleanly("my-downloads", viewport=PHONE, out=out)
    assert browser_page.unexpected_errors() == []
