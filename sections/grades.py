"""In-progress grades (R81) and what a change of setup does to them (R82), set-based in PostgreSQL.

One SQL statement (and two around it that set the planner) computes every student's grade for
every grade calc option (and composite) of any set of sections; the number of queries does not
grow with sections or students. The setup it reads (section categories, grade calc options,
composites) can be *overridden*: rows left out and rows put in their place, given as JSON
parameters (``SetupOverrides``). The grade impact of a push
(R82) is the same statement over two setups, "now" and "as the push would leave it", compared in
SQL (``grade_changes``).

Clauses of R81, as the SQL reads them:

- counted: an assignment aligned to the option's task or standard, in its term (an assignment
  without a term counts in every term, as R20 counts it), not in an excluded category, with a
  score for the student. An assignment without a category counts when categories are not
  weighted (there is no weight to give it otherwise).
- drop lowest N per category: the N counted assignments with the lowest score ÷ points (ties: the
  first made), when the category has more than N.
- a category's percent: Σ score ÷ Σ points; ``use_score_percent``: the mean of score ÷ points.
- ``weight_categories``: Σ (weight × category percent) ÷ Σ weight over categories with counted
  assignments; otherwise Σ score ÷ Σ points (``use_score_percent``: mean of score ÷ points).
- ``proficiency_estimate``: the mean of score ÷ points; ``no_calculation`` or read-only
  (grayed out, R23): no grade.
- × 100 rounded half up to 2 decimals (numeric arithmetic at 30 decimals, snapped to 20 before
  the final rounding, so that an exact .xx5 is not lost to a repeating intermediate).
- a composite parent: Σ (child weight × child grade) ÷ Σ weight over children with a grade, each
  child's grade from its own option in the latest term (calendar order) that gives one; under the
  parent's latest option's term and scale (no option: no term, no letter). A parent whose option
  is no_calculation or grayed out has no grade. A composite replaces the parent's own options'
  grades.
- letter: the band with the highest minimum at or below the percent (R80); none below every band.

Assignments with 0 points add their score to Σ score (extra credit) and are left out of means
of score ÷ points (there is no ratio to take).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.db import connection, transaction

from catalog.errors import InputError
from catalog.models import Calendar, School, SchoolYear
from courses.models import Course

from .models import Section

# The setup tables the grades read, the columns each contributes, and their types in the
# override JSON (jsonb_to_recordset). The first two are always id and section_id.
_SETUP = {
    "cat": (
        "sections_sectioncategory",
        (
            ("id", "bigint"),
            ("section_id", "bigint"),
            ("weight", "numeric"),
            ("drop_lowest", "int"),
            ("excluded", "boolean"),
        ),
    ),
    "gco": (
        "sections_sectiongradecalcoption",
        (
            ("id", "bigint"),
            ("section_id", "bigint"),
            ("item_id", "bigint"),
            ("term", "text"),
            ("calculation", "text"),
            ("grading_scale_id", "bigint"),
            ("weight_categories", "boolean"),
            ("use_score_percent", "boolean"),
            ("read_only", "boolean"),
        ),
    ),
    "comp": (
        "sections_sectioncomposite",
        (("id", "bigint"), ("section_id", "bigint"), ("parent_id", "bigint"), ("children", "jsonb")),
    ),
}


# What a grade reads of each setup row (the columns above less its id and section).
SETUP_GRADE_COLUMNS = {t: tuple(c for c, _ in columns[2:]) for t, (_, columns) in _SETUP.items()}


@dataclass
class SetupOverrides:
    """A section setup other than the stored one: per table ("cat", "gco", "comp"), the ids of
    rows left out and the rows put in (tuples of the columns in ``_SETUP``, in its order; an id
    may be negative for a row that does not exist yet)."""

    drop: dict[str, list[int]] = field(default_factory=lambda: {t: [] for t in _SETUP})
    add: dict[str, list[tuple]] = field(default_factory=lambda: {t: [] for t in _SETUP})

    def params(self, prefix: str) -> dict:
        out = {}
        for table, (_, columns) in _SETUP.items():
            names = [c for c, _ in columns]
            out[f"{prefix}_{table}_drop"] = list(self.drop[table])
            rows = [dict(zip(names, row, strict=True)) for row in self.add[table]]
            out[f"{prefix}_{table}_add"] = json.dumps(rows, default=str)
        return out


# The rows a change of setup puts in, as grade_changes_store copies them in (COPY: no JSON text
# of a whole district's setup held in Python and quoted into the statement): one temporary table
# for both sides and the three setup tables, with the union of their columns.
SETUP_TABLE = "grade_impact_setup"
_SETUP_COLUMNS = list(dict.fromkeys(c for _, columns in _SETUP.values() for c in columns))
# The values of those rows (their columns less id and section_id), names and types, for a caller
# that stages rows of its own before putting them in (pushjobs.grade_impact).
SETUP_VALUE_COLUMNS = [(c, t) for c, t in _SETUP_COLUMNS if c not in ("id", "section_id")]


def _sources(p: str, *, copied: bool = False) -> str:
    """One side's setup: the stored rows of the sections less those dropped, plus those added
    (from the JSON parameters, or ``copied`` into ``SETUP_TABLE``)."""
    parts = []
    for table, (db_table, columns) in _SETUP.items():
        names = ", ".join(c for c, _ in columns)
        typed = ", ".join(f"{c} {t}" for c, t in columns)
        if copied:
            added = (
                f"SELECT {names} FROM pg_temp.{SETUP_TABLE} x WHERE side = '{p}' AND tab = '{table}' AND NOT dropped"
            )
            kept = _not_dropped(p, table, f"{db_table}.id")
        else:
            added = f"SELECT {names} FROM jsonb_to_recordset(%({p}_{table}_add)s::jsonb) AS x({typed}) WHERE true"
            kept = f"id <> ALL(%({p}_{table}_drop)s::bigint[])"
        # The rows put in are matched to the sections by a hashed semi-join: ``= ANY`` of the
        # sections' array is compared element by element for each row (1 s for a catalog's
        # 35,000 rows and 5,538 sections).
        parts.append(
            f"""{p}_{table} AS (
    SELECT {names} FROM {db_table}
    WHERE section_id = ANY(%(sections)s) AND {kept}
    UNION ALL
    {added} AND section_id IN (SELECT unnest(%(sections)s::bigint[]))
)"""
        )
    return ",\n".join(parts)


def _not_dropped(p: str, table: str, id_column: str) -> str:
    """A stored row that side ``p`` leaves out is named by a ``dropped`` row of ``SETUP_TABLE``: an
    anti-join (hashed: the planner settings allow no other), whatever the number of rows left out
    (a first push to sections changes a million)."""
    return (
        f"NOT EXISTS (SELECT FROM pg_temp.{SETUP_TABLE} d WHERE d.dropped AND d.side = '{p}' "
        f"AND d.tab = '{table}' AND d.id = {id_column})"
    )


def _setup_create(cursor, also: str = "") -> None:
    """``SETUP_TABLE``, empty: per side and table, the rows put in, and (``dropped``, only their
    id) the stored rows left out; and what ``also`` says, in the same query."""
    typed = ", ".join(f"{c} {t}" for c, t in _SETUP_COLUMNS)
    cursor.execute(
        f"DROP TABLE IF EXISTS pg_temp.{SETUP_TABLE}; "
        f"CREATE TEMPORARY TABLE {SETUP_TABLE} (side text, tab text, dropped boolean, {typed}); {also}"
    )


def _setup_copy(cursor, sides: dict[str, SetupOverrides]) -> None:
    """Copy the rows each side puts in and the ids it leaves out into ``SETUP_TABLE`` (one query)."""
    names = ", ".join(c for c, _ in _SETUP_COLUMNS)
    with cursor.copy(f"COPY {SETUP_TABLE} (side, tab, dropped, {names}) FROM STDIN") as copy:
        blank = [None] * (len(_SETUP_COLUMNS) - 1)
        for table in _SETUP:
            for p, overrides in sides.items():
                for item_id in overrides.drop[table]:
                    copy.write_row([p, table, True, item_id, *blank])
        for table, (_, columns) in _SETUP.items():
            # where each of the table's columns goes among the copied ones; jsonb as its text
            at = [_SETUP_COLUMNS.index(column) for column in columns]
            jsonb = [i for i, (_, t) in enumerate(columns) if t == "jsonb"]
            for p, overrides in sides.items():
                for row in overrides.add[table]:
                    values = [None] * len(_SETUP_COLUMNS)
                    for i, v in zip(at, row, strict=True):
                        values[i] = v
                    for i in jsonb:
                        if row[i] is not None:
                            values[at[i]] = json.dumps(row[i], default=str)
                    copy.write_row([p, table, False, *values])


def _setup_pairs(sides: tuple[str, ...]) -> str:
    """Each grade calc option and category of the sections with its values on each side asked for
    (``b_`` before, ``a_`` after; NULL where a side lacks it), so that the scores are read once;
    and every student's grade per option on each side (``option_grade``).

    Scores and points are summed as integers (hundredths: both are numeric(8, 2)), so that the
    grouped sums over every counted score are integer additions; a quotient is taken once per
    category or per student, at 30 decimals as before, so that the grades are the same to the last
    digit. A ratio score ÷ points is taken per score only where a mean of ratios or a drop of the
    lowest needs it."""

    def each(template: str, sep: str = ", ") -> str:
        return sep.join(template.replace("{p}", p) for p in sides)

    if len(sides) == 2:
        options = (
            "b_gco b FULL JOIN a_gco a ON a.section_id = b.section_id AND a.item_id = b.item_id AND a.term = b.term"
        )
        key = ", ".join(f"COALESCE(b.{c}, a.{c}) AS {c}" for c in ("section_id", "item_id", "term"))
        categories = (
            "SELECT COALESCE(b.id, a.id) AS id, "
            + each("{p}.id IS NOT NULL AND NOT {p}.excluded AS in_{p}, {p}.weight AS w_{p}")
            + ", "
            + each("COALESCE({p}.drop_lowest, 0) AS d_{p}")
            + " FROM b_cat b FULL JOIN a_cat a ON a.id = b.id"
        )
    else:
        (p,) = sides
        options = f"{p}_gco {p}"
        key = f"{p}.section_id, {p}.item_id, {p}.term"
        categories = (
            f"SELECT id, NOT excluded AS in_{p}, weight AS w_{p}, COALESCE(drop_lowest, 0) AS d_{p} FROM {p}_cat"
        )
    on = each("{p}.id IS NOT NULL AND {p}.calculation <> 'no_calculation' AND NOT {p}.read_only AS on_{p}")
    flags = each(
        "{p}.calculation = 'proficiency_estimate' AS pe_{p}, {p}.weight_categories AS wc_{p}, "
        "{p}.use_score_percent AS usp_{p}, {p}.grading_scale_id AS scale_{p}"
    )
    scores = """FROM counting k
    CROSS JOIN LATERAL (
        SELECT s.student, s.score FROM sections_score s WHERE s.assignment_id = k.assignment_id AND s.score IS NOT NULL
        OFFSET 0
    ) s"""
    ratio = "CAST(s.score AS numeric(40, 30)) / NULLIF(k.points, 0)"
    sums = each(
        "sum(sc) FILTER (WHERE k_{p}) AS s_{p}, sum(pts) FILTER (WHERE k_{p}) AS p_{p}, "
        "sum(ratio) FILTER (WHERE k_{p}) AS r_{p}, count(ratio) FILTER (WHERE k_{p}) AS n_{p}, "
        "bool_or(k_{p}) AS any_{p}",
        ",\n           ",
    )
    # A category's percent, where the option weighs categories (R81): Σ score ÷ Σ points, or the
    # mean of score ÷ points.
    percents = each(
        "CASE WHEN g.cw_{p} IS NULL THEN NULL WHEN g.cusp_{p} THEN g.r_{p} / NULLIF(g.n_{p}, 0)\n"
        "                ELSE CAST(g.s_{p} AS numeric(48, 30)) / NULLIF(g.p_{p}, 0) END AS pct_{p}",
        ",\n           ",
    )
    student_sums = each(
        "bool_or(any_{p}) AS any_{p}, sum(r_{p}) / NULLIF(sum(n_{p}), 0) AS mean_{p}, "
        "sum(s_{p}) AS s_{p}, sum(p_{p}) AS p_{p},\n"
        "           sum(cw_{p} * pct_{p}) FILTER (WHERE pct_{p} IS NOT NULL)\n"
        "             / NULLIF(sum(cw_{p}) FILTER (WHERE pct_{p} IS NOT NULL), 0) AS weighted_{p}",
        ",\n           ",
    )
    grades = each(
        "CASE WHEN o.on_{p} AND p.any_{p} THEN round(round(100 * CASE\n"
        "               WHEN o.pe_{p} THEN p.mean_{p} WHEN o.wc_{p} THEN p.weighted_{p}\n"
        "               WHEN o.usp_{p} THEN p.mean_{p}\n"
        "               ELSE CAST(p.s_{p} AS numeric(48, 30)) / NULLIF(p.p_{p}, 0) END, 20), 2) END AS percent_{p}",
        ",\n           ",
    )
    # The drop of the lowest ranks by student byte by byte (the partition is the same; the sort is
    # not slowed by the database's collation).
    partition = 'PARTITION BY oid, category_id, student COLLATE "C"'
    return f"""
