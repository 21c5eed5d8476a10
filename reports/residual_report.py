"""The Residual Data report (R52); its SQL is ``reports.residual``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from catalog.setup_types import SETUP_TYPES

from .filters import LEVELS, RESIDUAL, SORTS
from .report import Report, ReportPage, ReportRow, report_fetch
from .residual import residual_counts_sql, residual_details, residual_listing_sql
from .sql import report_cursor


@dataclass(frozen=True)
class ResidualUnit:
    level: int  # 0 course, 1 section
    type_index: int
    id: int


class _Listing:
    """The report's units as the paginator sees them: counted by the summary, and only the
    slice of a page read (ORDER BY ... LIMIT), never the whole listing."""

    def __init__(self, report: ResidualReport):
        self.report = report

    def count(self) -> int:
        return self.report.summary()["items"]

    def __getitem__(self, part: slice) -> list[ResidualUnit]:
        if part.stop <= part.start:
            return []
        sql, params = self.report._listing(limit=part.stop - part.start, offset=part.start)
        return [ResidualUnit(lvl, ti, pk) for lvl, ti, pk in report_fetch(sql, params)[1]]


class ResidualReport(Report):
    """R52: every residual item at course and section level, what keeps it (counts of
    assignments, scores and posted grades, R20), the teacher, and what would let it go."""

    kind = RESIDUAL
    _summary: dict | None = None

    def _scope(self) -> dict:
        f = self.filters
        return {
            "year_id": f.year.pk,
            "school_id": f.school.pk if f.school else None,
            "school_ids": f.school_ids,
            "type_indexes": [i for i, t in enumerate(SETUP_TYPES) if f.setup_type in (None, t.name)],
            "levels": [i for i, name in enumerate(LEVELS) if f.level in (None, name)],
        }

    def _listing(self, limit: int | None = None, offset: int = 0) -> tuple[str, list]:
        return residual_listing_sql(
            **self._scope(), order=SORTS[RESIDUAL][self.filters.sort], limit=limit, offset=offset
        )

    def units(self) -> list[ResidualUnit]:
        if self._units is None:
            sql, params = self._listing()
            self._units = [ResidualUnit(lvl, ti, pk) for lvl, ti, pk in report_fetch(sql, params)[1]]
        return self._units

    def unit_chunks(self, chunk_size: int) -> Iterator[list]:
        """Streams the listing through a server-side cursor: a district's residual items are
        never all in memory at once."""
        sql, params = self._listing()
        with report_cursor(server_side=True) as cursor:
            cursor.execute(sql, params)
            while True:
                batch = cursor.fetchmany(chunk_size)
                if not batch:
                    return
                yield [ResidualUnit(lvl, ti, pk) for lvl, ti, pk in batch]

    def summary(self) -> dict:
        if self._summary is None:
            # Counted in PostgreSQL: a district holds hundreds of thousands of residual items.
            by_level = dict(report_fetch(*residual_counts_sql(**self._scope(), by="lvl"))[1])
            course, section = by_level.get(0, 0), by_level.get(1, 0)
            self._summary = {"items": course + section, "course": course, "section": section}
        return self._summary

    def page(self, number: int | str = 1) -> ReportPage:
        return self.page_of(_Listing(self), number)

    def download_size(self) -> int:
        return self.summary()["items"]

    def rows_for(self, units: list[ResidualUnit]) -> list[ReportRow]:
        details = residual_details(units)
        rows = []
        for unit in units:
            d = details.get((unit.level, unit.type_index, unit.id))
            if d is None:
                continue  # removed since the listing was read
            rows.append(
                ReportRow(
                    values=(
                        d["school"],
                        d["year"],
                        d["course_number"],
                        d["course_name"],
                        d["section_number"],
                        d["teacher"],
                        LEVELS[unit.level],
                        SETUP_TYPES[unit.type_index].name,
                        d["item"],
                        "residual",
                        str(d["assignments"]),
                        str(d["scores"]),
                        str(d["posted_grades"]),
                        d["action"],
                    ),
                    course_id=d["course_id"],
                    master_id=d["master_id"],
                    section_id=d["section_id"],
                )
            )
        return rows
