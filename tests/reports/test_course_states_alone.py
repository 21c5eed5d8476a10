"""R53 (issue 18): a course's state read from its difference bits alone, as the home pages and the
Course Audit count them over a whole district, where most courses have no difference at all."""

from catalog.models import Calendar, CourseCatalog, SchoolYear
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


def _school(document: dict, number: str, terms=("Q1", "Q2")) -> dict:
    """A school of the catalog with its calendar and a course of ENG9 as the push left it."""
    from .conftest import pushed_course

    document["schools"].append({"number": number, "name": f"School {number}", "catalog": CATALOG})
    document["calendars"].append({"school": number, "year": YEAR, "name": f"{YEAR} {number}", "terms": list(terms)})
    c = pushed_course(number)
    document["courses"].append(c)
    return c


def test_r53_the_home_counts_each_state_as_the_course_audit_gives_it(district):
    # given: a school per situation, each with one course of ENG9; assessments and composite
    # weights unlocked on the catalog (below, after the load)
    expected = {"101 North High": "in_sync", "102 South High": "in_sync"}

    def situation(number, state, change):
        change(_school(district, number))
        expected[f"{number} School {number}"] = state

    def no_gco_and_one_changed(c):  # and the calendar loses Q1: neither option can be pushed (R13)
        c["grade_calc_options"].pop(0)
        c["grade_calc_options"][0]["calculation"] = "no_calculation"

    situation("301", "in_sync", no_gco_and_one_changed)
    situation("302", "awaiting_push", lambda c: c["categories"].pop())  # the master added Tests
    situation("303", "awaiting_push", lambda c: c["grading_tasks"][0].update(state="local", source=None))  # R13 key
    situation(
        "304",
        "awaiting_push",
        lambda c: c["grading_tasks"].append(
            {
                "task": "Q2G",
                "credit": "0.00",
                "credit_type": "",
                "score_group": "A-F",
                "state": "linked",
                "source": None,
            }
        ),
    )  # the master dropped Q2G
    situation("305", "awaiting_push", lambda c: c["categories"][0].update(weight="25.00"))
    situation("306", "in_sync", lambda c: c["assessments"][0].update(copies_forward=False))  # unlocked: not pushed
    situation("307", "course_controlled", lambda c: c["assessments"][0].update(state="unlinked"))
    situation("308", "course_controlled", lambda c: c.update(desynced=["assessments"]))
    situation("309", "desynced", lambda c: c["standards"][0].update(state="unlinked"))
    situation("310", "desynced", lambda c: c.update(desynced=["categories"]))
    situation("311", "desynced", lambda c: (c["standards"][0].update(state="unlinked"), c["categories"].pop()))
    situation("312", "ignored", lambda c: (c.update(ignore_master_push=True), c["categories"].pop()))
    situation("313", "in_sync", lambda c: c["composite_grades"][0]["children"][0].update(weight="60.00"))  # R4
    situation("314", "awaiting_push", lambda c: c["composite_grades"][0]["children"].pop())
    situation("315", "awaiting_push", lambda c: (c["assessments"][0].update(state="unlinked"), c["categories"].pop()))
    load(district)
    catalog = CourseCatalog.objects.get(name=CATALOG)
    catalog.locked_types = [t for t in catalog.locked_types if t not in ("assessments", "composite_weights")]
    catalog.save(update_fields=["locked_types"])
    Calendar.objects.filter(school__number="301").update(terms=["Q2"])
    # when
    home = _home()
    # then: the Course Audit's state of each course, and the state each situation has
    assert _states() == expected
    assert home == {school: {state: 1} for school, state in expected.items()}


def test_r53_the_home_counts_states_in_the_same_number_of_queries_for_a_bigger_district(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exchange.district import district_data_delete, district_import
    from exchange.generator import district_generate

    counts = []
    for schools in (2, 6):
        district_data_delete()
        district_import(district_generate(schools=schools, masters=12, seed=3), replace=True)
        year = SchoolYear.objects.get(name="24-25")
        with CaptureQueriesContext(connection) as queries:
            catalogs = course_states_by_school(year=year)
        assert (
            sum(c.total for c in catalogs) == Course.objects.filter(calendar__year=year, master__isnull=False).count()
        )
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
