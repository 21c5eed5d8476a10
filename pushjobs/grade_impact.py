"""Grade impact (R82, R83): which students' in-progress grades a push moves, from its change rows.

The change rows of a push (R70: ``Change`` from the engine, for a dry run; ``ChangeRow`` from the
log, for an applied job) hold every section setup item's values before and after. The setup
"before" is the stored setup with each changed item's before values (created items left out), the
setup "after" the stored setup with each changed item's after values (removed items left out);
``sections.grades.grade_changes`` computes both in one SQL statement and lists what differs.
Because both sides come from the rows, the same function serves a dry run (before = now) and a
job already applied (after = now), and gives the same answer for both: the result report of an
applied push (R83) carries the impact its preview showed, without storing it twice.

Scores and assignments are read as they are now; no push changes them (R30).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from catalog.setup_types import SECTION
from catalog.spreadsheets import csv_writer
from pushjobs.engine.levels import type_level
from sections.grades import GradeChange, GradeImpactSummary, SetupOverrides, grade_changes, grade_changes_summary

from .models import ChangeRow, PushJob

GRADE_IMPACT_COLUMNS = (
    "school",
    "calendar",
    "course",
    "section",
    "teacher",
    "student",
    "item",
    "term",
    "before_percent",
    "after_percent",
    "before_letter",
    "after_letter",
    "posted_differs",
)
# The section setup types a grade reads, and the table ``sections.grades`` names each by.
_GRADE_TABLES = {"categories": "cat", "grade_calc_options": "gco", "composite_grades": "comp"}
_TYPE_OF_TABLE = {table: name for name, table in _GRADE_TABLES.items()}


@dataclass
class GradeImpact:
    rows: list[GradeChange] = field(default_factory=list)
    summary: GradeImpactSummary = field(default_factory=GradeImpactSummary)


def grade_impact_of_changes(changes: Iterable) -> GradeImpact:
    """R82: the grades the change rows move (``Change`` or ``ChangeRow``; other rows are ignored).
    Three queries (sections.grades): none when no section setup item a grade reads changed."""
    # An item named by two rows counts once: its values before the first, after the last.
    sections_of: dict[tuple[str, int], int] = {}
    before_values: dict[tuple[str, int], dict | None] = {}
    after_values: dict[tuple[str, int], dict | None] = {}
    made = 0  # items a dry run would create have no id yet: each gets its own negative one
    for c in changes:
        table = _GRADE_TABLES.get(c.data_type)
        if c.level != SECTION or table is None or c.section_pk is None:
            continue
        if c.item_pk is None:
            made += 1
            key = (table, -made)
        else:
            key = (table, c.item_pk)
        raw = c.raw or {}
        sections_of.setdefault(key, c.section_pk)
        before_values.setdefault(key, raw.get("before"))
        after_values[key] = raw.get("after")
    before, after = SetupOverrides(), SetupOverrides()
    for overrides, found in ((before, before_values), (after, after_values)):
        for (table, item_id), values in found.items():
            if item_id > 0:
                overrides.drop[table].append(item_id)
            if values is not None:
                fields = type_level(_TYPE_OF_TABLE[table], SECTION).fields
                row = dict(zip(fields, values["values"], strict=True))
                overrides.add[table].append({**row, "id": item_id, "section_id": sections_of[table, item_id]})
    section_ids = set(sections_of.values())
    rows = grade_changes(section_ids=sorted(section_ids), before=before, after=after)
    return GradeImpact(rows=rows, summary=grade_changes_summary(rows))


def job_grade_impact(*, job: PushJob) -> GradeImpact:
    """R83: the grade impact of an applied push, from its change log (empty for a job that did not
    reach sections)."""
    if not job.to_sections:
        return GradeImpact()
    rows = ChangeRow.objects.filter(job=job, level=SECTION, data_type__in=list(_GRADE_TABLES)).only(
        "level", "data_type", "section_pk", "item_pk", "raw"
    )
    return grade_impact_of_changes(rows.iterator())


def _percent(value) -> str:
    return "" if value is None else str(value)


def grade_impact_values(row: GradeChange) -> list:
    """A row as cli.md's grade impact CSV prints it."""
    return [
        row.school,
        row.calendar,
        row.course,
        row.section,
        row.teacher,
        row.student,
        row.item,
        row.term,
        _percent(row.before_percent),
        _percent(row.after_percent),
        row.before_letter,
        row.after_letter,
        "true" if row.posted_differs else "false",
    ]


def grade_impact_write_csv(impact: GradeImpact, out: IO[str]) -> None:
    """The grade impact CSV (cli.md): a header row, a row per moved grade; formulas neutralised."""
    writer = csv_writer(out)
    writer.writerow(GRADE_IMPACT_COLUMNS)
    for row in impact.rows:
        writer.writerow(grade_impact_values(row))
