"""The Course Awaiting Push report (R51): sections against their courses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, QuerySet

from catalog.setup_display import display_value
from catalog.setup_types import SetupType
from sections.models import Section

from . import diff
from .diff import COURSE_SECTION, pair_types, type_bits
from .filters import ADVISORY, CHANGE_BITS, CHANGED, COURSE_AWAITING_PUSH, SORTS
from .report import Difference, Report, ReportRow, differences_read, flags_read, units_sql, visible_to_reader
from .wording import section_detail


@dataclass
class SectionUnit:
    id: int
    course_id: int
    course_number: str
    course_name: str
    number: str
    teacher: str
    advisory: bool
    course_advisory: bool
    bits: int = 0


class CourseAwaitingPushReport(Report):
    """R51: per calendar, each course's grading setup changes not yet pushed to each section
    (the types sections hold, and the advisory flag that Push All Courses also copies)."""

    kind = COURSE_AWAITING_PUSH

    def scope(self) -> QuerySet:
        f = self.filters
        qs = Section.objects.filter(course__calendar=f.calendar)
        return visible_to_reader(qs, f, "course__calendar__school")

    def _scope_sql(self, queryset: QuerySet) -> tuple[str, list]:
        return units_sql(
            queryset,
            unit_id=F("id"),
            up_owner=F("course_id"),
            terms=F("course__calendar__terms"),
            locked_types=F("course__calendar__school__catalog__locked_types"),
        )

    def _types(self) -> list[tuple[int, SetupType]]:
        return [(i, t) for i, t in pair_types(COURSE_SECTION) if self.filters.setup_type in (None, t.name)]

    def _has_rows(self, unit: SectionUnit) -> bool:
        f = self.filters
        if f.setup_type in (None, ADVISORY) and f.change in (None, CHANGED) and unit.advisory != unit.course_advisory:
            return True
        want = diff.DIFFERS if f.change is None else CHANGE_BITS.get(f.change, 0)
        return any(type_bits(unit.bits, i) & want for i, _ in self._types())

    @staticmethod
    def _differs(unit: SectionUnit) -> bool:
        return any(type_bits(unit.bits, i) & diff.DIFFERS for i, _ in pair_types(COURSE_SECTION))

    def all_units(self) -> list[SectionUnit]:
        if getattr(self, "_all", None) is None:
            scope = self.scope()
            flags = flags_read(COURSE_SECTION, *self._scope_sql(scope))
            units = [
                SectionUnit(*row)
                for row in scope.order_by(*SORTS[self.kind][self.filters.sort]).values_list(
                    "id",
                    "course_id",
                    "course__number",
                    "course__name",
                    "number",
                    "teacher__username",
                    "advisory",
                    "course__advisory",
                )
            ]
            for unit in units:
                unit.bits = flags.get(unit.id, 0)
                unit.teacher = unit.teacher or ""
            self._all = units
        return self._all

    def units(self) -> list[SectionUnit]:
        if self._units is None:
            self._units = [u for u in self.all_units() if self._has_rows(u)]
        return self._units

    def summary(self) -> dict:
        units = self.all_units()
        return {
            "sections": len(units),
            "awaiting": sum(1 for u in units if self._differs(u) or u.advisory != u.course_advisory),
            "courses": len({u.course_id for u in self.units()}),
        }

    def rows_for(self, units: list[SectionUnit]) -> list[ReportRow]:
        f = self.filters
        school = f"{f.calendar.school.number} {f.calendar.school.name}"
        year = f.year.name
        by_unit: dict[int, list[Difference]] = defaultdict(list)
        wanted = {t.name for _, t in self._types()}
        if units and wanted:
            scope = Section.objects.filter(pk__in=[u.id for u in units])
            for d in differences_read(COURSE_SECTION, *self._scope_sql(scope), wanted):
                by_unit[d.unit_id].append(d)
        rows = []
        for unit in units:
            head = (school, year, unit.course_number, unit.course_name, unit.number, unit.teacher)
            for d in by_unit.get(unit.id, ()):
                if f.change is not None and d.change != f.change:
                    continue
                rows.append(
                    ReportRow(
                        values=(*head, d.t.name, d.item, d.change, d.item_state, d.old, d.new, section_detail(d)),
                        course_id=unit.course_id,
                        section_id=unit.id,
                    )
                )
            if (
                f.setup_type in (None, ADVISORY)
                and f.change in (None, CHANGED)
                and unit.advisory != unit.course_advisory
            ):
                rows.append(
                    ReportRow(
                        values=(
                            *head,
                            ADVISORY,
                            ADVISORY,
                            CHANGED,
                            "",
                            f"advisory: {display_value('advisory', unit.advisory)}",
                            f"advisory: {display_value('advisory', unit.course_advisory)}",
                            "Push All Courses with Advisory ticked copies the course's flag",
                        ),
                        course_id=unit.course_id,
                        section_id=unit.id,
                    )
                )
        return rows
