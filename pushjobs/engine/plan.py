"""Plan: what a push would change, computed in memory from a chunk's snapshot.

``plan_owner`` is the one algorithm behind every level and type: given the
items one level up (the sources) and the items of one owner (a course or a
section), it decides creates, updates, relinks, adoptions, removals,
residuals, renames and conflicts (R13, R15, R19, R20, R21, R23). The rest of
this module walks courses and sections and the specs, and never names a type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.composites import composite_cycle, composite_cycle_text
from catalog.setup_types import COURSE, LINKED, RESIDUAL, UNLINKED

from .api import (
    CONFLICT,
    FAILED_DESYNCED,
    KEPT_RESIDUAL,
    RELINKED,
    RENAMED_LOCAL_ITEM,
    RENAMED_TEACHER_ITEM,
    SKIPPED_IGNORE_MASTER_PUSH,
)
from .levels import TypeLevel

# The states of items a push made, which it pairs with their sources by identity (R6): at the
# course an unlinked item too, so that overwrite relinks it whatever the course renamed it to (R15).
PUSHED_STATES = {COURSE: (LINKED, UNLINKED), "section": (LINKED,)}


class Ref:
    """An item the apply step creates; its id is known once it is inserted."""

    __slots__ = ("id",)

    def __init__(self):
        self.id = None

    def __repr__(self):
        return f"Ref({self.id})"


def real_id(x):
    return x.id if type(x) is Ref else x


class Item:
    """One setup item as the planner sees it: ``values`` in its TypeLevel's ``fields`` order."""

    __slots__ = ("id", "owner", "state", "source", "values")

    def __init__(self, id, owner, state, source, values):
        self.id = id
        self.owner = owner
        self.state = state
        self.source = source
        self.values = values

    def __repr__(self):
        return f"Item({self.id}, {self.state}, {self.source}, {self.values})"


@dataclass
class LevelOps:
    creates: list = field(default_factory=list)  # (Ref | None, owner, state, source, values)
    updates: list = field(default_factory=list)  # (id, state, source, values, needs the two-step rename)
    deletes: list = field(default_factory=list)  # ids


@dataclass
class PendingRow:
    """A result row whose item is still a key tuple (described in words after planning)."""

    section: str
    data_type: str
    tl: TypeLevel | None
    values: tuple | str
    outcome: str
    detail: str


@dataclass
class CoursePlan:
    """Everything a push would do to one course and its sections: the unit of atomicity (R12)."""

    course: object
    ops: dict = field(default_factory=dict)  # TypeLevel -> LevelOps
    course_fields: dict = field(default_factory=dict)  # attribute -> new value (Course Info, desync memory)
    section_advisory: list = field(default_factory=list)  # (section id, flag)
    rows: list = field(default_factory=list)
    skipped: bool = False
    failed: str | None = None  # an outcome: failed_desynced, failed_error
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_residual: int = 0

    def level_ops(self, tl: TypeLevel) -> LevelOps:
        ops = self.ops.get(tl)
        if ops is None:
            ops = self.ops[tl] = LevelOps()
        return ops

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed or self.kept_residual or self.course_fields)

    def row(self, section, tl, values, outcome, detail, data_type=None):
        self.rows.append(PendingRow(section, data_type or tl.name, tl, values, outcome, detail))


def free_name(name: str, is_taken, max_length: int) -> str:
    """``Name (1)``, ``Name (2)``, ...: the first name no item of the owner has (R13, R19), the
    name shortened so that it still fits the field with its suffix."""
    n = 1
    while True:
        suffix = f" ({n})"
        candidate = name.strip()[: max_length - len(suffix)] + suffix
        if not is_taken(candidate):
            return candidate
        n += 1


