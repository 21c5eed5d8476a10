"""A push job's result report, "Get the report" (R44): CSV rows, or XLSX with a Summary sheet
and a Rows sheet. Columns exactly as ``pushjobs.engine.api.REPORT_COLUMNS`` (cli.md).

Generated row by row from the stored PushResultRow rows, so a big report streams. Every cell goes
through catalog.spreadsheets: an item named "=HYPERLINK(...)" is text, never a formula (cli.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from django.utils import timezone
from openpyxl import Workbook

from catalog.setup_display import every_grading_item_name
from catalog.spreadsheets import XlsxTable, csv_lines, xlsx_row
from pushjobs.engine.api import REPORT_COLUMNS, Summary

from .display import detail_in_words, item_label, mode_label, outcome_label, refs_in_words, type_label
from .grade_impact import GRADE_IMPACT_COLUMNS, GradeImpact, job_grade_impact_for_report
from .grade_impact_display import GRADE_IMPACT_HEADINGS, grade_impact_words
from .models import JobGradeImpact, PushJob, PushResultRow
from .selectors import push_job_result_rows

SUMMARY_LABELS = (
    ("courses_changed", "Courses changed"),
    ("courses_unchanged", "Courses unchanged"),
    ("courses_skipped", "Courses skipped"),
    ("courses_failed", "Courses failed"),
    ("items_created", "Items created"),
    ("items_updated", "Items updated"),
    ("items_removed", "Items removed"),
    ("items_kept_residual", "Items kept residual"),
)


def _values(row) -> list[str]:
    return [getattr(row, column) for column in REPORT_COLUMNS]


# The XLSX is for people (docs/reports.md): headings, data types, items and outcomes in words; the
# CSV keeps cli.md's columns and codes for scripts.
ROW_HEADINGS = ("School", "Calendar", "Course", "Course master", "Section", "Data type", "Item", "Outcome", "Detail")
assert len(ROW_HEADINGS) == len(REPORT_COLUMNS)


def _words(row, names: dict[str, str] | None = None) -> list[str]:
    """A row for people: tasks and standards by code and name ("Q1G Quarter 1 Grade", ``names``:
    every_grading_item_name), an unknown one by its code."""
    return [
        row.school,
        row.calendar,
        row.course,
        row.course_master,
        row.section,
        type_label(row.data_type) if row.data_type else "",
        item_label(row.data_type, row.item, names) if row.item else "",
        outcome_label(row.outcome),
        refs_in_words(detail_in_words(row.detail, names), names),
    ]


def result_rows_csv_lines(rows: Iterable) -> Iterator[str]:
    """CSV text, one line at a time: the header, then a line per row (ResultRow or PushResultRow).
    For a StreamingHttpResponse."""
    return csv_lines(REPORT_COLUMNS, (_values(row) for row in rows))


def result_report_csv_lines(*, job: PushJob) -> Iterator[str]:
    return result_rows_csv_lines(push_job_result_rows(job=job))


def result_rows_write_csv(rows: Iterable, out: IO[str]) -> None:
    for line in result_rows_csv_lines(rows):
        out.write(line)


def _job_facts(job: PushJob) -> list[tuple[str, object]]:
    def when(moment):
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""

    return [
        ("Job", job.pk),
        ("Tool", job.get_kind_display()),
        ("Catalog or calendar", job.target),
        ("School year", job.year),
        ("Course master", job.master),
        ("Course", job.course),
        ("Push mode", mode_label(job)),
        ("Pushed to sections", "Yes" if job.to_sections else "No"),
        ("Pushed data", job.data_display),
        ("Requested by", job.requested_by.get_username()),
        ("Scheduled time", when(job.scheduled_for)),
        ("Started", when(job.started_at)),
        ("Finished", when(job.finished_at)),
        ("Status", job.get_status_display()),
        ("Error", job.error),
    ]


def result_rows_write_xlsx(
    rows: Iterable,
    out: IO[bytes],
    *,
    summary: Summary,
    facts: list[tuple[str, object]] = (),
    grade_impact: GradeImpact | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """An XLSX workbook: a Summary sheet (what ran, and the counts) and a Rows sheet, its tasks and
    standards by code and name from ``names`` (every_grading_item_name; without them, by code); with
    a grade impact (R83), its summary on the Summary sheet and a Grade impact sheet."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Summary")
    for label, value in facts:
        sheet.append(xlsx_row(sheet, [label, value]))
    if facts:
        sheet.append([])
    totals = summary.to_json()
    for name, label in SUMMARY_LABELS:
        sheet.append(xlsx_row(sheet, [label, totals[name]]))
    sheet.append(xlsx_row(sheet, ["Summary", summary.line()]))
    if grade_impact is not None and (grade_impact.state or grade_impact.too_large):
        words = GRADE_IMPACT_STATE_WORDS[TOO_LARGE if grade_impact.too_large else grade_impact.state]
        sheet.append([])
        sheet.append(xlsx_row(sheet, ["Grade impact", words]))
    elif grade_impact is not None:
        impact = grade_impact.summary
        sheet.append([])
        for label, value in (
            ("Sections with a grade change", impact.sections_changed),
            ("Students affected", impact.students_affected),
            ("Letter grades up", impact.letters_up),
            ("Letter grades down", impact.letters_down),
        ):
            sheet.append(xlsx_row(sheet, [label, value]))
    table = XlsxTable(book, "Rows", list(ROW_HEADINGS))
    for row in rows:
        table.append(_words(row, names))
    table.close()
    if grade_impact is not None and not (grade_impact.state or grade_impact.too_large):
        _grade_impact_sheet(book, grade_impact, every_grading_item_name() if names is None else names)
    book.save(out)


