"""The change log (R70): one row for each thing a push changes, derived from the chunk's plan.

``plan_changes`` reads what the planner already decided (each CoursePlan's LevelOps, Course Info
fields, remembered deletions and advisory flags) against the snapshot the plan was made from, so
the log cannot say something the writes did not do: a dry run (R71) and the push it previews get
the same rows from the same code. ``changes_write`` puts them in with one COPY, inside the
chunk's transaction.

Each row carries two forms of the item: ``before``/``after`` in words (every key and payload field
by its model field name, foreign keys as the district names them, its state, its source's key),
which the CSV prints; and ``raw`` (database values, ids, states), which undo (pushjobs.engine.undo)
puts back. Ids of items a push creates are only known once they are written; ``resolve_ids``
fills them in after the apply.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.db import models

from catalog.history import REMEMBERED_DELETION
from catalog.models import AssessmentTest, GradingItem, GradingScale
from catalog.setup_types import COURSE, COURSE_ITEM_STATES, SECTION, SECTION_ITEM_STATES
from sections.models import Section

from .levels import TypeLevel, describe_key, type_level
from .plan import CoursePlan, Item, Ref, real_id

LINKED, UNLINKED, RESIDUAL, LOCAL = COURSE_ITEM_STATES
TEACHER = SECTION_ITEM_STATES[2]
CREATED, UPDATED, REMOVED, RENAMED, RELINKED, ADOPTED, KEPT_RESIDUAL, GRAYED_OUT = (
    "created",
    "updated",
    "removed",
    "renamed",
    "relinked",
    "adopted",
    "kept_residual",
    "grayed_out",
)
CHANGES = (CREATED, UPDATED, REMOVED, RENAMED, RELINKED, ADOPTED, KEPT_RESIDUAL, GRAYED_OUT)
CHANGE_COLUMNS = (
    "job",
    "level",
    "school",
    "calendar",
    "course",
    "section",
    "teacher",
    "data_type",
    "item",
    "change",
    "before",
    "after",
)
# What ``raw["kind"]`` says a row is about.
ITEM, ATTRIBUTE, DESYNC, ADVISORY = "item", "attribute", "desync", "advisory"


@dataclass
class Change:
    level: str
    school: str
    calendar: str
    course: str
    section: str
    teacher: str
    data_type: str
    item: str
    change: str
    before: dict | None
    after: dict | None
    course_pk: int
    section_pk: int | None = None
    teacher_pk: int | None = None
    item_pk: int | None = None
    raw: dict = field(default_factory=dict)
    # Until the apply has run: (the Ref of a created item, the Ref of its created source), or ().
    refs: tuple = ()

    def csv_values(self, job: int | str | None) -> list[str]:
        """The row as cli.md prints it (before/after as JSON objects; empty when there is none)."""
        return [
            "" if job is None else str(job),
            self.level,
            self.school,
            self.calendar,
            self.course,
            self.section,
            self.teacher,
            self.data_type,
            self.item,
            self.change,
            json_text(self.before),
            json_text(self.after),
        ]


def json_text(value: dict | None) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def plain_value(value):
    """A database value as JSON holds it (decimals as the database prints them)."""
    kind = type(value)
    if kind is Decimal:
        return str(value)
    if kind is list or kind is tuple:
        return [plain_value(v) for v in value]
    if kind in _PLAIN:  # the usual case first, at millions of calls a push
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    return value


_PLAIN = frozenset({str, int, bool, float, type(None)})


def plain_values(values: tuple) -> list:
    """``plain_value`` of each of an item's values: one pass, the plain ones as they are."""
    return [v if type(v) in _PLAIN else plain_value(v) for v in values]


def classify(tl: TypeLevel, before_state: str, before_values: tuple, after_state: str, after_values: tuple) -> str:
    """What an update did to an item, in the change log's words (R70)."""
    if after_state == RESIDUAL and before_state != RESIDUAL:
        # R23: a section grade calc option left residual is grayed out (no_calculation, read-only).
        return GRAYED_OUT if tl.level == SECTION and tl.residual_patch else KEPT_RESIDUAL
    if after_state == LINKED and before_state in (LOCAL, TEACHER):
        return ADOPTED
    if after_state == LINKED and before_state in (RESIDUAL, UNLINKED):
        return RELINKED
    ri = tl.rename_idx
    if ri is not None and before_values[ri] != after_values[ri]:
        return RENAMED
    return UPDATED