def keeper(tl: TypeLevel):
    """R4: with the partial lock open, the course keeps part of its own values (composite weights)."""
    keep = tl.spec.keep_course_values
    pairs = tuple(zip(tl.payload_names, tl.payload_idx, strict=True))

    def merge(new_values: tuple, current_values: tuple) -> tuple:
        merged = keep({n: new_values[i] for n, i in pairs}, {n: current_values[i] for n, i in pairs})
        out = list(new_values)
        for n, i in pairs:
            out[i] = merged[n]
        return tuple(out)

    return merge


def _patched(values: tuple, patch) -> tuple:
    if not patch:
        return values
    out = list(values)
    for i, v in patch:
        out[i] = v
    return tuple(out)


def plan_owner(
    cp: CoursePlan,
    tl: TypeLevel,
    owner: int,
    section: str,
    sources: list[tuple[object, tuple]],
    targets,
    *,
    in_use,
    adopt_local: bool,
    remove_local: bool,
    keep=None,
    conflicted=frozenset(),
    want_final: bool = False,
) -> list[Item]:
    """Plan one owner's items of one type against their sources; returns the final items when asked.

    sources      (ref, values) of the items one level up, values already in this level's fields
    targets      this owner's current items
    in_use       item -> bool (R20)
    adopt_local  overwrite: a local item with a pushed key is adopted (R15, R19 overwrite)
    remove_local overwrite: other local/teacher items are removed unless in use (R15, R21)
    keep         R4 merge of the course's own values into a linked item
    conflicted   sources that cannot be pushed (R13 terms): items linked to them stay as they are
    """
    if not targets:
        # Nothing here yet (a first push): every source is created. The common case at scale.
        creates = cp.level_ops(tl).creates
        final: list[Item] = []
        for ref, values in sources:
            new = Ref() if want_final else None
            creates.append((new, owner, LINKED, ref, values))
            if want_final:
                final.append(Item(new, owner, LINKED, ref, values))
        cp.created += len(sources)
        return final

    course_level = tl.level == COURSE
    pushed_states = PUSHED_STATES[COURSE] if course_level else PUSHED_STATES["section"]
    upper = "the master" if course_level else "the course"
    key = tl.key
    renamable = tl.rename_idx is not None

    src_values = dict(sources)
    pair: dict = {}  # source ref -> target item
    paired: set[int] = set()  # id() of paired targets
    for it in targets:
        s = it.source
        if s is not None and s not in pair and it.state in pushed_states and s in src_values:
            pair[s] = it
            paired.add(id(it))

    by_key = {key(it.values): it for it in targets if id(it) not in paired} if len(paired) < len(targets) else {}
    creates: list = []
    if len(pair) < len(src_values):
        for ref, values in sources:
            if ref in pair:
                continue
            k = key(values)
            t = by_key.get(k)
            if t is None:
                creates.append((ref, values))
                continue
            st = t.state
            if st in pushed_states or st == RESIDUAL or adopt_local:
                pair[ref] = t
                paired.add(id(t))
                del by_key[k]
                if st == RESIDUAL:
                    cp.row(section, tl, t.values, RELINKED, f"residual item relinked to {upper}'s item")
                elif st not in pushed_states:
                    cp.row(
                        section,
                        tl,
                        t.values,
                        RELINKED,
                        f"{'local' if course_level else 'teacher'} item adopted: set to {upper}'s values and "
                        "linked, its teacher data kept",
                    )
                continue
            if renamable:
                creates.append((ref, values))  # the local item is renamed below
                continue
            cp.row(
                section,
                tl,
                values,
                CONFLICT,
                f"a local {tl.spec.label} of the course has this key; overwrite mode adopts it"
                if course_level
                else f"the teacher's own {tl.spec.label} has this key",
            )

    def fate(it: Item) -> str | None:
        """The state an item no source claims is left in, or None when the push removes it."""
        st = it.state
        if st in pushed_states and it.source in conflicted:
            return st  # its source cannot be pushed here: left as it is
        if st in pushed_states or st == RESIDUAL or remove_local:
            return RESIDUAL if in_use(it) else None
        return st

    frozen: set[int] = set()
    if not renamable and pair and by_key:
        # A linked item whose source moved its key (a grade calc option to another term) onto a key
        # that another item here keeps is a conflict, and stays as it is; so its own key stays
        # taken, for the next one that moves. An item this push removes gives its key up (apply
        # writes removals first).
        held = set()
        moved = True
        while moved:
            moved = False
            for ref, it in list(pair.items()):
                k = key(src_values[ref])  # an item that keeps its key meets neither by_key nor held
                holder = by_key.get(k)
                if k in held or (holder is not None and fate(holder) is not None):
                    cp.row(section, tl, src_values[ref], CONFLICT, f"another {tl.spec.label} here has this key")
                    del pair[ref]
                    paired.discard(id(it))
                    frozen.add(id(it))
                    held.add(key(it.values))
                    moved = True
        if held:
            # Nor can a source new here be created on a key that an item left as it is keeps.
            for ref, values in [c for c in creates if key(c[1]) in held]:
                cp.row(section, tl, values, CONFLICT, f"another {tl.spec.label} here has this key")
                creates.remove((ref, values))

    ops = cp.level_ops(tl)
    final: list[Item] = []
    pushed_keys = None
    if renamable:
        pushed_keys = {key(src_values[ref]) for ref in pair}
        pushed_keys.update(key(v) for _, v in creates)

    # Items no source claims: removed, kept residual, kept, renamed.
    staying: list[tuple[Item, str]] = []  # (item, new state)
    key_changes: list[tuple[int, object, object]] = []  # (index in ops.updates, old key, new key)
    if len(paired) < len(targets):
        for it in targets:
            if id(it) in paired:
                continue
            if id(it) in frozen:  # left exactly as it is, and still pushed on to sections
                if want_final:
                    final.append(it)
                continue
            state = fate(it)
            if state is None:
                ops.deletes.append(it.id)
                cp.removed += 1
            else:
                staying.append((it, state))

        taken = None
        for it, state in staying:
            values = it.values
            if renamable and key(values) in pushed_keys:
                if taken is None:
                    taken = set(pushed_keys)
                    taken.update(key(i.values) for i, _ in staying)
                ri = tl.rename_idx
                new = free_name(
                    values[ri],
                    lambda name, v=values, ri=ri, t=taken: key(v[:ri] + (name,) + v[ri + 1 :]) in t,
                    tl.rename_max_length,
                )
                values = values[:ri] + (new,) + values[ri + 1 :]
                taken.add(key(values))
                key_changes.append((len(ops.updates), key(it.values), key(values)))
                cp.row(
                    section,
                    tl,
                    it.values,
                    RENAMED_LOCAL_ITEM if course_level else RENAMED_TEACHER_ITEM,
                    f'renamed to "{new}": {upper} pushes a {tl.spec.label} with this name',
                )
            source = it.source
            if state == RESIDUAL:
                source = None
                values = _patched(values, tl.residual_patch)
            if state != it.state or values != it.values or source != it.source:
                ops.updates.append((it.id, state, source, values, False))
                if state == RESIDUAL and it.state != RESIDUAL:
                    cp.kept_residual += 1
                    cp.row(
                        section,
                        tl,
                        values,
                        KEPT_RESIDUAL,
                        "in use (assignments or posted grades): kept as residual instead of "
                        + ("removed" if it.state in pushed_states else "overwritten"),
                    )
                else:
                    cp.updated += 1
            if want_final:
                final.append(Item(it.id, owner, state, source, values))

    for ref, it in pair.items():
        values = src_values[ref]
        if keep is not None:
            values = keep(values, it.values)
        if it.state != LINKED or it.source != ref or it.values != values:
            if it.state == UNLINKED:
                cp.row(section, tl, it.values, RELINKED, "unlinked item set back to the master's values and linked")
            if renamable and key(it.values) != key(values):
                key_changes.append((len(ops.updates), key(it.values), key(values)))
            ops.updates.append((it.id, LINKED, ref, values, False))
            cp.updated += 1
        if want_final:
            final.append(Item(it.id, owner, LINKED, ref, values))

    if key_changes:
        # A name that another item of this owner gives up in the same statement needs the
        # two-step rename (apply moves such items out of the way first); other renames do not.
        given_up = {old for _, old, _ in key_changes}
        for i, _old, new in key_changes:
            if new in given_up:
                ops.updates[i] = ops.updates[i][:4] + (True,)

    for ref, values in creates:
        new = Ref() if want_final else None
        ops.creates.append((new, owner, LINKED, ref, values))
        cp.created += 1
        if want_final:
            final.append(Item(new, owner, LINKED, ref, values))
    return final


