"""Undo a job (R73): put back, course by course, every change its change log (R70) holds.

The same shape as a push chunk (STYLE.md "Atomic per course"): lock the chunk's courses in id
order, read the job's rows for them and the items those rows name with one query per type and
level, decide in memory, and write with the bulk statements of ``bulk``, the chunk's courses
together; only if that write fails, course by course (courses whose numbers go back onto each
other's, a trade or a chain of R16 undone, as one).

A course is put back only when it is exactly as the job left it: every item, attribute, advisory
flag and remembered deletion the job logged still holds its logged ``after`` value, and no later
job logged a change to the course. Otherwise it is a ``conflict`` naming what changed, and is left
as it is; so is a course whose number comes back while another course keeps it (numbers are traded
back only when every course of the trade is). An item the job created that now holds teacher data
(R20) stays (R30) and is reported. What the undo does is itself a change log in the same form, so
an undo can be undone.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction

from catalog.setup_display import attribute_label, display_value
from catalog.setup_types import COURSE, SECTION, SETUP_TYPES_BY_NAME
from courses.models import Course
from sections.models import Assignment, Section

from . import bulk
from .api import CONFLICT, FAILED_ERROR, REMOVED, PushInputError, PushOutcome, ResultRow, Summary, UndoOptions
from .apply import written_together
from .changes import (
    ADVISORY,
    ATTRIBUTE,
    CREATED,
    DESYNC,
    ITEM,
    UPDATED,
    Change,
    classify,
    json_text,
    plain_value,
)
from .levels import TypeLevel, type_level
from .plan import Item

# The change log's "removed" is the result report's outcome of the same name (R72).
REMOVED_CHANGE = REMOVED

logger = logging.getLogger(__name__)

STATE_COLUMNS = ("state", "source_id")
PREVIEW_KIND = "preview"  # a preview job (R71) writes no change log: nothing to undo
MAX_REASONS = 5


def _job(options: UndoOptions):
    from pushjobs.models import PushJob

    job = PushJob.objects.filter(pk=options.job).first()
    if job is None:
        raise PushInputError(f"no job {options.job}")
    if job.status != PushJob.COMPLETED:
        raise PushInputError(f"job {job.pk} is {job.status}: only a completed job can be undone")
    if job.kind == PREVIEW_KIND:
        raise PushInputError(f"job {job.pk} is a preview: it changed nothing, so there is nothing to undo")
    return job


def undo_scope(options: UndoOptions) -> list[int]:
    """The courses the job's change log names, in id order (R32: an unknown or unfinished job is refused)."""
    from pushjobs.models import ChangeRow

    job = _job(options)
    return sorted(set(ChangeRow.objects.filter(job=job).values_list("course_pk", flat=True)))


def undo_moves_numbers(options: UndoOptions) -> bool:
    """Whether the job changed course numbers (then its undo puts them back, R16)."""
    from pushjobs.models import ChangeRow

    return ChangeRow.objects.filter(job_id=options.job, data_type="course_info", item="number").exists()


@dataclass
class _CourseUndo:
    course_pk: int
    number: str
    school: str
    calendar: str
    calendar_id: int | None = None
    reasons: list = field(default_factory=list)
    deletes: dict = field(default_factory=lambda: defaultdict(list))  # TypeLevel -> [Item]
    updates: dict = field(default_factory=lambda: defaultdict(list))  # TypeLevel -> [(id, state, source, values)]
    inserts: dict = field(
        default_factory=lambda: defaultdict(list)
    )  # TypeLevel -> [(id, owner, state, source, values)]
    attributes: dict = field(default_factory=dict)
    desync_back: list = field(default_factory=list)
    advisory: list = field(default_factory=list)  # (section id, flag)
    changes: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # ResultRow
    failed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _same(cur: Item, side: dict) -> bool:
    return cur.state == side["state"] and cur.source == side["source"] and plain_value(cur.values) == side["values"]


