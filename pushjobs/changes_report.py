"""A job's change log as a file (R70, cli.md ``job_changes`` and ``--changes FILE``): CSV, or XLSX
with one Changes sheet.

The CSV is for scripts: columns exactly as ``pushjobs.engine.changes.CHANGE_COLUMNS``, codes as
stored (``grading_tasks``, ``task:Q1G``, ``kept_residual``), ``before`` and ``after`` JSON objects,
empty for a created or a removed item. The XLSX is for people (docs/reports.md): the same rows and
columns with headings, levels, data types, items, changes and values in words, tasks and standards
by code and name ("Q1G Quarter 1 Grade"), as the job page shows them. Every cell goes through
catalog.spreadsheets, so text that looks like a formula is written as text.

Rows are stored ChangeRow rows (a job's log, streamed) or the engine's Change rows (a dry run's,
which have no job).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from openpyxl import Workbook

from catalog.setup_display import every_grading_item_name
from catalog.spreadsheets import XlsxTable, csv_lines
from pushjobs.engine.changes import CHANGE_COLUMNS, json_text

from .display import change_row_words
from .models import ChangeRow, PushJob

CHANGE_HEADINGS = (
    "Job",
    "Level",
    "School",
    "Calendar",
    "Course",
    "Section",
    "Teacher",
    "Data type",
    "Item",
    "Change",
    "Before",
    "After",
)
assert len(CHANGE_HEADINGS) == len(CHANGE_COLUMNS)


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


def _words(row, job, names: dict[str, str]) -> list:
    words = change_row_words(row, names)
    job_id = getattr(row, "job_id", None) or job
    return [
        job_id,
        words["level"],
        row.school,
        row.calendar,
        row.course,
        row.section,
        row.teacher,
        words["type"],
        words["item"],
        words["change"],
        "\n".join(words["before"]),
        "\n".join(words["after"]),
    ]


def change_rows_write_xlsx(rows: Iterable, out: IO[bytes], *, job: int | None = None) -> None:
    """The XLSX, for people: the CSV's rows in words (one query for the names of every task and
    standard, however many rows)."""
    names = every_grading_item_name()
    book = Workbook(write_only=True)
    table = XlsxTable(book, "Changes", list(CHANGE_COLUMNS), labels=list(CHANGE_HEADINGS))
    for row in rows:
        table.append(_words(row, job, names))
    table.close()
    book.save(out)


def job_change_rows(*, job: PushJob) -> Iterator[ChangeRow]:
    """A job's change log in the order it was written."""
    return ChangeRow.objects.filter(job=job).order_by("pk").iterator(chunk_size=2000)


def change_rows_filename(*, job: PushJob, fmt: str) -> str:
    what = "preview" if job.is_preview else "push-job"
    return f"{what}-{job.pk}-changes.{fmt}"
