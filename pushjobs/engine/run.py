"""push_scope, push_chunks, push_chunk, push_run and push_run_chunks (the contract in ``api``)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction

from catalog.district_lock import district_shared_lock
from catalog.models import CourseCatalog
from courses.models import Course

from .api import (
    FAILED_ERROR,
    REMOVED,
    CoursePushOptions,
    MasterPushOptions,
    PushOutcome,
    ResultRow,
    Summary,
    UndoOptions,
)
from .apply import apply_plans, written_together
from .changes import json_text, plan_changes, resolve_ids
from .context import MasterContext, resolve, scope_queryset
from .levels import describe_key
from .plan import CoursePlan, PendingRow, plan_course_sections, plan_master_course
from .snapshot import Snapshot, load_snapshot, numbers_in_use

logger = logging.getLogger(__name__)

Options = MasterPushOptions | CoursePushOptions | UndoOptions


def push_scope(options: Options) -> list[int]:
    """Validate the options (R32: PushInputError naming the problem) and return the ids of the
    courses in scope (R10), in the order they are locked and pushed."""
    if isinstance(options, UndoOptions):
        from .undo import undo_scope

        return undo_scope(options)
    ctx = resolve(options)
    return list(scope_queryset(ctx).order_by("pk").values_list("pk", flat=True))


def push_chunk(options: Options, course_ids, *, dry_run: bool = False) -> PushOutcome:
    """Plan and apply the push for these courses (and their sections when it reaches them).

    One transaction (a savepoint inside the caller's): the courses are locked in id
    order, the chunk's state is read with one query per type and level, planned in
    memory, and written with bulk statements. A course that fails (desynced in push
    mode, R14) is left out of the writes; if the writes hit an unexpected error, the
    chunk is redone course by course so that only the failing course is left as it
    was (R12), courses that pass numbers between them (R16) together: one cannot take
    another's number alone. ``dry_run`` plans the same way and writes nothing. Courses no longer
    in scope (unlinked since the scope was taken) are left alone.
    """
    if isinstance(options, UndoOptions):
        from .undo import undo_chunk

        return undo_chunk(options, course_ids, dry_run=dry_run)
    ctx = resolve(options)
    course_ids = list(course_ids)
    if not course_ids:
        return PushOutcome()
    with transaction.atomic():
        district_shared_lock()  # an import that replaces the district waits, or is waited for
        if not dry_run:
            # Deferred foreign keys would only fail at COMMIT, for the whole chunk; checked at
            # each statement, an error stays with the chunk's apply and can be isolated.
            _set_constraints("IMMEDIATE")
        snap = load_snapshot(ctx, course_ids, lock=not dry_run)
        plans = _plan(ctx, snap)
        # The change log is read off the plans before the writes (they consume what it compares
        # with); a course whose writes then fail is left out of it.
        changes = plan_changes(ctx, snap, plans)
        if not dry_run:
            _apply(ctx, plans)
            _set_constraints("DEFERRED")
            resolve_ids(changes)
        outcome = _outcome(ctx, snap, plans)
        written = set(outcome.pushed_course_ids)
        outcome.changes = [c for c in changes if c.course_pk in written]
        outcome.rows.extend(removed_rows(snap, outcome.changes))
        return outcome


def removed_rows(snap: Snapshot, changes) -> list[ResultRow]:
    """R72: the result report names every removed item, with its former values."""
    rows = []
    courses = None
    for c in changes:
        if c.change != REMOVED:
            continue
        if courses is None:
            courses = {x.id: x for x in snap.courses}
        course = courses.get(c.course_pk)
        master = snap.masters.get(course.master_id) if course is not None else None
        rows.append(
            ResultRow(
                school=c.school,
                calendar=c.calendar,
                course=c.course,
                course_master=master.number if master else "",
                section=c.section,
                data_type=c.data_type,
                item=c.item,
                outcome=REMOVED,
                detail=f"removed; its former values: {json_text(c.before)}",
            )
        )
    return rows


def push_chunks(options: Options, course_ids: list[int], size: int) -> list[list[int]]:
    """The courses in scope in chunks of about ``size``, as a push job and a dry run cut them. Chunks
    may run at once on several workers, so what must be decided together shares a chunk: when the
    push copies locked course numbers (R16), or an undo puts numbers back (R73), one calendar's
    courses (whose numbers may move onto each other, or be traded) are never split."""
    if not _moves_numbers(options):
        return [course_ids[start : start + size] for start in range(0, len(course_ids), size)]
    calendar_of = dict(Course.objects.filter(pk__in=course_ids).values_list("pk", "calendar_id"))
    by_calendar: dict[int, list[int]] = {}
    for course_id in course_ids:
        by_calendar.setdefault(calendar_of[course_id], []).append(course_id)
    chunks: list[list[int]] = []
    for ids in by_calendar.values():
        if chunks and len(chunks[-1]) + len(ids) <= size:
            chunks[-1].extend(ids)
        else:
            chunks.append(list(ids))
    return chunks


def _moves_numbers(options: Options) -> bool:
    if isinstance(options, UndoOptions):
        from .undo import undo_moves_numbers

        return undo_moves_numbers(options)
    if getattr(options, "catalog", None) is None or "course_info" not in getattr(options, "data", ()):
        return False
    catalog = CourseCatalog.objects.filter(name=options.catalog).first()
    return catalog is not None and "number" in (catalog.locked_attributes or [])


def push_run_chunks(options: Options, *, dry_run: bool = False, chunk_size: int | None = None) -> Iterator[PushOutcome]:
    """The whole push, chunk by chunk (each chunk commits on its own): each chunk's outcome as soon
    as it is done. A caller that writes each out and lets it go holds one chunk's rows and change
    rows at a time, whatever the size of the push (issue 15). The options are checked (R32) when
    the first outcome is asked for. The chunks are a push job's (push_chunks), so that a dry run
    decides what the job will (R71)."""
    ids = push_scope(options)
    for chunk in push_chunks(options, ids, chunk_size or settings.PUSH_CHUNK_SIZE):
        yield push_chunk(options, chunk, dry_run=dry_run)


def push_run(options: Options, *, dry_run: bool = False, chunk_size: int | None = None) -> PushOutcome:
    """The whole push, chunk by chunk, as one outcome: every chunk's rows and change rows held
    together (a small push's; a big one goes through ``push_run_chunks``)."""
    outcome = PushOutcome()
    for chunk in push_run_chunks(options, dry_run=dry_run, chunk_size=chunk_size):
        outcome.add(chunk)
    return outcome


def _set_constraints(mode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {mode}")


def _plan(ctx, snap: Snapshot) -> list[CoursePlan]:
    # A settled course (settled.py) plans to nothing: no change, no row.
    if isinstance(ctx, MasterContext):
        taken = numbers_in_use(snap, ctx)
        return [
            CoursePlan(course) if course.id in snap.settled else plan_master_course(ctx, snap, course, taken)
            for course in snap.courses
        ]
    return [
        CoursePlan(course) if course.id in snap.settled else plan_course_sections(ctx, snap, course)
        for course in snap.courses
    ]


def _apply(ctx, plans: list[CoursePlan]) -> None:
    writing = [cp for cp in plans if cp.failed is None and not cp.skipped and cp.changed]
    if not writing:
        return
    pushed_to_sections = {tl.name for tl in ctx.section_types}
    try:
        with transaction.atomic():
            apply_plans(writing, section_types_pushed=pushed_to_sections)
        return
    except Exception:
        logger.warning("push chunk failed to apply; redoing it course by course", exc_info=True)
    for unit in written_together(writing, _number_move):
        try:
            with transaction.atomic():
                apply_plans(unit, section_types_pushed=pushed_to_sections)
        except Exception as error:
            detail = f"{type(error).__name__}: {error}".strip()[:500]
            for cp in unit:
                cp.failed = FAILED_ERROR
                cp.rows = [PendingRow("", "", None, "", FAILED_ERROR, detail + _written_with(cp, unit))]


def _number_move(cp: CoursePlan):
    if "number" not in cp.course_fields:
        return None
    return cp.course.calendar_id, cp.course.attrs["number"], cp.course_fields["number"]


def _written_with(cp: CoursePlan, unit: list[CoursePlan]) -> str:
    others = [other.course.attrs["number"] for other in unit if other is not cp]
    if not others:
        return ""
    return f"; left as it was together with {', '.join(others)}: this push passes numbers between them"


def _outcome(ctx, snap: Snapshot, plans: list[CoursePlan]) -> PushOutcome:
    summary = Summary()
    outcome = PushOutcome(summary=summary)
    names = _referenced_names(plans)
    for cp in plans:
        course = cp.course
        if cp.skipped:
            summary.courses_skipped += 1
        elif cp.failed:
            summary.courses_failed += 1
            outcome.failed_course_ids.append(course.id)
        else:
            outcome.pushed_course_ids.append(course.id)
            if cp.changed:
                summary.courses_changed += 1
            else:
                summary.courses_unchanged += 1
            summary.items_created += cp.created
            summary.items_updated += cp.updated
            summary.items_removed += cp.removed
            summary.items_kept_residual += cp.kept_residual
        if cp.rows:
            calendar = snap.calendars[course.calendar_id]
            master = snap.masters.get(course.master_id)
            for r in cp.rows:
                outcome.rows.append(
                    ResultRow(
                        school=calendar.school,
                        calendar=calendar.year,
                        course=course.attrs["number"],
                        course_master=master.number if master else "",
                        section=r.section,
                        data_type=r.data_type,
                        item=describe_key(r.tl, r.values, names) if r.tl is not None else r.values,
                        outcome=r.outcome,
                        detail=r.detail,
                    )
                )
    return outcome


def _referenced_names(plans: list[CoursePlan]) -> dict:
    """(model, id) -> text for the district records that result rows name (tasks, standards, tests)."""
    wanted = defaultdict(set)
    for cp in plans:
        for r in cp.rows:
            if r.tl is None:
                continue
            for i, related in r.tl.key_field_models:
                if related is not None and r.values[i] is not None:
                    wanted[related].add(r.values[i])
    names = {}
    for model, ids in wanted.items():
        for pk, obj in model.objects.in_bulk(list(ids)).items():
            names[(model, pk)] = str(obj)
    return names
