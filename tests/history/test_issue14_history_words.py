"""Issue 14, "Words, not codes", on the History tab and its XLSX: tasks and standards by code and
name ("S1 Semester 1 Grade"), never by their reference ("task:S1"), in the Item column and in the
values before and after, for records and for a push's change rows alike; the names of a whole page
read with one query; the CSV, for scripts, keeps the reference (docs/reports.md)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

REF = re.compile(r"\b(task|standard):(?=\S)")  # a reference, not the field "standard: ..."


def _text(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _s1(master):
    from coursemasters.models import MasterComposite

    return MasterComposite.objects.get(master=master, parent__code="S1")


def _reweigh(district, q1: str, q2: str) -> None:
    from coursemasters.services import master_item_update

    master_item_update(
        user=district.district_admin,
        item=_s1(district.master),
        values={"children": [{"item": "task:Q1G", "weight": q1}, {"item": "task:Q2G", "weight": q2}]},
    )


def test_words_history_names_a_composite_and_its_children_by_code_and_name(district, client):
    # given a district admin's web edit of the master's S1 composite weights
    _reweigh(district, "60", "40")
    client.force_login(district.district_admin)

    # when they open the master's History tab
    text = _text(client.get(reverse("history:history", args=["master", district.master.pk])))

    # then the item and its children read by code and name, never by reference
    assert "S1 Semester 1 Grade" in text
    assert "children: Q1G Quarter 1 Grade (weight 50.00), Q2G Quarter 2 Grade (weight 50.00)" in text
    assert "children: Q1G Quarter 1 Grade (weight 60.00), Q2G Quarter 2 Grade (weight 40.00)" in text
    assert not REF.search(text), REF.search(text)


def test_words_history_names_a_pushs_change_rows_by_code_and_name(district, client):
    from pushjobs.engine.api import MasterPushOptions
    from pushjobs.models import ChangeRow
    from pushjobs.worker import push_job_run_inline

    # given the master's new weights pushed to its courses (overwrite: ENG9 is desynced)
    _reweigh(district, "70", "30")
    job, _ = push_job_run_inline(
        user=district.district_admin,
        options=MasterPushOptions(year="22-23", catalog="High School Catalog", master="ENG9", mode="overwrite"),
    )
    assert ChangeRow.objects.filter(job=job, course_pk=district.own_course.pk, item="task:S1", level="course")
    client.force_login(district.school_admin)

    # when the school admin opens the course's History tab
    text = _text(client.get(reverse("history:history", args=["course", district.own_course.pk])))

    # then the push's row about S1 names it and its children in words
    assert "S1 Semester 1 Grade" in text
    assert "Q1G Quarter 1 Grade (weight 70.00)" in text
    assert not REF.search(text), REF.search(text)


def test_words_history_reads_the_names_of_a_page_with_one_query(district, client):
    client.force_login(district.district_admin)
    url = reverse("history:history", args=["master", district.master.pk])
    _reweigh(district, "60", "40")
    client.get(url)  # the session and the district row, once
    with CaptureQueriesContext(connection) as one:
        assert "S1 Semester 1 Grade" in _text(client.get(url))
    for weight in range(10, 30):
        _reweigh(district, str(weight), str(100 - weight))
    with CaptureQueriesContext(connection) as many:
        assert _text(client.get(url)).count("S1 Semester 1 Grade") == 21
    assert len(many.captured_queries) == len(one.captured_queries)


def test_words_history_xlsx_is_in_words_and_the_csv_keeps_references(district, client):
    _reweigh(district, "60", "40")
    client.force_login(district.district_admin)

    response = client.get(reverse("history:history_xlsx", args=["master", district.master.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    heading = list(rows[0])
    s1 = next(dict(zip(heading, row, strict=True)) for row in rows[1:] if row[heading.index("Data type")] != "Import")
    assert s1["Item"] == "S1 Semester 1 Grade"
    assert s1["Before"] == "children: Q1G Quarter 1 Grade (weight 50.00), Q2G Quarter 2 Grade (weight 50.00)"
    assert s1["After"] == "children: Q1G Quarter 1 Grade (weight 60.00), Q2G Quarter 2 Grade (weight 40.00)"
    assert isinstance(s1["When"], datetime.datetime)  # a date a spreadsheet sorts
    assert not any(REF.search(str(v)) for row in rows for v in row if v is not None)

    # the CSV, for scripts: the reference and the JSON values
    lines = b"".join(client.get(reverse("history:history_csv", args=["master", district.master.pk])).streaming_content)
    s1_csv = next(r for r in csv.DictReader(io.StringIO(lines.decode())) if r["Data type"] != "Import")
    assert s1_csv["Item"] == "task:S1"
    assert '"item": "task:Q1G"' in s1_csv["After"]


def test_words_history_table_stacks_on_a_phone_with_a_heading_in_each_cell(district, client):
    _reweigh(district, "60", "40")
    client.force_login(district.district_admin)
    html = client.get(reverse("history:history", args=["master", district.master.pk])).content.decode()
    table = re.search(r'<table class="[^"]*history-rows[^"]*">.*?</table>', html, re.S)
    assert table is not None and "table-stack" in table.group(0).split(">")[0]
    cells = re.findall(r"<td([^>]*)>", table.group(0))
    assert cells and len(cells) % 8 == 0 and all("data-label=" in c for c in cells), cells


@pytest.mark.browser
def test_words_history_table_reads_at_375_px_without_sideways_scrolling(browser_page, district):
    from tests.conftest import PHONE

    _reweigh(district, "60", "40")
    page = browser_page.page
    page.set_viewport_size(PHONE)
    browser_page.login(district.district_admin.username)
    assert browser_page.goto(reverse("history:history", args=["master", district.master.pk])).status == 200
    table = page.locator("table.history-rows")
    scroll, width = table.evaluate("t => [t.parentElement.scrollWidth, t.parentElement.clientWidth]")
    assert scroll <= width, (scroll, width)
    assert "Q1G Quarter 1 Grade (weight 60.00)" in table.inner_text()
    assert browser_page.unexpected_errors() == []
