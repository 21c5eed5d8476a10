"""Apply: write a plan with bulk statements, a handful per table whatever the row count.

Order matters because the database checks as we go (the engine makes every
constraint immediate, so that an error surfaces at the statement that caused
it): removals first, so names and keys are free; course items before section
items, so that new section items can point at new course items; renames in two
steps, so that two categories may trade names.
"""

from __future__ import annotations

from collections import defaultdict

from catalog.setup_types import COURSE, SECTION
from courses.models import Course
from sections.models import Section

from . import bulk
from .levels import type_level
from .plan import CoursePlan, real_id

STATE_COLUMNS = ("state", "source_id")


def _merged(plans: list[CoursePlan]):
    merged = defaultdict(lambda: ([], [], []))
    for cp in plans:
        for tl, ops in cp.ops.items():
            creates, updates, deletes = merged[tl]
            creates.extend(ops.creates)
            updates.extend(ops.updates)
            deletes.extend(ops.deletes)
    return merged


def _update(tl, updates):
    if not updates:
        return
    renamed = [u for u in updates if u[4]]
    if renamed:
        # Step one of a rename: move every renamed item out of the way, so that the
        # final names never meet a name that is about to be given up.
        column = tl.fields[tl.rename_idx]
        bulk.update_rows(tl.model, (column,), [(u[0], f"~push {u[0]}~") for u in renamed])
    bulk.update_rows(
        tl.model,
        (*STATE_COLUMNS, *tl.fields),
        [(real_id(i), state, real_id(source), *values) for i, state, source, values, _ in updates],
    )


def _create(tl, creates, *, returning: bool):
    rows = [(owner, state, real_id(source), *values) for _, owner, state, source, values in creates]
    ids = bulk.insert_rows(tl.model, (tl.owner, *STATE_COLUMNS, *tl.fields), rows, returning_ids=returning)
    if returning:
        for (ref, *_), new_id in zip(creates, ids, strict=True):
            if ref is not None:
                ref.id = new_id


def apply_plans(plans: list[CoursePlan], *, section_types_pushed: set[str]) -> None:
    merged = _merged(plans)
    course_levels = [tl for tl in merged if tl.level == COURSE]
    section_levels = [tl for tl in merged if tl.level == SECTION]

    for tl in section_levels:
        bulk.delete_ids(tl.model, merged[tl][2])
    for tl in course_levels:
        deletes = merged[tl][2]
        if deletes and tl.spec.reaches_sections and tl.name not in section_types_pushed:
            # Section items pushed from a removed course item (not in use, so neither are
            # they) stay linked and await removal by the next push to sections (R8, R19).
            bulk.clear_column_where_in(type_level(tl.name, SECTION).model, "source_id", deletes)
        bulk.delete_ids(tl.model, deletes)
    for tl in course_levels:
        _update(tl, merged[tl][1])
    for tl in course_levels:
        _create(tl, merged[tl][0], returning=True)
    for tl in section_levels:
        _update(tl, merged[tl][1])
    for tl in section_levels:
        _create(tl, merged[tl][0], returning=False)

    changed = [cp for cp in plans if cp.course_fields]
    if changed:
        numbered = [cp for cp in changed if "number" in cp.course_fields]
        given_up = {(cp.course.calendar_id, cp.course.attrs["number"]) for cp in numbered}
        if any((cp.course.calendar_id, cp.course_fields["number"]) in given_up for cp in numbered):
            # A course takes the number another gives up here (R16); the unique constraint is
            # checked row by row, so every new number is set in a second statement.
            bulk.update_rows(Course, ("number",), [(cp.course.id, f"~push {cp.course.id}~") for cp in numbered])
        names = sorted({n for cp in changed for n in cp.course_fields})
        bulk.update_rows(
            Course,
            names,
            [(cp.course.id, *(cp.course_fields.get(n, _current(cp.course, n)) for n in names)) for cp in changed],
        )
    advisory = [pair for cp in plans for pair in cp.section_advisory]
    if advisory:
        bulk.update_rows(Section, ("advisory",), advisory)


def written_together(units: list, number_move) -> list[list]:
    """The courses of a chunk in the smallest groups that can be written on their own (R12, R16):
    one course, or the courses whose numbers move onto each other's in this push (a chain of moves,
    or a trade). Course A cannot take B's number unless B gives it up in the same statements, so
    when a redo writes course by course, such courses are written, or left as they were, together.
    ``number_move(unit)`` is (calendar id, number now, new number), or None for no new number."""
    root: dict = {}

    def find(key):
        while root.get(key, key) != key:
            key = root[key]
        return key

    moves = [(unit, number_move(unit)) for unit in units]
    for _, move in moves:
        if move is not None:
            calendar, old, new = move
            root[find((calendar, old))] = find((calendar, new))
    groups: dict = {}
    for unit, move in moves:
        key = find((move[0], move[1])) if move is not None else id(unit)
        groups.setdefault(key, []).append(unit)
    return list(groups.values())


def _current(course, name: str):
    return course.desynced_types if name == "desynced_types" else course.attrs[name]
