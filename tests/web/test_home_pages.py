"""Issue 18: a home page per role that answers its first question at a glance.

District admin: per catalog, the year's linked courses by Course Audit state as a stacked bar per
school, each part a link to the Course Audit filtered to it; residual items by school; the next
and the last jobs. School admin: the same for their schools, and their courses awaiting a push to
sections. Teacher: their sections, with what is pushed and locked. The numbers are the reports'
own; the page reads a fixed number of queries whatever the size of the district."""

from __future__ import annotations

import os
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import SchoolYear
from catalog.toolbar import SESSION_KEY
from tests.conftest import DESKTOP, PHONE

AUDIT = reverse("reports:course_audit")


def _pick_year(client, name: str) -> None:
    session = client.session
    session[SESSION_KEY] = {"year": SchoolYear.objects.get(name=name).pk, "school": None}
    session.save()


def _audit_links(html: str) -> list[dict[str, str]]:
    links = []
    for href in re.findall(r'href="([^"]+)"', html):
        href = unescape(href)
        if href.startswith(AUDIT + "?"):
            links.append({k: v[0] for k, v in parse_qs(urlparse(href).query).items()})
    return links


def _table_counts(html: str, caption_start: str) -> dict[str, list[str]]:
    """The rows of the chart's table: school label -> the cells' numbers."""
    table = html[html.index(caption_start) :]
    table = table[: table.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table, flags=re.S):
        rows[row[0]] = re.findall(r">(\d+)<", row[1])
    return rows


def _audit_states(client, **query) -> dict[str, int]:
    """What the Course Audit page itself says for a school (its summary, in the same words)."""
    from reports.course_audit import CourseAuditReport
    from reports.filters import COURSE_AUDIT, report_filters_resolve

    filters = report_filters_resolve(kind=COURSE_AUDIT, **query)
    return CourseAuditReport(filters).summary()["states"]


def test_district_admin_sees_each_school_by_state_with_the_audit_counts(client, district):
    # given
    client.force_login(district.district_admin)
    _pick_year(client, "22-23")
    # when
    html = client.get(reverse("home")).content.decode()
    # then: a chart per catalog, a table of the same numbers, and they are the Course Audit's
    assert "High School Catalog" in html and "Middle School Catalog" in html
    rows = _table_counts(html, "High School Catalog, 22-23")
    assert set(rows) == {"101 North High", "102 South High"}
    from reports.filters import COURSE_STATES

    for label, cells in rows.items():
        states = _audit_states(client, year="22-23", catalog="High School Catalog", school=label.split()[0])
        assert [int(c) for c in cells] == [*[states[s] for s in COURSE_STATES], sum(states.values())], label
    # the whole is said in words too, for those who do not see the bars
    assert "3 linked courses in 2 schools: 2 desynced, 1 ignored." in html
    assert "1 linked course in 1 school: 1 in sync." in html


def test_each_part_of_a_bar_opens_the_course_audit_filtered_to_it(client, district):
    client.force_login(district.district_admin)
    _pick_year(client, "22-23")
    html = client.get(reverse("home")).content.decode()
    links = _audit_links(html)
    assert links, "no link to the Course Audit"
    for query in links:
        assert set(query) == {"year", "catalog", "school", "state"}
        page = client.get(AUDIT, query)
        assert page.status_code == 200
    # a desynced part opens the audit of exactly that: the desynced course of that school
    desynced = [q for q in links if q["state"] == "desynced"]
    assert desynced, "the fixture has a desynced course"
    page = client.get(AUDIT, desynced[0]).content.decode()
    assert desynced[0]["school"] in page