opt AS (
    SELECT row_number() OVER () AS oid, o.* FROM (
        SELECT {key}, {on},
               {flags}
        FROM {options}
    ) o
    WHERE {each("o.on_{p}", " OR ")}
),
cat AS (
    {categories}
),
counting AS (
    SELECT o.oid, a.id AS assignment_id, a.category_id, (a.points * 100)::int AS pts,
           CAST(a.points AS numeric(40, 30)) AS points,
           {each("o.on_{p} AND (a.category_id IS NULL OR c.in_{p}) AS c_{p}")},
           {each("CASE WHEN a.category_id IS NULL THEN 0 ELSE c.d_{p} END AS d_{p}")},
           {each("CASE WHEN o.wc_{p} AND a.category_id IS NOT NULL THEN c.w_{p} END AS cw_{p}, o.usp_{p} AS cusp_{p}")},
           {each("o.pe_{p} OR o.usp_{p}", " OR ")} AS mean_needed,
           a.category_id IS NOT NULL AND ({each("c.d_{p} > 0", " OR ")}) AS ranked
    FROM sections_assignment a
    CROSS JOIN LATERAL (
        SELECT ai.gradingitem_id FROM sections_assignment_items ai WHERE ai.assignment_id = a.id OFFSET 0
    ) ai
    JOIN opt o ON o.section_id = a.section_id AND o.item_id = ai.gradingitem_id
    LEFT JOIN cat c ON c.id = a.category_id
    WHERE a.section_id = ANY(%(sections)s) AND (a.term = o.term OR a.term = '')
      AND ({each("o.on_{p} AND (a.category_id IS NULL OR c.in_{p})", " OR ")})
),
ranked AS (
    SELECT oid, student, category_id, sc, pts, ratio,
           {each("c_{p} AND (in_category <= d_{p} OR low_rank > d_{p}) AS k_{p}")}, {each("cw_{p}, cusp_{p}")}
    FROM (
        SELECT r.*, row_number() OVER ({partition} ORDER BY ratio NULLS LAST, assignment_id) AS low_rank,
               count(*) OVER ({partition}) AS in_category
        FROM (
            SELECT k.oid, s.student, k.category_id, k.assignment_id, (s.score * 100)::int AS sc, k.pts,
                   {ratio} AS ratio, {each("k.c_{p}, k.d_{p}, k.cw_{p}, k.cusp_{p}")}
            {scores}
            WHERE k.ranked
        ) r
    ) r
),
kept AS (
    SELECT oid, student, category_id, sc, pts, ratio, {each("k_{p}")}, {each("cw_{p}, cusp_{p}")} FROM ranked
    UNION ALL
    SELECT k.oid, s.student, k.category_id, (s.score * 100)::int, k.pts,
           CASE WHEN k.mean_needed THEN {ratio} END, {each("k.c_{p}")}, {each("k.cw_{p}, k.cusp_{p}")}
    {scores}
    WHERE NOT k.ranked
),
by_category AS (
    SELECT oid, student COLLATE "C" AS student, category_id, {each("cw_{p}, cusp_{p}")},
           {sums}
    FROM kept GROUP BY oid, student COLLATE "C", category_id, {each("cw_{p}, cusp_{p}")}
),
per_student AS (
    SELECT oid, student,
           {student_sums}
    FROM (
        SELECT g.*,
               {percents}
        FROM by_category g
    ) g
    GROUP BY oid, student
),
option_grade AS (
    SELECT o.section_id, o.item_id, o.term, {each("o.scale_{p}")}, p.student COLLATE "default" AS student,
           {grades}
    FROM per_student p JOIN opt o ON o.oid = p.oid
)"""


def _composite_ctes(p: str) -> str:
    """One side's grades (``{p}_final``: section_id, student, item_id, term, percent, scale_id):
    the options' grades, and composites in place of their parents' own."""
    return f"""
{p}_option_grade AS (
    SELECT section_id, item_id, term, scale_{p} AS grading_scale_id, student, percent_{p} AS percent
    FROM option_grade WHERE percent_{p} IS NOT NULL
),
{p}_child AS MATERIALIZED (
    SELECT cp.section_id, cp.parent_id, gi.id AS child_item_id, (ch.value ->> 'weight')::numeric AS weight
    FROM {p}_comp cp
    CROSS JOIN LATERAL jsonb_array_elements(cp.children) AS ch(value)
    JOIN catalog_gradingitem gi
      ON gi.kind = split_part(ch.value ->> 'item', ':', 1)
     AND gi.code = substr(ch.value ->> 'item', length(split_part(ch.value ->> 'item', ':', 1)) + 2)
),
{p}_child_grade AS (
    SELECT DISTINCT ON (ch.section_id, ch.parent_id, g.student COLLATE "C", ch.child_item_id)
           ch.section_id, ch.parent_id, ch.weight, g.student COLLATE "C" AS student, g.percent
    FROM {p}_child ch
    JOIN {p}_option_grade g ON g.section_id = ch.section_id AND g.item_id = ch.child_item_id
    LEFT JOIN term_pos tp ON tp.section_id = g.section_id AND tp.term = g.term
    ORDER BY ch.section_id, ch.parent_id, g.student COLLATE "C", ch.child_item_id, tp.ord DESC NULLS LAST, g.term DESC
),
{p}_comp_grade AS (
    SELECT section_id, parent_id, student COLLATE "default" AS student,
           round(round(sum(weight * percent) / NULLIF(sum(weight), 0), 20), 2) AS percent
    FROM {p}_child_grade GROUP BY section_id, parent_id, student
),
{p}_parent_option AS (
    SELECT DISTINCT ON (o.section_id, o.item_id)
           o.section_id, o.item_id, o.term, o.grading_scale_id, o.calculation, o.read_only
    FROM {p}_gco o
    LEFT JOIN term_pos tp ON tp.section_id = o.section_id AND tp.term = o.term
    ORDER BY o.section_id, o.item_id, tp.ord DESC NULLS LAST, o.term DESC
),
{p}_final AS (
    SELECT g.section_id, g.student, g.item_id, g.term, g.percent, g.grading_scale_id AS scale_id
    FROM {p}_option_grade g
    WHERE NOT EXISTS (SELECT 1 FROM {p}_comp cp WHERE cp.section_id = g.section_id AND cp.parent_id = g.item_id)
    UNION ALL
    SELECT cg.section_id, cg.student, cg.parent_id, COALESCE(po.term, ''), cg.percent, po.grading_scale_id
    FROM {p}_comp_grade cg
    LEFT JOIN {p}_parent_option po ON po.section_id = cg.section_id AND po.item_id = cg.parent_id
    WHERE cg.percent IS NOT NULL
      AND (po.section_id IS NULL OR (po.calculation <> 'no_calculation' AND NOT po.read_only))
)"""


_SHARED = """
bands AS (
    SELECT gs.id AS scale_id, b.value ->> 'grade' AS grade, (b.value ->> 'min')::numeric AS low,
           lead((b.value ->> 'min')::numeric) OVER (PARTITION BY gs.id ORDER BY (b.value ->> 'min')::numeric) AS high
    FROM catalog_gradingscale gs CROSS JOIN LATERAL jsonb_array_elements(gs.bands) AS b(value)
),
term_pos AS (
    SELECT s.id AS section_id, t.name AS term, t.ord
    FROM sections_section s
    JOIN courses_course c ON c.id = s.course_id
    JOIN catalog_calendar cal ON cal.id = c.calendar_id
    CROSS JOIN LATERAL jsonb_array_elements_text(cal.terms) WITH ORDINALITY AS t(name, ord)
    WHERE s.id = ANY(%(sections)s)
)"""


def _letter_join(alias: str, percent: str, scale: str) -> str:
    """The band of R80 for a percent: the one whose minimum is at or below it and whose next
    band's minimum is above it (each percent falls in one range; none below every band)."""
    return (
        f"LEFT JOIN bands {alias} ON {alias}.scale_id = {scale} AND {alias}.low <= {percent} "
        f"AND ({alias}.high IS NULL OR {alias}.high > {percent} OR {alias}.high = {alias}.low)"
    )