# What the Summary sheet says of a grade impact that is not at hand (JobGradeImpact.state, or
# too large to work out for the download: GradeImpact.too_large).
TOO_LARGE = "too_large"
GRADE_IMPACT_STATE_WORDS = {
    JobGradeImpact.WORKING: (
        "Being worked out: download this report again, or the grade impact from the job's page, in a few minutes"
    ),
    JobGradeImpact.FAILED: "Could not be worked out: ask for it again on the job's page",
    TOO_LARGE: (
        "Not worked out: this push changed grading setup in too many sections to work out students' "
        "grades for this report. On the job's page, ask for it to be worked out in the background, "
        "then download this report again"
    ),
}


def _grade_impact_sheet(book: Workbook, impact: GradeImpact, names: dict[str, str]) -> None:
    # For people, in words (issue 14); the grade impact CSV keeps cli.md's columns and codes.
    table = XlsxTable(book, "Grade impact", list(GRADE_IMPACT_COLUMNS), labels=list(GRADE_IMPACT_HEADINGS))
    for row in impact.rows:
        table.append(grade_impact_words(row, names))
    table.close()


def grade_impact_write_xlsx(impact: GradeImpact, out: IO[bytes]) -> None:
    """A job's grade impact alone (R83), for people: its Grade impact sheet, every row (read as they
    are written: a workbook of a million rows is put together on disk, not in memory)."""
    book = Workbook(write_only=True)
    _grade_impact_sheet(book, impact, every_grading_item_name())
    book.save(out)


def result_report_write_xlsx(*, job: PushJob, out: IO[bytes]) -> None:
    summary = Summary(**job.summary) if job.summary else Summary()
    # R83: a push that reached sections carries the grades it moved.
    impact = job_grade_impact_for_report(job=job) if job.to_sections and job.kind != PushJob.UNDO else None
    # The rows stream, so the names are read first: every task and standard, one query.
    result_rows_write_xlsx(
        push_job_result_rows(job=job),
        out,
        summary=summary,
        facts=_job_facts(job),
        grade_impact=impact,
        names=every_grading_item_name(),
    )


def result_report_size(*, job: PushJob) -> int:
    """The rows the result report's XLSX writes: its result rows and the grades its stored impact
    moved, counted without reading them (catalog.large_downloads: put together in the request or
    prepared)."""
    grades = (
        JobGradeImpact.objects.filter(job=job, state=JobGradeImpact.DONE).values_list("summary", flat=True).first()
        or {}
    ).get("grades", 0)
    return PushResultRow.objects.filter(job=job).count() + grades


def result_report_filename(*, job: PushJob, fmt: str) -> str:
    return f"push-job-{job.pk}-report.{fmt}"


def grade_impact_filename(*, job: PushJob, fmt: str) -> str:
    return f"push-job-{job.pk}-grade-impact.{fmt}"
