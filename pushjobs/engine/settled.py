"""Courses a push would certainly leave as they are, found in SQL before anything is loaded.

When nothing differs (the second push of R18, a nightly push of a quiet district), reading every
item of every course and section into memory to find that out is nearly all of a push's work.
So a chunk first asks the database, with one set-based query per type and level, which of its
courses are *settled*:

- at the course level (master pushes): every master item has a linked course item pushed from
  it with equal values, every course item is such a copy (or, in push mode, a local item), the
  calendar has every term the master's items name, the locked Course Info attributes are equal,
  and no deletion is remembered for a pushed type (R9);
- at the section level (when the push reaches sections): every section has a linked copy, with
  equal values, of each course item that sections receive (R19), every section item is such a
  copy, a residual category kept by its assignments, or (unless this push removes them) a teacher
  item, and the advisory flag is the course's.

Planning a settled course gives no change and no result row, so it is counted unchanged without
being read. The test is conservative: where it cannot prove a course settled (a residual item
other than a category an assignment keeps, a composite whose weights the course keeps, R4), the
course is planned as usual, and planning decides. PostgreSQL only; elsewhere every course is
planned.
"""

from __future__ import annotations

from django.db import connection

from catalog.models import Calendar
from catalog.setup_types import LINKED, LOCAL, RESIDUAL, SECTION, TEACHER
from courses.models import Course
from sections.models import Assignment, Section

from .bulk import field_by_attname
from .context import CourseContext, MasterContext
from .levels import TypeLevel, type_level

COURSES, CALENDARS = Course._meta.db_table, Calendar._meta.db_table


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(tl: TypeLevel) -> str:
    return _qn(tl.model._meta.db_table)


def _column(tl: TypeLevel, attname: str) -> str:
    return _qn(field_by_attname(tl.model, attname).column)


def _equal(tl: TypeLevel, a: str, b: str, other: TypeLevel) -> str:
    """SQL: alias ``a`` (of ``tl``) has the copied values of alias ``b`` (of ``other``)."""
    return " AND ".join(
        f"{a}.{_column(tl, name)} IS NOT DISTINCT FROM {b}.{_column(other, name)}" for name in tl.copied
    )


def _extras(tl: TypeLevel, alias: str, params: list) -> str:
    """SQL: the section-only values a linked section item has (R23: not read-only)."""
    parts = []
    for name, value in zip(tl.extras, tl.linked_extras, strict=True):
        parts.append(f"{alias}.{_column(tl, name)} IS NOT DISTINCT FROM %s")
        params.append(value)
    return " AND ".join(parts) or "TRUE"


def _course_level_ctes(ctx: MasterContext, tl: TypeLevel, n: int) -> tuple[str, str]:
    """The CTEs that count one pushed type's course items per candidate course (``%s`` thrice),
    and the SELECT of the courses not settled for it: each master item must have an equal linked
    copy (a course holds one item per key, so counting copies suffices), every course item must be
    such a copy or, in push mode, a local item (R13; overwrite removes or keeps them residual, R15),
    and the calendar must have every term the master's items name (else a conflict, R13)."""
    master_tl = type_level(tl.name, "master")
    mt, ct = _table(master_tl), _table(tl)
    copy = f"x.state = '{LINKED}' AND m.id IS NOT NULL AND {_equal(tl, 'x', 'm', master_tl)}"
    allowed = f"({copy})" + ("" if ctx.overwrite else f" OR x.state = '{LOCAL}'")
    term_missing = "FALSE"
    if tl.term_idx is not None:
        term = _column(master_tl, tl.fields[tl.term_idx])
        term_missing = f"NOT COALESCE(cal.terms @> to_jsonb(m.{term}), FALSE)"
    # Joins go to the tables, each side narrowed to the chunk, never to a CTE (right after a first
    # push the statistics say the items are few; see _ids).
    ctes = f"""
        own{n} AS (
            SELECT x.course_id, count(*) FILTER (WHERE {copy}) AS copies,
                   count(*) FILTER (WHERE NOT ({allowed})) AS others
            FROM {ct} x JOIN {COURSES} c ON c.id = x.course_id AND c.id = ANY(%s)
            LEFT JOIN {mt} m ON m.id = x.source_id AND m.master_id = c.master_id
            WHERE x.course_id = ANY(%s)
            GROUP BY x.course_id
        ),
        src{n} AS (
            SELECT c.id AS course_id, count(*) AS n, bool_or({term_missing}) AS term_missing
            FROM {COURSES} c JOIN {CALENDARS} cal ON cal.id = c.calendar_id
            JOIN {mt} m ON m.master_id = c.master_id
            WHERE c.id = ANY(%s) GROUP BY c.id
        )"""
    select = f"""
        SELECT candidates.id FROM candidates
        LEFT JOIN src{n} ON src{n}.course_id = candidates.id
        LEFT JOIN own{n} ON own{n}.course_id = candidates.id
        WHERE COALESCE(own{n}.copies, 0) <> COALESCE(src{n}.n, 0) OR COALESCE(own{n}.others, 0) > 0
           OR COALESCE(src{n}.term_missing, FALSE)"""
    return ctes, select


