"""The Course Audit report (R53)."""

from __future__ import annotations

from .course_units import CourseMasterReport, CourseUnit
from .filters import COURSE_AUDIT, COURSE_STATES, DELETED
from .report import Difference, ReportRow
from .wording import COURSE_STATE_ACTIONS, audit_action


class CourseAuditReport(CourseMasterReport):
    """R53: every linked course with its state, then one row per item that differs from the
    master (master value beside course value) or broke the link, with the action that fixes it."""

    kind = COURSE_AUDIT

    def wants(self, unit: CourseUnit) -> bool:
        return self.filters.state in (None, unit.state)

    def summary(self) -> dict:
        units = self.all_units()
        return {"states": {s: sum(1 for u in units if u.state == s) for s in COURSE_STATES}, "courses": len(units)}

    def rows_for(self, units: list[CourseUnit]) -> list[ReportRow]:
        f = self.filters
        diffs = self.diffs(units)
        rows = []
        for unit in units:
            rows.append(
                ReportRow(
                    values=(
                        unit.catalog,
                        unit.master_number,
                        unit.school,
                        unit.year,
                        unit.number,
                        unit.name,
                        "course",
                        unit.state,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        COURSE_STATE_ACTIONS[unit.state],
                    ),
                    kind="course",
                    course_id=unit.id,
                    master_id=unit.master_id,
                )
            )
            items = list(diffs.get(unit.id, ()))
            for i, t in self.type_filter():
                if t.name in unit.desynced_types:
                    items.append(
                        Difference(
                            type_index=i,
                            t=t,
                            unit_id=unit.id,
                            change=DELETED,
                            item="",
                            item_state="",
                            old="",
                            new="",
                            raw_change=DELETED,
                            clash_state=None,
                        )
                    )
            for d in items:
                if f.change is not None and d.change != f.change:
                    continue
                locked = unit.type_locked(d.t)
                if f.locked is not None and locked != f.locked:
                    continue
                course_value = d.old
                if d.change == DELETED:
                    course_value = f"a {d.t.label} pushed from the master was deleted at the course"
                rows.append(
                    ReportRow(
                        values=(
                            unit.catalog,
                            unit.master_number,
                            unit.school,
                            unit.year,
                            unit.number,
                            unit.name,
                            "item",
                            unit.state,
                            d.t.name,
                            d.item,
                            d.change,
                            d.item_state,
                            "yes" if locked else "no",
                            d.new,
                            course_value,
                            audit_action(d, unit),
                        ),
                        course_id=unit.id,
                        master_id=unit.master_id,
                    )
                )
        return rows
