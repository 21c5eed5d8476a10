"""R81: the set-based SQL agrees with a slow, obvious Python reading of the rule (exact fractions)
on generated sections: categories with weights, drops and exclusions, options of every kind,
a composite, assignments with and without a category or term, missing scores and extra credit."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import floor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.district import district_import
from sections.grades import section_grades
from sections.models import Assignment, Section

from .test_r81_grades import A_F, doc

TERMS = ["Q1", "Q2", "Q3", "Q4"]
ITEMS = ["task:Q1G", "task:Q2G", "task:S1"]
STUDENTS = ["s1", "s2", "s3"]
CATEGORY_NAMES = ["Homework", "Tests", "Labs"]


@st.composite
def sections(draw):
    n_cats = draw(st.integers(1, 3))
    categories = [
        (
            CATEGORY_NAMES[i],
            str(draw(st.integers(0, 60))),  # weight
            draw(st.integers(0, 2)),
            draw(st.booleans()) and draw(st.booleans()),
        )
        for i in range(n_cats)
    ]
    gcos, seen = [], set()
    for n in range(draw(st.integers(1, 5))):
        # the first option is the one most assignments are aligned to, so that drops and weights matter
        item = "task:Q1G" if n == 0 else draw(st.sampled_from(ITEMS))
        term = "Q1" if n == 0 else draw(st.sampled_from(TERMS[:3]))
        if (item, term) in seen:
            continue
        seen.add((item, term))
        gcos.append(
            {
                "item": item,
                "term": term,
                "calculation": draw(
                    st.sampled_from(["in_progress", "in_progress", "proficiency_estimate", "no_calculation"])
                ),
                "grading_scale": draw(st.sampled_from(["A-F", "plain", None])),
                "weight_categories": draw(st.booleans()),
                "use_score_percent": draw(st.booleans()),
                "read_only": draw(st.integers(0, 5)) == 0,
            }
        )
    assignments = []
    for _ in range(draw(st.integers(3, 12))):
        category = draw(st.sampled_from([None] + [c[0] for c in categories] * 3))
        item = draw(st.sampled_from(["task:Q1G", "task:Q1G", "task:Q2G", "task:S1"]))
        term = draw(st.sampled_from(["Q1", "Q1", "Q2", "Q3", ""]))
        points = draw(st.sampled_from(["0", "1", "3", "4", "7", "10", "12.5", "20"]))
        scores = []
        for student in STUDENTS:
            score = draw(st.sampled_from([None, "2.5", "9.75"]) | st.integers(0, 25).map(str))
            if draw(st.integers(0, 5)) > 0:
                scores.append((student, score))
        assignments.append((category, item, term, points, scores))
    composites = []
    if draw(st.booleans()):
        children = draw(st.lists(st.sampled_from(["task:Q1G", "task:Q2G"]), min_size=1, max_size=2, unique=True))
        composites.append(("task:S1", [(c, str(draw(st.integers(0, 5)))) for c in children]))
    return doc(categories, gcos, assignments, composites)


def _round(x: Fraction) -> Decimal:
    """x (a percent) rounded half up to 2 decimals."""
    return Decimal(floor(x * 100 + Fraction(1, 2))) / 100


def _letter(percent: Decimal, scale) -> str:
    if scale != "A-F":
        return ""
    fitting = [b for b in A_F if Decimal(b["min"]) <= percent]
    return max(fitting, key=lambda b: Decimal(b["min"]))["grade"] if fitting else ""


def _mean(values):
    values = [v for v in values if v is not None]
    return sum(values, Fraction(0)) / len(values) if values else None


def _ratio_sum(rows):
    points = sum((p for _, p, _ in rows), Fraction(0))
    return sum((s for s, _, _ in rows), Fraction(0)) / points if points else None


def oracle(document: dict, ids: dict[str, int]) -> dict:
    section = document["sections"][0]
    cats = {c["name"]: c for c in section["categories"]}
    out = {}
    option_grades = {}  # (item, term, student) -> Decimal
    for o in section["grade_calc_options"]:
        if o["calculation"] == "no_calculation" or o.get("read_only"):
            continue
        for student in STUDENTS:
            counted = []
            for a in section["assignments"]:
                if o["item"] not in a["items"] or a["term"] not in (o["term"], ""):
                    continue
                if a["category"] is not None and cats[a["category"]]["excluded"]:
                    continue
                score = next((s["score"] for s in a["scores"] if s["student"] == student), None)
                if score is None:
                    continue
                s, p = Fraction(score), Fraction(a["points"])
                counted.append((a, s, p, s / p if p else None))
            kept = []
            for name in {a["category"] for a, *_ in counted}:
                group = [c for c in counted if c[0]["category"] == name]
                n = 0 if name is None else cats[name]["drop_lowest"]
                if len(group) > n:
                    group.sort(key=lambda c: (c[3] is None, c[3] or 0, ids[c[0]["name"]]))
                    group = group[n:]
                kept += group
            if not kept:
                continue
            rows = [(s, p, r) for _, s, p, r in kept]
            if o["calculation"] == "proficiency_estimate":
                value = _mean(r for *_, r in rows)
            elif o["weight_categories"]:
                num = den = Fraction(0)
                for name in {a["category"] for a, *_ in kept if a["category"] is not None}:
                    group = [(s, p, r) for a, s, p, r in kept if a["category"] == name]
                    pct = _mean(r for *_, r in group) if o["use_score_percent"] else _ratio_sum(group)
                    if pct is not None:
                        w = Fraction(cats[name]["weight"])
                        num, den = num + w * pct, den + w
                value = num / den if den else None
            elif o["use_score_percent"]:
                value = _mean(r for *_, r in rows)
            else:
                value = _ratio_sum(rows)
            if value is None:
                continue
            option_grades[o["item"], o["term"], student] = (_round(value * 100), o["grading_scale"])
    parents = {c["parent"]: c for c in section["composite_grades"]}
    for (item, term, student), (percent, scale) in option_grades.items():
        if item not in parents:
            out[student, item, term] = (percent, _letter(percent, scale))
    for parent, comp in parents.items():
        options = [o for o in section["grade_calc_options"] if o["item"] == parent]
        option = max(options, key=lambda o: TERMS.index(o["term"])) if options else None
        if option is not None and (option["calculation"] == "no_calculation" or option.get("read_only")):
            continue
        for student in STUDENTS:
            num = den = Fraction(0)
            for child in comp["children"]:
                found = [
                    (TERMS.index(t), g)
                    for (i, t, st_), (g, _) in option_grades.items()
                    if i == child["item"] and st_ == student
                ]
                if found:
                    w = Fraction(child["weight"])
                    num, den = num + w * Fraction(max(found)[1]), den + w
            if den:
                percent = _round(num / den)
                term = option["term"] if option else ""
                out[student, parent, term] = (percent, _letter(percent, option["grading_scale"] if option else None))
    return out


@settings(
    deadline=None,
    derandomize=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=sections())
def test_r81_sql_agrees_with_the_rule_read_slowly(db, document):
    district_import(document, replace=True)
    ids = dict(Assignment.objects.values_list("name", "pk"))
    section_ids = list(Section.objects.values_list("pk", flat=True))
    got = {(g.student, g.item, g.term): (g.percent, g.letter) for g in section_grades(section_ids=section_ids)}
    assert got == oracle(document, ids)