def _courses_unsettled(ctx: MasterContext, course_ids: list[int]) -> set[int]:
    ctes = ["candidates AS (SELECT unnest(%s::bigint[]) AS id)"]
    params: list = [course_ids]
    selects = []
    for n, tl in enumerate(ctx.course_types):
        cte, select = _course_level_ctes(ctx, tl, n)
        ctes.append(cte)
        params += [course_ids, course_ids, course_ids]
        selects.append(select)
    if not selects:
        return set()
    return _ids(f"WITH {', '.join(ctes)} " + " UNION ".join(selects), params)


def _section_level_ctes(
    stl: TypeLevel, n: int, course_ids: list[int], *, remove_teacher_items: bool, params: list
) -> tuple[str, str]:
    """The CTEs that count one section type's items per course (their parameters appended to
    ``params``), and the SELECT of the courses whose sections are not settled for it."""
    ctl = type_level(stl.name, "course")
    st, ct, section_table = _table(stl), _table(ctl), _qn(Section._meta.db_table)
    extras: list = []
    # A linked copy, with equal values, of a course item that goes down to sections: the course's
    # linked, unlinked and local items do, residual ones stay at the course (R19).
    copy = "si.state = '{}' AND ci.id IS NOT NULL AND {} AND {}".format(
        LINKED, _equal(stl, "si", "ci", ctl), _extras(stl, "si", extras)
    )
    allowed = f"({copy})"
    if stl.spec.in_use.assignment_category and not stl.residual_patch:
        # A residual category an assignment names stays as it is (R20); whether other residual
        # items are in use is left to the planner.
        assignments = _qn(Assignment._meta.db_table)
        category = _qn(Assignment._meta.get_field("category").column)
        allowed += (
            f" OR (si.state = '{RESIDUAL}' AND EXISTS (SELECT 1 FROM {assignments} a WHERE a.{category} = si.id))"
        )
    if not remove_teacher_items:
        allowed += f" OR si.state = '{TEACHER}'"
    # As for courses: joins go to the tables, each side narrowed to the chunk, and the section
    # items are found by their section index.
    ctes = f"""
        own{n} AS (
            SELECT s.course_id, count(*) FILTER (WHERE {copy}) AS copies,
                   count(*) FILTER (WHERE NOT ({allowed})) AS others
            FROM {st} si
            JOIN {section_table} s ON s.id = si.section_id AND s.course_id = ANY(%s)
            LEFT JOIN {ct} ci ON ci.id = si.source_id AND ci.course_id = s.course_id AND ci.state <> '{RESIDUAL}'
                AND ci.course_id = ANY(%s)
            WHERE si.section_id = ANY(ARRAY(SELECT id FROM {section_table} WHERE course_id = ANY(%s)))
            GROUP BY s.course_id
        ),
        src{n} AS (
            SELECT course_id, count(*) AS n FROM {ct} WHERE course_id = ANY(%s) AND state <> '{RESIDUAL}'
            GROUP BY course_id
        )"""
    # `copy` is written twice (as itself and inside `allowed`), then the course ids four times.
    params += [*extras, *extras, course_ids, course_ids, course_ids, course_ids]
    select = f"""
        SELECT sections.course_id FROM sections
        LEFT JOIN src{n} ON src{n}.course_id = sections.course_id
        LEFT JOIN own{n} ON own{n}.course_id = sections.course_id
        WHERE COALESCE(own{n}.copies, 0) <> COALESCE(src{n}.n, 0) * sections.n OR COALESCE(own{n}.others, 0) > 0"""
    return ctes, select


