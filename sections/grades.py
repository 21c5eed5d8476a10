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
    rows left out and the rows put in (dicts of the columns in ``_SETUP``; an id may be None for
    a row that does not exist yet)."""

    drop: dict[str, list[int]] = field(default_factory=lambda: {t: [] for t in _SETUP})
    add: dict[str, list[dict]] = field(default_factory=lambda: {t: [] for t in _SETUP})

    def params(self, prefix: str) -> dict:
        out = {}
        for table in _SETUP:
            out[f"{prefix}_{table}_drop"] = list(self.drop[table])
            out[f"{prefix}_{table}_add"] = json.dumps(self.add[table], default=str)
        return out


# The rows a change of setup puts in, as grade_changes_store copies them in (COPY: no JSON text
# of a whole district's setup held in Python and quoted into the statement): one temporary table
# for both sides and the three setup tables, with the union of their columns.
SETUP_TABLE = "grade_impact_setup"
_SETUP_COLUMNS = list(dict.fromkeys(c for _, columns in _SETUP.values() for c in columns))


def _sources(p: str, *, empty: bool = False, copied: bool = False) -> str:
    """One side's setup: the stored rows of the sections less those dropped, plus those added
    (from the JSON parameters, or ``copied`` into ``SETUP_TABLE``; ``empty``: no rows, for a side
    that is not asked for)."""
    parts = []
    for table, (db_table, columns) in _SETUP.items():
        names = ", ".join(c for c, _ in columns)
        typed = ", ".join(f"{c} {t}" for c, t in columns)
        if empty:
            parts.append(f"{p}_{table} AS (SELECT {names} FROM {db_table} WHERE false)")
            continue
        if copied:
            added = f"SELECT {names} FROM pg_temp.{SETUP_TABLE} x WHERE side = '{p}' AND tab = '{table}'"
        else:
            added = f"SELECT {names} FROM jsonb_to_recordset(%({p}_{table}_add)s::jsonb) AS x({typed}) WHERE true"
        parts.append(
            f"""{p}_{table} AS (
    SELECT {names} FROM {db_table}
    WHERE section_id = ANY(%(sections)s) AND id <> ALL(%({p}_{table}_drop)s::bigint[])
    UNION ALL
    {added} AND section_id = ANY(%(sections)s)
)"""
        )
    return ",\n".join(parts)


def _setup_copy(cursor, sides: dict[str, SetupOverrides]) -> None:
    """Copy the rows each side puts in into ``SETUP_TABLE`` (three queries)."""
    typed = ", ".join(f"{c} {t}" for c, t in _SETUP_COLUMNS)
    cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{SETUP_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {SETUP_TABLE} (side text, tab text, {typed})")
    names = ", ".join(c for c, _ in _SETUP_COLUMNS)
    with cursor.copy(f"COPY {SETUP_TABLE} (side, tab, {names}) FROM STDIN") as copy:
        for p, overrides in sides.items():
            for table, rows in overrides.add.items():
                for row in rows:
                    values = [p, table]
                    for c, t in _SETUP_COLUMNS:
                        v = row.get(c)
                        values.append(json.dumps(v, default=str) if t == "jsonb" and v is not None else v)
                    copy.write_row(values)


def _setup_pairs() -> str:
    """Each grade calc option and category of the sections with its values on both sides
    (``b_`` before, ``a_`` after; NULL where a side lacks it), so that the scores are read once."""
    return """
