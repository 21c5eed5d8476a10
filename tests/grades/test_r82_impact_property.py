"""R82: the grade impact of a change of setup lists exactly the grades that differ between the
setup before and the setup after, each side as R81 computes it alone (``section_grades``, which
the property test of R81 checks against the rule read slowly): on generated sections, for a
first push (no grade calc option before: the "after" side alone), options removed (the "before"
side alone), and categories and options changed (both sides at once)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.district import district_import
from sections.grades import MovedGrades, SetupOverrides, grade_changes_store, section_grades
from sections.models import Section, SectionCategory, SectionGradeCalcOption

from .test_r81_property import sections

GCO_COLUMNS = (
    "pk",
    "section_id",
    "item_id",
    "term",
    "calculation",
    "grading_scale_id",
    "weight_categories",
    "use_score_percent",
    "read_only",
)
CATEGORY_COLUMNS = ("pk", "section_id", "weight", "drop_lowest", "excluded")


def _grades(section_ids) -> dict:
    return {(g.student, g.item, g.term): (g.percent, g.letter) for g in section_grades(section_ids=section_ids)}


def _differ(before: dict, after: dict) -> dict:
    return {k: (before.get(k), after.get(k)) for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def _impact(section_ids, before: SetupOverrides, after: SetupOverrides) -> dict:
    summary = grade_changes_store(section_ids=section_ids, before=before, after=after)
    rows = list(MovedGrades(summary.grades))
    assert len(rows) == summary.grades
    return {
        (r.student, r.item, r.term): (
            None if r.before_percent is None else (r.before_percent, r.before_letter),
            None if r.after_percent is None else (r.after_percent, r.after_letter),
        )
        for r in rows
    }


@settings(
    deadline=None,
    derandomize=True,
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=sections(), change=st.sampled_from(["first push", "options removed", "changed"]), data=st.data())
def test_r82_impact_lists_the_grades_that_differ_between_the_two_setups(db, document, change, data):
    district_import(document, replace=True)
    section_ids = list(Section.objects.values_list("pk", flat=True))
    now = _grades(section_ids)
    options = list(SectionGradeCalcOption.objects.values_list(*GCO_COLUMNS))
    categories = list(SectionCategory.objects.values_list(*CATEGORY_COLUMNS))
    before, after = SetupOverrides(), SetupOverrides()

    if change == "first push":
        # when: the sections had no grade calc option before (a push brings them)
        before.drop["gco"] = [o[0] for o in options]
        expected = {key: (None, grade) for key, grade in now.items()}
    elif change == "options removed":
        after.drop["gco"] = [o[0] for o in options]
        expected = {key: (grade, None) for key, grade in now.items()}
    else:
        # when: weights, drops and exclusions of categories, and how options calculate, change
        changed_options = []
        for o in options:
            calculation = data.draw(st.sampled_from([o[4], "in_progress", "proficiency_estimate", "no_calculation"]))
            changed_options.append(
                (*o[:4], calculation, o[5], data.draw(st.booleans()), data.draw(st.booleans()), o[8])
            )
        changed_categories = [
            (c[0], c[1], Decimal(data.draw(st.integers(0, 60))), data.draw(st.integers(0, 2)), data.draw(st.booleans()))
            for c in categories
        ]
        after.drop["gco"], after.add["gco"] = [o[0] for o in options], changed_options
        after.drop["cat"], after.add["cat"] = [c[0] for c in categories], changed_categories
        impact = _impact(section_ids, before, after)
        for o in changed_options:
            SectionGradeCalcOption.objects.filter(pk=o[0]).update(
                calculation=o[4], weight_categories=o[6], use_score_percent=o[7]
            )
        for c in changed_categories:
            SectionCategory.objects.filter(pk=c[0]).update(weight=c[2], drop_lowest=c[3], excluded=c[4])
        # then: the impact is what the two setups' grades, each computed alone, differ by
        assert impact == _differ(now, _grades(section_ids))
        return

    # then: every grade appears (or goes), with the value its setup gives it
    assert _impact(section_ids, before, after) == expected