class _Names:
    """(model, id) -> the text a district uses for a referenced record, loaded once per chunk."""

    MODELS = (GradingItem, AssessmentTest, GradingScale)

    def __init__(self):
        self.wanted: dict[type, set] = defaultdict(set)
        self.names: dict = {}

    def want(self, tl: TypeLevel, values: tuple) -> None:
        for i, model in _related(tl):
            v = values[i]
            if v is not None:
                self.wanted[model].add(v)

    def load(self) -> None:
        if GradingItem in self.wanted:
            for pk, kind, code in GradingItem.objects.filter(pk__in=self.wanted[GradingItem]).values_list(
                "pk", "kind", "code"
            ):
                self.names[(GradingItem, pk)] = f"{kind}:{code}"
        if AssessmentTest in self.wanted:
            for pk, code in AssessmentTest.objects.filter(pk__in=self.wanted[AssessmentTest]).values_list("pk", "code"):
                self.names[(AssessmentTest, pk)] = code
        if GradingScale in self.wanted:
            for pk, name in GradingScale.objects.filter(pk__in=self.wanted[GradingScale]).values_list("pk", "name"):
                self.names[(GradingScale, pk)] = name


@functools.cache
def _fields(tl: TypeLevel) -> tuple[models.Field, ...]:
    """The model fields of a type's value columns, looked up once per process (the change log asks
    for every item it words: millions of times in a district's first push)."""
    from .bulk import field_by_attname

    return tuple(field_by_attname(tl.model, a) for a in tl.fields)


@functools.cache
def _related(tl: TypeLevel) -> tuple[tuple[int, type], ...]:
    """(position, model) of a type's value columns that reference another record."""
    return tuple((i, f.related_model) for i, f in enumerate(_fields(tl)) if f.related_model is not None)


@functools.cache
def _field_names(tl: TypeLevel) -> tuple[str, ...]:
    return tuple(f.name for f in _fields(tl))


class ItemWords:
    """An item's values in words: {field name: value, ..., "state": ..., "source": key or None}."""

    def __init__(self, names: _Names):
        self.names = names.names

    def __call__(self, tl: TypeLevel, state: str, values: list, source_key: str | None) -> dict:
        """``values``: the item's ``plain_values``."""
        names = _field_names(tl)
        out = dict(zip(names, values, strict=True))
        for i, model in _related(tl):
            v = values[i]
            if v is not None:
                out[names[i]] = self.names.get((model, v), v)
        out["state"] = state
        out["source"] = source_key
        return out


def _upstream_level(tl: TypeLevel) -> TypeLevel:
    return type_level(tl.name, "master" if tl.level == COURSE else COURSE)


