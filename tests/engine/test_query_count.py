"""Queries grow with the number of chunks, not with courses, sections or items (STYLE.md)."""

import pytest

from courses.models import Course
from exchange.district import district_import
from exchange.generator import district_generate
from pushjobs.engine import CoursePushOptions, MasterPushOptions, push_run, push_scope

from .conftest import north_high_courses

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