def test_each_part_of_a_bar_says_its_school_count_and_state_in_words(client, district):
    from reports.dashboard import STATE_LABELS

    client.force_login(district.district_admin)
    _pick_year(client, "22-23")
    html = client.get(reverse("home")).content.decode()
    rows = _table_counts(html, "High School Catalog, 22-23")
    parts = re.findall(
        r'<a href="([^"]+)" aria-label="([^"]+)"><rect class="chart-seg chart-seg-(\w+)" x="[\d.]+" y="0" '
        r'width="[\d.]+" height="10"><title>([^<]+)</title></rect></a>',
        html,
    )
    words = {unescape(label) for _, label, _, _ in parts}
    assert all(label == title for _, label, _, title in parts)
    from reports.filters import COURSE_STATES

    for school, cells in rows.items():
        for state, n in zip(COURSE_STATES, cells[:-1], strict=True):
            said = f"{school}: {n} {STATE_LABELS[state].lower()}"
            assert (said in words) == (int(n) > 0), said
    # and each bar as a whole, for those who do not see it
    bars = {unescape(b) for b in re.findall(r'role="group" aria-label="([^"]+)"', html)}
    for school, cells in rows.items():
        *counts, total = (int(c) for c in cells)
        states = ", ".join(f"{n} {STATE_LABELS[s].lower()}" for s, n in zip(COURSE_STATES, counts, strict=True) if n)
        assert f"{school}: {total} course{'' if total == 1 else 's'}, {states}" in bars


def test_school_admin_sees_only_their_schools_and_sections_awaiting_a_push(client, district):
    client.force_login(district.school_admin)  # principal of 101 and 102
    _pick_year(client, "22-23")
    html = client.get(reverse("home")).content.decode()
    rows = _table_counts(html, "High School Catalog, 22-23")
    assert set(rows) == {"101 North High", "102 South High"}
    assert "Middle School Catalog" not in html  # 201 is not theirs
    assert "Courses awaiting a push to sections" in html
    assert "SCI7" not in html


def test_the_sections_awaiting_list_names_a_course_once_its_setup_changes(client, district):
    # given: a category added at a course after its sections were pushed
    from courses.models import CourseCategory

    client.force_login(district.school_admin)
    _pick_year(client, "22-23")
    before = client.get(reverse("home")).content.decode()
    CourseCategory.objects.create(course=district.own_course, name="Projects", sequence=9, weight=5, state="local")
    # when
    after = client.get(reverse("home")).content.decode()
    # then
    awaiting = after[after.index('id="awaiting-heading"') :]
    assert f'href="/courses/{district.own_course.pk}/"' in awaiting
    assert before != after


def test_jobs_next_and_last_with_their_outcome(client, district):
    from django.core.management import call_command

    call_command("push_all_courses", "--school", "102", "--year", "22-23", stdout=open(os.devnull, "w"))
    client.force_login(district.district_admin)
    html = client.get(reverse("home")).content.decode()
    last = html[html.index('id="last-jobs"') :]
    last = last[: last.index("</ul>")]
    assert "Push All Courses" in last and "Completed" in last
    assert re.search(r"\d+ courses?: \d+ done", last)
    nxt = html[html.index('id="next-jobs"') :]
    assert "No jobs are waiting or running." in nxt[: nxt.index("</ul>")]


def test_teacher_sees_their_sections_with_what_is_pushed_and_locked(client, district):
    client.force_login(district.teacher)
    _pick_year(client, "22-23")
    html = client.get(reverse("home")).content.decode()
    assert "ENG9-1" in html
    assert "ENG9-2" not in html  # msmith's
    section = html[html.index("ENG9-1") :]
    assert "pushed from the course" in section
    pushed = re.search(r"<th scope=\"row\">Categories (.*?)</th><td class=\"text-end\">(\d+)</td>", section, re.S)
    assert pushed, "the categories row"
    assert "Locked" in pushed.group(1)  # the fixture's catalog locks categories
    from sections.models import SectionCategory

    assert int(pushed.group(2)) == SectionCategory.objects.filter(section=district.own_section, state="linked").count()


def test_home_reads_the_same_number_of_queries_for_a_bigger_district(client, db):
    from catalog.models import User
    from exchange.district import district_data_delete, district_import
    from exchange.generator import district_generate

    counts = []
    for schools in (2, 6):
        district_data_delete()
        district_import(district_generate(schools=schools, masters=12, seed=3), replace=True)
        admin = User.objects.filter(role=User.DISTRICT_ADMIN).order_by("pk").first()
        client.force_login(admin)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# ---------------------------------------------------------------------------
# In Chromium: the charts under the CSP, at desktop and phone width, and screenshots
# ---------------------------------------------------------------------------

SHOTS = [("admin1", "dashboard-district-admin"), ("principal", "dashboard-school-admin"), ("jdoe", "dashboard-teacher")]


