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

import json
from dataclasses import dataclass, field
from decimal import Decimal

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


def _sources(p: str) -> str:
    parts = []
    for table, (db_table, columns) in _SETUP.items():
        names = ", ".join(c for c, _ in columns)
        typed = ", ".join(f"{c} {t}" for c, t in columns)
        parts.append(
            f"""{p}_{table} AS (
    SELECT {names} FROM {db_table}
    WHERE section_id = ANY(%(sections)s) AND id <> ALL(%({p}_{table}_drop)s::bigint[])
    UNION ALL
    SELECT {names} FROM jsonb_to_recordset(%({p}_{table}_add)s::jsonb) AS x({typed})
    WHERE section_id = ANY(%(sections)s)
)"""
        )
    return ",\n".join(parts)


_SHARED = """
scored AS (
    SELECT a.section_id, a.id AS assignment_id, a.category_id, a.term AS a_term, ai.gradingitem_id AS item_id,
           s.student, CAST(s.score AS numeric(40, 30)) AS score, CAST(a.points AS numeric(40, 30)) AS points
    FROM sections_assignment a
    JOIN sections_assignment_items ai ON ai.assignment_id = a.id
    JOIN sections_score s ON s.assignment_id = a.id
    WHERE a.section_id = ANY(%(sections)s) AND s.score IS NOT NULL
),
bands AS (
    SELECT gs.id AS scale_id, b.value ->> 'grade' AS grade, (b.value ->> 'min')::numeric AS minimum
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


def _grade_ctes(p: str) -> str:
    """The CTEs that end in ``{p}_grades`` (section_id, student, item_id, term, percent, letter)."""
    return (
        _sources(p)
        + f""",
{p}_counted AS (
    SELECT o.id AS option_id, sc.student, sc.assignment_id, sc.category_id, c.drop_lowest,
           c.weight, sc.score, sc.points, sc.score / NULLIF(sc.points, 0) AS ratio
    FROM {p}_gco o
    JOIN scored sc ON sc.section_id = o.section_id AND sc.item_id = o.item_id
                  AND (sc.a_term = o.term OR sc.a_term = '')
    LEFT JOIN {p}_cat c ON c.id = sc.category_id
    WHERE o.calculation <> 'no_calculation' AND NOT o.read_only
      AND (sc.category_id IS NULL OR NOT c.excluded)
      AND (sc.category_id IS NULL OR c.id IS NOT NULL)
),
{p}_ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY option_id, student, category_id
                              ORDER BY ratio NULLS LAST, assignment_id) AS low_rank,
           count(*) OVER (PARTITION BY option_id, student, category_id) AS in_category
    FROM {p}_counted
),
{p}_kept AS (
    SELECT * FROM {p}_ranked
    WHERE category_id IS NULL OR in_category <= drop_lowest OR low_rank > drop_lowest
),
{p}_flat AS (
    SELECT option_id, student, avg(ratio) AS mean_ratio, sum(score) / NULLIF(sum(points), 0) AS sum_ratio
    FROM {p}_kept GROUP BY option_id, student
),
{p}_by_category AS (
    SELECT option_id, student, category_id, max(weight) AS weight,
           avg(ratio) AS mean_ratio, sum(score) / NULLIF(sum(points), 0) AS sum_ratio
    FROM {p}_kept WHERE category_id IS NOT NULL GROUP BY option_id, student, category_id
),
{p}_weighted AS (
    SELECT b.option_id, b.student,
           sum(b.weight * CASE WHEN o.use_score_percent THEN b.mean_ratio ELSE b.sum_ratio END)
             / NULLIF(sum(b.weight), 0) AS ratio
    FROM {p}_by_category b JOIN {p}_gco o ON o.id = b.option_id
    WHERE (CASE WHEN o.use_score_percent THEN b.mean_ratio ELSE b.sum_ratio END) IS NOT NULL
    GROUP BY b.option_id, b.student
),
{p}_option_grade AS (
    SELECT o.section_id, o.item_id, o.term, o.grading_scale_id, f.student,
           round(round(100 * CASE
               WHEN o.calculation = 'proficiency_estimate' THEN f.mean_ratio
               WHEN o.weight_categories THEN w.ratio
               WHEN o.use_score_percent THEN f.mean_ratio
               ELSE f.sum_ratio END, 20), 2) AS percent
    FROM {p}_gco o
    JOIN {p}_flat f ON f.option_id = o.id
    LEFT JOIN {p}_weighted w ON w.option_id = o.id AND w.student = f.student
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
    WHERE g.percent IS NOT NULL
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
{p}_percent AS (
    SELECT g.section_id, g.student, g.item_id, g.term, g.percent, g.grading_scale_id
    FROM {p}_option_grade g
    WHERE g.percent IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM {p}_comp cp WHERE cp.section_id = g.section_id AND cp.parent_id = g.item_id)
    UNION ALL
    SELECT cg.section_id, cg.student, cg.parent_id, COALESCE(po.term, ''), cg.percent, po.grading_scale_id
    FROM {p}_comp_grade cg
    LEFT JOIN {p}_parent_option po ON po.section_id = cg.section_id AND po.item_id = cg.parent_id
    WHERE cg.percent IS NOT NULL
      AND (po.section_id IS NULL OR (po.calculation <> 'no_calculation' AND NOT po.read_only))
),
{p}_grades AS (
    SELECT DISTINCT ON (g.section_id, g.student, g.item_id, g.term)
           g.section_id, g.student, g.item_id, g.term, g.percent, b.grade AS letter
    FROM {p}_percent g
    LEFT JOIN bands b ON b.scale_id = g.grading_scale_id AND b.minimum <= g.percent
    ORDER BY g.section_id, g.student, g.item_id, g.term, b.minimum DESC NULLS LAST
)"""
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
# this size took 15 s of the 15.3 s it ran (EXPLAIN ANALYZE, 30 sections).
_PLANNER = ("enable_nestloop", "enable_mergejoin", "jit")


def _fetch(sql: str, params: dict) -> list[tuple]:
    """Run a grade statement with nested loops and merge joins off while it plans (three queries).

    Its CTEs and JSON rows carry no statistics, and right after an import or a push neither do
    the tables: a plan chosen on those estimates reads every score once per grade calc option
    (measured: 40 s to 200 s for 30 to 60 sections). Hash joins over the sections' rows cost the
    same whatever the estimates say (as pushjobs.engine.settled does for its check)."""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT "
            + ", ".join(f"current_setting('{n}')" for n in _PLANNER)
            + ", "
            + ", ".join(f"set_config('{n}', 'off', true)" for n in _PLANNER)
        )
        before = cursor.fetchone()[: len(_PLANNER)]
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.execute("SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in _PLANNER), list(before))


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
    params = {"sections": list(section_ids), "student": student, **SetupOverrides().params("g")}
    sql = f"""WITH {_SHARED}, {_grade_ctes("g")}
