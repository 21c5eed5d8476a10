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
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell

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


def xlsx_cell(sheet, value: Any) -> WriteOnlyCell | None:
    """One cell of a write-only sheet: text typed as text (data type ``s``) even when it begins with
    ``=``, with the leading ``'`` of ``cell_text``; numbers as numbers; None as an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return WriteOnlyCell(sheet, value=value)
    text = cell_text(str(value))
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl types a str beginning with "=" as a formula when it is assigned; force text.
    cell.data_type = "s"
    return cell


def xlsx_row(sheet, values: Iterable[Any]) -> list[WriteOnlyCell | None]:
    """A row for ``sheet.append``, every cell through ``xlsx_cell``."""
    return [xlsx_cell(sheet, value) for value in values]
