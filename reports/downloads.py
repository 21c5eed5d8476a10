"""Reports as CSV and XLSX, written a chunk of rows at a time so that the largest
district's report never sits in memory whole (R50-R53: "a header row first").

CSV is produced as lines (for StreamingHttpResponse, or a file); XLSX goes
through openpyxl's write-only workbook, which spools each sheet to a temporary
file as rows arrive instead of building cells in memory. Every cell goes through
catalog.spreadsheets, so a name that begins with "=" is text, never a formula (cli.md).
"""

from __future__ import annotations

from collections.abc import Iterator

from openpyxl import Workbook

from catalog.setup_display import every_grading_item_name
from catalog.spreadsheets import XlsxTable, csv_writer, xlsx_row

from .display import column_heading, people_value, people_word
from .filters import COURSE_AUDIT, COURSE_STATES, MASTER_AWAITING_PUSH
from .report import Report

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
FORMATS = ("csv", "xlsx")
# Counts are numbers in a spreadsheet (CSV has only text).
NUMERIC_COLUMNS = ("assignments", "scores", "posted_grades")


class _Line:
    """A file-like object whose write returns the text, so csv.writer makes lines to yield."""

    def write(self, value: str) -> str:
        return value


def report_csv_lines(report: Report) -> Iterator[str]:
    """The header row, then every row, one chunk of rows per yielded string."""
    writer = csv_writer(_Line())
    yield writer.writerow(report.columns)
    batch: list[str] = []
    for row in report.rows():
        batch.append(writer.writerow(row.values))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def report_csv_write(report: Report, stream) -> None:
    for text in report_csv_lines(report):
        stream.write(text)


def report_filename(report: Report, fmt: str) -> str:
    f = report.filters
    parts = [report.filters.kind, f.year.name]
    if f.catalog:
        parts.append(f.catalog.name)
    if f.master:
        parts.append(f.master.number)
    if f.school:
        parts.append(f.school.number)
    safe = "-".join("".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in p) for p in parts)
    return f"{safe}.{fmt}"


def report_filter_rows(report: Report) -> list[tuple[str, str]]:
    f = report.filters
    rows = [("report", report.title), ("year", f.year.name)]
    for label, value in (
        ("catalog", f.catalog.name if f.catalog else ""),
        ("course master", f.master.number if f.master else ""),
        ("school", f"{f.school.number} {f.school.name}" if f.school else ""),
        # The XLSX is for people: the filters in words too ("Awaiting push", not "awaiting_push").
        ("data type", people_word("data_type", f.setup_type or "")),
        ("state", people_word("state", f.state or "")),
        ("change", people_word("change", f.change or "")),
        ("level", people_word("level", f.level or "")),
        ("locked", "" if f.locked is None else ("Yes" if f.locked else "No")),
    ):
        if value:
            rows.append((label, value))
    return rows


def report_xlsx_write(report: Report, target) -> None:
    """A Summary sheet (the filters, and the counts the page shows), then a Rows sheet
    (header row first). ``target`` is a path or a binary file object."""
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("Summary")

    def add(sheet, values) -> None:
        sheet.append(xlsx_row(sheet, values))

    for label, value in report_filter_rows(report):
        add(summary, [label, value])
    counts = report.summary() if report.filters.kind in (COURSE_AUDIT, MASTER_AWAITING_PUSH) else {}
    if counts.get("states"):
        summary.append([])
        add(summary, ["course state", "courses"])
        for state in COURSE_STATES:
            add(summary, [people_word("course_state", state), counts["states"][state]])
    if counts.get("masters"):
        summary.append([])
        add(summary, ["Course master", "Name", "Courses", *(people_word("course_state", s) for s in COURSE_STATES)])
        for m in counts["masters"]:
            add(summary, [m["number"], m["name"], m["courses"], *(m[s] for s in COURSE_STATES)])
    # The XLSX is for people: headings and values in words (the CSV keeps the codes, for scripts).
    columns = list(report.columns)
    rows = XlsxTable(workbook, "Rows", columns, labels=[column_heading(c) for c in columns])
    numeric = [i for i, c in enumerate(columns) if c in NUMERIC_COLUMNS]
    names = every_grading_item_name()
    for row in report.rows():
        values = [people_value(c, v, names) for c, v in zip(columns, row.values, strict=True)]
        for i in numeric:
            values[i] = int(values[i])
        rows.append(values)
    rows.close()
    workbook.save(target)