SELECT {_NAME_COLUMNS}, g.percent, COALESCE(g.letter, ''), g.section_id
FROM g_grades g {_NAMES}
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


def grade_changes(*, section_ids: list[int], before: SetupOverrides, after: SetupOverrides) -> list[GradeChange]:
    """R82: every student, item and term of these sections whose percent or letter differs between
    the setup ``before`` and the setup ``after`` (each: the stored setup with its overrides), with
    ``posted_differs`` when a posted grade for that student, item and term differs from the new
    letter. Three queries."""
    if not section_ids:
        return []
    params = {"sections": list(section_ids), **before.params("b"), **after.params("a")}
    sql = f"""WITH {_SHARED}, {_grade_ctes("b")}, {_grade_ctes("a")},
moved AS (
    SELECT COALESCE(b.section_id, a.section_id) AS section_id, COALESCE(b.student, a.student) AS student,
           COALESCE(b.item_id, a.item_id) AS item_id, COALESCE(b.term, a.term) AS term,
           b.percent AS before_percent, a.percent AS after_percent,
           COALESCE(b.letter, '') AS before_letter, COALESCE(a.letter, '') AS after_letter
    FROM b_grades b
    FULL JOIN a_grades a ON a.section_id = b.section_id AND a.student = b.student
                        AND a.item_id = b.item_id AND a.term = b.term
    WHERE b.percent IS DISTINCT FROM a.percent OR b.letter IS DISTINCT FROM a.letter
)
SELECT {_NAME_COLUMNS}, g.before_percent, g.after_percent, g.before_letter, g.after_letter,
       (pg.id IS NOT NULL AND pg.grade <> g.after_letter), g.section_id
FROM moved g {_NAMES}
LEFT JOIN sections_postedgrade pg ON pg.section_id = g.section_id AND pg.item_id = g.item_id
                                 AND pg.term = g.term AND pg.student = g.student
ORDER BY {_ORDER}"""
    return [GradeChange(*row) for row in _fetch(sql, params)]


@dataclass
class GradeImpactSummary:
    """R82's summary: sections with a change, students affected, letter grades up and down."""

    sections_changed: int = 0
    students_affected: int = 0
    letters_up: int = 0
    letters_down: int = 0

    def line(self) -> str:
        return (
            f"grade impact: {self.sections_changed} sections, {self.students_affected} students, "
            f"{self.letters_up} letters up, {self.letters_down} letters down"
        )


def grade_changes_summary(changes: list[GradeChange]) -> GradeImpactSummary:
    """A letter goes up or down with its percent (bands are ordered by their minimums); a letter that
    appears or goes away counts neither way."""
    summary = GradeImpactSummary(
        sections_changed=len({c.section_id for c in changes}),
        students_affected=len({c.student for c in changes}),
    )
    for c in changes:
        if c.before_letter == c.after_letter or not c.before_letter or not c.after_letter:
            continue
        if c.before_percent is None or c.after_percent is None:
            continue
        if c.after_percent > c.before_percent:
            summary.letters_up += 1
        elif c.after_percent < c.before_percent:
            summary.letters_down += 1
    return summary
