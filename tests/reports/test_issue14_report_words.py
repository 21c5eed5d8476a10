"""Issue 14, "Words, not codes", on the Course Audit and Course Master Awaiting Push pages and the
Course Audit XLSX: tasks and standards by code and name ("Q1G Quarter 1 Grade", never "task:Q1G"),
course states by their labels ("Awaiting push", never "awaiting_push"); the CSV keeps the codes."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from .conftest import CATALOG, PASSWORD, YEAR, course, load, master

CODES = ("task:", "standard:", "awaiting_push", "in_sync", "course_controlled", "True", "False")


@pytest.fixture
def reader(client, district, users):
    """ENG9's master changed a task's credit and a grade calc option's scale: both courses await."""
    master(district)["grading_tasks"][0]["credit"] = "1.00"
    master(district)["grade_calc_options"][0]["grading_scale"] = "1-4"
    course(district, "102")["standards"][0].update(state="unlinked", score_group="A-F")
    load(district)
    users()
    client.login(username="admin", password=PASSWORD)
    return client


def _page_text(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # What a person reads: the text, not the attributes (a badge's class names its state's code).
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _codes_in(text: str) -> list[str]:
    return [code for code in CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("reports:course_audit", {"year": YEAR}),
        ("reports:course_master_awaiting_push", {"year": YEAR, "catalog": CATALOG}),
    ],
)
def test_words_report_pages_name_tasks_and_states_in_words(reader, name, query):
    text = _page_text(reader.get(reverse(name), {**query, "counts": "1"}))
    assert "Q1G Quarter 1 Grade" in text
    assert "Awaiting push" in text
    assert _codes_in(text) == []


def test_words_master_awaiting_push_counts_are_headed_in_words(reader):
    response = reader.get(
        reverse("reports:course_master_awaiting_push"), {"year": YEAR, "catalog": CATALOG, "counts": "1"}
    )
    html = response.content.decode()
    table = html[html.index('id="master-counts"') :]
    headings = [unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', table[: table.index("</thead>")])]
    assert headings[:5] == ["Course master", "Linked courses", "Awaiting push", "Desynced", "Ignored"]


def _xlsx_cells(reader, kind: str, query: dict) -> list[str]:
    response = reader.get(reverse("reports:download", args=[kind, "xlsx"]), {"year": YEAR, **query})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


@pytest.mark.parametrize("query", [{}, {"state": "awaiting_push"}, {"state": "in_sync", "locked": "yes"}])
def test_words_course_audit_xlsx_writes_states_and_tasks_in_words(reader, query):
    cells = _xlsx_cells(reader, "course-audit", query)
    assert "Q1G Quarter 1 Grade" in cells or query
    assert _codes_in(" | ".join(cells)) == [], [c for c in cells if _codes_in(c)]


def test_words_course_audit_csv_keeps_the_codes(reader):
    response = reader.get(reverse("reports:download", args=["course-audit", "csv"]), {"year": YEAR})
    text = b"".join(response.streaming_content).decode()
    assert "awaiting_push" in text and "task:Q1G" in text
