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

# The media type of every XLSX the product sends.
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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
# Excel opens at most 1,048,576 rows a sheet: the header and 1,048,575 rows of data. A table with
# more (a large district's first push changes ~1.7 million rows) goes on over further sheets.
SHEET_DATA_ROWS = 1_048_575


class XlsxTable:
    """A table in a write-only workbook laid out for a person: a bold header row that stays in
    view (frozen), an autofilter over every column, and widths that fit the header (wider for
    the columns that hold sentences). More than ``sheet_rows`` rows (SHEET_DATA_ROWS) go on over further sheets
    ("Changes (2)", "Changes (3)", ...) right after the first, each laid out the same, its own
    header first. ``close()`` before the workbook is saved."""

    def __init__(
        self,
        book,
        title: str,
        header: list[str],
        *,
        labels: list[str] | None = None,
        sheet_rows: int | None = None,
    ):
        sheet_rows = SHEET_DATA_ROWS if sheet_rows is None else sheet_rows
        if sheet_rows < 1:
            raise ValueError("a sheet holds at least one row of data")
        self.book = book
        self.title = title
        self.header = header
        self.labels = labels or header
        self.columns = len(header)
        self.sheet_rows = sheet_rows
        self.sheets: list = []
        self._sheet_start()

    def _sheet_start(self) -> None:
        number = len(self.sheets) + 1
        sheet = self.book.create_sheet(self.title if number == 1 else f"{self.title} ({number})")
        if self.sheets:
            # After the table's sheet before it, not after sheets made since (a workbook's next table).
            offset = self.book.worksheets.index(self.sheets[-1]) + 1 - self.book.worksheets.index(sheet)
            if offset:
                self.book.move_sheet(sheet.title, offset)
        self.sheets.append(sheet)
        self.sheet = sheet
        self.rows = 1
        sheet.freeze_panes = "A2"
        for i, (name, label) in enumerate(zip(self.header, self.labels, strict=True), start=1):
            width = WIDE_COLUMNS.get(name, min(40, max(12, len(label) + 4)))
            sheet.column_dimensions[get_column_letter(i)].width = width
        cells = []
        for label in self.labels:
            cell = WriteOnlyCell(sheet, value=cell_text(label))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            cells.append(cell)
        sheet.append(cells)

    def _sheet_filter(self) -> None:
        self.sheet.auto_filter.ref = f"A1:{get_column_letter(max(1, self.columns))}{self.rows}"

    def append(self, values: Iterable[Any]) -> None:
        if self.rows > self.sheet_rows:  # the header and sheet_rows rows of data
            self._sheet_filter()
            self._sheet_start()
        self.sheet.append(xlsx_row(self.sheet, values))
        self.rows += 1

    def close(self) -> None:
        self._sheet_filter()
