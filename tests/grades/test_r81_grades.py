"""R81 in-progress grades, one hand-computed case per clause, and R80 bands on the letter."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sections.grades import section_grades
from sections.models import Section
from tests.engine.conftest import load

A_F = [{"grade": g, "min": m} for g, m in (("A", "90"), ("B", "80"), ("C", "70"), ("D", "60"), ("F", "0"))]


def doc(categories, gcos, assignments, composites=()):
    """A district with one section holding this teacher setup and data (terms Q1..Q4)."""
    return {
        "format": "district-grading/1",
        "district": {"name": "Grades"},
        "school_years": [{"name": "22-23", "start": "2022-07-01", "end": "2023-06-30"}],
        "grading_tasks": [{"code": c, "name": c} for c in ("S1", "Q1G", "Q2G", "Q3G")],
        "standards": [{"code": "ELA.W.1", "name": "Writes", "post_only": False}],
        "grading_scales": [{"name": "A-F", "bands": A_F}, {"name": "plain"}],
        "catalogs": [{"name": "HS"}],
        "schools": [{"number": "101", "name": "North High", "catalog": "HS"}],
        "calendars": [{"school": "101", "year": "22-23", "terms": ["Q1", "Q2", "Q3", "Q4"]}],
        "courses": [{"calendar": {"school": "101", "year": "22-23"}, "number": "ENG9", "name": "English 9"}],
        "sections": [
            {
                "course": {"school": "101", "year": "22-23", "number": "ENG9"},
                "number": "1",
                "categories": [
                    {"name": n, "weight": w, "sequence": i, "drop_lowest": d, "excluded": x}
                    for i, (n, w, d, x) in enumerate(categories)
                ],
                "grade_calc_options": list(gcos),
                "composite_grades": [
                    {"parent": p, "children": [{"item": i, "weight": w} for i, w in ch]} for p, ch in composites
                ],
                "assignments": [
                    {
                        "name": f"A{i}",
                        "category": cat,
                        "items": [item],
                        "term": term,
                        "points": points,
                        "scores": [{"student": st, "score": sc, "comment": ""} for st, sc in scores],
                    }
                    for i, (cat, item, term, points, scores) in enumerate(assignments)
                ],
            }
        ],
    }


def opt(item="task:Q1G", term="Q1", calculation="in_progress", weight=False, percent=False, scale="A-F", **extra):
    return {
        "item": item,
        "term": term,
        "calculation": calculation,
        "grading_scale": scale,
        "weight_categories": weight,
        "use_score_percent": percent,
        **extra,
    }


def grades(student=None) -> dict:
    ids = list(Section.objects.values_list("pk", flat=True))
    found = section_grades(section_ids=ids, student=student)
    return {(g.student, g.item, g.term): (g.percent, g.letter) for g in found}


def hw(points, *scores, cat="Homework", item="task:Q1G", term="Q1", student="s1"):
    return (cat, item, term, points, [(student, s) for s in scores])


def one(points_scores, cat="Homework", **kw):
    return [(cat, "task:Q1G", "Q1", p, [("s1", s)]) for p, s in points_scores]


HW = [("Homework", "20", 0, False)]


def test_r81_counted_sum_of_scores_over_points(db):
    # 9/10 + 7/20 = 16/30 = 53.333 -> 53.33, an F
    load(doc(HW, [opt()], one([("10", "9"), ("20", "7")])))
    assert grades() == {("s1", "task:Q1G", "Q1"): (Decimal("53.33"), "F")}


def test_r81_counted_only_aligned_in_term_with_a_score(db):
    assignments = one([("10", "8")]) + [
        ("Homework", "task:Q2G", "Q1", "10", [("s1", "0")]),  # another task
        ("Homework", "task:Q1G", "Q2", "10", [("s1", "0")]),  # another term
        ("Homework", "task:Q1G", "Q1", "10", [("s1", None)]),  # no score
    ]
    load(doc(HW, [opt()], assignments))
    assert grades() == {("s1", "task:Q1G", "Q1"): (Decimal("80.00"), "B")}


def test_r81_excluded_category_not_counted(db):
    cats = [("Homework", "20", 0, False), ("Practice", "0", 0, True)]
    assignments = one([("10", "10")]) + one([("10", "0")], cat="Practice")
    load(doc(cats, [opt()], [(c, i, t, p, s) for c, i, t, p, s in assignments]))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("100.00"), "A")


def test_r81_drop_lowest_when_more_than_n(db):
    # drop 1 of 3: 2/10 dropped, (8+9)/20 = 85
    load(doc([("Homework", "20", 1, False)], [opt()], one([("10", "8"), ("10", "2"), ("10", "9")])))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("85.00"), "B")


def test_r81_drop_lowest_not_when_n_or_fewer(db):
    # drop 2, but only 2 counted: none dropped, (8+2)/20 = 50
    load(doc([("Homework", "20", 2, False)], [opt()], one([("10", "8"), ("10", "2")])))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("50.00"), "F")


def test_r81_drop_lowest_by_ratio_not_by_score(db):
    # 5/50 (10 %) is lower than 3/4 (75 %) though its score is higher: it goes; 3/4 + 9/10 = 12/14
    load(doc([("Homework", "20", 1, False)], [opt()], one([("50", "5"), ("4", "3"), ("10", "9")])))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("85.71"), "B")


def test_r81_use_score_percent_mean_of_ratios(db):
    # mean(1/2, 10/10) = 75; without: 11/12 = 91.67
    load(
        doc(
            HW,
            [opt(percent=True), opt(term="Q2")],
            one([("2", "1"), ("10", "10")])
            + [
                ("Homework", "task:Q1G", "Q2", "2", [("s1", "1")]),
                ("Homework", "task:Q1G", "Q2", "10", [("s1", "10")]),
            ],
        )
    )
    got = grades()
    assert got[("s1", "task:Q1G", "Q1")] == (Decimal("75.00"), "C")
    assert got[("s1", "task:Q1G", "Q2")] == (Decimal("91.67"), "A")


def test_r81_weight_categories(db):
    # Homework 20 at 50 %, Tests 80 at 100 %: (20*0.5 + 80*1)/100 = 90
    cats = [("Homework", "20", 0, False), ("Tests", "80", 0, False)]
    load(doc(cats, [opt(weight=True)], one([("10", "5")]) + one([("100", "100")], cat="Tests")))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("90.00"), "A")


def test_r81_weight_categories_renormalised_when_a_category_has_no_scores(db):
    # Tests has no counted assignment: Homework alone, 50 %
    cats = [("Homework", "20", 0, False), ("Tests", "80", 0, False)]
    load(doc(cats, [opt(weight=True)], one([("10", "5")])))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("50.00"), "F")


def test_r81_weight_categories_with_use_score_percent(db):
    # Homework: mean(1/2, 1/1) = 75 %; Tests 0/10 = 0 %; (1*75 + 1*0)/2 = 37.5
    cats = [("Homework", "1", 0, False), ("Tests", "1", 0, False)]
    load(doc(cats, [opt(weight=True, percent=True)], one([("2", "1"), ("1", "1")]) + one([("10", "0")], cat="Tests")))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("37.50"), "F")


def test_r81_options_of_one_section_weigh_the_same_categories_each_by_its_own_rule(db):
    # Assignments without a term count in Q1, Q2 and Q3 alike. Homework (20): 5/10 and 1/1;
    # Tests (80): 100/100.
    # Q1 weighs categories: (20 * 6/11 + 80 * 1) / 100 = 90.909...
    # Q2 does not: 106/111 = 95.495...
    # Q3 weighs the categories' means of score / points: (20 * 0.75 + 80 * 1) / 100 = 95
    cats = [("Homework", "20", 0, False), ("Tests", "80", 0, False)]
    options = [opt(term="Q1", weight=True), opt(term="Q2"), opt(term="Q3", weight=True, percent=True)]
    scored = [hw("10", "5", term=""), hw("1", "1", term=""), hw("100", "100", cat="Tests", term="")]
    load(doc(cats, options, scored))
    got = grades()
    assert got[("s1", "task:Q1G", "Q1")] == (Decimal("90.91"), "A")
    assert got[("s1", "task:Q1G", "Q2")] == (Decimal("95.50"), "A")
    assert got[("s1", "task:Q1G", "Q3")] == (Decimal("95.00"), "A")


def test_r81_extra_credit_above_100(db):
    load(doc(HW, [opt()], one([("10", "12")])))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("120.00"), "A")


def test_r81_student_with_no_scores_has_no_grade(db):
    assignments = [("Homework", "task:Q1G", "Q1", "10", [("s1", "9"), ("s2", None)])]
    load(doc(HW, [opt()], assignments))
    assert set(grades()) == {("s1", "task:Q1G", "Q1")}


def test_r81_no_calculation_and_grayed_out_give_no_grade(db):
    gcos = [opt(calculation="no_calculation"), opt(term="Q2", read_only=True)]
    assignments = one([("10", "9")]) + [("Homework", "task:Q1G", "Q2", "10", [("s1", "9")])]
    load(doc(HW, gcos, assignments))
    assert grades() == {}


def test_r81_proficiency_estimate_mean_without_weights(db):
    # weights ignored: mean(1/4, 4/4) = 62.5
    cats = [("Homework", "10", 0, False), ("Tests", "90", 0, False)]
    gcos = [opt(item="standard:ELA.W.1", calculation="proficiency_estimate", weight=True)]
    assignments = [
        ("Homework", "standard:ELA.W.1", "Q1", "4", [("s1", "1")]),
        ("Tests", "standard:ELA.W.1", "Q1", "4", [("s1", "4")]),
    ]
    load(doc(cats, gcos, assignments))
    assert grades()[("s1", "standard:ELA.W.1", "Q1")] == (Decimal("62.50"), "D")


def test_r81_composite_from_latest_term_children_missing_one(db):
    # S1 = 50 % Q1G + 50 % Q2G; Q1G has Q1 (80) and Q2 (60): latest term Q2 gives 60;
    # Q2G has no grade: S1 = 60, under S1's option term Q2
    gcos = [opt(), opt(term="Q2"), opt(item="task:Q2G", term="Q2"), opt(item="task:S1", term="Q2")]
    assignments = one([("10", "8")]) + [("Homework", "task:Q1G", "Q2", "10", [("s1", "6")])]
    composites = [("task:S1", [("task:Q1G", "50"), ("task:Q2G", "50")])]
    load(doc(HW, gcos, assignments, composites))
    got = grades()
    assert got[("s1", "task:S1", "Q2")] == (Decimal("60.00"), "D")
    assert got[("s1", "task:Q1G", "Q1")] == (Decimal("80.00"), "B")


def test_r81_composite_weighted_children_and_no_option_no_term(db):
    # S1 = 1 x Q1G (90) + 3 x Q2G (70) = 75; S1 has no option: no term, no letter
    gcos = [opt(), opt(item="task:Q2G", term="Q2")]
    assignments = one([("10", "9")]) + [("Homework", "task:Q2G", "Q2", "10", [("s1", "7")])]
    load(doc(HW, gcos, assignments, [("task:S1", [("task:Q1G", "1"), ("task:Q2G", "3")])]))
    assert grades()[("s1", "task:S1", "")] == (Decimal("75.00"), "")


def test_r81_rounding_half_up(db):
    # 1/32 = 3.125 % -> 3.13 (half up, not half to even)
    load(doc(HW, [opt()], one([("32", "1")])))
    assert grades()[("s1", "task:Q1G", "Q1")][0] == Decimal("3.13")


def test_r81_rounding_half_up_of_an_exact_half_reached_through_thirds(db):
    # mean(1/3, 1/3, 1/3, 1/1, 25/100000) = 2.00025 / 5 = 0.40005 -> 40.005 % -> 40.01; the thirds
    # repeat, and a sum that kept their last digit short (1.99999...) would round down to 40.00
    load(doc(HW, [opt(percent=True)], one([("3", "1"), ("3", "1"), ("3", "1"), ("1", "1"), ("100000", "25")])))
    assert grades()[("s1", "task:Q1G", "Q1")][0] == Decimal("40.01")


@pytest.mark.parametrize(
    ("score", "letter"), [("90", "A"), ("89.99", "B"), ("80", "B"), ("60", "D"), ("59.99", "F"), ("0", "F")]
)
def test_r80_band_edges(db, score, letter):
    load(doc(HW, [opt()], one([("100", score)])))
    assert grades()[("s1", "task:Q1G", "Q1")][1] == letter


def test_r80_scale_without_bands_gives_a_percent_and_no_letter(db):
    load(doc(HW, [opt(scale="plain")], one([("10", "9")])))
    assert grades()[("s1", "task:Q1G", "Q1")] == (Decimal("90.00"), "")


def test_r81_grades_of_many_sections_in_one_query(db, django_assert_max_num_queries):
    document = doc(HW, [opt()], one([("10", "9")]))
    base = document["sections"][0]
    for n in range(2, 12):
        document["sections"].append({**base, "number": str(n)})
    load(document)
    ids = list(Section.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(3):
        result = section_grades(section_ids=ids)
    assert len(result) == 11
