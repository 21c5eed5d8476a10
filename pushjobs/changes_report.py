"""A job's change log as a file (R70, cli.md ``job_changes`` and ``--changes FILE``): CSV, or XLSX
with one Changes sheet. Columns exactly as ``pushjobs.engine.changes.CHANGE_COLUMNS``; ``before``
and ``after`` are JSON objects, empty for a created or a removed item. Every cell goes through
catalog.spreadsheets, so text that looks like a formula is written as text.

Rows are stored ChangeRow rows (a job's log, streamed) or the engine's Change rows (a dry run's,
which have no job).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from openpyxl import Workbook

from catalog.spreadsheets import XlsxTable, csv_lines
from pushjobs.engine.changes import CHANGE_COLUMNS, json_text

from .models import ChangeRow, PushJob


def _values(row, job) -> list[str]:
    job_id = getattr(row, "job_id", None) or job
    return [
        "" if job_id is None else str(job_id),
        row.level,
        row.school,
        row.calendar,
        row.course,
        row.section,
        row.teacher,
        row.data_type,
        row.item,
        row.change,
        json_text(row.before),
        json_text(row.after),
    ]


def change_rows_csv_lines(rows: Iterable, *, job: int | None = None) -> Iterator[str]:
    """CSV text a line at a time: the header, then a line per change row."""
    return csv_lines(CHANGE_COLUMNS, (_values(row, job) for row in rows))


def change_rows_write_csv(rows: Iterable, out: IO[str], *, job: int | None = None) -> None:
    for line in change_rows_csv_lines(rows, job=job):
        out.write(line)


def change_rows_write_xlsx(rows: Iterable, out: IO[bytes], *, job: int | None = None) -> None:
    book = Workbook(write_only=True)
    table = XlsxTable(book, "Changes", list(CHANGE_COLUMNS))
    for row in rows:
        table.append(_values(row, job))
    table.close()
    book.save(out)


def job_change_rows(*, job: PushJob) -> Iterator[ChangeRow]:
    """A job's change log in the order it was written."""
    return ChangeRow.objects.filter(job=job).order_by("pk").iterator(chunk_size=2000)