def _pipeline(*, sides: tuple[str, ...] = ("a",), copied: bool = False) -> str:
    """Every CTE up to ``a_final`` (and ``b_final``): the grades of R81 on each side asked for at
    once (``("a",)``: the stored setup alone, or one side of a change when the other has no grade)."""
    return ",\n".join(
        [_sources(p, copied=copied) for p in sides]
        + [_SHARED, _setup_pairs(sides)]
        + [_composite_ctes(p) for p in sides]
    )


# Names as people read them, for the command, the page and the impact rows.
_NAME_JOINS = """
JOIN sections_section s ON s.id = g.section_id
JOIN courses_course c ON c.id = s.course_id
JOIN catalog_calendar cal ON cal.id = c.calendar_id
JOIN catalog_school sch ON sch.id = cal.school_id
JOIN catalog_schoolyear y ON y.id = cal.year_id
JOIN catalog_gradingitem gi ON gi.id = g.item_id
LEFT JOIN catalog_user t ON t.id = s.teacher_id"""
_NAMES = _NAME_JOINS + "\nLEFT JOIN term_pos tp ON tp.section_id = g.section_id AND tp.term = g.term"
_NAME_COLUMNS = (
    "sch.number || ' ' || sch.name, y.name, c.number, s.number, COALESCE(t.username, ''), "
    "g.student, gi.kind || ':' || gi.code, g.term"
)
_ORDER = "sch.number, y.name, c.number, s.number, g.student, gi.kind, gi.code, tp.ord NULLS LAST, g.term"