def plan_changes(ctx, snap, plans: list[CoursePlan]) -> list[Change]:
    """The change rows of these plans (those that are written: not failed, not skipped)."""
    plans = [cp for cp in plans if cp.failed is None and not cp.skipped and cp.changed]
    if not plans:
        return []
    names = _Names()
    # Items by id as the snapshot read them, per type and level; and the values the sources of
    # section items have before and after this push (a course item the push renames or creates).
    current: dict[TypeLevel, dict[int, object]] = {}

    def items_of(tl: TypeLevel) -> dict:
        found = current.get(tl)
        if found is None:
            pool = snap.course_items if tl.level == COURSE else snap.section_items
            found = current[tl] = {it.id: it for owned in pool.get(tl.name, {}).values() for it in owned}
        return found

    master_values: dict[str, dict] = {}

    def master_source(tl: TypeLevel) -> dict:
        found = master_values.get(tl.name)
        if found is None:
            found = master_values[tl.name] = {
                it.id: it.values for owned in snap.master_items.get(tl.name, {}).values() for it in owned
            }
        return found

    course_after: dict[str, dict] = defaultdict(dict)  # type name -> course item id or Ref -> values after
    for cp in plans:
        for tl, ops in cp.ops.items():
            if tl.level != COURSE:
                continue
            for ref, _owner, _state, _source, values in ops.creates:
                if ref is not None:
                    course_after[tl.name][ref] = values
            for item_id, _state, _source, values, _ in ops.updates:
                course_after[tl.name][item_id] = values

    section_rows: dict[int, object] = {}  # section id -> its snapshot row
    for cp in plans:
        for row in snap.sections.get(cp.course.id, ()):
            section_rows[row.id] = row

    pending = []  # (cp, tl, change, owner, item_pk, before (state, source, values), after (...), refs)
    for cp in plans:
        for tl, ops in cp.ops.items():
            items = items_of(tl)
            for item_id in ops.deletes:
                it = items[item_id]
                pending.append((cp, tl, REMOVED, it.owner, item_id, (it.state, it.source, it.values), None))
            for item_id, state, source, values, _ in ops.updates:
                it = items[item_id]
                change = classify(tl, it.state, it.values, state, values)
                pending.append(
                    (cp, tl, change, it.owner, item_id, (it.state, it.source, it.values), (state, source, values))
                )
            for ref, owner, state, source, values in ops.creates:
                pending.append((cp, tl, CREATED, owner, ref, None, (state, source, values)))
    cleared = _sources_cleared(ctx, plans)
    for cp, tl, it, section_number in cleared:
        section_rows.setdefault(it.owner, SimpleNamespace(number=section_number))
        pending.append(
            (cp, tl, UPDATED, it.owner, it.id, (it.state, it.source, it.values), (it.state, None, it.values))
        )

    for _cp, tl, _change, _owner, _pk, before, after in pending:
        for side in (before, after):
            if side is not None:
                names.want(tl, side[2])
        up = _upstream_level(tl)
        for side in (before, after):
            if side is None or side[1] is None:
                continue
            values = _source_values(tl, side[1], master_source, items_of, course_after, side is after)
            if values is not None:
                names.want(up, values)
    teachers = _teachers(
        {p[3] for p in pending if p[1].level == SECTION} | {s for cp in plans for s, _ in cp.section_advisory}
    )
    names.load()
    words = ItemWords(names)

    out: list[Change] = []
    for cp, tl, change, owner, pk, before, after in pending:
        course = cp.course
        calendar = snap.calendars[course.calendar_id]
        is_section = tl.level == SECTION
        section = section_rows.get(owner) if is_section else None
        teacher_pk, teacher = teachers.get(owner, (None, "")) if is_section else (None, "")
        up = _upstream_level(tl)

        def source_key(side, after_side, tl=tl, up=up):
            if side[1] is None:
                return None
            values = _source_values(tl, side[1], master_source, items_of, course_after, after_side)
            return None if values is None else describe_key(up, values, names.names)

        shown = after if after is not None else before
        plain_before = None if before is None else plain_values(before[2])
        plain_after = None if after is None else plain_values(after[2])
        ref_item = pk if type(pk) is Ref else None
        ref_source = after[1] if after is not None and type(after[1]) is Ref else None
        refs = (ref_item, ref_source) if ref_item is not None or ref_source is not None else ()
        out.append(
            Change(
                level=tl.level,
                school=calendar.school,
                calendar=calendar.year,
                course=course.attrs["number"],
                section=section.number if section is not None else "",
                teacher=teacher,
                data_type=tl.name,
                item=describe_key(tl, shown[2], names.names),
                change=change,
                before=None if before is None else words(tl, before[0], plain_before, source_key(before, False)),
                after=None if after is None else words(tl, after[0], plain_after, source_key(after, True)),
                course_pk=course.id,
                section_pk=owner if is_section else None,
                teacher_pk=teacher_pk,
                item_pk=real_id(pk),
                raw={
                    "kind": ITEM,
                    "before": None if before is None else _raw(before, plain_before),
                    "after": None if after is None else _raw(after, plain_after),
                },
                refs=refs,
            )
        )
    for cp in plans:
        out.extend(_course_changes(snap, cp, section_rows, teachers))
    return out


def _source_values(tl, source, master_source, items_of, course_after, after_side: bool):
    if tl.level == COURSE:
        return master_source(tl).get(source)
    ctl = type_level(tl.name, COURSE)
    if after_side and source in course_after[tl.name]:
        return course_after[tl.name][source]
    it = items_of(ctl).get(real_id(source)) if type(source) is not Ref else None
    return None if it is None else it.values


def _raw(side: tuple, values: list) -> dict:
    """A side in database values; ``values``: its ``plain_values`` (a copy: the words share none)."""
    state, source, _ = side
    return {
        "state": state,
        "source": real_id(source) if type(source) is not Ref else None,
        "values": list(values),
    }


def _teachers(section_ids) -> dict[int, tuple[int | None, str]]:
    section_ids = [s for s in section_ids if s is not None]
    if not section_ids:
        return {}
    return {
        pk: (teacher_id, username or "")
        for pk, teacher_id, username in Section.objects.filter(pk__in=section_ids).values_list(
            "pk", "teacher_id", "teacher__username"
        )
    }