# ---------------------------------------------------------------------------
# Walking courses and sections.
# ---------------------------------------------------------------------------


def plan_master_course(ctx, snap, course, numbers_taken: dict) -> CoursePlan:
    """R10-R17 for one course linked to a master of the catalog."""
    cp = CoursePlan(course)
    if course.ignore_master_push:
        cp.skipped = True
        cp.rows.append(
            PendingRow("", "", None, "", SKIPPED_IGNORE_MASTER_PUSH, "Ignore Master Push is marked on this course")
        )
        return cp

    master = snap.masters[course.master_id]
    pushed = {tl.name for tl in ctx.course_types}
    if not ctx.overwrite:
        cp.rows = _desync_rows(ctx, snap, course)
        if cp.rows:
            cp.failed = FAILED_DESYNCED
            return cp

    # Course Info (R16).
    for attribute in ctx.attributes:
        want = master.attrs[attribute]
        if course.attrs[attribute] == want:
            continue
        if attribute == "number" and _number_holders(ctx, snap, numbers_taken).get((course.calendar_id, want)) != (
            course.id
        ):
            cp.rows.append(
                PendingRow(
                    "",
                    "course_info",
                    None,
                    "number",
                    CONFLICT,
                    f'number "{want}" is already used by another course of this calendar',
                )
            )
            continue
        cp.course_fields[attribute] = want
    if cp.course_fields:
        cp.updated += 1  # Course Info counts as one item

    calendar = snap.calendars[course.calendar_id]
    final_by_type: dict[str, list[Item]] = {}
    section_names = {stl.name for stl in ctx.section_types}
    for tl in ctx.course_types:
        sources = []
        conflicted = set()
        for m in snap.master_items[tl.name].get(master.id, ()):
            if tl.term_idx is not None and m.values[tl.term_idx] not in calendar.terms:
                cp.row(
                    "",
                    tl,
                    m.values,
                    CONFLICT,
                    f'the calendar has no term "{m.values[tl.term_idx]}"',
                )
                conflicted.add(m.id)
                continue
            sources.append((m.id, m.values))
        if "children" in tl.spec.payload_fields and sources:
            # A push never closes a circle of composite grades with the course's own (issue 11).
            targets = snap.course_items[tl.name].get(course.id, ())
            for m_id, cycle in _composites_closing_a_circle(tl, sources, targets, snap.item_refs):
                values = next(v for i, v in sources if i == m_id)
                cp.row(
                    "", tl, values, CONFLICT, f"{composite_cycle_text(cycle)} with the course's own composite grades"
                )
                conflicted.add(m_id)
            sources = [(i, v) for i, v in sources if i not in conflicted]
        keep = keeper(tl) if tl.spec.partial_lock and tl.spec.partial_lock not in ctx.partially_locked else None
        final_by_type[tl.name] = plan_owner(
            cp,
            tl,
            course.id,
            "",
            sources,
            snap.course_items[tl.name].get(course.id, ()),
            in_use=snap.facts.course_in_use(tl, course.id),
            adopt_local=ctx.overwrite,
            remove_local=ctx.overwrite,
            keep=keep,
            conflicted=conflicted,
            want_final=tl.name in section_names,
        )

    if ctx.overwrite and course.desynced_types:
        remaining = [name for name in course.desynced_types if name not in pushed]
        if remaining != list(course.desynced_types):
            cp.course_fields["desynced_types"] = remaining
            for name in course.desynced_types:
                if name in pushed:
                    # Relinking after a deletion restores items without touching one that is
                    # there, so no item row would say it: the course itself is listed (R44).
                    cp.rows.append(
                        PendingRow(
                            "",
                            name,
                            None,
                            "",
                            RELINKED,
                            f"desynced course relinked: an item pushed from the master had been deleted at the "
                            f"course while {name.replace('_', ' ')} were unlocked; the master's items are restored",
                        )
                    )

    # R17: on to the sections, same mode, same unit.
    for stl in ctx.section_types:
        _plan_sections(
            cp,
            snap,
            stl,
            course,
            final_by_type[stl.name],
            adopt=ctx.overwrite,
            remove_teacher_items=ctx.overwrite,
        )
    if ctx.section_advisory:
        _plan_advisory(cp, snap, course, cp.course_fields.get("advisory", course.attrs["advisory"]))
    return cp