GRADE_COLUMNS = ("school", "calendar", "course", "section", "student", "item", "term", "percent", "letter")


def course_section_ids(*, school: str, year: str, course: str, section: str | None = None) -> list[int]:
    """The ids of a course's sections (or of one of them), by the numbers people use; R32: an
    unknown school, year, calendar, course or section is an InputError naming it."""
    if not School.objects.filter(number=school).exists():
        raise InputError(f'no school numbered "{school}"')
    if not SchoolYear.objects.filter(name=year).exists():
        raise InputError(f'no school year "{year}"')
    calendar = Calendar.objects.filter(school__number=school, year__name=year).first()
    if calendar is None:
        raise InputError(f"school {school} has no calendar in {year}")
    found = Course.objects.filter(calendar=calendar, number=course).first()
    if found is None:
        raise InputError(f'no course "{course}" in the {year} calendar of school {school}')
    sections = Section.objects.filter(course=found)
    if section is not None:
        sections = sections.filter(number=section)
        if not sections.exists():
            raise InputError(f'no section "{section}" in course {course}')
    return list(sections.order_by("number").values_list("pk", flat=True))


# jit too: the disabled plans' costs (10^10) pass every JIT threshold, and compiling a statement
# this size took 15 s of the 15.3 s it ran (EXPLAIN ANALYZE, 30 sections). work_mem: the grouped
# sums of a district's scores spilled to disk in batches at the default 4 MB; the sort of the High
# School catalog's 2.17 million counted scores (gradebook size) takes 320 MB, and spilled at 256 MB.
_PLANNER = {"enable_nestloop": "off", "enable_mergejoin": "off", "jit": "off", "work_mem": "512MB"}


