"""R83 at any size: an applied push that reached sections has its grade impact worked out once, by a
follow-up task after the job's end, and stored with the job (summary and every row); its page shows
what was stored, or that it is being worked out, and offers all the rows as CSV and XLSX; the
result report and the API read it. A foreground push command in process does not work it out
(docs/decisions.md): its job keeps the page's own bounded working out, and a button to ask.

No broker here: the follow-up runs in this process when the job's end commits, as the job does."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from catalog.models import User
from pushjobs import grade_impact
from pushjobs.engine.api import CoursePushOptions
from pushjobs.grade_impact import (
    GRADE_IMPACT_COLUMNS,
    grade_impact_write_csv,
    job_grade_impact,
    job_grade_impact_store,
    job_grade_impact_stored,
)
from pushjobs.models import JobGradeChange, JobGradeImpact, PushJob
from pushjobs.result_report import result_report_write_xlsx
from pushjobs.submit import push_job_submit
from pushjobs.tasks import job_grade_impact_work_out
from pushjobs.worker import push_job_run_inline
from sections.grades import MOVED_TABLE
from tests.grades.gradebook import gradebook_section
from tests.grades.test_r82_queries_chart_cache import _gradebooks

PUSH = CoursePushOptions(school="101", year="22-23")


@pytest.fixture
def gradebook(db):
    return gradebook_section()


def _admin() -> User:
    return User.objects.get(username="admin1")


def _run_now(capture, *, until=None) -> tuple[PushJob, list]:
    """Push All Courses, Run Now, its messages run in this process one after another (each one's own
    on-commit messages after it); with ``until``, stop as soon as it holds and return the rest."""
    with capture(execute=False) as sent:
        job = push_job_submit(user=_admin(), options=PUSH, run_now=True)
    pending = list(sent)
    while pending:
        if until is not None and until(job):
            break
        with capture(execute=False) as more:
            pending.pop(0)()
        pending.extend(more)
    job.refresh_from_db()
    return job, pending


def _rows(impact) -> list:
    return list(impact.rows)


def test_r83_a_completed_push_to_sections_stores_the_impact_its_change_log_gives(
    gradebook, django_capture_on_commit_callbacks
):
    # when Push All Courses runs through the batch queue
    job, _ = _run_now(django_capture_on_commit_callbacks)

    # then its impact was worked out once and stored: the same summary and rows as worked out
    # from the job's change log now
    assert job.status == PushJob.COMPLETED
    record = JobGradeImpact.objects.get(job=job)
    assert record.state == JobGradeImpact.DONE and record.finished_at >= job.finished_at
    stored = job_grade_impact_stored(job=job)
    direct = job_grade_impact(job=job)
    direct_summary, direct_rows = direct.summary, _rows(direct)
    assert stored.summary == direct_summary
    assert _rows(stored) == direct_rows
    assert [(r.student, r.item, r.before_letter, r.after_letter) for r in direct_rows] == [
        ("s0001", "task:Q1G", "A", "B"),
        ("s0001", "task:S1", "A", "B"),
    ]
    assert JobGradeChange.objects.filter(job=job).count() == direct_summary.grades == 2
    assert stored.rows[1:2] == direct_rows[1:2]


def test_r83_the_page_says_the_impact_is_being_worked_out_until_it_is_stored(
    gradebook, client, django_capture_on_commit_callbacks
):
    # given the job finished, its impact asked for and not yet worked out
    job, rest = _run_now(
        django_capture_on_commit_callbacks, until=lambda j: JobGradeImpact.objects.filter(job=j).exists()
    )
    assert rest, "the follow-up runs after the job's end has committed"
    assert job.status == PushJob.COMPLETED  # the job did not wait for it
    client.force_login(_admin())
    url = reverse("pushjobs:job_detail", args=[job.pk])

    # when its page opens, it says so in words and reads no score
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    text = page.content.decode()
    assert "The grade impact is being worked out" in text and 'id="grade-impact-refresh"' in text
    assert 'id="grade-impact-chart"' not in text and "grade-impact-downloads" not in text
    assert not [q for q in queries.captured_queries if "sections_score" in q["sql"] or MOVED_TABLE in q["sql"]]

    # and once the follow-up has run, the same page shows the impact
    while rest:
        rest.pop(0)()
    text = client.get(url).content.decode()
    assert "being worked out" not in text
    assert "In-progress grades changed in 1 section for 1 student: 0 letter grades up, 2 down." in text


def test_r83_the_page_shows_the_stored_impact_above_the_bound_it_works_out_itself(
    gradebook, client, monkeypatch, django_capture_on_commit_callbacks
):
    job, _ = _run_now(django_capture_on_commit_callbacks)
    # when the page may work out no grading item itself
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", 0)
    client.force_login(_admin())
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("pushjobs:job_detail", args=[job.pk]))

    # then it shows what was stored: summary, chart, rows and the downloads, reading no score
    assert not page.context["grade_impact"].too_large
    text = page.content.decode()
    assert "In-progress grades changed in 1 section for 1 student: 0 letter grades up, 2 down." in text
    assert 'id="grade-impact-chart"' in text and "down 5 to 10: 2; none in the others." in text
    assert text.count("80.77% B") == 2
    assert reverse("pushjobs:job_grade_impact_csv", args=[job.pk]) in text
    assert reverse("pushjobs:job_grade_impact_xlsx", args=[job.pk]) in text
    assert not [q for q in queries.captured_queries if "sections_score" in q["sql"] or MOVED_TABLE in q["sql"]]


def test_r83_a_foreground_push_in_process_leaves_its_page_to_ask_for_the_impact(
    gradebook, client, monkeypatch, django_capture_on_commit_callbacks
):
    # given a push command's own job (no --batch) in process: it does not work the impact out
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    assert job.status == PushJob.COMPLETED
    assert not JobGradeImpact.objects.filter(job=job).exists()
    # when its page may not work it out while it opens: it says so, with a button to ask
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", 0)
    client.force_login(_admin())
    url = reverse("pushjobs:job_detail", args=[job.pk])
    text = client.get(url).content.decode()
    assert "more sections than this page can work out" in text
    assert reverse("pushjobs:job_grade_impact_request", args=[job.pk]) in text
    assert client.get(reverse("pushjobs:job_grade_impact_csv", args=[job.pk])).status_code == 404

    # when the district admin asks (POST), it is worked out in the background and stored
    assert client.get(reverse("pushjobs:job_grade_impact_request", args=[job.pk])).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(reverse("pushjobs:job_grade_impact_request", args=[job.pk]))
    assert asked.status_code == 302
    assert JobGradeImpact.objects.get(job=job).state == JobGradeImpact.DONE
    text = client.get(url).content.decode()
    assert "In-progress grades changed in 1 section for 1 student" in text
    assert "more sections than this page can work out" not in text


def test_r83_the_downloads_hold_every_stored_row(gradebook, client, monkeypatch, django_capture_on_commit_callbacks):
    job, _ = _run_now(django_capture_on_commit_callbacks)
    direct = job_grade_impact(job=job)
    expected = io.StringIO()
    grade_impact_write_csv(direct, expected)  # the --grade-impact CSV of cli.md
    client.force_login(_admin())
    # the page lists the first row only; the downloads have them all
    monkeypatch.setattr("pushjobs.preview_views.GRADE_ROWS_SHOWN", 1)
    assert "The first 1 of 2 grades." in client.get(reverse("pushjobs:job_detail", args=[job.pk])).content.decode()

    # the CSV, for scripts: the grade impact CSV's columns and codes, streamed
    response = client.get(reverse("pushjobs:job_grade_impact_csv", args=[job.pk]))
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    got = b"".join(response.streaming_content).decode()
    assert list(csv.reader(io.StringIO(got))) == list(csv.reader(io.StringIO(expected.getvalue())))
    assert next(csv.reader(io.StringIO(got))) == list(GRADE_IMPACT_COLUMNS)

    # the XLSX, for people: headings and items in words, percents as numbers, Yes/No
    response = client.get(reverse("pushjobs:job_grade_impact_xlsx", args=[job.pk]))
    assert "grade-impact.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = [list(r) for r in book["Grade impact"].iter_rows(values_only=True)]
    assert rows[0] == [
        "School",
        "Calendar",
        "Course",
        "Section",
        "Teacher",
        "Student",
        "Item",
        "Term",
        "Percent before",
        "Percent after",
        "Letter before",
        "Letter after",
        "Posted grade differs",
    ]
    assert rows[1:] == [
        [
            "101 North High",
            "22-23",
            "ENG9",
            "1",
            "jdoe",
            "s0001",
            "Q1G Quarter 1 Grade",
            "Q1",
            90,
            80.77,
            "A",
            "B",
            "Yes",
        ],
        [
            "101 North High",
            "22-23",
            "ENG9",
            "1",
            "jdoe",
            "s0001",
            "S1 Semester 1 Grade",
            "Q1",
            90,
            80.77,
            "A",
            "B",
            "No",
        ],
    ]


def test_r83_the_follow_up_delivered_twice_stores_the_impact_once(gradebook, django_capture_on_commit_callbacks):
    job, _ = _run_now(django_capture_on_commit_callbacks)
    record = JobGradeImpact.objects.get(job=job)
    ids = sorted(JobGradeChange.objects.filter(job=job).values_list("pk", flat=True))
    assert len(ids) == 2

    # when its message comes again (twice): nothing is worked out or written again
    with CaptureQueriesContext(connection) as again:
        job_grade_impact_work_out(job.pk)
        job_grade_impact_work_out(job.pk)
    assert sorted(JobGradeChange.objects.filter(job=job).values_list("pk", flat=True)) == ids
    assert JobGradeImpact.objects.get(job=job).finished_at == record.finished_at
    assert not [q for q in again.captured_queries if MOVED_TABLE in q["sql"] or "INSERT" in q["sql"]]
    assert job_grade_impact_store(job_id=job.pk) is False


def test_r83_the_result_report_and_the_api_read_the_stored_impact(
    gradebook, client, django_capture_on_commit_callbacks
):
    job, _ = _run_now(django_capture_on_commit_callbacks)
    # a stored row, told apart from what the change log would give now
    JobGradeChange.objects.filter(job=job, position=1).update(student="stored-0001")

    xlsx = io.BytesIO()
    result_report_write_xlsx(job=job, out=xlsx)
    book = load_workbook(io.BytesIO(xlsx.getvalue()))
    students = [r[5] for r in book["Grade impact"].iter_rows(min_row=2, values_only=True)]
    assert students == ["stored-0001", "s0001"]
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Letter grades down"] == 2

    from tests.api.conftest import api_as

    api = api_as(_admin())
    impact = api.get(f"/jobs/{job.pk}/grade-impact").json()
    assert [r["student"] for r in impact["rows"]] == ["stored-0001", "s0001"]
    assert impact["rows_total"] == 2 and impact["summary"]["letters_down"] == 2


def test_r83_while_the_impact_is_worked_out_the_result_report_and_the_api_say_so_and_read_no_score(
    gradebook, django_capture_on_commit_callbacks
):
    # given the job finished and its impact not yet worked out
    job, rest = _run_now(
        django_capture_on_commit_callbacks, until=lambda j: JobGradeImpact.objects.filter(job=j).exists()
    )
    assert rest and JobGradeImpact.objects.get(job=job).state == JobGradeImpact.WORKING
    from tests.api.conftest import api_as

    api = api_as(_admin())

    # when the result report is downloaded and the API asked, neither works the grades out itself
    xlsx = io.BytesIO()
    with CaptureQueriesContext(connection) as queries:
        result_report_write_xlsx(job=job, out=xlsx)
        impact = api.get(f"/jobs/{job.pk}/grade-impact").json()
    assert not [q for q in queries.captured_queries if "sections_score" in q["sql"] or MOVED_TABLE in q["sql"]]

    # they say it is being worked out, in words for the report's reader
    book = load_workbook(io.BytesIO(xlsx.getvalue()))
    assert "Grade impact" not in book.sheetnames
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Grade impact"].startswith("Being worked out")
    assert "Letter grades down" not in summary
    assert impact["state"] == "working" and impact["rows"] == [] and impact["rows_total"] == 0

    # and once the follow-up has run, both give the impact
    while rest:
        rest.pop(0)()
    impact = api.get(f"/jobs/{job.pk}/grade-impact").json()
    assert impact["state"] == "done" and impact["rows_total"] == 2
    xlsx = io.BytesIO()
    result_report_write_xlsx(job=job, out=xlsx)
    assert "Grade impact" in load_workbook(io.BytesIO(xlsx.getvalue())).sheetnames


def test_r83_a_foreground_push_too_large_for_its_page_is_not_worked_out_by_its_report_or_the_api(
    gradebook, monkeypatch
):
    # given a push command's foreground push, with no impact stored, that changed more section
    # grading items than its job page would work out while it opens
    job, _ = push_job_run_inline(user=_admin(), options=PUSH)
    assert job.status == PushJob.COMPLETED and not JobGradeImpact.objects.filter(job=job).exists()
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", 0)
    from tests.api.conftest import api_as

    api = api_as(_admin())

    # when its result report is downloaded and the API asked
    xlsx = io.BytesIO()
    with CaptureQueriesContext(connection) as queries:
        result_report_write_xlsx(job=job, out=xlsx)
        impact = api.get(f"/jobs/{job.pk}/grade-impact").json()

    # then neither works the grades out (the large district's took 728 MB in the download)
    assert not [q for q in queries.captured_queries if "sections_score" in q["sql"] or MOVED_TABLE in q["sql"]]
    # and both say so, the report in words that tell its reader where to ask for it
    book = load_workbook(io.BytesIO(xlsx.getvalue()))
    assert "Grade impact" not in book.sheetnames
    summary = {r[0]: r[1] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]}
    assert summary["Grade impact"].startswith("Not worked out: this push changed grading setup in too many sections")
    assert "ask for it to be worked out in the background" in summary["Grade impact"]
    assert "Letter grades down" not in summary
    assert impact["state"] == "too_large" and impact["rows"] == [] and impact["rows_total"] == 0

    # and when the page may work out as many items as the push changed, both give the impact
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", 20_000)
    impact = api.get(f"/jobs/{job.pk}/grade-impact").json()
    assert impact["state"] == "done" and impact["rows_total"] == 2
    xlsx = io.BytesIO()
    result_report_write_xlsx(job=job, out=xlsx)
    assert "Grade impact" in load_workbook(io.BytesIO(xlsx.getvalue())).sheetnames


def test_r83_an_undo_and_a_push_that_did_not_reach_sections_store_no_impact(
    gradebook, django_capture_on_commit_callbacks
):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.submit import push_job_undo_submit
    from tests.engine.conftest import CATALOG

    job, _ = _run_now(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        undo = push_job_undo_submit(user=_admin(), job_id=job.pk, run_now=True)
        courses_only = push_job_submit(
            user=_admin(), options=MasterPushOptions(year="22-23", catalog=CATALOG, to_sections=False), run_now=True
        )
    for other in (undo, courses_only):
        other.refresh_from_db()
        assert other.status == PushJob.COMPLETED
        assert not JobGradeImpact.objects.filter(job=other).exists()


@pytest.mark.parametrize(("sections", "students"), [(2, 2), (12, 9)])
def test_r83_storing_the_impact_and_showing_it_take_queries_that_do_not_grow(
    db, client, sections, students, django_capture_on_commit_callbacks
):
    _gradebooks(sections=sections, students=students)
    admin = User.objects.get(username="admin1")
    with django_capture_on_commit_callbacks(execute=True):
        job = push_job_submit(user=admin, options=PUSH, run_now=True)
    assert JobGradeChange.objects.filter(job=job).count() == sections * students * 2
    # when the follow-up works it out again (a restarted job's end asks again) and the page shows it
    JobGradeImpact.objects.filter(job=job).update(state=JobGradeImpact.WORKING)
    with CaptureQueriesContext(connection) as stored:
        assert job_grade_impact_store(job_id=job.pk)
    client.force_login(admin)
    url = reverse("pushjobs:job_detail", args=[job.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as shown:
        client.get(url)
    assert JobGradeChange.objects.filter(job=job).count() == sections * students * 2
    # then as many queries whatever the number of sections and students
    assert len(stored.captured_queries) <= 18, [q["sql"][:80] for q in stored.captured_queries]
    assert len(shown.captured_queries) <= 18, [q["sql"][:80] for q in shown.captured_queries]


def test_r83_a_push_that_failed_after_some_courses_stores_what_they_moved(
    gradebook, settings, django_capture_on_commit_callbacks
):
    from pushjobs.dispatch import push_job_claim, push_job_dispatch_due
    from pushjobs.worker import _push_job_fail, push_job_work_chunk

    settings.PUSH_CHUNK_SIZE = 1
    # given a queued push, claimed, whose first chunk (the section's course first) was pushed
    with django_capture_on_commit_callbacks(execute=False):
        job = push_job_submit(user=_admin(), options=PUSH)
        push_job_dispatch_due()
        job.refresh_from_db()
        assert push_job_claim(job_id=job.pk, token=job.dispatch_token)
        while not PushJob.objects.get(pk=job.pk).courses_done:
            assert push_job_work_chunk(job_id=job.pk)
    # when the job breaks before its other chunks
    with django_capture_on_commit_callbacks(execute=True):
        _push_job_fail(job.pk, "the push command stopped before the push finished")
    job.refresh_from_db()
    assert job.status == PushJob.FAILED and job.courses_done >= 1

    # then what its pushed courses moved is stored, as the change log gives it
    stored = job_grade_impact_stored(job=job)
    direct = job_grade_impact(job=job)
    assert stored.summary == direct.summary
    assert _rows(stored) == _rows(direct) and stored.summary.letters_down == 2


@pytest.mark.browser
def test_r83_the_stored_impact_and_its_downloads_on_the_job_page_in_chromium(browser_page, gradebook):
    from playwright.sync_api import expect

    from tests.conftest import DESKTOP, PHONE

    # given a push run through the queue (in this process), its impact stored at its end
    job = push_job_submit(user=_admin(), options=PUSH, run_now=True)
    assert JobGradeImpact.objects.get(job=job).state == JobGradeImpact.DONE
    page = browser_page.page
    browser_page.login("admin1")
    # when the district admin opens its page
    browser_page.goto(reverse("pushjobs:job_detail", args=[job.pk]))
    impact = page.locator("#grade-impact")
    # then it shows the stored impact and links its downloads, in words
    expect(impact.locator("#grade-impact-summary")).to_contain_text(
        "In-progress grades changed in 1 section for 1 student: 0 letter grades up, 2 down."
    )
    expect(impact.locator('svg[role="img"]')).to_have_count(2)
    expect(impact.locator("table.grade-rows tbody tr")).to_have_count(2)
    expect(impact.get_by_role("link", name="Download the grades (XLSX)")).to_be_visible()
    with page.expect_download() as download:
        impact.get_by_role("link", name="Download the grades (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(GRADE_IMPACT_COLUMNS) and len(lines) == 3
    shots = os.environ.get("SCREENSHOTS_DIR")  # for people to look at (scripts/screenshots.py)
    for viewport, name in ((DESKTOP, "job-grade-impact-stored"), (PHONE, "job-grade-impact-stored-phone")):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        if shots:
            impact.screenshot(path=str(Path(shots) / f"{name}.png"))
    assert browser_page.unexpected_errors() == []


def test_r83_in_process_a_push_above_the_page_bound_is_left_to_its_page_to_ask(
    gradebook, client, monkeypatch, django_capture_on_commit_callbacks
):
    # given no broker and a push that changed more grading items than the page works out itself
    monkeypatch.setattr(grade_impact, "JOB_PAGE_GRADE_ITEMS", 0)
    job, _ = _run_now(django_capture_on_commit_callbacks)
    # then the process that ended it did not work its impact out (it would before returning)
    assert job.status == PushJob.COMPLETED
    assert not JobGradeImpact.objects.filter(job=job).exists()
    # and its page offers to, in words
    client.force_login(_admin())
    text = client.get(reverse("pushjobs:job_detail", args=[job.pk])).content.decode()
    assert "more sections than this page can work out" in text
    assert reverse("pushjobs:job_grade_impact_request", args=[job.pk]) in text
