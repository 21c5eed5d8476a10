"""The push tools' main flows, driven through the real pages in Chromium, asserting what the user sees.

Without a broker (tests) Celery runs tasks in the process that queues them: a Run Now runs
inside the request that submits it, and switching batch processing on from this test runs the
waiting job in this thread while the page in the browser watches.
"""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import District
from pushjobs.engine.api import REPORT_COLUMNS
from pushjobs.models import PushJob, PushResultRow
from pushjobs.submit import batch_processing_set

pytestmark = pytest.mark.browser


def _open_master_tool(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Push All Course Masters").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Push All Course Masters")


def _choose_year(page, year: str) -> None:
    """Pick a year; the page reloads with that year's catalogs.

    The page's script submits the year form on change and hides its "Show catalogs" button
    when it starts: wait for that button to go, or a change made before the script has run
    submits nothing (seen on a busy CI machine), then wait on the reload itself.
    """
    expect(page.locator(".push-year-apply")).to_be_hidden()
    with page.expect_navigation():
        page.get_by_label("Select Year").select_option(year)


def test_r40_r44_r71_district_admin_previews_runs_now_and_downloads_the_report(browser_page, district):
    page = browser_page.page
    browser_page.login("admin1")
    _open_master_tool(page)

    # when they pick 22-23 (the page shows that year's catalogs) and High School Catalog
    _choose_year(page, "22-23")
    expect(page.get_by_label("Course Catalog")).to_contain_text("Middle School Catalog")
    page.get_by_label("Course Catalog").select_option("High School Catalog")
    # only that catalog's calendars are offered, all ticked
    expect(page.get_by_label("22-23 North High (High School Catalog)")).to_be_checked()
    expect(page.get_by_label("22-23 Central Middle (Middle School Catalog)")).to_be_hidden()
    page.get_by_label("Overwrite existing course and section level data").check()
    expect(page.locator("#overwrite-considerations")).to_contain_text("starting over with a clean slate")
    for label in ("Course Info", "Grading Tasks/Standards", "Categories", "Assessments"):
        expect(page.get_by_label(label, exact=True)).to_be_checked()

    # and preview the push: a preview job runs and its page shows the plan; nothing is pushed (R71)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Preview of Push All Course Masters")
    expect(page.locator("#job-status-badge")).to_have_text("Completed")
    expect(page.locator("#job-status")).to_contain_text("Courses changed")
    expect(page.locator("#preview-intro")).to_contain_text("Nothing has been changed")
    preview = PushJob.objects.get()
    assert preview.kind == PushJob.PREVIEW

    # when they run it now from the preview, confirming what an overwrite deletes (R72)
    page.get_by_label(re.compile("I understand this push")).check()
    page.get_by_role("button", name="Run this push now").click()
    job = PushJob.objects.exclude(pk=preview.pk).get()
    expect(page.get_by_role("status").filter(has_text=f"Job {job.pk} submitted to run now")).to_be_visible()
    # then its row in the Batch Queue List reaches Completed
    browser_page.goto("/push/queue/")
    row = page.locator(f'#queue-table tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("High School Catalog")
    expect(row).to_contain_text("Overwrite")

    # and "Get the report" downloads the CSV: the header, then a row per outcome that needs attention
    with page.expect_download() as download_info:
        row.get_by_role("link", name=f"Get the report of job {job.pk}").click()
    download = download_info.value
    assert download.suggested_filename == f"push-job-{job.pk}-report.csv"
    with open(download.path(), newline="", encoding="utf-8") as report:
        lines = list(csv.reader(report))
    assert tuple(lines[0]) == REPORT_COLUMNS
    stored = list(PushResultRow.objects.filter(job=job).order_by("chunk_index", "position"))
    assert len(lines) - 1 == len(stored) > 0
    assert [line[REPORT_COLUMNS.index("outcome")] for line in lines[1:]] == [r.outcome for r in stored]
    assert browser_page.console_errors == []


def test_r41_district_admin_submits_to_batch_for_later_and_cancels(browser_page, district):
    page = browser_page.page
    browser_page.login("admin1")
    _open_master_tool(page)
    _choose_year(page, "22-23")
    page.get_by_label("Course Catalog").select_option("High School Catalog")

    # when they submit to batch for tomorrow 10:15 PM at high priority
    day = timezone.localdate() + timedelta(days=1)
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Time", exact=True).fill("22:15")
    page.get_by_label("Priority").select_option("High")
    page.get_by_role("button", name="Submit to Batch").click()

    # then the list shows it Queued at that time
    job = PushJob.objects.get()
    shown = f"{day:%m/%d/%Y} 10:15 PM"
    expect(page.get_by_role("status").filter(has_text=f"Job {job.pk} submitted to batch for {shown}")).to_be_visible()
    row = page.locator(f'#queue-table tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Queued")
    expect(row).to_contain_text(shown)
    expect(row).to_contain_text("high priority")
    expect(row.get_by_role("link", name=re.compile("Get the report"))).to_have_count(0)

    # when they cancel it
    row.get_by_role("button", name=f"Cancel job {job.pk}").click()
    # then it says so, and the row shows Canceled with Restart offered
    expect(page.get_by_role("status").filter(has_text=f"Job {job.pk} canceled: it will not run.")).to_be_visible()
    row = page.locator(f'#queue-table tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Canceled")
    expect(row.get_by_role("button", name=f"Restart job {job.pk}")).to_be_visible()
    job.refresh_from_db()
    assert job.status == PushJob.CANCELED
    assert browser_page.console_errors == []


def test_r42_batch_processing_off_banner_on_both_tools_and_a_job_waits_then_runs_live(browser_page, district):
    page = browser_page.page
    browser_page.login("admin1")

    # when the district admin switches batch processing off on the Batch Queue List
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Batch Queue").click()
    page.get_by_role("button", name="Switch batch processing off").click()
    expect(page.locator("#batch-off-banner")).to_contain_text("Batch processing is off: queued jobs wait")

    # then both tools say so plainly, with the switch to turn it back on
    _open_master_tool(page)
    banner = page.locator("#batch-off-banner")
    expect(banner).to_contain_text("queued jobs wait until a district admin switches it on")
    expect(banner.get_by_role("button", name="Switch batch processing on")).to_be_visible()
    # the toolbar is on the pages that read its calendar (the home page), not on the master tool
    expect(page.locator("#toolbar-form")).to_have_count(0)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    page.get_by_label("Year", exact=True).select_option(label="22-23")
    page.get_by_label("School", exact=True).select_option(label="101 North High")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Push All Courses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Push All Courses")
    expect(page.locator("#batch-off-banner")).to_contain_text("Batch processing is off: queued jobs wait")
    expect(page.locator("#push-calendar")).to_contain_text("22-23 North High")
    expect(page.locator("#push-caution")).to_contain_text("may change students' grades once classes are in session")

    # when they run a push now, it waits: Queued, and still Queued a while later
    page.get_by_role("button", name="Run Now").click()
    job = PushJob.objects.get()
    row = page.locator(f'#queue-table tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Queued")
    page.wait_for_timeout(2500)
    expect(row).to_contain_text("Queued")
    job.refresh_from_db()
    assert job.status == PushJob.QUEUED

    # when batch processing is switched on (elsewhere), the waiting job runs and the open page
    # shows it completed without being reloaded
    page.evaluate("window.stillTheSamePage = true")
    batch_processing_set(user=district.district_admin, enabled=True)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    expect(page.locator(f'#queue-table tr[data-job="{job.pk}"]')).to_contain_text("Completed", timeout=10_000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert District.current().batch_processing_enabled
    assert browser_page.console_errors == []


def test_r45_notification_leads_to_the_job_page(browser_page, district):
    page = browser_page.page
    browser_page.login("admin1")
    _open_master_tool(page)
    _choose_year(page, "22-23")
    page.get_by_label("Course Catalog").select_option("High School Catalog")
    page.get_by_role("button", name="Run Now").click()
    job = PushJob.objects.get()
    expect(page.locator(f'#queue-table tr[data-job="{job.pk}"]')).to_contain_text("Completed")

    # the header counts the unread notification; the list links to the job
    page.reload()
    bell = page.locator("#notification-bell")
    expect(bell).to_contain_text("1 unread")
    bell.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.locator(".notification-unread")).to_contain_text(f"Job {job.pk} completed")
    page.get_by_role("button", name=re.compile("^Mark read")).click()
    expect(page.locator(".notification-unread")).to_have_count(0)
    expect(page.locator("#notification-bell")).not_to_contain_text("unread")
    page.get_by_role("link", name=f"Open job {job.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Job {job.pk}: Push All Course Masters")
    expect(page.locator("#job-status-badge")).to_have_text("Completed")
    expect(page.get_by_role("link", name="Get the report (XLSX)")).to_be_visible()
    assert browser_page.console_errors == []


def test_r43_progress_of_a_running_job_moves_on_the_open_pages(browser_page, district):
    # given a job a worker is pushing: 1 of 4 courses done (the row is what the pages read)
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.submit import push_job_submit

    job = push_job_submit(
        user=district.district_admin,
        options=MasterPushOptions(year="22-23", catalog="High School Catalog"),
        scheduled_for=timezone.now() + timedelta(hours=1),
    )
    PushJob.objects.filter(pk=job.pk).update(
        status=PushJob.PROCESSING, courses_total=4, courses_done=1, started_at=timezone.now()
    )
    page = browser_page.page
    browser_page.login("admin1")
    browser_page.goto("/push/queue/")
    row = page.locator(f'#queue-table tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Processing")
    expect(row).to_contain_text("1 of 4 courses")
    assert row.locator("progress").get_attribute("value") == "1"
    page.evaluate("window.stillTheSamePage = true")

    # when the worker gets further, the list follows without a reload
    PushJob.objects.filter(pk=job.pk).update(courses_done=3)
    expect(page.locator(f'#queue-table tr[data-job="{job.pk}"]')).to_contain_text("3 of 4 courses")
    assert page.locator(f'#queue-table tr[data-job="{job.pk}"] progress').get_attribute("value") == "3"

    # and the job's own page shows the same, and its report once it is done
    browser_page.goto(f"/push/jobs/{job.pk}/")
    expect(page.locator("#job-status")).to_contain_text("3 of 4 courses done so far")
    PushJob.objects.filter(pk=job.pk).update(
        status=PushJob.COMPLETED, courses_done=4, finished_at=timezone.now(), summary={"courses_changed": 4}
    )
    expect(page.locator("#job-status-badge")).to_have_text("Completed", timeout=10_000)
    expect(page.get_by_role("link", name="Get the report (CSV)")).to_be_visible()
    assert browser_page.console_errors == []