@contextmanager
def _planner_settings():
    """A cursor in a transaction with ``_PLANNER``'s settings, put back as they were afterwards."""
    names = list(_PLANNER)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(f"current_setting('{n}')" for n in names)
            + ", "
            + ", ".join(f"set_config('{n}', %s, true)" for n in names),
            [_PLANNER[n] for n in names],
        )
        before = cursor.fetchone()[: len(names)]
        try:
            yield cursor
        finally:
            cursor.execute("SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in names), list(before))


def _fetch(sql: str, params: dict, *, rows: bool = True) -> list[tuple]:
    """Run a grade statement with nested loops and merge joins off while it plans (three queries).

    Its CTEs and JSON rows carry no statistics, and right after an import or a push neither do
    the tables: a plan chosen on those estimates reads every score once per grade calc option
    (measured: 40 s to 200 s for 30 to 60 sections). Hash joins over the sections' rows cost the
    same whatever the estimates say (as pushjobs.engine.settled does for its check); the scores
    and alignments are read by index for the sections' assignments (a LATERAL join fenced with
    OFFSET 0, which the settings leave as it is), so a push to one section does not read a
    district's scores."""
    with _planner_settings() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if rows else []


@dataclass(frozen=True)
class Grade:
    """One student's in-progress grade (R81); ``term`` is "" for a composite without an option."""

    school: str  # "101 North High"
    calendar: str  # the school year, "22-23"
    course: str
    section: str
    teacher: str
    student: str
    item: str  # "task:S1"
    term: str
    percent: Decimal
    letter: str  # "" when the scale has no band for it
    section_id: int = 0


def section_grades(*, section_ids: list[int], student: str | None = None) -> list[Grade]:
    """Every student's in-progress grade for every grade calc option and composite of these
    sections (R81), ordered by school, course, section, student, item and term. Three queries."""
    if not section_ids:
        return []
    params = {"sections": list(section_ids), "student": student, **SetupOverrides().params("a")}
    sql = f"""WITH {_pipeline()}
SELECT {_NAME_COLUMNS}, g.percent, COALESCE(band.grade, ''), g.section_id
FROM a_final g {_NAMES}
{_letter_join("band", "g.percent", "g.scale_id")}
WHERE %(student)s::text IS NULL OR g.student = %(student)s::text
ORDER BY {_ORDER}"""
    return [Grade(*row) for row in _fetch(sql, params)]


@dataclass(frozen=True)
class GradeChange:
    """One student's grade that a change of setup moves (R82): before and after (None: no grade)."""

    school: str
    calendar: str
    course: str
    section: str
    teacher: str
    student: str
    item: str
    term: str
    before_percent: Decimal | None
    after_percent: Decimal | None
    before_letter: str
    after_letter: str
    posted_differs: bool
    section_id: int = 0


# The grades a change of setup moves are kept in a temporary table of the connection, so that a
# push that moves millions of them is summed, shown a page at a time and written out by
# PostgreSQL (COPY) without holding them in Python. One at a time per connection: computing the
# next replaces it, and the rows of the one before are then refused.
MOVED_TABLE = "grade_impact_moved"
_MOVED_COLUMNS = (
    "school, calendar, course, section, teacher, student, item, term, before_percent, after_percent, "
    "before_letter, after_letter, posted_differs, section_id"
)
# The rows with their names, as they are read (a page, the CSV): joined for the rows read, not
# stored with every row.
_MOVED_NAMED = f"""(SELECT sch.number || ' ' || sch.name AS school, y.name AS calendar, c.number AS course,
        s.number AS section, COALESCE(t.username, '') AS teacher, g.student, gi.kind || ':' || gi.code AS item,
        g.term, g.before_percent, g.after_percent, g.before_letter, g.after_letter, g.posted_differs,
        g.section_id, g.section_rank, g.item_rank, g.term_ord
 FROM {MOVED_TABLE} g {_NAME_JOINS}) g"""
# By numbers where it can (sections and items ranked once, in SQL): a sort of a million rows by
# their names compared each as text in the database's collation took over a minute.
_MOVED_ORDER = 'g.section_rank, g.student COLLATE "C", g.item_rank, g.term_ord NULLS LAST, g.term COLLATE "C"'
_generation = {"n": 0}


def moved_grades_numbered_sql() -> tuple[str, str]:
    """The columns, and a SELECT of the last ``grade_changes_store``'s rows with their names and
    their place in MovedGrades' order (``position``, from 1): what MovedGrades and the CSV read,
    for a caller that writes the rows elsewhere in one statement."""
    columns = f"position, {_MOVED_COLUMNS}"
    return (
        columns,
        f"SELECT row_number() OVER (ORDER BY {_MOVED_ORDER}) AS position, {_MOVED_COLUMNS} FROM {_MOVED_NAMED}",
    )


# The change of a percent (after - before, in points) by bucket, as the chart draws it: a label
# and the range [low, high) it covers (None: no bound). Percents have two decimals.
CHANGE_BUCKETS = (
    ("down 10 or more", None, Decimal("-9.99")),
    ("down 5 to 10", Decimal("-9.99"), Decimal("-4.99")),
    ("down 1 to 5", Decimal("-4.99"), Decimal("-0.99")),
    ("down less than 1", Decimal("-0.99"), Decimal("0")),
    ("same percent", Decimal("0"), Decimal("0.01")),
    ("up less than 1", Decimal("0.01"), Decimal("1")),
    ("up 1 to 5", Decimal("1"), Decimal("5")),
    ("up 5 to 10", Decimal("5"), Decimal("10")),
    ("up 10 or more", Decimal("10"), None),
)


@dataclass
class GradeImpactSummary:
    """R82's summary: sections with a change, students affected, letter grades up and down; and
    what the chart draws: the grades listed, those that appear or go, the change in percent by
    bucket, and the letter moves (before, after, how many; "" for no letter)."""

    sections_changed: int = 0
    students_affected: int = 0
    letters_up: int = 0
    letters_down: int = 0
    grades: int = 0
    grades_new: int = 0
    grades_gone: int = 0
    buckets: list[tuple[str, int]] = field(default_factory=list)
    letter_moves: list[tuple[str, str, int]] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"grade impact: {self.sections_changed} sections, {self.students_affected} students, "
            f"{self.letters_up} letters up, {self.letters_down} letters down"
        )


