"""Issue 14: an XLSX table longer than one sheet holds (Excel opens at most 1,048,575 rows of data a
sheet; a large district's first push changes ~1.7 million rows) goes on over further sheets,
"Changes (2)" and on, right after the first, each with the bold, frozen, filtered header. Tested with
a small limit: no test writes a million rows."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from catalog import spreadsheets
from catalog.spreadsheets import SHEET_DATA_ROWS, XlsxTable
from pushjobs.models import ChangeRow, PushJob
from tests.engine.conftest import district, load

__all__ = ["district"]


def _layout(sheet) -> tuple:
    return (
        sheet.freeze_panes,
        sheet.auto_filter.ref,
        [cell.value for cell in sheet[1]],
        all(cell.font.b for cell in sheet[1]),
    )


def test_xlsx_sheet_limit_is_excels():
    assert SHEET_DATA_ROWS == 1_048_576 - 1


def test_xlsx_table_goes_on_over_further_sheets_each_laid_out_as_the_first():
    book = Workbook(write_only=True)
    table = XlsxTable(book, "Changes", ["item", "n"], labels=["Item", "Number"], sheet_rows=3)
    after = XlsxTable(book, "Grade impact", ["x"], labels=["X"])  # made before the first table overflows
    for n in range(1, 8):
        table.append([f"row {n}", n])
    table.close()
    after.append(["only"])
    after.close()
    out = io.BytesIO()
    book.save(out)

    saved = load_workbook(io.BytesIO(out.getvalue()))
    assert saved.sheetnames == ["Changes", "Changes (2)", "Changes (3)", "Grade impact"]
    data = [
        [row for row in saved[name].iter_rows(min_row=2, values_only=True)]
        for name in ("Changes", "Changes (2)", "Changes (3)")
    ]
    assert data == [
        [("row 1", 1), ("row 2", 2), ("row 3", 3)],
        [("row 4", 4), ("row 5", 5), ("row 6", 6)],
        [("row 7", 7)],
    ]
    assert [_layout(saved[name]) for name in ("Changes", "Changes (2)", "Changes (3)")] == [
        ("A2", "A1:B4", ["Item", "Number"], True),
        ("A2", "A1:B4", ["Item", "Number"], True),
        ("A2", "A1:B2", ["Item", "Number"], True),
    ]
    assert saved["Changes (2)"].column_dimensions["A"].width == saved["Changes"].column_dimensions["A"].width


def test_xlsx_table_of_exactly_a_sheet_stays_on_one_sheet():
    book = Workbook(write_only=True)
    table = XlsxTable(book, "Rows", ["a"], sheet_rows=2)
    table.append([1])
    table.append([2])
    table.close()
    out = io.BytesIO()
    book.save(out)
    assert load_workbook(io.BytesIO(out.getvalue())).sheetnames == ["Rows"]


@pytest.mark.django_db
def test_xlsx_change_log_longer_than_a_sheet_goes_on_over_further_sheets(district, tmp_path, monkeypatch):
    load(district)
    call_command("push_all_course_masters", "--year", "22-23", "--catalog", "High School Catalog")
    job = PushJob.objects.get()
    total = ChangeRow.objects.filter(job=job).count()
    assert total > 4
    monkeypatch.setattr(spreadsheets, "SHEET_DATA_ROWS", 4)
    path = tmp_path / "changes.xlsx"
    call_command("job_changes", str(job.pk), "--format", "xlsx", "--out", str(path))

    book = load_workbook(path)
    sheets = [book["Changes"]] + [book[f"Changes ({n})"] for n in range(2, -(-total // 4) + 1)]
    assert [s.title for s in sheets] == book.sheetnames[: len(sheets)]
    rows = [row for sheet in sheets for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == total
    assert all(sheet.max_row <= 5 for sheet in sheets)
    assert {(_layout(s)[0], tuple(_layout(s)[2]), _layout(s)[3]) for s in sheets} == {
        ("A2", tuple(c.value for c in sheets[0][1]), True)
    }
    assert all(s.auto_filter.ref == f"A1:L{s.max_row}" for s in sheets)
