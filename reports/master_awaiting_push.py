"""The Course Master Awaiting Push report (R50)."""

from __future__ import annotations

from collections import defaultdict

from coursemasters.models import CourseMaster

from . import diff
from .course_units import CourseMasterReport, CourseUnit
from .diff import type_bits
from .filters import CHANGE_BITS, COURSE_STATES, MASTER_AWAITING_PUSH, UNLINKED
from .report import ReportRow
from .wording import awaiting_detail


class MasterAwaitingPushReport(CourseMasterReport):
    """R50: per catalog and year, each master's grading setup changes not yet pushed to each
    linked course: every item that differs, with old and new values, whether its type is
    locked (only locked types are pushed, R2) and the course's state."""

    kind = MASTER_AWAITING_PUSH

    def _row_mask(self, unit: CourseUnit) -> bool:
        f = self.filters
        want = diff.DIFFERS if f.change is None else CHANGE_BITS.get(f.change, 0)
        if f.change == UNLINKED:
            want = diff.BIT_UNLINKED_CHANGED
        for i, t in self.type_filter():
            if f.locked is not None and unit.type_locked(t) != f.locked:
                continue
            if type_bits(unit.bits, i) & want:
                return True
        return False

    def wants(self, unit: CourseUnit) -> bool:
        return self.filters.state in (None, unit.state) and bool(unit.bits) and self._row_mask(unit)

    def summary(self) -> dict:
        """Per master: its linked courses, how many await a push (R50), and the other states."""
        counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COURSE_STATES, 0))
        for u in self.all_units():
            counts[u.master_id][u.state] += 1
        masters = []
        for pk, number, name in (
            CourseMaster.objects.filter(pk__in=list(counts)).order_by("number").values_list("pk", "number", "name")
        ):
            c = counts[pk]
            masters.append({"master_id": pk, "number": number, "name": name, "courses": sum(c.values()), **c})
        states = dict.fromkeys(COURSE_STATES, 0)
        for u in self.all_units():
            states[u.state] += 1
        return {"masters": masters, "states": states, "courses": len(self.all_units())}

    def rows_for(self, units: list[CourseUnit]) -> list[ReportRow]:
        f = self.filters
        diffs = self.diffs(units)
        rows = []
        for unit in units:
            for d in diffs.get(unit.id, ()):
                if d.change == UNLINKED and not (d.old or d.new):
                    continue  # unlinked, but the values are the master's: nothing differs
                locked = unit.type_locked(d.t)
                if f.locked is not None and locked != f.locked:
                    continue
                if f.change is not None and d.change != f.change:
                    continue
                rows.append(
                    ReportRow(
                        values=(
                            unit.catalog,
                            unit.master_number,
                            unit.master_name,
                            unit.school,
                            unit.year,
                            unit.number,
                            unit.name,
                            unit.state,
                            d.t.name,
                            d.item,
                            d.change,
                            d.item_state,
                            d.old,
                            d.new,
                            "yes" if locked else "no",
                            awaiting_detail(d, unit, locked),
                        ),
                        course_id=unit.id,
                        master_id=unit.master_id,
                    )
                )
        return rows