def _choose_year(page, name: str) -> None:
    page.locator("#id_year").select_option(label=name)
    with page.expect_navigation():
        page.locator("#id_year").evaluate("e => e.form.requestSubmit()")


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_home_pages_in_chromium(browser_page, district, viewport, tmp_path):
    from playwright.sync_api import expect

    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    page = browser_page.page
    page.set_viewport_size(viewport)
    for username, name in SHOTS:
        page.context.clear_cookies()
        browser_page.login(username)
        _choose_year(page, "22-23")
        if username != "jdoe":
            bars = page.locator("svg.chart-bar[role=group]")
            expect(bars.first).to_be_visible()
            # the bars are drawn: each part has a width in the page, from SVG attributes (no inline style)
            box = page.locator("svg.chart-bar[role=group] rect").first.bounding_box()
            assert box and box["width"] > 0
        browser_page.assert_renders_cleanly(name, viewport=viewport, out=out)
    assert browser_page.unexpected_errors() == []


@pytest.mark.browser
def test_a_bar_part_opens_the_filtered_course_audit(browser_page, district):
    from playwright.sync_api import expect

    page = browser_page.page
    browser_page.login("admin1")
    _choose_year(page, "22-23")
    part = page.locator('svg.chart-bar a[aria-label^="101 North High"]').first
    label = part.get_attribute("aria-label")
    part.click()
    page.wait_for_load_state()
    assert "/reports/course-audit/" in page.url and "school=101" in page.url
    expect(page.locator("h1")).to_contain_text("Course Audit")
    assert label
    assert browser_page.unexpected_errors() == []


def test_a_jobs_page_shows_its_courses_done_failed_and_skipped_as_a_bar_and_its_duration(client, district):
    # given: a push of the catalog, in which the fixture's desynced courses fail
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from pushjobs.models import PushJob

    with pytest.raises(CommandError):
        call_command(
            "push_all_course_masters",
            "--year",
            "22-23",
            "--catalog",
            "High School Catalog",
            stdout=open(os.devnull, "w"),
        )
    job = PushJob.objects.get()
    summary = job.summary
    assert job.courses_failed == summary["courses_failed"] > 0
    # when
    client.force_login(district.district_admin)
    html = client.get(reverse("pushjobs:job_detail", args=[job.pk])).content.decode()
    # then: the bar's parts and the legend say the job's own numbers, and how long it took
    bar = html[html.index('class="job-bar"') :]
    bar = bar[: bar.index("</ul>")]
    done = job.courses_done - job.courses_failed - summary["courses_skipped"]
    assert (f">{done} done<" in bar.replace("</svg> ", ">")) if done else (" done<" not in bar)
    assert f"{job.courses_failed} failed" in bar
    assert ("skipped" in bar) == bool(summary["courses_skipped"])
    assert re.search(r"took \d+ min \d\d s", bar)
    assert 'class="chart-seg chart-seg-failed"' in bar
    assert f'aria-label="Job {job.pk}: {job.courses_total} courses: ' in bar


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_finished_jobs_bar_in_chromium(browser_page, district, viewport, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from playwright.sync_api import expect

    from pushjobs.models import PushJob

    with pytest.raises(CommandError):  # the fixture's desynced courses fail
        call_command(
            "push_all_course_masters",
            "--year",
            "22-23",
            "--catalog",
            "High School Catalog",
            stdout=open(os.devnull, "w"),
        )
    job = PushJob.objects.get()
    out = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    page = browser_page.page
    page.set_viewport_size(viewport)
    browser_page.login("admin1")
    browser_page.goto(f"/push/jobs/{job.pk}/")
    bar = page.locator("#job-status .job-bar")
    expect(bar).to_contain_text(f"{job.courses_failed} failed")
    expect(bar).to_contain_text("took ")
    assert page.locator("#job-status svg.chart-bar-job rect.chart-seg-failed").bounding_box()["width"] > 0
    browser_page.assert_renders_cleanly("dashboard-job-progress", viewport=viewport, out=out)
    # and the district admin's home lists it among the last finished jobs, with the same bar
    browser_page.goto("/")
    expect(page.locator("#last-jobs")).to_contain_text(f"Job {job.pk}")
    expect(page.locator("#last-jobs .job-bar")).to_contain_text(f"{job.courses_failed} failed")
    assert browser_page.unexpected_errors() == []