def _describe(row) -> str:
    """The item of a change row in words: "section 1 category Labs", "grade calc option task:S1 Q1"
    (pages and reports name the task or standard from its reference)."""
    where = f"section {row.section} " if row.section else ""
    return f"{where}{SETUP_TYPES_BY_NAME[row.data_type].label} {row.item}".strip()


def undo_chunk(options: UndoOptions, course_ids, *, dry_run: bool = False) -> PushOutcome:
    """Put these courses back as they were before the job (see the module's docstring)."""
    from pushjobs.models import ChangeRow

    course_ids = sorted(set(course_ids))
    if not course_ids:
        return PushOutcome()
    job = _job(options)
    with transaction.atomic():
        if not dry_run:
            # Checked at each statement, so that a failing write stays with its course (SQL keywords
            # are case-insensitive: "immediate" is the same statement).
            _set_constraints("IMMEDIATE")
        qs = Course.objects.filter(pk__in=course_ids).order_by("pk")
        if not dry_run:
            qs = qs.select_for_update(of=("self",))
        courses = {row[0]: row for row in qs.values_list("pk", "number", "desynced_types", "calendar_id")}
        # Only this chunk's rows: reading all the job's would plan the same, at the cost of reading them.
        rows = list(ChangeRow.objects.filter(job=job, course_pk__in=course_ids).order_by("pk"))
        by_course = defaultdict(list)
        for r in rows:
            by_course[r.course_pk].append(r)
        later = _later_jobs(job.pk, by_course)

        # The items the rows name, as they are now: one query per type and level.
        owners = defaultdict(set)
        attribute_names = set()
        for r in rows:
            kind = r.raw.get("kind")
            if kind == ITEM:
                tl = type_level(r.data_type, r.level)
                owners[tl].add(r.section_pk if r.level == SECTION else r.course_pk)
            elif kind == ATTRIBUTE:
                attribute_names.add(r.raw["name"])
        current = {tl: _current_items(tl, ids) for tl, ids in owners.items()}
        section_pks = {r.section_pk for r in rows if r.section_pk is not None}
        # (with no section to read, the query is saved: it would read nothing)
        sections = dict(Section.objects.filter(pk__in=section_pks).values_list("pk", "advisory")) if section_pks else {}
        attributes = {}
        if attribute_names:
            names = sorted(attribute_names)
            for row in Course.objects.filter(pk__in=course_ids).values("pk", *names):
                attributes[row.pop("pk")] = row

        plans = []
        for course_pk in course_ids:
            course_rows = by_course.get(course_pk)
            if not course_rows:  # a course of the chunk that the job did not change
                continue
            first = course_rows[0]
            found = courses.get(course_pk)
            cu = _CourseUndo(
                course_pk, found[1] if found else first.course, first.school, first.calendar, found and found[3]
            )
            if found is None:
                cu.reasons.append("the course no longer exists")
            elif course_pk in later:
                cu.reasons.append(f"job {later[course_pk]} changed it after job {job.pk}")
            else:
                for r in course_rows:
                    _plan_row(cu, r, current, sections, attributes.get(course_pk), found)
            plans.append(cu)
        _kept_in_use(plans)
        for cu in plans:
            if not cu.reasons:
                _check_keys(cu, current)
        _check_numbers(plans)
        for cu in plans:
            if cu.reasons:
                more = len(cu.reasons) - MAX_REASONS
                detail = (
                    "not undone: " + "; ".join(cu.reasons[:MAX_REASONS]) + (f"; and {more} more" if more > 0 else "")
                )
                cu.rows = [_row(cu, "", "", "", CONFLICT, detail)]
                cu.failed = True
        writing = [cu for cu in plans if not cu.failed and cu.changed]
        if not dry_run and writing:
            _apply_all(writing)
            _set_constraints("DEFERRED")  # as the caller's transaction had them (in any case: SQL keywords)
        return _outcome(plans)


