"""The Residual Data report (R52); its SQL is ``reports.residual``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from catalog.setup_types import SETUP_TYPES

from .filters import LEVELS, RESIDUAL, SORTS
from .report import Report, ReportRow, report_fetch
from .residual import residual_details, residual_listing_sql
from .sql import report_cursor


@dataclass(frozen=True)
class ResidualUnit:
    level: int  # 0 course, 1 section
    type_index: int
    id: int


class ResidualReport(Report):
    """R52: every residual item at course and section level, what keeps it (counts of
    assignments, scores and posted grades, R20), the teacher, and what would let it go."""

    kind = RESIDUAL

    def _listing(self) -> tuple[str, list]:
        f = self.filters
        types = [i for i, t in enumerate(SETUP_TYPES) if f.setup_type in (None, t.name)]
        levels = [i for i, name in enumerate(LEVELS) if f.level in (None, name)]
        return residual_listing_sql(
            year_id=f.year.pk,
            school_id=f.school.pk if f.school else None,
            school_ids=f.school_ids,
            type_indexes=types,
            levels=levels,
            order=SORTS[RESIDUAL][f.sort],
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
        units = self.units()
        return {
            "items": len(units),
            "course": sum(1 for u in units if u.level == 0),
            "section": sum(1 for u in units if u.level == 1),
        }

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
