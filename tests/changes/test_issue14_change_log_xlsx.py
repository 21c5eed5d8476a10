"""Issue 14, "Words, not codes", in the change log's XLSX (job_changes --format xlsx, the job page's
download): headings, levels, data types, items, changes and values in words, tasks and standards by
code and name ("S1 Semester 1 Grade"), with one query for the names however many rows; the CSV, for
scripts, keeps cli.md's columns and codes (docs/reports.md)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from pushjobs.changes_report import change_rows_write_xlsx
from pushjobs.models import ChangeRow, PushJob
from tests.engine.conftest import district, load

pytestmark = pytest.mark.django_db
__all__ = ["district"]
# Codes people must not meet: references, data types, states and changes as stored, Python's booleans.
CODES = re.compile(
    r"\b(task|standard):(?=\S)|grading_tasks|composite_grades|grade_calc_options|kept_residual|\bTrue\b|\bFalse\b"
)


def _pushed(district) -> PushJob:
    load(district)
    call_command("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog")
    return PushJob.objects.get()


def _sheet(path):
    rows = list(load_workbook(path)["Changes"].iter_rows(values_only=True))
    heading = list(rows[0])
    return heading, [dict(zip(heading, row, strict=True)) for row in rows[1:]]


def test_words_change_log_xlsx_names_items_and_values_in_words(district, tmp_path, capsys):
    job = _pushed(district)
    path = tmp_path / "changes.xlsx"
    call_command("job_changes", str(job.pk), "--format", "xlsx", "--out", str(path))

    heading, rows = _sheet(path)
    assert heading == [
        "Job", "Level", "School", "Calendar", "Course", "Section", "Teacher",
        "Data type", "Item", "Change", "Before", "After",
    ]  # fmt: skip
    assert len(rows) == ChangeRow.objects.filter(job=job).count()
    composite = next(r for r in rows if r["Data type"] == "Composite grade" and r["Level"] == "Course")
    assert composite["Item"] == "S1 Semester 1 Grade" and composite["Change"] == "Created"
    assert "children: Q1G Quarter 1 Grade (weight 50.00), Q2G Quarter 2 Grade (weight 50.00)" in composite["After"]
    assert "state: pushed (locked)" in composite["After"] and composite["Job"] == job.pk
    option = next(r for r in rows if r["Data type"] == "Grade calc option" and r["Level"] == "Course")
    assert option["Item"].startswith(("S1 Semester 1 Grade ", "Q1G Quarter 1 Grade "))
    found = [str(v) for r in rows for v in r.values() if v is not None and CODES.search(str(v))]
    assert found == []

    # the CSV keeps the codes for scripts
    capsys.readouterr()
    call_command("job_changes", str(job.pk))
    lines = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert lines[0][:3] == ["job", "level", "school"]
    assert {"task:S1", "composite_grades"} <= {v for line in lines for v in line}


def test_words_change_log_xlsx_reads_the_names_with_one_query(district):
    job = _pushed(district)
    rows = list(ChangeRow.objects.filter(job=job).order_by("pk"))
    with CaptureQueriesContext(connection) as few:
        change_rows_write_xlsx(rows[:1], io.BytesIO())
    with CaptureQueriesContext(connection) as many:
        change_rows_write_xlsx(rows, io.BytesIO())
    assert len(rows) > 10 and len(many.captured_queries) == len(few.captured_queries) == 1
