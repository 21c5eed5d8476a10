"""What the reports say a difference means and what fixes it, in a sentence (R13-R15, R19, R53)."""

from __future__ import annotations

from . import diff
from .course_units import CourseUnit
from .display import type_words
from .filters import (
    ADDED,
    AWAITING_PUSH,
    CHANGED,
    COURSE_CONTROLLED,
    DELETED,
    DESYNCED,
    IGNORED,
    IN_SYNC,
    REMOVED,
    UNLINKED,
)
from .report import Difference


def master_detail(d: Difference, unit: CourseUnit) -> str:
    """What the next push does with a difference (R13-R15), in a sentence."""
    what = d.t.label
    if d.raw_change == diff.CONFLICT_TERM:
        return f'the calendar has no term "{d.term}": no push can bring this {what}'
    if d.raw_change == diff.CONFLICT_KEY:
        return f"a local {what} of the course holds this key: push mode leaves it; overwrite mode adopts it"
    if d.change == ADDED:
        if d.clash_state == "residual":
            return f"the push relinks the course's residual {what} and sets the master's values"
        if d.clash_state == "local":
            return f'the push adds it and renames the course\'s local {what} of that name "Name (1)"'
        return f"the push adds this {what}"
    if d.change == CHANGED:
        return "the push sets the master's values"
    if d.change == REMOVED:
        if d.item_state == "unlinked":
            return "its master item is gone: overwrite mode removes it (kept as residual if teachers use it)"
        return "its master item is gone: the push removes it (kept as residual if teachers use it)"
    if d.change == UNLINKED:
        if d.old or d.new:
            return "changed at the course, which unlinked it: overwrite mode sets it back to the master's values"
        return "unlinked at the course (its values match the master again): overwrite mode relinks it"
    return ""


def awaiting_detail(d: Difference, unit: CourseUnit, locked: bool) -> str:
    if not locked:
        return f"not pushed while {type_words(d.t.name)} are unlocked on the catalog"
    if unit.state == IGNORED:
        return "Ignore Master Push is marked on the course: no push reaches it"
    detail = master_detail(d, unit)
    if unit.state == DESYNCED and d.change != UNLINKED:
        return f"the course is desynced, so push mode fails for it; in overwrite mode {detail}"
    return detail


COURSE_STATE_ACTIONS = {
    IN_SYNC: "",
    AWAITING_PUSH: "push from the master (Push to Courses or Push All Course Masters)",
    DESYNCED: "push in overwrite mode: it relinks the course (a push in push mode fails for it)",
    COURSE_CONTROLLED: "none needed: the course manages its own items of unlocked types; "
    "to bring them back under the master, lock the type and push in overwrite mode",
    IGNORED: "Ignore Master Push is marked: no push reaches it; clear the flag to push to it",
}


def audit_action(d: Difference, unit: CourseUnit) -> str:
    locked = unit.type_locked(d.t)
    what = type_words(d.t.name)
    if unit.state == IGNORED:
        return "clear Ignore Master Push on the course, then push"
    if d.change == DELETED:
        if locked:
            return "push in overwrite mode: it restores the master's items and relinks the course"
        return f"none needed while {what} are unlocked; an overwrite push with {what} locked restores them"
    if not locked:
        if d.change == UNLINKED:
            return f"none needed while {what} are unlocked (course-controlled); an overwrite push relinks it"
        return f"not pushed while {what} are unlocked on the catalog: lock them and push"
    if d.raw_change == diff.CONFLICT_TERM:
        return f'add term "{d.term}" to the calendar, or remove the option from the master'
    if unit.state == DESYNCED or d.change == UNLINKED or d.raw_change == diff.CONFLICT_KEY:
        return "push in overwrite mode: it relinks the course and sets the master's values"
    return master_detail(d, unit)


def section_detail(d: Difference) -> str:
    what = d.t.label
    if d.raw_change == diff.CONFLICT_KEY:
        return f"the teacher's own {what} holds this key: the push leaves it (an overwrite reaching sections adopts it)"
    if d.change == ADDED:
        if d.clash_state == "residual":
            return f"the push relinks the section's residual {what}"
        if d.clash_state == "teacher":
            return f'the push adds it and renames the teacher\'s {what} of that name "Name (1)"'
        return f"the push adds this {what}"
    if d.change == CHANGED:
        return "the push sets the course's values"
    if d.change == REMOVED:
        return "gone or residual at the course: the push removes it (kept as residual if in use)"
    return ""
