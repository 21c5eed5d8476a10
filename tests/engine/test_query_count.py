"""Queries grow with the number of chunks, not with courses, sections or items (STYLE.md)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Course
from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs.engine import KEPT_RESIDUAL, CoursePushOptions, MasterPushOptions, push_run, push_scope

from .conftest import add_course, composite, gco, load, master_push, north_high_courses, posted_grade, rows

# Reads: options, locked courses, calendars, masters, one query per type and level, in-use
# facts; writes: at most delete, rename, update and insert per type and level. Whatever the size.
PER_CHUNK = 80
CHUNK = 5


@pytest.mark.parametrize("schools", [2, 8])
def test_master_push_queries_are_bounded_per_chunk(db, django_assert_max_num_queries, schools):
    district_import(district_generate(schools=schools, masters=20, seed=3, unpushed=True))
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="overwrite", to_sections=True)
    courses = len(push_scope(options))
    assert courses >= 4 * schools  # the larger district really is larger
    chunks = -(-courses // CHUNK)

    with django_assert_max_num_queries(chunks * PER_CHUNK + 10):
        outcome = push_run(options, chunk_size=CHUNK)
    assert outcome.summary.items_created > 100 * schools

    # And one chunk holding every course costs what one chunk costs.
    options = MasterPushOptions(year="24-25", catalog="High School Catalog", mode="push", to_sections=True)
    with django_assert_max_num_queries(PER_CHUNK + 10):
        push_run(options, chunk_size=10_000)


@pytest.mark.parametrize("schools", [2, 8])
def test_course_push_queries_are_bounded_per_chunk(db, django_assert_max_num_queries, schools):
    district_import(district_generate(schools=schools, masters=20, seed=5))
    options = CoursePushOptions(school=_a_high_school(), year="24-25", overwrite_categories=True)
    chunks = -(-len(push_scope(options)) // CHUNK)

    with django_assert_max_num_queries(chunks * PER_CHUNK + 10):
        push_run(options, chunk_size=CHUNK)
    with django_assert_max_num_queries(PER_CHUNK + 10):
        push_run(options, chunk_size=10_000)


def _a_high_school() -> str:
    from catalog.models import School

    return School.objects.filter(catalog__name="High School Catalog").order_by("number").first().number


@pytest.mark.parametrize("pairs", [1, 12])
def test_r16_a_push_of_courses_trading_numbers_costs_what_one_chunk_costs(
    district, django_assert_max_num_queries, pairs
):
    # given courses trading numbers two by two, and as many in a circle of their own (one: a move)
    trades = [(f"A{i}", f"B{i}") for i in range(pairs)] + [(f"B{i}", f"A{i}") for i in range(pairs)]
    circle = [(f"C{i}", f"C{(i + 1) % pairs}" if pairs > 1 else "C") for i in range(pairs)]
    north_high_courses(district, trades + circle)
    options = MasterPushOptions(year="22-23", catalog="High School Catalog", mode="overwrite", to_sections=True)

    with django_assert_max_num_queries(PER_CHUNK + 10) as queries:
        outcome = push_run(options, chunk_size=10_000)

    assert outcome.summary.courses_changed == 3 * pairs and not outcome.rows
    assert {c.number for c in Course.objects.filter(master__number__startswith="A")} == {f"A{i}" for i in range(pairs)}
    # the numbers move in two statements, however many courses trade them
    renumbering = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "courses_course"')]
    assert len(renumbering) == 2


def test_r20_in_use_is_read_once_per_chunk_not_per_course_or_section(district):
    # given two courses, each with a section, whose local and teacher items an overwrite removes
    # unless they are in use (R15, R20): the facts are asked for every course and section
    add_course(district, "102", master="ENG9")
    for c in district["courses"]:
        c["grading_tasks"] = [{"task": "Q2G", "state": "local"}]
        c["standards"] = [{"standard": "ELA.R.1", "state": "local"}]
    for s in district["sections"]:
        s["grade_calc_options"] = [gco("task:Q2G", "Q1", state="teacher")]
        s["composite_grades"] = [composite("task:Q3G", ("task:Q1G", "100.00"), state="teacher")]
        s["posted_grades"] = [posted_grade("task:Q2G", "Q1")]
    load(district)

    def push(calendars):
        with CaptureQueriesContext(connection) as queries:
            outcome = master_push(mode="overwrite", to_sections=True, dry_run=True, calendars=calendars)
        return outcome, len(queries)

    # when the same push previews one course, then both
    one, one_queries = push(("101",))
    both, both_queries = push(())

    # then both are read with the queries of one
    assert (one.summary.courses_changed, both.summary.courses_changed) == (1, 2)
    kept = {(r.school, r.section, r.item) for r in rows(both, KEPT_RESIDUAL)}
    in_use = {("", "task:Q2G"), ("1", "task:Q2G Q1")}
    assert kept == {(school, *item) for school in ("101 North High", "102 South High") for item in in_use}
    assert both_queries == one_queries
