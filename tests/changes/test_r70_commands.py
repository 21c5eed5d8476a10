"""cli.md: job_changes ID [--format csv|xlsx] [--out FILE], and --changes FILE on the push
commands (with --dry-run: the rows the push would write, R71). Formulas are neutralised."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from pushjobs.models import ChangeRow, PushJob
from tests.engine.conftest import district, load

pytestmark = pytest.mark.django_db
__all__ = ["district"]
HEADER = ["job", "level", "school", "calendar", "course", "section", "teacher", "data_type", "item", "change"]


def _lines(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_r71_push_command_changes_file_dry_run_then_applied(district, tmp_path, capsys):
    # a category name that a spreadsheet would read as a formula
    district["course_masters"][0]["categories"][0]["name"] = "=HYPERLINK(1)"
    load(district)
    args = ["--year", "22-23", "--catalog", "High School Catalog", "--to-sections"]
    dry, applied = tmp_path / "dry.csv", tmp_path / "applied.csv"

    call_command("push_all_course_masters", *args, "--dry-run", "--changes", str(dry))
    assert not ChangeRow.objects.exists() and not PushJob.objects.exists()
    call_command("push_all_course_masters", *args, "--changes", str(applied))

    job = PushJob.objects.get()
    dry_rows, applied_rows = _lines(dry), _lines(applied)
    assert dry_rows[0] == [*HEADER, "before", "after"] == applied_rows[0]
    assert sorted(r[1:] for r in dry_rows[1:]) == sorted(r[1:] for r in applied_rows[1:])
    assert {r[0] for r in applied_rows[1:]} == {str(job.pk)} and {r[0] for r in dry_rows[1:]} == {""}
    assert len(applied_rows) - 1 == ChangeRow.objects.filter(job=job).count() > 10
    homework = [r for r in applied_rows if r[8].endswith("HYPERLINK(1)")]
    assert homework and all(r[8] == "'=HYPERLINK(1)" for r in homework)
    created = next(r for r in homework if r[1] == "section")
    assert created[9] == "created" and created[10] == "" and json.loads(created[11])["state"] == "linked"


def test_r70_job_changes_command_csv_and_xlsx(district, tmp_path, capsys):
    district["course_masters"][0]["categories"][0]["name"] = "+Homework"
    load(district)
    call_command("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog")
    job = PushJob.objects.get()
    capsys.readouterr()

    call_command("job_changes", str(job.pk))
    out = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert out[0][:10] == HEADER
    assert len(out) - 1 == ChangeRow.objects.filter(job=job).count()
    assert ["'+Homework"] == [r[8] for r in out if r[8].endswith("Homework")]

    path = tmp_path / "changes.xlsx"
    call_command("job_changes", str(job.pk), "--format", "xlsx", "--out", str(path))
    sheet = load_workbook(path)["Changes"]
    cells = [c for row in sheet.iter_rows() for c in row]
    # the XLSX is for people: its headings in words (issue 14), the CSV's columns in the same order
    assert [c.value for c in next(sheet.iter_rows())][:10] == [h.replace("_", " ").capitalize() for h in HEADER]
    assert all(c.data_type != "f" for c in cells)
    assert "'+Homework" in {c.value for c in cells}

    with pytest.raises(CommandError) as error:
        call_command("job_changes", "999999")
    assert error.value.returncode == 2