opt AS (
    SELECT row_number() OVER () AS oid,
           COALESCE(b.section_id, a.section_id) AS section_id, COALESCE(b.item_id, a.item_id) AS item_id,
           COALESCE(b.term, a.term) AS term,
           b.id IS NOT NULL AND b.calculation <> 'no_calculation' AND NOT b.read_only AS on_b,
           a.id IS NOT NULL AND a.calculation <> 'no_calculation' AND NOT a.read_only AS on_a,
           b.calculation = 'proficiency_estimate' AS pe_b, a.calculation = 'proficiency_estimate' AS pe_a,
           b.weight_categories AS wc_b, a.weight_categories AS wc_a,
           b.use_score_percent AS usp_b, a.use_score_percent AS usp_a,
           b.grading_scale_id AS scale_b, a.grading_scale_id AS scale_a
    FROM b_gco b
    FULL JOIN a_gco a ON a.section_id = b.section_id AND a.item_id = b.item_id AND a.term = b.term
),
cat AS (
    SELECT COALESCE(b.id, a.id) AS id, b.id IS NOT NULL AND NOT b.excluded AS in_b,
           a.id IS NOT NULL AND NOT a.excluded AS in_a, b.weight AS w_b, a.weight AS w_a,
           COALESCE(b.drop_lowest, 0) AS d_b, COALESCE(a.drop_lowest, 0) AS d_a
    FROM b_cat b FULL JOIN a_cat a ON a.id = b.id
),
counting AS (
    SELECT o.oid, a.id AS assignment_id, a.category_id, a.points,
           o.on_b AND (a.category_id IS NULL OR c.in_b) AS cb,
           o.on_a AND (a.category_id IS NULL OR c.in_a) AS ca,
           CASE WHEN a.category_id IS NULL THEN 0 ELSE c.d_b END AS d_b,
           CASE WHEN a.category_id IS NULL THEN 0 ELSE c.d_a END AS d_a,
           c.w_b, c.w_a, o.usp_b, o.usp_a,
           (o.pe_b OR o.usp_b OR o.pe_a OR o.usp_a OR COALESCE(c.d_b, 0) > 0 OR COALESCE(c.d_a, 0) > 0) AS ratio_needed
    FROM sections_assignment a
    CROSS JOIN LATERAL (
        SELECT ai.gradingitem_id FROM sections_assignment_items ai WHERE ai.assignment_id = a.id OFFSET 0
    ) ai
    JOIN opt o ON o.section_id = a.section_id AND o.item_id = ai.gradingitem_id
    LEFT JOIN cat c ON c.id = a.category_id
    WHERE a.section_id = ANY(%(sections)s) AND (a.term = o.term OR a.term = '')
),
counted AS (
    SELECT k.oid, s.student, k.assignment_id, k.category_id, k.cb, k.ca, k.d_b, k.d_a, s.score, k.points,
           k.w_b, k.w_a, k.usp_b, k.usp_a,
           CASE WHEN k.ratio_needed THEN CAST(s.score AS numeric(40, 30)) / NULLIF(CAST(k.points AS numeric(40, 30)), 0)
           END AS ratio
    FROM counting k
    CROSS JOIN LATERAL (
        SELECT s.student, s.score FROM sections_score s WHERE s.assignment_id = k.assignment_id AND s.score IS NOT NULL
        OFFSET 0
    ) s
    WHERE k.cb OR k.ca
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY oid, student, category_id
                              ORDER BY ratio NULLS LAST, assignment_id) AS low_rank,
           count(*) OVER (PARTITION BY oid, student, category_id) AS in_category
    FROM counted WHERE d_b > 0 OR d_a > 0
),
kept AS (
    SELECT oid, student, category_id, w_b, w_a, usp_b, usp_a, score, points, ratio,
           cb AND (in_category <= d_b OR low_rank > d_b) AS kb, ca AND (in_category <= d_a OR low_rank > d_a) AS ka
    FROM ranked
    UNION ALL
    SELECT oid, student, category_id, w_b, w_a, usp_b, usp_a, score, points, ratio, cb, ca
    FROM counted WHERE d_b = 0 AND d_a = 0
),
by_category AS (
    SELECT oid, student, category_id, w_b, w_a, usp_b, usp_a,
           sum(score) FILTER (WHERE kb) AS s_b, sum(points) FILTER (WHERE kb) AS p_b,
           sum(ratio) FILTER (WHERE kb) AS r_b, count(ratio) FILTER (WHERE kb) AS n_b, bool_or(kb) AS any_b,
           sum(score) FILTER (WHERE ka) AS s_a, sum(points) FILTER (WHERE ka) AS p_a,
           sum(ratio) FILTER (WHERE ka) AS r_a, count(ratio) FILTER (WHERE ka) AS n_a, bool_or(ka) AS any_a
    FROM kept GROUP BY oid, student, category_id, w_b, w_a, usp_b, usp_a
),
category_percent AS (
    SELECT g.*,
           CASE WHEN g.usp_b THEN g.r_b / NULLIF(g.n_b, 0)
                ELSE CAST(g.s_b AS numeric(40, 30)) / NULLIF(CAST(g.p_b AS numeric(40, 30)), 0) END AS pct_b,
           CASE WHEN g.usp_a THEN g.r_a / NULLIF(g.n_a, 0)
                ELSE CAST(g.s_a AS numeric(40, 30)) / NULLIF(CAST(g.p_a AS numeric(40, 30)), 0) END AS pct_a
    FROM by_category g
),
per_student AS (
    SELECT oid, student,
           bool_or(any_b) AS any_b, bool_or(any_a) AS any_a,
           sum(r_b) / NULLIF(sum(n_b), 0) AS mean_b, sum(r_a) / NULLIF(sum(n_a), 0) AS mean_a,
           CAST(sum(s_b) AS numeric(40, 30)) / NULLIF(CAST(sum(p_b) AS numeric(40, 30)), 0) AS sum_b,
           CAST(sum(s_a) AS numeric(40, 30)) / NULLIF(CAST(sum(p_a) AS numeric(40, 30)), 0) AS sum_a,
           sum(w_b * pct_b) FILTER (WHERE category_id IS NOT NULL AND pct_b IS NOT NULL)
             / NULLIF(sum(w_b) FILTER (WHERE category_id IS NOT NULL AND pct_b IS NOT NULL), 0) AS weighted_b,
           sum(w_a * pct_a) FILTER (WHERE category_id IS NOT NULL AND pct_a IS NOT NULL)
             / NULLIF(sum(w_a) FILTER (WHERE category_id IS NOT NULL AND pct_a IS NOT NULL), 0) AS weighted_a
    FROM category_percent GROUP BY oid, student
),
option_grade AS (
    SELECT o.section_id, o.item_id, o.term, o.scale_b, o.scale_a, p.student,
           CASE WHEN o.on_b AND p.any_b THEN round(round(100 * CASE
               WHEN o.pe_b THEN p.mean_b WHEN o.wc_b THEN p.weighted_b WHEN o.usp_b THEN p.mean_b ELSE p.sum_b
               END, 20), 2) END AS percent_b,
           CASE WHEN o.on_a AND p.any_a THEN round(round(100 * CASE
               WHEN o.pe_a THEN p.mean_a WHEN o.wc_a THEN p.weighted_a WHEN o.usp_a THEN p.mean_a ELSE p.sum_a
               END, 20), 2) END AS percent_a
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
{p}_child AS (
    SELECT cp.section_id, cp.parent_id, gi.id AS child_item_id, (ch.value ->> 'weight')::numeric AS weight
    FROM {p}_comp cp
    CROSS JOIN LATERAL jsonb_array_elements(cp.children) AS ch(value)
    JOIN catalog_gradingitem gi
      ON gi.kind = split_part(ch.value ->> 'item', ':', 1)
     AND gi.code = substr(ch.value ->> 'item', length(split_part(ch.value ->> 'item', ':', 1)) + 2)
),
{p}_child_grade AS (
    SELECT DISTINCT ON (ch.section_id, ch.parent_id, ch.child_item_id, g.student)
           ch.section_id, ch.parent_id, ch.weight, g.student, g.percent
    FROM {p}_child ch
    JOIN {p}_option_grade g ON g.section_id = ch.section_id AND g.item_id = ch.child_item_id
    LEFT JOIN term_pos tp ON tp.section_id = g.section_id AND tp.term = g.term
    ORDER BY ch.section_id, ch.parent_id, ch.child_item_id, g.student, tp.ord DESC NULLS LAST, g.term DESC
),
{p}_comp_grade AS (
    SELECT section_id, parent_id, student,
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


def _pipeline(*, before: bool, copied: bool = False) -> str:
    """Every CTE up to ``a_final`` (and ``b_final``): the grades of R81 on both sides at once.
    Without ``before`` the "before" side is empty (the stored grades alone)."""
    return (
        _sources("b", empty=not before, copied=copied)
        + ",\n"
        + _sources("a", copied=copied)
        + ",\n"
        + _SHARED
        + ",\n"
        + _setup_pairs()
        + ",\n"
        + _composite_ctes("b")
        + ",\n"
        + _composite_ctes("a")
    )


# Names as people read them, for the command, the page and the impact rows.
_NAMES = """
JOIN sections_section s ON s.id = g.section_id
JOIN courses_course c ON c.id = s.course_id
JOIN catalog_calendar cal ON cal.id = c.calendar_id
JOIN catalog_school sch ON sch.id = cal.school_id
JOIN catalog_schoolyear y ON y.id = cal.year_id
JOIN catalog_gradingitem gi ON gi.id = g.item_id
LEFT JOIN catalog_user t ON t.id = s.teacher_id
LEFT JOIN term_pos tp ON tp.section_id = g.section_id AND tp.term = g.term"""
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
# sums of a district's scores spilled to disk in batches at the default 4 MB.
_PLANNER = {"enable_nestloop": "off", "enable_mergejoin": "off", "jit": "off", "work_mem": "256MB"}


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
    sql = f"""WITH {_pipeline(before=False)}
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
# By numbers where it can (sections and items ranked once, in SQL): a sort of a million rows by
# their names compared each as text in the database's collation took over a minute.
_MOVED_ORDER = 'section_rank, student COLLATE "C", item_rank, term_ord NULLS LAST, term COLLATE "C"'
_generation = {"n": 0}

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
    params = {"sections": list(section_ids)}
    for p, overrides in (("b", before), ("a", after)):
        params.update({f"{p}_{table}_drop": list(overrides.drop[table]) for table in _SETUP})
    sql = f"""CREATE TEMPORARY TABLE {MOVED_TABLE} AS
WITH {_pipeline(before=True, copied=True)},
differ AS (
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
    SELECT d.*, COALESCE(lb.grade, '') AS before_letter, COALESCE(la.grade, '') AS after_letter
    FROM differ d
    {_letter_join("lb", "d.before_percent", "d.before_scale")}
    {_letter_join("la", "d.after_percent", "d.after_scale")}
    WHERE d.before_percent IS DISTINCT FROM d.after_percent OR lb.grade IS DISTINCT FROM la.grade
),
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
SELECT sch.number || ' ' || sch.name AS school, y.name AS calendar, c.number AS course, s.number AS section,
       COALESCE(t.username, '') AS teacher, g.student, gi.kind || ':' || gi.code AS item, g.term,
       g.before_percent, g.after_percent, g.before_letter, g.after_letter,
       (pg.id IS NOT NULL AND pg.grade <> g.after_letter) AS posted_differs, g.section_id,
       sr.section_rank, ir.item_rank, tp.ord AS term_ord
FROM moved g {_NAMES}
JOIN section_rank sr ON sr.section_id = g.section_id
JOIN item_rank ir ON ir.item_id = g.item_id
LEFT JOIN (SELECT * FROM sections_postedgrade WHERE section_id = ANY(%(sections)s)) pg
       ON pg.section_id = g.section_id AND pg.item_id = g.item_id AND pg.term = g.term AND pg.student = g.student"""
    _generation["n"] += 1
    with _planner_settings() as cursor:
        _setup_copy(cursor, {"b": before, "a": after})
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{MOVED_TABLE}")
        cursor.execute(sql, params)
        cursor.execute(f"DROP TABLE pg_temp.{SETUP_TABLE}")
    return _moved_summary()


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


class MovedGrades(Sequence):
    """The rows of the last ``grade_changes_store`` of this connection, in order (school, course,
    section, student, item, term), read from PostgreSQL when asked: a slice is one query, a loop
    reads them a few thousand at a time."""

    def __init__(self, count: int):
        self._count = count
        self._generation = _generation["n"]

    def _check(self) -> None:
        if self._generation != _generation["n"]:
            raise RuntimeError("these grade changes were replaced by a later grade impact on this connection")

    def __len__(self) -> int:
        return self._count

    def _select(self, limit: int | None = None, offset: int = 0) -> str:
        tail = f" LIMIT {int(limit)}" if limit is not None else ""
        tail += f" OFFSET {int(offset)}" if offset else ""
        return f"SELECT {_MOVED_COLUMNS} FROM {MOVED_TABLE} ORDER BY {_MOVED_ORDER}{tail}"

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step != 1:
                return list(self)[index]
            if stop <= start:
                return []
            self._check()
            with connection.cursor() as cursor:
                cursor.execute(self._select(stop - start, start))
                return [GradeChange(*row) for row in cursor.fetchall()]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self[index : index + 1][0]

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
    sql = f"COPY (SELECT {', '.join(columns)} FROM {MOVED_TABLE} ORDER BY {_MOVED_ORDER}) TO STDOUT (FORMAT csv)"
    with _planner_settings() as cursor, cursor.copy(sql) as copy:
        for data in copy:
            out.write(bytes(data).decode("utf-8"))