def _sections_unsettled(ctx, course_ids: list[int], remove_teacher: dict[str, bool]) -> set[int]:
    """The courses some of whose sections a push would change. Each section must hold a copy of
    each of its course's items that go down (an owner holds one item per key, so a section has at
    most one copy of each: counting them per course suffices), and nothing else but what the
    push leaves alone; and, when Advisory goes down, the course's advisory flag."""
    section_table = _qn(Section._meta.db_table)
    params: list = [course_ids]
    ctes = [
        f"s AS MATERIALIZED (SELECT id, course_id, advisory FROM {section_table} WHERE course_id = ANY(%s))",
        "sections AS (SELECT course_id, count(*) AS n FROM s GROUP BY course_id)",
    ]
    selects = []
    for n, stl in enumerate(ctx.section_types):
        assert stl.level == SECTION
        cte, select = _section_level_ctes(
            stl, n, course_ids, remove_teacher_items=remove_teacher[stl.name], params=params
        )
        ctes.append(cte)
        selects.append(select)
    if ctx.section_advisory:
        selects.append(
            f"SELECT s.course_id FROM s JOIN {COURSES} c ON c.id = s.course_id WHERE s.advisory <> c.advisory"
        )
    if not selects:
        return set()
    return _ids(f"WITH {', '.join(ctes)} " + " UNION ".join(selects), params)


def _ids(sql: str, params: list) -> set[int]:
    """Run a check with nested loops, merge joins and sorts off while it plans: right after a push
    has written millions of rows, the statistics still say the items are few, and a plan chosen on
    that word reads every item of the chunk once per item (nested loop), walks a whole index to
    reach the chunk (merge join) or spills wide rows to disk (sort). Hash joins and hash
    aggregates over the chunk's rows cost the same whatever the statistics say."""
    with connection.cursor() as cursor:
        names = ("enable_nestloop", "enable_mergejoin", "enable_sort")
        cursor.execute(
            "SELECT "
            + ", ".join(f"current_setting('{n}')" for n in names)
            + ", "
            + ", ".join(f"set_config('{n}', 'off', true)" for n in names)
        )
        before = cursor.fetchone()[: len(names)]
        try:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}
        finally:
            cursor.execute("SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in names), list(before))


def settled_course_ids(ctx: MasterContext | CourseContext, snap) -> set[int]:
    """The chunk's courses (already locked and read into ``snap.courses``) that planning would
    leave unchanged with no result row."""
    if isinstance(ctx, MasterContext):
        pushed = {tl.name for tl in ctx.course_types}
        candidates = []
        for course in snap.courses:
            if course.ignore_master_push:
                continue  # planned without its items: skipped (R11)
            if set(course.desynced_types) & pushed:
                continue  # fails in push mode (R14), is relinked in overwrite mode (R15)
            master = snap.masters.get(course.master_id)
            if master is None or any(course.attrs[a] != master.attrs[a] for a in ctx.attributes):
                continue  # Course Info to copy (R16)
            candidates.append(course.id)
        if not candidates:
            return set()
        unsettled = _courses_unsettled(ctx, candidates)
        remove_teacher = {stl.name: ctx.overwrite for stl in ctx.section_types}
    else:
        candidates = [course.id for course in snap.courses]
        unsettled = set()
        remove_teacher = {
            stl.name: ctx.overwrite_categories and stl.rename_idx is not None for stl in ctx.section_types
        }
    remaining = [c for c in candidates if c not in unsettled]
    if remaining and (ctx.section_types or ctx.section_advisory):
        unsettled |= _sections_unsettled(ctx, remaining, remove_teacher)
    return {c for c in candidates if c not in unsettled}