def _set_constraints(mode: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {mode}")


def _later_jobs(job_id: int, by_course: dict) -> dict[int, int]:
    """course id -> a job that logged a change to it after this job did (one query)."""
    from pushjobs.models import ChangeRow

    if not by_course:
        return {}
    courses = list(by_course)
    last = [max(r.pk for r in by_course[c]) for c in courses]
    table = connection.ops.quote_name(ChangeRow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT DISTINCT ON (c.course_pk) c.course_pk, c.job_id
                FROM {table} c JOIN unnest(%s::bigint[], %s::bigint[]) AS v(course, last_id)
                  ON c.course_pk = v.course AND c.id > v.last_id
                WHERE c.job_id <> %s
                ORDER BY c.course_pk, c.id""",
            [courses, last, job_id],
        )
        return dict(cursor.fetchall())


def _current_items(tl: TypeLevel, owners) -> dict:
    """{"by_id": id -> Item, "by_key": (owner, key) -> Item} of these owners' items of this type."""
    by_id, by_key = {}, {}
    rows = (
        tl.model.objects.filter(**{f"{tl.owner}__in": list(owners)})
        .order_by("id")
        .values_list("id", tl.owner, "state", "source_id", *tl.fields)
    )
    for row in rows:
        it = Item(row[0], row[1], row[2], row[3], tuple(row[4:]))
        by_id[it.id] = it
        by_key[(it.owner, tl.key(it.values))] = it
    return {"by_id": by_id, "by_key": by_key}


def _plan_row(cu: _CourseUndo, r, current, sections, attributes, course) -> None:
    kind = r.raw.get("kind")
    before, after = r.raw.get("before"), r.raw.get("after")
    common = {
        "level": r.level,
        "school": r.school,
        "calendar": r.calendar,
        "course": cu.number,
        "section": r.section,
        "teacher": r.teacher,
        "data_type": r.data_type,
        "item": r.item,
        "course_pk": cu.course_pk,
        "section_pk": r.section_pk,
        "teacher_pk": r.teacher_pk,
    }
    if kind == ATTRIBUTE:
        name = r.raw["name"]
        if plain_value(attributes.get(name)) != after:
            now = display_value(name, plain_value(attributes.get(name)))
            cu.reasons.append(f"its {attribute_label(name)} is now {now}, not {display_value(name, after)}")
            return
        cu.attributes[name] = before
        cu.changes.append(
            Change(
                change=UPDATED,
                before=r.after,
                after=r.before,
                raw={**r.raw, "before": after, "after": before},
                **common,
            )
        )
        return
    if kind == DESYNC:
        name = r.raw["name"]
        remembered = name in (course[2] or [])
        if remembered != after:
            cu.reasons.append(f"the deletions remembered for {name.replace('_', ' ')} changed")
            return
        cu.desync_back.append((name, before))
        cu.changes.append(
            Change(
                change=UPDATED,
                before=r.after,
                after=r.before,
                raw={**r.raw, "before": after, "after": before},
                **common,
            )
        )
        return
    if kind == ADVISORY:
        if r.section_pk not in sections or sections[r.section_pk] != after:
            cu.reasons.append(f"section {r.section}'s advisory flag changed")
            return
        cu.advisory.append((r.section_pk, before))
        cu.changes.append(
            Change(
                change=UPDATED,
                before=r.after,
                after=r.before,
                raw={**r.raw, "before": after, "after": before},
                **common,
            )
        )
        return

    tl = type_level(r.data_type, r.level)
    owner = r.section_pk if r.level == SECTION else r.course_pk
    items = current[tl]
    if before is None:  # the job created it: it goes
        cur = items["by_key"].get((owner, tl.key(tuple(after["values"]))))
        if cur is None or not _same(cur, after):
            cu.reasons.append(f"{_describe(r)} {'is gone' if cur is None else 'was changed'} since")
            return
        cu.deletes[tl].append(cur)
        cu.changes.append(
            Change(
                change=REMOVED_CHANGE,
                before=r.after,
                after=None,
                item_pk=cur.id,
                raw={"kind": ITEM, "before": after, "after": None},
                **common,
            )
        )
        return
    if after is None:  # the job removed it: it comes back, with its id, state, source and name
        if r.level == SECTION and owner not in sections:
            cu.reasons.append(f"section {r.section} no longer exists")
            return
        # Its key may be held by an item this undo removes (an overwrite removes a teacher category
        # and creates the pushed one of that name): _check_keys judges the final state.
        if r.item_pk in items["by_id"]:
            cu.reasons.append(f"{_describe(r)}: it is there again")
            return
        cu.inserts[tl].append((r.item_pk, owner, before["state"], before["source"], tuple(before["values"])))
        cu.changes.append(
            Change(
                change=CREATED,
                before=None,
                after=r.before,
                item_pk=r.item_pk,
                raw={"kind": ITEM, "before": None, "after": before},
                **common,
            )
        )
        return
    cur = items["by_id"].get(r.item_pk)
    if cur is None or not _same(cur, after):
        cu.reasons.append(f"{_describe(r)} {'is gone' if cur is None else 'was changed'} since")
        return
    cu.updates[tl].append((cur.id, before["state"], before["source"], tuple(before["values"])))
    cu.changes.append(
        Change(
            change=classify(tl, after["state"], tuple(after["values"]), before["state"], tuple(before["values"])),
            before=r.after,
            after=r.before,
            item_pk=cur.id,
            raw={"kind": ITEM, "before": after, "after": before},
            **common,
        )
    )


def _kept_in_use(plans: list[_CourseUndo]) -> None:
    """R30: an item the job created that now holds teacher data stays, and is reported.

    An item holds teacher data when the data points at it: an assignment in a section category
    (R20's assignment rule), and a course item whose section item kept here is pushed from it.
    Posted grades and aligned assignments name a task or standard, not a grade calc option or a
    composite row, so removing those rows takes nothing from a teacher; they go (and a push then
    undone leaves the district exactly as it was, R73)."""
    candidates = [(cu, tl, it) for cu in plans if not cu.reasons for tl, its in cu.deletes.items() for it in its]
    held = [it.id for _, tl, it in candidates if tl.level == SECTION and tl.spec.in_use.assignment_category]
    if not held:
        return
    used = set(Assignment.objects.filter(category_id__in=held).values_list("category_id", flat=True).distinct())
    kept_sources = {
        (tl.name, it.source) for _, tl, it in candidates if tl.level == SECTION and it.id in used and it.source
    }
    for cu, tl, it in candidates:
        in_use = it.id in used if tl.level == SECTION else (tl.name, it.id) in kept_sources
        if not in_use:
            continue
        cu.deletes[tl].remove(it)
        change = next(
            c for c in cu.changes if c.change == REMOVED_CHANGE and c.item_pk == it.id and c.level == tl.level
        )
        cu.changes.remove(change)
        cu.rows.append(
            _row(
                cu,
                change.section,
                tl.name,
                change.item,
                CONFLICT,
                "created by the job and now used by assignments: kept, since teachers' data is never removed",
            )
        )


def _check_keys(cu: _CourseUndo, current) -> None:
    """Two items of one owner would share a key once put back (an item kept in use holds it)."""
    for tl in set(cu.updates) | set(cu.inserts):
        items = current[tl]["by_id"]
        gone = {it.id for it in cu.deletes.get(tl, ())}
        final = {i: (it.owner, it.values) for i, it in items.items() if i not in gone}
        for item_id, _state, _source, values in cu.updates.get(tl, ()):
            final[item_id] = (items[item_id].owner, values)
        for item_id, owner, _state, _source, values in cu.inserts.get(tl, ()):
            final[item_id] = (owner, values)
        seen = {}
        for item_id, (owner, values) in final.items():
            k = (owner, tl.key(tuple(values)))
            if k in seen:
                # One of the two is put back by this undo: its change row names the key in words
                # ("Homework", "task:S1 Q1"); an item's values hold record ids.
                named = {c.item_pk: c.item for c in cu.changes if c.data_type == tl.name and c.level == tl.level}
                item = named.get(item_id) or named.get(seen[k]) or str(values[0])
                where = "" if tl.level == COURSE else "a section's "
                cu.reasons.append(f"{where}{tl.spec.label} {item}: another item now has its key")
                return
            seen[k] = item_id


def _check_numbers(plans: list[_CourseUndo]) -> None:
    """A course whose number comes back (R16 undone) needs that number free once the undo is done:
    held by nobody, or by a course this undo gives another number (numbers traded back, or passed
    back along a chain). A course that keeps it makes the other a conflict, and so on around."""
    back = {cu.course_pk: cu for cu in plans if not cu.reasons and "number" in cu.attributes}
    if not back:
        return
    wanted = {(cu.calendar_id, cu.attributes["number"]) for cu in back.values()}
    holders = {
        (calendar, number): pk
        for pk, calendar, number in Course.objects.filter(
            calendar_id__in={c for c, _ in wanted}, number__in={n for _, n in wanted}
        ).values_list("pk", "calendar_id", "number")
    }
    while True:
        kept = [
            cu
            for cu in back.values()
            if holders.get((cu.calendar_id, cu.attributes["number"]), cu.course_pk) not in back
        ]
        if not kept:
            return
        for cu in kept:
            cu.reasons.append(
                f'its number "{cu.attributes["number"]}" is now used by another course of this calendar, which keeps it'
            )
            del back[cu.course_pk]


def _apply_all(writing: list[_CourseUndo]) -> None:
    try:
        with transaction.atomic():
            _apply(writing)
        return
    except Exception:
        logger.warning("undo chunk failed to apply; redoing it course by course", exc_info=True)
    for unit in written_together(writing, _number_move):
        try:
            with transaction.atomic():
                _apply(unit)
        except Exception as error:
            detail = f"{type(error).__name__}: {error}".strip()[:500]
            for cu in unit:
                others = ", ".join(other.number for other in unit if other is not cu)
                if others:
                    detail_here = (
                        f"{detail}; left as it was together with {others}: this undo passes numbers between them"
                    )
                else:
                    detail_here = detail
                cu.failed = True
                cu.rows = [_row(cu, "", "", "", FAILED_ERROR, detail_here)]


def _number_move(cu: _CourseUndo):
    if "number" not in cu.attributes:
        return None
    return cu.calendar_id, cu.number, cu.attributes["number"]


def _merged(writing, name):
    out = defaultdict(list)
    for cu in writing:
        for tl, ops in getattr(cu, name).items():
            out[tl].extend(ops)
    return out


def _update(tl: TypeLevel, updates) -> None:
    if not updates:
        return
    if tl.rename_idx is not None:
        # Names move in two steps, so that two items may trade names (R13's renames undone).
        column = tl.fields[tl.rename_idx]
        bulk.update_rows(tl.model, (column,), [(u[0], f"~undo {u[0]}~") for u in updates])
    bulk.update_rows(
        tl.model, (*STATE_COLUMNS, *tl.fields), [(i, state, source, *values) for i, state, source, values in updates]
    )


def _apply(writing: list[_CourseUndo]) -> None:
    deletes, updates, inserts = (_merged(writing, n) for n in ("deletes", "updates", "inserts"))
    levels = set(deletes) | set(updates) | set(inserts)
    course_levels = sorted((tl for tl in levels if tl.level == COURSE), key=lambda tl: tl.name)
    section_levels = sorted((tl for tl in levels if tl.level == SECTION), key=lambda tl: tl.name)
    for tl in section_levels:
        bulk.delete_ids(tl.model, [it.id for it in deletes.get(tl, ())])
    for tl in course_levels:
        ids = [it.id for it in deletes.get(tl, ())]
        if ids and tl.spec.reaches_sections:
            # A section item the job linked to a course item it created gets its own source back below.
            bulk.clear_column_where_in(type_level(tl.name, SECTION).model, "source_id", ids)
        bulk.delete_ids(tl.model, ids)
    for tl in course_levels:
        _update(tl, updates.get(tl, ()))
    for tl in course_levels:
        _insert(tl, inserts.get(tl, ()))
    for tl in section_levels:
        _update(tl, updates.get(tl, ()))
    for tl in section_levels:
        _insert(tl, inserts.get(tl, ()))

    attributes = [cu for cu in writing if cu.attributes]
    if attributes:
        names = sorted({n for cu in attributes for n in cu.attributes})
        ids = [cu.course_pk for cu in attributes]
        current = {row.pop("pk"): row for row in Course.objects.filter(pk__in=ids).values("pk", *names)}
        numbered = [cu for cu in attributes if "number" in cu.attributes]
        if numbered:
            # Numbers are unique in a calendar and checked row by row: two courses may trade them.
            bulk.update_rows(Course, ("number",), [(cu.course_pk, f"~undo {cu.course_pk}~") for cu in numbered])
        rows = []
        for cu in attributes:
            now = current[cu.course_pk]
            rows.append((cu.course_pk, *(cu.attributes.get(n, plain_value(now[n])) for n in names)))
        bulk.update_rows(Course, names, rows)
    desync = [cu for cu in writing if cu.desync_back]
    if desync:
        current = dict(
            Course.objects.filter(pk__in=[cu.course_pk for cu in desync]).values_list("pk", "desynced_types")
        )
        rows = []
        for cu in desync:
            types = list(current[cu.course_pk] or [])
            # _plan_row checked that each name is remembered now exactly when the job left it so.
            for name, remembered in cu.desync_back:
                if remembered:
                    types.append(name)
                else:
                    types.remove(name)
            rows.append((cu.course_pk, types))
        bulk.update_rows(Course, ("desynced_types",), rows)
    advisory = [pair for cu in writing for pair in cu.advisory]
    if advisory:
        bulk.update_rows(Section, ("advisory",), advisory)


def _insert(tl: TypeLevel, inserts) -> None:
    if not inserts:
        return
    bulk.insert_rows(
        tl.model,
        ("id", tl.owner, *STATE_COLUMNS, *tl.fields),
        [(i, owner, state, source, *values) for i, owner, state, source, values in inserts],
    )


def _row(cu: _CourseUndo, section, data_type, item, outcome, detail) -> ResultRow:
    return ResultRow(
        school=cu.school,
        calendar=cu.calendar,
        course=cu.number,
        course_master="",
        section=section,
        data_type=data_type,
        item=item,
        outcome=outcome,
        detail=detail,
    )


def _outcome(plans: list[_CourseUndo]) -> PushOutcome:
    summary = Summary()
    outcome = PushOutcome(summary=summary)
    for cu in plans:
        if cu.failed:
            summary.courses_failed += 1
            outcome.failed_course_ids.append(cu.course_pk)
        else:
            outcome.pushed_course_ids.append(cu.course_pk)
            if cu.changed:
                summary.courses_changed += 1
            else:
                summary.courses_unchanged += 1
            # As a push counts (plan.py): Course Info is one item however many of its attributes
            # change, and a remembered deletion forgotten or put back is none.
            course_info = False
            for c in cu.changes:
                kind = c.raw.get("kind")
                if c.change == CREATED:
                    summary.items_created += 1
                elif c.change == REMOVED_CHANGE:
                    summary.items_removed += 1
                elif c.change == "kept_residual":
                    summary.items_kept_residual += 1
                elif kind == ATTRIBUTE:
                    course_info = True
                elif kind != DESYNC:
                    summary.items_updated += 1
            summary.items_updated += course_info
            outcome.changes.extend(cu.changes)
            for c in cu.changes:
                if c.change == REMOVED_CHANGE:
                    cu.rows.append(
                        _row(
                            cu,
                            c.section,
                            c.data_type,
                            c.item,
                            REMOVED,
                            f"removed; its former values: {json_text(c.before)}",
                        )
                    )
        outcome.rows.extend(cu.rows)
    return outcome
