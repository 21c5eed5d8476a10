"""R52 Residual Data's pages (issue 15): a page reads only its own rows from PostgreSQL (ORDER BY
... LIMIT) and the counts are counted there, yet they are the rows, in the order, and the counts
of the whole listing, as Django's paginator numbers its pages."""

import pytest
from django.urls import reverse

from reports.filters import PER_PAGE, RESIDUAL, SORTS, report_filters_resolve
from reports.selectors import report_get

from .conftest import YEAR, load
from .test_pages import add_schools, login

URL = reverse("reports:residual_data")
# The first page: the session, the toolbar, the form, the counts, the page's items, their details.
QUERIES = 30


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setitem(PER_PAGE, RESIDUAL, 5)


def _whole(**filters):
    """Every residual item of the scope read as one list (the listing without a limit), its rows."""
    report = report_get(filters=report_filters_resolve(kind=RESIDUAL, year=YEAR, **filters))
    units = report.units()
    return units, [r.values for r in report.rows_for(units)]


@pytest.mark.parametrize("sort", list(SORTS[RESIDUAL]))
def test_r52_the_pages_are_the_whole_listing_in_order(client, district, users, small_pages, sort):
    # given: two residual items (a course's, a section's) in each of 6 more schools
    add_schools(district, 6)
    load(district)
    units, rows = _whole(sort=sort)
    assert len(units) == 12
    c = login(client, users, "admin")
    # when
    pages = [c.get(URL, {"year": YEAR, "sort": sort, "page": n}) for n in (1, 2, 3)]
    # then
    assert [r.values for p in pages for r in p.context["page"].rows] == rows
    first = pages[0].context
    assert first["summary"] == {
        "items": 12,
        "course": sum(1 for u in units if u.level == 0),
        "section": sum(1 for u in units if u.level == 1),
    }
    assert first["summary"]["course"] == first["summary"]["section"] == 6
    numbers = [
        (
            p.context["page"].number,
            p.context["page"].first_unit,
            p.context["page"].last_unit,
            p.context["page"].has_next,
        )
        for p in pages
    ]
    assert numbers == [(1, 1, 5, True), (2, 6, 10, True), (3, 11, 12, False)]
    assert pages[0].context["page"].num_pages == 3 and pages[0].context["page"].total_units == 12


@pytest.mark.parametrize(("asked", "shown"), [("99", 3), ("0", 3), ("x", 1)])
def test_r52_a_page_out_of_range_is_the_last_and_a_word_the_first(client, district, users, small_pages, asked, shown):
    add_schools(district, 6)
    load(district)
    _units, rows = _whole()
    c = login(client, users, "admin")

    page = c.get(URL, {"year": YEAR, "page": asked}).context["page"]

    assert page.number == shown
    assert [r.values for r in page.rows] == rows[(shown - 1) * 5 : shown * 5]


def test_r52_filters_narrow_the_counts_and_the_page_alike(client, district, users, small_pages):
    add_schools(district, 6)
    load(district)
    units, rows = _whole(level="section", school="302")
    c = login(client, users, "admin")

    context = c.get(URL, {"year": YEAR, "level": "section", "school": "302"}).context

    assert len(units) == 1
    assert context["summary"] == {"items": 1, "course": 0, "section": 1}
    assert [r.values for r in context["page"].rows] == rows


def test_r52_no_residual_item_is_an_empty_first_page(client, district, users):
    load(district)
    c = login(client, users, "admin")

    context = c.get(URL, {"year": YEAR, "level": "section"}).context

    assert context["summary"] == {"items": 0, "course": 0, "section": 0}
    assert (context["page"].number, context["page"].rows, context["page"].has_next) == (1, [], False)


@pytest.mark.parametrize("extra_schools", [4, 40])
def test_r52_first_page_queries_do_not_grow(client, district, users, django_assert_max_num_queries, extra_schools):
    add_schools(district, extra_schools)
    load(district)
    _units, rows = _whole()
    c = login(client, users, "admin")
    c.get(reverse("reports:index"))

    with django_assert_max_num_queries(QUERIES):
        response = c.get(URL, {"year": YEAR})

    assert [r.values for r in response.context["page"].rows] == rows


def test_r52_the_home_pages_residual_bars_count_what_the_report_lists(client, district, users):
    # given: 6 schools with two residual items each, one of them with three more at a second section
    from collections import Counter

    from catalog.models import School, SchoolYear
    from catalog.toolbar import SESSION_KEY
    from reports.dashboard import residual_items_by_school

    from .conftest import category, pushed_section

    add_schools(district, 6)
    more = pushed_section("303", "2", "msmith")
    more["categories"] += [{**category(name, "0.00", 3 + k), "state": "residual"} for k, name in enumerate("ABC")]
    district["sections"].append(more)
    load(district)
    listed = Counter(
        r["school"] for r in report_get(filters=report_filters_resolve(kind=RESIDUAL, year=YEAR)).row_dicts()
    )
    year = SchoolYear.objects.get(name=YEAR)
    # when
    counted = residual_items_by_school(year=year)
    mine = residual_items_by_school(
        year=year, school_ids=tuple(School.objects.filter(number__in=["301", "303"]).values_list("pk", flat=True))
    )
    # then
    assert [(r.label, r.count) for r in counted] == sorted(listed.items())
    assert listed["303 School 303"] == 5
    assert [(r.label, r.count) for r in mine] == [("301 School 301", 2), ("303 School 303", 5)]
    c = login(client, users, "admin")
    session = c.session
    session[SESSION_KEY] = {"year": year.pk, "school": None}
    session.save()
    html = c.get(reverse("home")).content.decode()
    table = html[html.index('id="residual-by-school"') :]
    assert "303 School 303" in table[: table.index("</table>")]
