"""A grade impact's rows as pages show them (R82, R83): each grade's item, a task or standard, by
code and name ("Q1G Quarter 1 Grade"), never by its reference ("task:Q1G"). The grade impact CSV,
for scripts, keeps the reference (cli.md, docs/reports.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from catalog.setup_display import grading_item_names
from sections.grades import GradeChange

from .display import refs_in_words


def grade_rows_in_words(rows: Iterable[GradeChange]) -> list[GradeChange]:
    """The rows a page shows, their items in words: the names of all of them read with one query
    (collect the page's rows first)."""
    rows = list(rows)
    names = grading_item_names(row.item for row in rows)
    return [dataclasses.replace(row, item=refs_in_words(row.item, names)) for row in rows]


# The result report XLSX's Grade impact sheet, for people: the CSV's columns (GRADE_IMPACT_COLUMNS)
# with headings in words, percents as numbers, Yes/No and items by code and name.
GRADE_IMPACT_HEADINGS = (
    "School",
    "Calendar",
    "Course",
    "Section",
    "Teacher",
    "Student",
    "Item",
    "Term",
    "Percent before",
    "Percent after",
    "Letter before",
    "Letter after",
    "Posted grade differs",
)


def grade_impact_words(row: GradeChange, names: dict[str, str]) -> list:
    """A row of the Grade impact sheet (``names``: every_grading_item_name, one query a download)."""
    return [
        row.school,
        row.calendar,
        row.course,
        row.section,
        row.teacher,
        row.student,
        refs_in_words(row.item, names),
        row.term,
        row.before_percent,
        row.after_percent,
        row.before_letter,
        row.after_letter,
        "Yes" if row.posted_differs else "No",
    ]
