"""What a catalog's locks let a master push, in words, one line per "Data to be pushed" checkbox
of the master tools (Push All Course Masters, Push to Courses).

Only locked data is pushed from masters (R2): a ticked box whose type the catalog does not lock
pushes nothing, so the tools say beside each box whether it will push anything. Read from the
setup-type specs, so a new type gets its line without a change here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import CourseCatalog
from .setup_types import COURSE_INFO, LOCK_TITLES, MASTER_PUSH_DATA, SETUP_TYPES

LOCKED, PARTLY, NOT_LOCKED = "locked", "partly", "not_locked"


@dataclass(frozen=True)
class PushDataLock:
    """One checkbox's line: ``state`` is LOCKED, PARTLY or NOT_LOCKED; ``words`` says it to a person."""

    state: str
    words: str


def _types_line(catalog: CourseCatalog, locks: list[str]) -> PushDataLock:
    locked = [lock for lock in locks if catalog.is_type_locked(lock)]
    if not locked:
        return PushDataLock(NOT_LOCKED, "not locked — nothing to push")
    if len(locked) == len(locks):
        return PushDataLock(LOCKED, "locked — will be pushed")
    pushed = ", ".join(LOCK_TITLES[lock].lower() for lock in locked)
    left = ", ".join(LOCK_TITLES[lock].lower() for lock in locks if lock not in locked)
    return PushDataLock(PARTLY, f"{pushed} locked, {left} not — only {pushed} will be pushed")


def _partial_note(catalog: CourseCatalog, line: PushDataLock, partial_locks: list[str]) -> PushDataLock:
    """R4: a type pushed while its partial lock (composite weights) is off keeps the courses' values."""
    if line.state == NOT_LOCKED:
        return line
    unlocked = [LOCK_TITLES[lock].lower() for lock in partial_locks if not catalog.is_type_locked(lock)]
    if not unlocked:
        return line
    return PushDataLock(line.state, f"{line.words}; {', '.join(unlocked)} not locked: courses keep theirs")


def _course_info_line(catalog: CourseCatalog) -> PushDataLock:
    count = len(catalog.locked_attributes)
    if count == 0:
        return PushDataLock(NOT_LOCKED, "no attribute locked — nothing to push")
    return PushDataLock(LOCKED, f"{count} attribute{'s' if count != 1 else ''} locked — will be pushed")


def push_data_locks(*, catalog: CourseCatalog) -> dict[str, PushDataLock]:
    """Per master-tool checkbox (MASTER_PUSH_DATA), whether ``catalog`` locks what it covers."""
    lines = {COURSE_INFO: _course_info_line(catalog)}
    for data in MASTER_PUSH_DATA:
        if data == COURSE_INFO:
            continue
        types = [t for t in SETUP_TYPES if t.master_data == data]
        line = _types_line(catalog, [t.lock for t in types])
        lines[data] = _partial_note(catalog, line, [t.partial_lock for t in types if t.partial_lock])
    return lines