def grade_changes_store(*, section_ids: list[int], before: SetupOverrides, after: SetupOverrides) -> GradeImpactSummary:
    """R82: every student, item and term of these sections whose percent or letter differs between
    the setup ``before`` and the setup ``after`` (each: the stored setup with its overrides), with
    ``posted_differs`` when a posted grade for that student, item and term differs from the new
    letter, into ``MOVED_TABLE``; returns their summary. Nine queries whatever the size: the
    scores are read once for both sides, and the rows stay in PostgreSQL."""
    _generation["n"] += 1
    with _planner_settings() as cursor:
        _setup_create(cursor)
        _setup_copy(cursor, {"b": before, "a": after})
        _moved_store(cursor, list(section_ids))
    return _moved_summary()


def grade_changes_store_staged(stage, *, staging: str = "") -> GradeImpactSummary | None:
    """``grade_changes_store`` for setups that ``stage(cursor)`` writes into ``SETUP_TABLE``
    itself (created empty, with the statements of ``staging``: its own tables): ``b`` and ``a``
    rows put in, ``dropped`` ids, nothing of them held in this process. ``stage`` ends with
    ``SETUP_ANALYZE`` and returns the sections to compare. Nine queries when ``stage`` makes three;
    None when there are no sections."""
    _generation["n"] += 1
    with _planner_settings() as cursor:
        _setup_create(cursor, staging)
        section_ids = stage(cursor)
        if not section_ids:
            cursor.execute(f"DROP TABLE pg_temp.{SETUP_TABLE}")
            return None
        _moved_store(cursor, section_ids, analyzed=True)
    return _moved_summary()