def _composites_closing_a_circle(tl: TypeLevel, sources, targets, refs: dict[int, str]):
    """(master item id, circle) of each master composite that would close a circle with the
    course composites that stay (those whose parent no master composite names), found one at a
    time: the first pushed composite of a circle is held back, and the rest looked at again."""
    parent, children = tl.copied.index("parent_id"), tl.copied.index("children")

    def edge(values):
        return refs.get(values[parent], str(values[parent])), [c["item"] for c in values[children] or ()]

    pushed_parents = {values[parent] for _, values in sources}
    staying = dict(edge(it.values) for it in targets if it.values[parent] not in pushed_parents)
    held: list[tuple[int, list[str]]] = []
    while True:
        edges = dict(staying)
        by_parent = {}
        for m_id, values in sources:
            if any(m_id == h for h, _ in held):
                continue
            key, kids = edge(values)
            edges[key] = kids
            by_parent[key] = m_id
        cycle = composite_cycle(edges)
        culprit = next((by_parent[p] for p in (cycle or ()) if p in by_parent), None)
        if culprit is None:
            return held  # no circle, or one the course had already (not the push's to mend)
        held.append((culprit, cycle))


def _desync_rows(ctx, snap, course) -> list[PendingRow]:
    """R9, R14: why a push-mode push fails this course as a whole (nothing: it is not desynced)."""
    out: list[PendingRow] = []
    for tl in ctx.course_types:
        for it in snap.course_items[tl.name].get(course.id, ()):
            if it.state == UNLINKED:
                out.append(
                    PendingRow(
                        "",
                        tl.name,
                        tl,
                        it.values,
                        FAILED_DESYNCED,
                        f"edited at the course while {tl.spec.name.replace('_', ' ')} were unlocked, which broke "
                        "the link to the master; overwrite mode relinks it",
                    )
                )
    pushed = {tl.name for tl in ctx.course_types}
    for name in course.desynced_types:
        if name in pushed:
            out.append(
                PendingRow(
                    "",
                    name,
                    None,
                    "",
                    FAILED_DESYNCED,
                    f"an item pushed from the master was deleted at the course while {name.replace('_', ' ')} "
                    "were unlocked, which broke the link; overwrite mode relinks it",
                )
            )
    return out


