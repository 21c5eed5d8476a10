"""Every CSV and XLSX cell the product writes goes through here (cli.md, last paragraph; OWASP
"CSV injection").

A spreadsheet reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or a carriage return) as a formula: a course named ``=HYPERLINK("http://x")`` would become
a live link in a district admin's report. So a text cell that begins with one of those is written
with a leading ``'``, which every spreadsheet program shows as text and a person reading the CSV
recognises; and an XLSX cell is always typed as text or number, never formula.

Numbers (int, float, Decimal) stay numbers: they are not text, and ``-5`` as a number is no
formula. Writers: reports.downloads (report CSV and XLSX) and pushjobs.result_report (the result
report, which the push commands' ``--report`` writes too).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> Any:
    """A value made safe for a spreadsheet: text that a spreadsheet would read as a formula gets a
    leading ``'``; numbers, None and booleans are returned as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row_cells(values: Iterable[Any]) -> list[Any]:
    return [cell_text(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose rows are made safe first; ``writerow`` returns what the stream's write did
    (so a stream whose write returns the text makes lines to yield)."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, values: Iterable[Any]):
        return self._writer.writerow(row_cells(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def csv_writer(stream, **kwargs) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **kwargs)


def csv_lines(headings: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text a line at a time (cells made formula-safe): the headings, then a line per row of
    values. For a StreamingHttpResponse or a file written as the rows are read."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(headings)
    yield flush()
    for values in rows:
        writer.writerow(values)
        yield flush()


def xlsx_cell(sheet, value: Any) -> WriteOnlyCell | None:
    """One cell of a write-only sheet: text typed as text (data type ``s``) even when it begins with
    ``=``, with the leading ``'`` of ``cell_text``; numbers as numbers; None as an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.datetime):
        # A date a person can sort and filter: in the district's time, as the pages show it.
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        cell = WriteOnlyCell(sheet, value=local.replace(tzinfo=None))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    text = cell_text(str(value))
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl types a str beginning with "=" as a formula when it is assigned; force text.
    cell.data_type = "s"
    return cell


def xlsx_row(sheet, values: Iterable[Any]) -> list[WriteOnlyCell | None]:
    """A row for ``sheet.append``, every cell through ``xlsx_cell``."""
    return [xlsx_cell(sheet, value) for value in values]


# Columns whose text runs long (a detail, before and after values) get room to read.
WIDE_COLUMNS = {"detail": 60, "before": 50, "after": 50, "action": 60, "item": 30, "difference": 50}


class XlsxTable:
    """A sheet of a write-only workbook laid out for a person: a bold header row that stays in
    view (frozen), an autofilter over every column, and widths that fit the header (wider for
    the columns that hold sentences). ``close()`` before the workbook is saved."""

    def __init__(self, book, title: str, header: list[str], *, labels: list[str] | None = None):
        self.sheet = book.create_sheet(title)
        self.columns = len(header)
        self.rows = 1
        self.sheet.freeze_panes = "A2"
        shown = labels or header
        for i, (name, label) in enumerate(zip(header, shown, strict=True), start=1):
            width = WIDE_COLUMNS.get(name, min(40, max(12, len(label) + 4)))
            self.sheet.column_dimensions[get_column_letter(i)].width = width
        cells = []
        for label in shown:
            cell = WriteOnlyCell(self.sheet, value=cell_text(label))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            cells.append(cell)
        self.sheet.append(cells)

    def append(self, values: Iterable[Any]) -> None:
        self.sheet.append(xlsx_row(self.sheet, values))
        self.rows += 1

    def close(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, self.columns))}{self.rows}"