# What a stage runs once its rows are in SETUP_TABLE (statements without parameters).
SETUP_ANALYZE = f"ANALYZE pg_temp.{SETUP_TABLE}; DROP TABLE IF EXISTS pg_temp.{MOVED_TABLE}"


def _moved_store(cursor, section_ids: list[int], *, analyzed: bool = False) -> None:
    """``MOVED_TABLE`` from the setups of ``SETUP_TABLE`` (four queries; three once ``analyzed``
    with ``SETUP_ANALYZE``), which goes afterwards."""
    params = {"sections": section_ids}
    sides = _sides_with_options(cursor, params)
    if not analyzed:
        cursor.execute(SETUP_ANALYZE)
    cursor.execute(_moved_sql(sides), params)
    cursor.execute(f"DROP TABLE pg_temp.{SETUP_TABLE}")


def _sides_with_options(cursor, params: dict) -> tuple[str, ...]:
    """The sides with a grade calc option in these sections (one query): a side without one has
    no grade at all (a composite's children are options), so a first push to sections, whose
    "before" has none, computes its "after" alone. At least one side, for an empty table."""
    cursor.execute(
        f"""SELECT {
            ", ".join(
                f"EXISTS (SELECT 1 FROM sections_sectiongradecalcoption g WHERE g.section_id = ANY(%(sections)s) "
                f"AND {_not_dropped(p, 'gco', 'g.id')}) OR EXISTS (SELECT 1 FROM pg_temp.{SETUP_TABLE} "
                f"WHERE side = '{p}' AND tab = 'gco' AND NOT dropped AND section_id = ANY(%(sections)s))"
                for p in ("b", "a")
            )
        }""",
        params,
    )
    found = tuple(p for p, has in zip(("b", "a"), cursor.fetchone(), strict=True) if has)
    return found or ("a",)


def _moved_sql(sides: tuple[str, ...]) -> str:
    """The statement that fills ``MOVED_TABLE``: ids, percents, letters and the numbers the rows
    are ordered by; the names are joined when the rows are read (``_MOVED_SELECT``), not for every
    row stored."""
    if len(sides) == 2:
        moved = f"""differ AS (
    SELECT COALESCE(b.section_id, a.section_id) AS section_id, COALESCE(b.student, a.student) AS student,
           COALESCE(b.item_id, a.item_id) AS item_id, COALESCE(b.term, a.term) AS term,
           b.percent AS before_percent, a.percent AS after_percent, b.scale_id AS before_scale,
           a.scale_id AS after_scale
    FROM b_final b
    FULL JOIN a_final a ON a.section_id = b.section_id AND a.student = b.student
                       AND a.item_id = b.item_id AND a.term = b.term
    WHERE b.percent IS DISTINCT FROM a.percent OR b.scale_id IS DISTINCT FROM a.scale_id
),
moved AS (
    SELECT d.section_id, d.student, d.item_id, d.term, d.before_percent, d.after_percent,
           COALESCE(lb.grade, '') AS before_letter, COALESCE(la.grade, '') AS after_letter
    FROM differ d
    {_letter_join("lb", "d.before_percent", "d.before_scale")}
    {_letter_join("la", "d.after_percent", "d.after_scale")}
    WHERE d.before_percent IS DISTINCT FROM d.after_percent OR lb.grade IS DISTINCT FROM la.grade
)"""
    else:
        # One side has no grade: each grade of the other appears or goes.
        (p,) = sides
        percents = "NULL::numeric, g.percent" if p == "a" else "g.percent, NULL::numeric"
        letters = "'', COALESCE(l.grade, '')" if p == "a" else "COALESCE(l.grade, ''), ''"
        columns = "section_id, student, item_id, term, before_percent, after_percent, before_letter, after_letter"
        moved = f"""moved ({columns}) AS (
    SELECT g.section_id, g.student, g.item_id, g.term, {percents}, {letters}
    FROM {p}_final g {_letter_join("l", "g.percent", "g.scale_id")}
)"""
    return f"""CREATE TEMPORARY TABLE {MOVED_TABLE} AS
WITH {_pipeline(sides=sides, copied=True)},
{moved},
section_rank AS (
    SELECT s.id AS section_id, row_number() OVER (ORDER BY sch.number, y.name, c.number, s.number) AS section_rank
    FROM sections_section s
    JOIN courses_course c ON c.id = s.course_id
    JOIN catalog_calendar cal ON cal.id = c.calendar_id
    JOIN catalog_school sch ON sch.id = cal.school_id
    JOIN catalog_schoolyear y ON y.id = cal.year_id
    WHERE s.id = ANY(%(sections)s)
),
item_rank AS (
    SELECT id AS item_id, row_number() OVER (ORDER BY kind, code) AS item_rank FROM catalog_gradingitem
)
SELECT g.section_id, g.student, g.item_id, g.term, g.before_percent, g.after_percent, g.before_letter,
       g.after_letter, (pg.id IS NOT NULL AND pg.grade <> g.after_letter) AS posted_differs,
       sr.section_rank, ir.item_rank, tp.ord AS term_ord
FROM moved g
JOIN section_rank sr ON sr.section_id = g.section_id
JOIN item_rank ir ON ir.item_id = g.item_id
LEFT JOIN term_pos tp ON tp.section_id = g.section_id AND tp.term = g.term
LEFT JOIN (SELECT * FROM sections_postedgrade WHERE section_id = ANY(%(sections)s)) pg
       ON pg.section_id = g.section_id AND pg.item_id = g.item_id AND pg.term = g.term AND pg.student = g.student"""