_HOLDERS = object()  # numbers_taken[_HOLDERS]: who holds each number once the chunk's moves are decided


def _number_holders(ctx, snap, numbers_taken: dict) -> dict:
    """R16: (calendar id, number) -> the course that holds it after this push, worked out once per
    chunk from the chunk's courses as a set, so that no course's outcome depends on the order the
    courses are planned in.

    The courses that really move are those planned onto their master's number: not ignored, not
    failed as desynced in push mode, with a master whose number differs. They take numbers in
    rounds: a number nobody holds goes to the first in id order of the courses that want it, and
    the numbers they give up are free in the next round (chains of moves); the other courses given
    that number have a conflict. Courses left waiting that form a ring, each wanting the number
    of the next one, which wants the next one's in turn back to the first (two courses trading
    numbers, or three or more in a circle), take their numbers together, before any other course
    that wants one of them. Still conflicts: a number held by a course that stays (a course that
    does not move, or a member of a ring that cannot close because one of its courses does not
    move), and a number that a course of another chunk gives up (it is taken when this chunk is
    planned; a push job keeps each calendar's courses in one chunk when it copies numbers)."""
    holders = numbers_taken.get(_HOLDERS)
    if holders is not None:
        return holders
    holders = dict(numbers_taken)
    waiting = {}  # course id -> ((calendar, its number), (calendar, its master's number)), in id order
    for course in sorted(snap.courses, key=lambda c: c.id):
        master = snap.masters.get(course.master_id)
        if (
            master is None
            or course.ignore_master_push
            or master.attrs["number"] == course.attrs["number"]
            or (not ctx.overwrite and _desync_rows(ctx, snap, course))
        ):
            continue
        waiting[course.id] = (
            (course.calendar_id, course.attrs["number"]),
            (course.calendar_id, master.attrs["number"]),
        )
    while waiting:
        takers = {}
        for course_id, (_, want) in waiting.items():
            if want not in holders:
                takers.setdefault(want, course_id)
        if not takers:
            break
        for want, course_id in takers.items():
            old, _ = waiting.pop(course_id)
            del holders[old]
            holders[want] = course_id
    # Each course left waits on the course that holds the number it wants; a walk along those
    # waits that comes back to a course of the walk has found a ring.
    walked: dict[int, int] = {}  # course id -> the first course of the walk that reached it
    for start in waiting:
        path = []
        course_id = start
        while course_id in waiting and course_id not in walked:
            walked[course_id] = start
            path.append(course_id)
            course_id = holders.get(waiting[course_id][1])
        if course_id in waiting and walked[course_id] == start:
            for member in path[path.index(course_id) :]:
                holders[waiting[member][1]] = member
    numbers_taken[_HOLDERS] = holders
    return holders


