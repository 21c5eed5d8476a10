"""R53 (issue 18): a course's state read from its difference bits alone, as the home pages and the
Course Audit count them over a whole district, where most courses have no difference at all."""

from catalog.models import CourseCatalog, SchoolYear
from courses.models import Course
from reports.dashboard import course_states_by_school
from reports.filters import report_filters_resolve
from reports.selectors import report_get

from .conftest import CATALOG, YEAR, course, load


def _states() -> dict[str, str]:
    report = report_get(filters=report_filters_resolve(kind="course-audit", year=YEAR))
    return {r["school"]: r["state"] for r in report.row_dicts() if r["row"] == "course"}


def _home() -> dict[str, dict[str, int]]:
    [catalog] = course_states_by_school(year=SchoolYear.objects.get(name=YEAR))
    return {s.label: {k: n for k, n in s.counts.items() if n} for s in catalog.schools}


def test_r9_a_remembered_deletion_alone_desyncs_a_course_that_matches_its_master(district):
    # given: 101's course matches its master item for item; only its remembered deletion differs
    course(district)["desynced"] = ["categories"]
    load(district)
    # when / then: categories are locked: desynced (R9), on the report and on the home page alike
    assert _states() == {"101 North High": "desynced", "102 South High": "in_sync"}
    assert _home() == {"101 North High": {"desynced": 1}, "102 South High": {"in_sync": 1}}


def test_r53_a_remembered_deletion_of_an_unlocked_type_makes_the_course_course_controlled(district):
    course(district)["desynced"] = ["categories"]
    load(district)
    catalog = CourseCatalog.objects.get(name=CATALOG)
    catalog.locked_types = [t for t in catalog.locked_types if t != "categories"]
    catalog.save(update_fields=["locked_types"])

    assert _states()["101 North High"] == "course_controlled"
    assert _home()["101 North High"] == {"course_controlled": 1}


def test_r53_an_ignored_course_is_ignored_whatever_differs(district):
    course(district)["desynced"] = ["categories"]
    load(district)
    Course.objects.filter(calendar__school__number="101").update(ignore_master_push=True)

    assert _states()["101 North High"] == "ignored"
