"""Residual items (R52) and the teacher data that keeps each one (R20), in SQL.

The listing is one query over every course and section table of every type; the
details of a page or download chunk are one query per (level, type) present,
whose counts follow each type's ``InUseRule`` the way the push engine decides
"in use" (pushjobs.engine.snapshot.Facts):

- a section category is kept by the assignments in it; a course category by the
  assignments in the section categories pushed from it;
- an item naming a task or standard is kept by the assignments aligned to it and
  the posted grades for it, in its section (or in any section of its course), and
  of its term when the type has one (an assignment without a term counts for
  every term).
"""

from __future__ import annotations

from collections import defaultdict

from catalog.models import Calendar, CourseCatalog, School, SchoolYear, User
from catalog.setup_types import COURSE, SECTION, SETUP_TYPES, SetupType
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Assignment, PostedGrade, Score, Section

from .display import RecordNames, type_words
from .sql import report_cursor

LEVEL_NAMES = (COURSE, SECTION)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _t(model) -> str:
    return _q(model._meta.db_table)


def _col(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


def _levels_of(t: SetupType) -> list[int]:
    return [i for i, level in enumerate(LEVEL_NAMES) if level in t.levels]


def _residual_parts(
    *,
    year_id: int,
    school_id: int | None,
    school_ids: tuple[int, ...] | None,
    type_indexes: list[int],
    levels: list[int],
    columns: str,
    school: str = "",
) -> tuple[list[str], list]:
    """One SELECT per (type, level) in scope over its residual items, each giving ``columns``
    (over r the item, c its course, cal the calendar, and at section level s the section; the
    SQL names ``{lvl}``, ``{ti}`` and ``{section_number}`` are filled in per part). ``school``:
    "join" joins the school as sc, "lateral" takes the items of an outer school sc (sc.sid)."""
    parts, params = [], []
    course, calendar, section = _t(Course), _t(Calendar), _t(Section)
    for ti in type_indexes:
        t = SETUP_TYPES[ti]
        for lvl in _levels_of(t):
            if lvl not in levels:
                continue
            model = t.model(LEVEL_NAMES[lvl])
            if lvl == 0:
                joins = f"JOIN {course} c ON c.id = r.course_id"
                section_number = "''"
            else:
                joins = f"JOIN {section} s ON s.id = r.section_id JOIN {course} c ON c.id = s.course_id"
                section_number = "s.number"
            joins += f" JOIN {calendar} cal ON cal.id = c.calendar_id"
            where = ["r.state = 'residual'", "cal.year_id = %s"]
            params.append(year_id)
            if school == "join":
                joins += f" JOIN {_t(School)} sc ON sc.id = cal.school_id"
            elif school == "lateral":
                where.append("cal.school_id = sc.sid")
            if school_id is not None:
                where.append("cal.school_id = %s")
                params.append(school_id)
            if school_ids is not None:
                where.append("cal.school_id = ANY(%s)")
                params.append(list(school_ids))
            select = columns.format(lvl=lvl, ti=ti, section_number=section_number)
            parts.append(f"SELECT {select} FROM {_t(model)} r {joins} WHERE {' AND '.join(where)}")
    return parts, params


def residual_listing_sql(
    *,
    year_id: int,
    school_id: int | None,
    school_ids: tuple[int, ...] | None,
    type_indexes: list[int],
    levels: list[int],
    order: tuple[str, ...],
    limit: int | None = None,
    offset: int = 0,
) -> tuple[str, list]:
    """(level, type index, id) of every residual item in scope, in ``order``; with ``limit``, only
    that many from ``offset`` on (a page: PostgreSQL keeps the top rows, it sorts no more)."""
    # In school order, school by school (a lateral join): a page then reads only the schools it
    # shows. In another order every item is sorted, and the schools are joined like the rest.
    lateral = order[0] == "school_number"
    columns = "{lvl} AS lvl, {ti} AS ti, r.id, c.number AS course_number, {section_number} AS section_number"
    parts, params = _residual_parts(
        year_id=year_id,
        school_id=school_id,
        school_ids=school_ids,
        type_indexes=type_indexes,
        levels=levels,
        columns=columns if lateral else columns + ", sc.number AS school_number",
        school="lateral" if lateral else "join",
    )
    if not parts:
        return "SELECT 0, 0, 0 WHERE FALSE", []
    union = " UNION ALL ".join(parts)
    if lateral:
        rows = f"(SELECT id AS sid, number AS school_number FROM {_t(School)}) sc CROSS JOIN LATERAL ({union}) x"
    else:
        rows = f"({union}) x"
    sql = f"SELECT x.lvl, x.ti, x.id FROM {rows} ORDER BY " + ", ".join(order)
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    return sql, params


def residual_counts_sql(
    *,
    year_id: int,
    school_id: int | None,
    school_ids: tuple[int, ...] | None,
    type_indexes: list[int],
    levels: list[int],
    by: str,
) -> tuple[str, list]:
    """The residual items in scope counted ``by`` "lvl" (level, count) or "school" (the school's
    number, name, count; by number), without reading any item's row: one query."""
    parts, params = _residual_parts(
        year_id=year_id,
        school_id=school_id,
        school_ids=school_ids,
        type_indexes=type_indexes,
        levels=levels,
        columns="{lvl} AS lvl, cal.school_id",
    )
    if not parts:
        return "SELECT 0, 0 WHERE FALSE", []
    union = " UNION ALL ".join(parts)
    if by == "lvl":
        return f"SELECT lvl, count(*) FROM ({union}) x GROUP BY lvl ORDER BY lvl", params
    return (
        f"SELECT sc.number, sc.name, x.n FROM (SELECT school_id, count(*) AS n FROM ({union}) x GROUP BY school_id) x "
        f"JOIN {_t(School)} sc ON sc.id = x.school_id ORDER BY sc.number",
        params,
    )


def _keep_conditions(t: SetupType, lvl: int) -> tuple[str, str]:
    """SQL conditions on an assignment ``a`` and a posted grade ``g`` of section ``s2`` that keep item ``r``."""
    rule = t.in_use
    model = t.model(LEVEL_NAMES[lvl])
    a_parts = []
    if rule.assignment_category:
        if lvl == 1:
            a_parts.append("a.category_id = r.id")
        else:
            pushed = t.model(SECTION)
            a_parts.append(f"a.category_id IN (SELECT x.id FROM {_t(pushed)} x WHERE x.source_id = r.id)")
    g_cond = "FALSE"
    if rule.item_fields:
        items = ", ".join(f"r.{_col(model, f)}" for f in rule.item_fields)
        through = Assignment.items.through
        a_cond = (
            f"EXISTS (SELECT 1 FROM {_t(through)} ai WHERE ai.assignment_id = a.id AND ai.gradingitem_id IN ({items}))"
        )
        g_cond = f"g.item_id IN ({items})"
        if rule.term_field:
            term = f"r.{_col(model, rule.term_field)}"
            a_cond += f" AND (a.term = {term} OR a.term = '')"
            g_cond += f" AND g.term = {term}"
        a_parts.append(f"({a_cond})")
    a_sql = " OR ".join(a_parts) or "FALSE"
    return f"({a_sql})", f"({g_cond})"


def _details_sql(t: SetupType, lvl: int) -> str:
    model = t.model(LEVEL_NAMES[lvl])
    a_cond, g_cond = _keep_conditions(t, lvl)
    keys = ", ".join(f"r.{_col(model, f)} AS {_q('k_' + f)}" for f in t.key_fields)
    if lvl == 0:
        joins = f"JOIN {_t(Course)} c ON c.id = r.course_id"
        section_cols = "NULL::bigint AS section_id, '' AS section_number, NULL AS section_teacher"
        sections_of = "s2.course_id = r.course_id"
    else:
        joins = (
            f"JOIN {_t(Section)} s ON s.id = r.section_id JOIN {_t(Course)} c ON c.id = s.course_id "
            f"LEFT JOIN {_t(User)} su ON su.id = s.teacher_id"
        )
        section_cols = "s.id AS section_id, s.number AS section_number, su.username AS section_teacher"
        sections_of = "s2.id = r.section_id"
    assignment, score, posted = _t(Assignment), _t(Score), _t(PostedGrade)
    return f"""
SELECT r.id, {keys}, c.id AS course_id, c.number AS course_number, c.name AS course_name,
       c.master_id, m.number AS master_number, sc.number AS school_number, sc.name AS school_name,
       y.name AS year_name, {section_cols}, c.ignore_master_push,
       coalesce(cat.locked_types ? %s, false) AS type_locked, cat.name AS catalog_name,
       coalesce(x.assignments, 0) AS assignments, coalesce(x.scores, 0) AS scores,
       coalesce(x.posted, 0) AS posted, x.teachers
FROM {_t(model)} r {joins}
JOIN {_t(Calendar)} cal ON cal.id = c.calendar_id
JOIN {_t(School)} sc ON sc.id = cal.school_id
LEFT JOIN {_t(CourseCatalog)} cat ON cat.id = sc.catalog_id
JOIN {_t(SchoolYear)} y ON y.id = cal.year_id
LEFT JOIN {_t(CourseMaster)} m ON m.id = c.master_id
LEFT JOIN LATERAL (
  SELECT sum(sx.assignments) AS assignments, sum(sx.scores) AS scores, sum(sx.posted) AS posted,
         string_agg(DISTINCT st.username, ', ' ORDER BY st.username)
           FILTER (WHERE sx.assignments + sx.posted > 0) AS teachers
  FROM {_t(Section)} s2 LEFT JOIN {_t(User)} st ON st.id = s2.teacher_id
  CROSS JOIN LATERAL (
    SELECT (SELECT count(*) FROM {assignment} a WHERE a.section_id = s2.id AND {a_cond}) AS assignments,
           (SELECT count(*) FROM {score} sco JOIN {assignment} a ON a.id = sco.assignment_id
             WHERE a.section_id = s2.id AND {a_cond}) AS scores,
           (SELECT count(*) FROM {posted} g WHERE g.section_id = s2.id AND {g_cond}) AS posted
  ) sx
  WHERE {sections_of}
) x ON TRUE
WHERE r.id = ANY(%s)"""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _action(t: SetupType, lvl: int, d: dict) -> str:
    """What would let the residual item go (R52): realign or delete what keeps it, or bring
    the item back above so that the next push relinks it (R13, R19)."""
    held = []
    if d["assignments"]:
        held.append(_plural(d["assignments"], "assignment") + f" ({_plural(d['scores'], 'score')})")
    if d["posted_grades"]:
        held.append(_plural(d["posted_grades"], "posted grade"))
    what = type_words(t.name)
    if not held:
        if lvl == 1:
            return f"nothing keeps it any more: the next push to sections of {what} removes it"
        if d["master_number"] and d["type_locked"] and not d["ignore_master_push"]:
            return f"nothing keeps it any more: the next push from course master {d['master_number']} removes it"
        # No push from a master reaches it: the course manages it, so it goes when the course deletes it.
        if not d["master_number"]:
            why = "the course has no course master"
        elif d["ignore_master_push"]:
            why = "the course ignores master pushes"
        else:
            why = f"{what} are not locked on catalog {d['catalog_name']}"
        return f"nothing keeps it any more: delete it at course {d['course_number']} ({why}, so no push removes it)"
    if lvl == 0:
        if d["master_number"]:
            back = f"or re-add it to course master {d['master_number']} and push: the push relinks it"
        else:
            back = "or set it up again at the course"
    else:
        back = f"or add it back at course {d['course_number']} and push to sections: the push relinks it"
    return f"realign or delete its {' and '.join(held)}, {back}"


def residual_details(units) -> dict[tuple[int, int, int], dict]:
    """(level, type index, id) -> the row's facts, one query per (level, type) present."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for u in units:
        groups[(u.level, u.type_index)].append(u.id)
    names = RecordNames()
    fetched = []
    for (lvl, ti), ids in sorted(groups.items()):
        t = SETUP_TYPES[ti]
        with report_cursor() as cursor:
            cursor.execute(_details_sql(t, lvl), [t.lock, ids])
            columns = [c.name for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        model = t.model(LEVEL_NAMES[lvl])
        related = {f: getattr(model._meta.get_field(f), "related_model", None) for f in t.key_fields}
        for row in rows:
            for f, rel in related.items():
                if rel is not None:
                    names.want(rel, row["k_" + f])
        fetched.append((lvl, ti, t, related, rows))
    names.load()
    out = {}
    for lvl, ti, t, related, rows in fetched:
        for row in rows:
            item = " ".join(
                str(names.get(rel, row["k_" + f])) if rel is not None else str(row["k_" + f])
                for f, rel in related.items()
            )
            d = {
                "school": f"{row['school_number']} {row['school_name']}",
                "year": row["year_name"],
                "course_id": row["course_id"],
                "course_number": row["course_number"],
                "course_name": row["course_name"],
                "master_id": row["master_id"],
                "master_number": row["master_number"] or "",
                "section_id": row["section_id"],
                "section_number": row["section_number"] or "",
                "teacher": (row["section_teacher"] if lvl == 1 else row["teachers"]) or "",
                "item": item,
                "assignments": int(row["assignments"]),
                "scores": int(row["scores"]),
                "posted_grades": int(row["posted"]),
                "type_locked": row["type_locked"],
                "ignore_master_push": row["ignore_master_push"],
                "catalog_name": row["catalog_name"] or "",
            }
            d["action"] = _action(t, lvl, d)
            out[(lvl, ti, row["id"])] = d
    return out