def plan_course_sections(ctx, snap, course) -> CoursePlan:
    """R19-R23: Push to Sections for one course."""
    cp = CoursePlan(course)
    for stl in ctx.section_types:
        items = snap.course_items[stl.name].get(course.id, ())
        _plan_sections(
            cp,
            snap,
            stl,
            course,
            items,
            adopt=False,
            remove_teacher_items=ctx.overwrite_categories and stl.rename_idx is not None,
        )
    if ctx.section_advisory:
        _plan_advisory(cp, snap, course, course.attrs["advisory"])
    return cp


def _plan_sections(cp, snap, stl: TypeLevel, course, course_items, *, adopt: bool, remove_teacher_items: bool):
    # The course's linked, unlinked and local items go down; residual ones stay at the course (R19).
    extras = stl.linked_extras
    sources = [(it.id, it.values + extras) for it in course_items if it.state != RESIDUAL]
    items_by_section = snap.section_items[stl.name]
    renamable = stl.rename_idx is not None
    for section in snap.sections.get(course.id, ()):
        plan_owner(
            cp,
            stl,
            section.id,
            section.number,
            sources,
            items_by_section.get(section.id, ()),
            in_use=snap.facts.section_in_use(stl, section.id),
            # Teacher categories are renamed, never adopted (R19); other teacher items
            # are adopted only by an overwrite reaching sections.
            adopt_local=adopt and not renamable,
            remove_local=remove_teacher_items,
        )


def _plan_advisory(cp, snap, course, flag: bool):
    for section in snap.sections.get(course.id, ()):
        if section.advisory != flag:
            cp.section_advisory.append((section.id, flag))
            cp.updated += 1
