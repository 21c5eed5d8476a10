"""The reports agree with themselves and with the push engine on a generated district that
has every situation (ignored, desynced, course-controlled, awaiting push, local, conflicting
and residual items, teacher categories renamed by a push).

- A course's state (from the whole-scope aggregate) matches its rows (read per page).
- A push dry run changes exactly the courses the reports say await a push, fails the
  desynced ones and skips the ignored ones; after the real push nothing awaits.
"""

import pytest

from catalog.models import CourseCatalog
from catalog.setup_types import MASTER_PUSH_DATA, SETUP_TYPES_BY_NAME
from exchange.generator import district_generate
from pushjobs.engine import CoursePushOptions, MasterPushOptions, push_run
from reports.filters import report_filters_resolve
from reports.selectors import report_get

from .conftest import load

YEAR = "24-25"
SETUP_DATA = frozenset(MASTER_PUSH_DATA) - {"course_info"}


@pytest.fixture(params=[7, 11])
def generated(db, request):
    load(
        district_generate(
            schools=4,
            masters=24,
            sections_per_course=2,
            students_per_section=2,
            assignments_per_section=2,
            seed=request.param,
        )
    )


def _catalogs():
    return list(CourseCatalog.objects.filter(masters__courses__isnull=False).distinct().values_list("name", flat=True))


def test_course_states_agree_with_their_rows(generated):
    for catalog in _catalogs():
        report = report_get(filters=report_filters_resolve(kind="course-audit", year=YEAR, catalog=catalog))
        states = {u.id: u.state for u in report.all_units()}
        rows = list(report.rows())
        by_course: dict[int, list] = {}
        for row in rows:
            by_course.setdefault(row.course_id, []).append(row)
        cols = report.columns
        for course_id, course_rows in by_course.items():
            state = course_rows[0].get(cols, "state")
            assert state == states[course_id]
            items = [r for r in course_rows[1:]]
            locked = [r for r in items if r.get(cols, "locked") == "yes"]
            changes = {r.get(cols, "change") for r in locked}
            if state == "in_sync":
                assert not changes & {"added", "changed", "removed", "unlinked", "deleted"}, course_rows
            if state == "awaiting_push":
                assert changes & {"added", "changed", "removed", "conflict"}, course_rows
            if state == "desynced":
                assert changes & {"unlinked", "deleted"} or any(
                    r.get(cols, "change") == "removed" and r.get(cols, "course_item_state") == "unlinked"
                    for r in locked
                ), course_rows


def test_r53_the_home_counts_the_course_audits_states_per_school(generated):
    # given: the generated district, each course's state as the Course Audit gives it
    from collections import Counter

    from catalog.models import SchoolYear
    from reports.dashboard import course_states_by_school

    audit = Counter()
    for catalog in _catalogs():
        report = report_get(filters=report_filters_resolve(kind="course-audit", year=YEAR, catalog=catalog))
        audit.update((catalog, u.school_id, u.state) for u in report.all_units())
    # when
    home = Counter()
    for catalog in course_states_by_school(year=SchoolYear.objects.get(name=YEAR)):
        for school in catalog.schools:
            home.update({(catalog.name, school.school_id, state): n for state, n in school.counts.items() if n})
    # then
    assert home == audit
    assert len({state for _, _, state in audit}) >= 3, "every state is in test_course_states_alone"


def test_a_push_changes_exactly_the_courses_awaiting_it(generated):
    for catalog in _catalogs():
        report = report_get(filters=report_filters_resolve(kind="master-awaiting-push", year=YEAR, catalog=catalog))
        units = report.all_units()
        cols = report.columns
        # Courses awaiting a push that push mode can change: some pending difference that is
        # not a local item blocking the master's (push mode leaves those, R13).
        pushable = set()
        for row in report.rows():
            if (
                row.get(cols, "course_state") == "awaiting_push"
                and row.get(cols, "locked") == "yes"
                and row.get(cols, "change") in ("added", "changed", "removed")
            ):
                pushable.add(row.course_id)
        states = [u.state for u in units]
        # A push also removes residual items that nothing keeps any more (R20): Residual Data
        # lists them ("the next push ... removes it"); they are not master changes awaiting push.
        residual = report_get(filters=report_filters_resolve(kind="residual", year=YEAR, level="course"))
        rcols = residual.columns
        linked_here = {u.id for u in units if u.state not in ("ignored", "desynced")}
        locks = set(CourseCatalog.objects.get(name=catalog).locked_types)
        for row in residual.rows():
            unused = all(row.get(rcols, c) == "0" for c in ("assignments", "scores", "posted_grades"))
            pushed = SETUP_TYPES_BY_NAME[row.get(rcols, "data_type")].lock in locks
            if unused and pushed and row.course_id in linked_here:
                pushable.add(row.course_id)

        outcome = push_run(MasterPushOptions(year=YEAR, catalog=catalog, data=SETUP_DATA), dry_run=True)

        assert outcome.summary.courses_skipped == states.count("ignored"), catalog
        assert outcome.summary.courses_failed == states.count("desynced"), catalog
        assert outcome.summary.courses_changed == len(pushable), catalog

        push_run(MasterPushOptions(year=YEAR, catalog=catalog, data=SETUP_DATA))
        after = report_get(filters=report_filters_resolve(kind="master-awaiting-push", year=YEAR, catalog=catalog))
        assert not [
            r
            for r in after.rows()
            if r.course_id in pushable and r.get(cols, "locked") == "yes" and r.get(cols, "change") != "conflict"
        ]
        assert "awaiting_push" not in {u.state for u in after.all_units() if u.id in pushable}


def test_push_all_courses_leaves_nothing_awaiting(generated):
    from catalog.models import Calendar

    for school in Calendar.objects.filter(year__name=YEAR).values_list("school__number", flat=True):
        report = report_get(filters=report_filters_resolve(kind="course-awaiting-push", year=YEAR, school=school))
        before = list(report.row_dicts())
        push_run(CoursePushOptions(school=school, year=YEAR))
        after = list(
            report_get(
                filters=report_filters_resolve(kind="course-awaiting-push", year=YEAR, school=school)
            ).row_dicts()
        )
        # Only teacher items blocking a pushed key remain (R19: a conflict until an overwrite).
        assert {r["change"] for r in after} <= {"conflict"}, (school, after)
        assert len(after) <= len([r for r in before if r["change"] == "conflict"])