def _sources_cleared(ctx, plans):
    """Section items that lose their source because a master push removes its course item and does
    not reach that type's sections (apply clears the link; the next push to sections removes them)."""
    pushed = {stl.name for stl in ctx.section_types}
    out = []
    for cp_tl in {tl for cp in plans for tl in cp.ops if tl.level == COURSE}:
        if not cp_tl.spec.reaches_sections or cp_tl.name in pushed:
            continue
        by_course_item = {}
        for cp in plans:
            ops = cp.ops.get(cp_tl)
            if ops is not None:
                for item_id in ops.deletes:
                    by_course_item[item_id] = cp
        if not by_course_item:
            continue
        stl = type_level(cp_tl.name, SECTION)
        rows = (
            stl.model.objects.filter(source_id__in=list(by_course_item))
            .order_by("id")
            .values_list("id", "section_id", "state", "source_id", "section__number", *stl.fields)
        )
        for row in rows:
            item = Item(row[0], row[1], row[2], row[3], tuple(row[5:]))
            out.append((by_course_item[row[3]], stl, item, row[4]))
    return out


def _course_changes(snap, cp: CoursePlan, section_rows: dict, teachers: dict) -> list[Change]:
    course = cp.course
    calendar = snap.calendars[course.calendar_id]
    common = {"school": calendar.school, "calendar": calendar.year, "course": course.attrs["number"]}
    out = []
    for name, new in cp.course_fields.items():
        if name == "desynced_types":
            for forgotten in [t for t in course.desynced_types if t not in new]:
                out.append(
                    Change(
                        level=COURSE,
                        section="",
                        teacher="",
                        data_type=forgotten,
                        item=REMEMBERED_DELETION,
                        change=RELINKED,
                        before={"remembered_deletion": True},
                        after={"remembered_deletion": False},
                        course_pk=course.id,
                        raw={"kind": DESYNC, "name": forgotten, "before": True, "after": False},
                        **common,
                    )
                )
            continue
        old = course.attrs[name]
        out.append(
            Change(
                level=COURSE,
                section="",
                teacher="",
                data_type="course_info",
                item=name,
                change=UPDATED,
                before={name: plain_value(old)},
                after={name: plain_value(new)},
                course_pk=course.id,
                raw={"kind": ATTRIBUTE, "name": name, "before": plain_value(old), "after": plain_value(new)},
                **common,
            )
        )
    for section_id, flag in cp.section_advisory:
        section = section_rows[section_id]
        teacher_pk, teacher = teachers.get(section_id, (None, ""))
        out.append(
            Change(
                level=SECTION,
                section=section.number,
                teacher=teacher,
                data_type="advisory",
                item="advisory",
                change=UPDATED,
                before={"advisory": section.advisory},
                after={"advisory": flag},
                course_pk=course.id,
                section_pk=section_id,
                teacher_pk=teacher_pk,
                raw={"kind": ADVISORY, "before": section.advisory, "after": flag},
                **common,
            )
        )
    return out


def resolve_ids(changes: list[Change]) -> None:
    """After the apply: the ids of created items and of created sources (None in a dry run)."""
    for c in changes:
        if not c.refs:
            continue
        item_ref, source_ref = c.refs
        if item_ref is not None:
            c.item_pk = item_ref.id
        if source_ref is not None:
            c.raw["after"]["source"] = source_ref.id
        c.refs = ()


# What a change row stores, in the Change's own attribute names (the models name their columns so).
STORED_COLUMNS = (
    "level",
    "school",
    "calendar",
    "course",
    "section",
    "teacher",
    "data_type",
    "item",
    "change",
    "before",
    "after",
    "course_pk",
    "section_pk",
    "teacher_pk",
    "item_pk",
    "raw",
)


def changes_write(job_id: int, changes: list[Change], *, model=None) -> None:
    """The rows into the change log (or, with ``model``, another table of change rows such as a
    preview's), one COPY (call inside the chunk's transaction). The model's own columns of
    STORED_COLUMNS are written."""
    from pushjobs.models import ChangeRow

    from . import bulk

    if not changes:
        return
    model = model or ChangeRow
    names = {f.attname for f in model._meta.concrete_fields}
    columns = [c for c in STORED_COLUMNS if c in names]
    bulk.insert_rows(
        model,
        ("job_id", *columns),
        [(job_id, *(getattr(c, name) for name in columns)) for c in changes],
    )
