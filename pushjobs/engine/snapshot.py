"""Load a chunk's state: one bulk query per type per level, tuples rather than model instances."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from django.db import connection
from django.db.models import Exists, OuterRef

from catalog.models import Calendar, GradingItem
from catalog.setup_types import COURSE, SECTION
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Assignment, PostedGrade, Section

from .context import CourseContext, MasterContext, scope_queryset
from .levels import TypeLevel, type_level
from .plan import Item
from .settled import settled_course_ids


class Row(SimpleNamespace):
    """A course, master, calendar or section row, as attributes."""


class Facts:
    """R20's "in use" facts for a chunk, loaded on first need (a push that removes
    nothing never asks, and so never queries them).

    A course item is in use through its sections when a section item pushed from
    it is: for categories that is the assignment query's sources; for types named
    by a task or standard, the course-wide task/standard facts already cover it.
    """

    def __init__(self, course_ids: list[int], snap: Snapshot):
        self.course_ids = course_ids
        self.snap = snap
        self._categories = None
        self._probed: dict[tuple[str, str], set] = {}

    def _load_categories(self, tl: TypeLevel):
        # The section items that assignments name (categories), whatever the type is called:
        # one semi-join over the chunk's section items, not a scan of its assignments.
        section_tl = type_level(tl.name, SECTION)
        key_columns = list(section_tl.copied[: len(section_tl.key_idx)])
        rows = (
            section_tl.model.objects.filter(section__course_id__in=self.course_ids)
            .filter(Exists(Assignment.objects.filter(category_id=OuterRef("pk"))))
            .values_list("section__course_id", "id", "source_id", "state", *key_columns)
        )
        used, sources, course_keys = set(), set(), set()
        for course_id, category_id, source_id, state, *key_values in rows:
            used.add(category_id)
            if source_id is not None:
                sources.add(source_id)
            if state != "teacher":
                # A section item that came from the course keeps its course item in use even
                # after it was left residual (its source link is gone, its key is not).
                course_keys.add((course_id, section_tl.key(tuple(key_values))))
        self._categories = (used, sources, course_keys)

    def _probe(self, tl: TypeLevel, level: str) -> set:
        """Which of the chunk's items of this type and level have a posted grade or an
        aligned assignment, by one index probe per item (not a scan of all the teacher data).
        Returns (owner, task or standard, term or None) of those in use."""
        memo = self._probed.get((tl.name, level))
        if memo is not None:
            return memo
        items = (self.snap.section_items if level == SECTION else self.snap.course_items)[tl.name]
        idx, term_idx = tl.in_use_item_idx, tl.in_use_term_idx
        keys = set()
        for owner, owned in items.items():
            for it in owned:
                term = None if term_idx is None else it.values[term_idx]
                for i in idx:
                    if it.values[i] is not None:
                        keys.add((owner, it.values[i], term))
        used = self._probed[(tl.name, level)] = set()
        if not keys:
            return used
        posted, assignment = PostedGrade._meta.db_table, Assignment._meta.db_table
        aligned, section = Assignment.items.through._meta.db_table, Section._meta.db_table
        if level == SECTION:
            posted_from, posted_scope = f"{posted} p", "p.section_id = v.o"
            assignment_from, assignment_scope = f"{assignment} a", "a.section_id = v.o"
        else:
            posted_from, posted_scope = f"{posted} p JOIN {section} s ON s.id = p.section_id", "s.course_id = v.o"
            assignment_from = f"{assignment} a JOIN {section} s ON s.id = a.section_id"
            assignment_scope = "s.course_id = v.o"
        sql = f"""
            SELECT v.o, v.i, v.t FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(o, i, t)
            WHERE EXISTS (SELECT 1 FROM {posted_from}
                          WHERE {posted_scope} AND p.item_id = v.i AND (v.t IS NULL OR p.term = v.t))
               OR EXISTS (SELECT 1 FROM {assignment_from} JOIN {aligned} ai ON ai.assignment_id = a.id
                          WHERE {assignment_scope} AND ai.gradingitem_id = v.i
                            AND (v.t IS NULL OR a.term = v.t OR a.term = ''))
        """
        owners, item_ids, terms = (list(c) for c in zip(*keys, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(sql, [owners, item_ids, terms])
            used.update(cursor.fetchall())
        return used

    def _items_in_use(self, tl: TypeLevel, level: str, scope: int):
        """item values -> in use (R20: a posted grade or an aligned assignment for its task or
        standard, in its term when the type has one; an assignment without a term counts for all)."""
        idx, term_idx = tl.in_use_item_idx, tl.in_use_term_idx
        probed = self._probe(tl, level)

        def used(values: tuple) -> bool:
            term = None if term_idx is None else values[term_idx]
            return any((scope, values[i], term) in probed for i in idx if values[i] is not None)

        return used

    def section_in_use(self, tl: TypeLevel, section_id: int):
        rule = tl.spec.in_use
        items_rule = None

        def in_use(it: Item) -> bool:
            nonlocal items_rule
            if rule.assignment_category:
                if self._categories is None:
                    self._load_categories(tl)
                if it.id in self._categories[0]:
                    return True
            if tl.in_use_item_idx and items_rule is None:
                items_rule = self._items_in_use(tl, SECTION, section_id)
            if items_rule is not None:
                return items_rule(it.values)
            return False

        return in_use

    def course_in_use(self, tl: TypeLevel, course_id: int):
        rule = tl.spec.in_use
        items_rule = None

        def in_use(it: Item) -> bool:
            nonlocal items_rule
            if rule.assignment_category:
                if self._categories is None:
                    self._load_categories(tl)
                if it.id in self._categories[1] or (course_id, tl.key(it.values)) in self._categories[2]:
                    return True
            if tl.in_use_item_idx and items_rule is None:
                items_rule = self._items_in_use(tl, COURSE, course_id)
            if items_rule is not None:
                return items_rule(it.values)
            return False

        return in_use


class Snapshot:
    def __init__(self):
        self.courses: list[Row] = []
        self.calendars: dict[int, Row] = {}
        self.masters: dict[int, Row] = {}
        self.master_items: dict[str, dict[int, list[Item]]] = {}
        self.course_items: dict[str, dict[int, list[Item]]] = {}
        self.sections: dict[int, list[Row]] = {}
        self.section_items: dict[str, dict[int, list[Item]]] = {}
        self.facts: Facts | None = None
        self.settled: set[int] = set()  # courses planning would leave unchanged (settled.py): not read
        self._item_refs: dict[int, str] | None = None

    @property
    def item_refs(self) -> dict[int, str]:
        """Grading item id -> "task:S1", read once (the district's tasks and standards are few)."""
        if self._item_refs is None:
            self._item_refs = {
                pk: f"{kind}:{code}" for pk, kind, code in GradingItem.objects.values_list("pk", "kind", "code")
            }
        return self._item_refs


def _items(tl: TypeLevel, queryset, with_state: bool) -> dict[int, list[Item]]:
    head = ("id", tl.owner, "state", "source_id") if with_state else ("id", tl.owner)
    out: dict[int, list[Item]] = defaultdict(list)
    n = len(head)
    if with_state:
        for row in queryset.order_by("id").values_list(*head, *tl.fields):
            out[row[1]].append(Item(row[0], row[1], row[2], row[3], row[n:]))
    else:
        for row in queryset.order_by("id").values_list(*head, *tl.fields):
            out[row[1]].append(Item(row[0], row[1], None, None, row[n:]))
    return out


def load_snapshot(ctx: MasterContext | CourseContext, course_ids, *, lock: bool, settle: bool = True) -> Snapshot:
    """The chunk's courses (locked when ``lock``), and the items of those not ``settled``: courses
    the database shows a push would leave as they are (``settled``) are not read further."""
    snap = Snapshot()
    is_master = isinstance(ctx, MasterContext)
    attributes = ["number", "advisory"]
    if is_master:
        attributes += [a for a in ctx.attributes if a not in attributes]
    head = ("id", "calendar_id", "master_id", "ignore_master_push", "desynced_types")
    qs = scope_queryset(ctx).filter(pk__in=list(course_ids)).order_by("pk")
    if lock:
        # A fixed order, so that two pushes (or a push and a teacher's edit) never deadlock.
        qs = qs.select_for_update(of=("self",))
    n = len(head)
    for row in qs.values_list(*head, *attributes):
        snap.courses.append(
            Row(
                id=row[0],
                calendar_id=row[1],
                master_id=row[2],
                ignore_master_push=row[3],
                desynced_types=row[4] or [],
                attrs=dict(zip(attributes, row[n:], strict=True)),
            )
        )
    ids = [c.id for c in snap.courses]
    snap.facts = Facts(ids, snap)
    if not ids:
        return snap

    for cal_id, terms, year, school_number, school_name in Calendar.objects.filter(
        pk__in={c.calendar_id for c in snap.courses}
    ).values_list("id", "terms", "year__name", "school__number", "school__name"):
        snap.calendars[cal_id] = Row(terms=frozenset(terms or ()), year=year, school=f"{school_number} {school_name}")

    master_ids = {c.master_id for c in snap.courses if c.master_id is not None}
    master_attrs = ["number", *[a for a in (ctx.attributes if is_master else ()) if a != "number"]]
    for row in CourseMaster.objects.filter(pk__in=master_ids).values_list("id", *master_attrs):
        snap.masters[row[0]] = Row(id=row[0], number=row[1], attrs=dict(zip(master_attrs, row[1:], strict=True)))

    if settle:
        snap.settled = settled_course_ids(ctx, snap)
        if snap.settled:
            snap.facts.course_ids = [i for i in ids if i not in snap.settled]
    if is_master:
        active = [c for c in snap.courses if not c.ignore_master_push and c.id not in snap.settled]
        active_masters = {c.master_id for c in active}
        active_ids = [c.id for c in active]
        for tl in ctx.course_types:
            master_tl = _master_level(tl)
            snap.master_items[tl.name] = _items(
                master_tl, master_tl.model.objects.filter(master_id__in=active_masters), with_state=False
            )
            snap.course_items[tl.name] = _items(tl, tl.model.objects.filter(course_id__in=active_ids), with_state=True)
        section_course_ids = active_ids
    else:
        ids = [i for i in ids if i not in snap.settled]
        for stl in ctx.section_types:
            ctl = type_level(stl.name, "course")
            snap.course_items[stl.name] = _items(ctl, ctl.model.objects.filter(course_id__in=ids), with_state=True)
        section_course_ids = ids

    if ctx.section_types or ctx.section_advisory:
        for section_id, course_id, number, advisory in (
            Section.objects.filter(course_id__in=section_course_ids)
            .order_by("id")
            .values_list("id", "course_id", "number", "advisory")
        ):
            snap.sections.setdefault(course_id, []).append(Row(id=section_id, number=number, advisory=advisory))
    for stl in ctx.section_types:
        snap.section_items[stl.name] = _items(
            stl, stl.model.objects.filter(section__course_id__in=section_course_ids), with_state=True
        )
    return snap


def _master_level(tl: TypeLevel) -> TypeLevel:
    return type_level(tl.name, "master")


def numbers_in_use(snap: Snapshot, ctx: MasterContext) -> dict:
    """(calendar id, number) -> course id, for the numbers this chunk's masters would give (R16)."""
    if "number" not in ctx.attributes:
        return {}
    wanted = set()
    for c in snap.courses:
        m = snap.masters.get(c.master_id)
        if m is not None and m.number != c.attrs["number"]:
            wanted.add((c.calendar_id, m.number))
    taken = {(c.calendar_id, c.attrs["number"]): c.id for c in snap.courses}
    if wanted:
        rows = Course.objects.filter(
            calendar_id__in={cal for cal, _ in wanted}, number__in={n for _, n in wanted}
        ).values_list("calendar_id", "number", "id")
        for cal, number, course_id in rows:
            taken[(cal, number)] = course_id
    return taken