def moved_grades_drop() -> None:
    """Drop the table of the last ``grade_changes_store`` (its rows are then refused)."""
    _generation["n"] += 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{MOVED_TABLE}")


def _moved_summary() -> GradeImpactSummary:
    delta = "(after_percent - before_percent)"
    buckets = []
    for _, low, high in CHANGE_BUCKETS:
        bounds = [f"{delta} >= {low}" if low is not None else "", f"{delta} < {high}" if high is not None else ""]
        buckets.append("count(*) FILTER (WHERE " + " AND ".join(b for b in bounds if b) + ")")
    letters_move = "before_letter <> after_letter AND before_letter <> '' AND after_letter <> ''"
    sql = f"""SELECT count(DISTINCT section_id), count(DISTINCT student),
       count(*) FILTER (WHERE {letters_move} AND after_percent > before_percent),
       count(*) FILTER (WHERE {letters_move} AND after_percent < before_percent),
       count(*), count(*) FILTER (WHERE before_percent IS NULL), count(*) FILTER (WHERE after_percent IS NULL),
       {", ".join(buckets)},
       (SELECT COALESCE(jsonb_agg(jsonb_build_array(bl, al, n) ORDER BY n DESC, bl, al), '[]')
        FROM (SELECT before_letter AS bl, after_letter AS al, count(*) AS n FROM {MOVED_TABLE}
              WHERE before_letter <> after_letter GROUP BY 1, 2) m)
FROM {MOVED_TABLE}"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    moves = row[-1] if isinstance(row[-1], list) else json.loads(row[-1])
    return GradeImpactSummary(
        sections_changed=row[0],
        students_affected=row[1],
        letters_up=row[2],
        letters_down=row[3],
        grades=row[4],
        grades_new=row[5],
        grades_gone=row[6],
        buckets=[(label, n) for (label, _, _), n in zip(CHANGE_BUCKETS, row[7:-1], strict=True)],
        letter_moves=[(b, a, n) for b, a, n in moves],
    )


class PagedGrades(Sequence):
    """Grade changes read from PostgreSQL when asked, ``count`` of them in order: a slice is one
    query (``_page``), a loop reads them a few thousand at a time (``__iter__``)."""

    def __init__(self, count: int):
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _page(self, start: int, stop: int) -> list[GradeChange]:
        raise NotImplementedError

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step != 1:
                return list(self)[index]
            if stop <= start:
                return []
            return self._page(start, stop)
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self[index : index + 1][0]


class MovedGrades(PagedGrades):
    """The rows of the last ``grade_changes_store`` of this connection, in order (school, course,
    section, student, item, term)."""

    def __init__(self, count: int):
        super().__init__(count)
        self._generation = _generation["n"]

    def _check(self) -> None:
        if self._generation != _generation["n"]:
            raise RuntimeError("these grade changes were replaced by a later grade impact on this connection")

    def _select(self, limit: int | None = None, offset: int = 0) -> str:
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        tail += f" OFFSET {int(offset)}" if offset else ""
        return f"SELECT {_MOVED_COLUMNS} FROM {_MOVED_NAMED} ORDER BY {_MOVED_ORDER}{tail}"

    def _page(self, start: int, stop: int) -> list[GradeChange]:
        self._check()
        with connection.cursor() as cursor:
            cursor.execute(self._select(stop - start, start))
            return [GradeChange(*row) for row in cursor.fetchall()]

    def __iter__(self):
        if not self._count:
            return
        self._check()
        with transaction.atomic(savepoint=False):
            cursor = connection.chunked_cursor()
            try:
                cursor.execute(self._select())
                while batch := cursor.fetchmany(2000):
                    for row in batch:
                        yield GradeChange(*row)
            finally:
                cursor.close()

    def __eq__(self, other) -> bool:
        if isinstance(other, MovedGrades | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None


_FORMULA_STARTS_SQL = "'=', '+', '-', '@', chr(9), chr(13)"


def _safe_text(column: str) -> str:
    """SQL for a text cell as ``catalog.spreadsheets.cell_text`` makes it (a leading ' before what a
    spreadsheet reads as a formula); NULL, an empty cell, for empty text."""
    return (
        f"CASE WHEN left({column}, 1) IN ({_FORMULA_STARTS_SQL}) THEN chr(39) || {column} ELSE NULLIF({column}, '') END"
    )


def moved_grades_copy_csv(out: IO[str], header: tuple[str, ...]) -> None:
    """The moved grades as cli.md's grade impact CSV, written by PostgreSQL (COPY) straight to ``out``
    after a header row: one query, nothing held in Python."""
    columns = [_safe_text(c) for c in ("school", "calendar", "course", "section", "teacher", "student", "item", "term")]
    columns += ["before_percent", "after_percent", _safe_text("before_letter"), _safe_text("after_letter")]
    columns.append("CASE WHEN posted_differs THEN 'true' ELSE 'false' END")
    csv.writer(out).writerow(header)
    sql = f"COPY (SELECT {', '.join(columns)} FROM {_MOVED_NAMED} ORDER BY {_MOVED_ORDER}) TO STDOUT (FORMAT csv)"
    with _planner_settings() as cursor, cursor.copy(sql) as copy:
        for data in copy:
            out.write(bytes(data).decode("utf-8"))
