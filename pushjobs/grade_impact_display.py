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
