"""Issue 14, "Words, not codes", in a job's result report XLSX ("Get the report", job_report): the
Rows sheet names a task by code and name ("Q2G Quarter 2 Grade"), not by its code alone or its
reference; the CSV, for scripts, keeps the reference (docs/reports.md)."""

from __future__ import annotations

import io

import openpyxl

from catalog.models import GradingItem
from pushjobs.display import mode_label
from pushjobs.result_report import result_report_csv_lines, result_report_write_xlsx

from .test_issue14_words import _push_a_desynced_task


def test_words_result_report_xlsx_names_the_task_by_code_and_name(client, district, django_capture_on_commit_callbacks):
    job = _push_a_desynced_task(client, district, django_capture_on_commit_callbacks)
    name = GradingItem.objects.get(kind="task", code="Q2G").name
    out = io.BytesIO()
    result_report_write_xlsx(job=job, out=out)
    rows = list(openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Rows"].iter_rows(values_only=True))
    rows = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    failed = [
        r
        for r in rows
        if r["Outcome"] == "Failed: desynced from its master" and r["Data type"] == "Grading task" and r["Item"]
    ]
    assert [r["Item"] for r in failed] == [f"Q2G {name}"]
    assert not [v for r in rows for v in r.values() if isinstance(v, str) and ("task:" in v or "standard:" in v)]
    assert "task:Q2G" in "".join(result_report_csv_lines(job=job))


def test_words_result_report_xlsx_says_the_push_mode_as_its_tool_names_it(
    client, district, django_capture_on_commit_callbacks
):
    job = _push_a_desynced_task(client, district, django_capture_on_commit_callbacks)
    out = io.BytesIO()
    result_report_write_xlsx(job=job, out=out)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Summary"]
    facts = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert job.mode in ("push", "overwrite")
    assert facts["Push mode"] not in ("push", "overwrite")
    assert facts["Push mode"] == mode_label(job)
