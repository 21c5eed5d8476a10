"""The report pages: who sees what (district admins every school, school admins their own,
teachers nothing), filters, links, pagination, and a number of queries that does not grow
with the number of courses."""

import copy

import pytest
from django.urls import reverse

from .conftest import (
    CATALOG,
    PASSWORD,
    YEAR,
    assignment_doc,
    category,
    course,
    load,
    master,
    pushed_course,
    pushed_section,
)

PAGES = {
    "reports:course_master_awaiting_push": {"catalog": CATALOG},
    "reports:course_audit": {"catalog": CATALOG},
    "reports:residual_data": {},
    "reports:course_awaiting_push": {"school": "101"},
}


def login(client, users, username):
    users()
    assert client.login(username=username, password=PASSWORD)
    return client


def add_schools(document: dict, n: int) -> None:
    """n more schools of the catalog, each with a course that differs from the master in every
    way a report shows (changed, unlinked, residual with teacher data) and a section behind."""
    for k in range(n):
        number = str(300 + k)
        document["schools"].append({"number": number, "name": f"School {number}", "catalog": CATALOG})
        document["calendars"].append(
            {"school": number, "year": YEAR, "name": f"{YEAR} School {number}", "terms": ["Q1", "Q2"]}
        )
        c = pushed_course(number)
        c["categories"][0]["weight"] = "21.00"  # differs from the master
        c["standards"][0].update(state="unlinked", score_group="A-F")
        c["grading_tasks"].append(
            {"task": "Q2G", "credit": "0.00", "credit_type": "", "score_group": "A-F", "state": "residual"}
        )
        document["courses"].append(c)
        s = pushed_section(number, "1", "msmith")
        s["categories"][0]["weight"] = "5.00"
        s["categories"].append({**category("Labs", "0.00", 3), "state": "residual"})
        s["assignments"] = [assignment_doc("Lab", "Labs", items=["task:Q2G"], term="Q2", scores=2)]
        s["posted_grades"] = [{"item": "task:Q2G", "term": "Q2", "student": "s001", "grade": "A", "comment": ""}]
        document["sections"].append(s)


def behind_section(number: str) -> dict:
    """A section of 101 ENG9 whose Homework weight the course has changed since."""
    s = pushed_section("101", number, "msmith")
    s["categories"][0]["weight"] = "7.00"
    return s


def test_reports_index_lists_the_four_reports(client, district, users):
    load(district)
    response = login(client, users, "admin").get(reverse("reports:index"))
    assert response.status_code == 200
    for title in ("Course Master Awaiting Push", "Course Awaiting Push", "Residual Data", "Course Audit"):
        assert title in response.text


@pytest.mark.parametrize("url_name", [*PAGES, "reports:index"])
def test_teachers_see_no_reports(client, district, users, url_name):
    load(district)
    response = login(client, users, "jdoe").get(reverse(url_name), {"year": YEAR, **PAGES.get(url_name, {})})
    assert response.status_code == 403


def test_teachers_download_no_reports(client, district, users):
    load(district)
    response = login(client, users, "jdoe").get(reverse("reports:download", args=["residual", "csv"]), {"year": YEAR})
    assert response.status_code == 403


def test_school_admins_see_only_their_schools(client, district, users):
    master(district)["categories"][0]["weight"] = "30.00"
    load(district)
    c = login(client, users, "principal")

    page = c.get(reverse("reports:course_master_awaiting_push"), {"year": YEAR, "catalog": CATALOG})
    assert page.status_code == 200
    assert "101 North High" in page.text
    assert "102 South High" not in page.text  # a school that is not theirs, even in the school filter

    # Another school is not even a choice of the filter: refused, and nothing of it shown.
    other = c.get(reverse("reports:course_audit"), {"year": YEAR, "catalog": CATALOG, "school": "102"})
    assert other.status_code == 400
    assert "report" not in other.context

    csv_text = b"".join(
        c.get(reverse("reports:download", args=["course-audit", "csv"]), {"year": YEAR}).streaming_content
    ).decode()
    assert "102 South High" not in csv_text and "101 North High" in csv_text


def test_district_admins_see_every_school(client, district, users):
    master(district)["categories"][0]["weight"] = "30.00"
    load(district)
    page = login(client, users, "admin").get(
        reverse("reports:course_master_awaiting_push"), {"year": YEAR, "catalog": CATALOG}
    )
    assert "101 North High" in page.text and "102 South High" in page.text


def test_r50_page_shows_rows_counts_and_links(client, district, users):
    master(district)["categories"][0]["weight"] = "30.00"
    load(district)
    from coursemasters.models import CourseMaster
    from courses.models import Course

    page = login(client, users, "admin").get(
        reverse("reports:course_master_awaiting_push"), {"year": YEAR, "catalog": CATALOG}
    )

    assert page.status_code == 200
    html = page.text
    eng9 = Course.objects.get(calendar__school__number="101", number="ENG9")
    assert f'href="{reverse("courses:course_detail", args=[eng9.pk])}"' in html
    master_pk = CourseMaster.objects.get(number="ENG9").pk
    assert f'href="{reverse("coursemasters:master_detail", args=[master_pk])}"' in html
    assert "weight: 20" in html and "weight: 30" in html
    assert 'id="master-counts"' in html
    assert page.context["summary"]["masters"][0]["awaiting_push"] == 2
    assert [s["count"] for s in page.context["state_links"] if s["state"] == "awaiting_push"] == [2]
    assert "download.csv?year=22-23&amp;catalog=High+School+Catalog" in html


def test_report_page_without_filters_uses_the_defaults(client, district, users):
    load(district)
    page = login(client, users, "admin").get(reverse("reports:course_master_awaiting_push"))
    assert page.status_code == 200
    filters = page.context["report"].filters
    assert (filters.year.name, filters.catalog.name) == (YEAR, CATALOG)


def test_report_page_without_a_required_filter_asks_for_it(client, district, users):
    # issue 14: a link that names the year alone opens the filters and asks, in words
    load(district)
    page = login(client, users, "admin").get(reverse("reports:course_awaiting_push"), {"year": YEAR})
    assert page.status_code == 200
    assert "Choose a school to see this report" in page.text
    assert "--school" not in page.text
    assert "report" not in page.context


def test_report_page_bad_filter_names_the_problem(client, district, users):
    load(district)
    page = login(client, users, "admin").get(reverse("reports:course_awaiting_push"), {"year": "99-00"})
    assert page.status_code == 400
    assert "Select a valid choice. 99-00 is not one of the available choices." in page.text


def test_r53_page_state_filter_and_sort(client, district, users):
    course(district, "102")["categories"][1].update(state="unlinked", weight="70.00")
    load(district)
    c = login(client, users, "admin")

    page = c.get(reverse("reports:course_audit"), {"year": YEAR, "catalog": CATALOG, "state": "desynced"})

    rows = page.context["table"]
    assert [line["row"].kind for line in rows] == ["course", "item"]
    assert "102 South High" in page.text
    assert page.context["summary"]["states"] == {
        "in_sync": 1,
        "awaiting_push": 0,
        "course_controlled": 0,
        "desynced": 1,
        "ignored": 0,
    }
    by_course = c.get(reverse("reports:course_audit"), {"year": YEAR, "catalog": CATALOG, "sort": "course"})
    assert by_course.status_code == 200


def test_report_pages_paginate(client, district, users):
    add_schools(district, 30)
    load(district)
    c = login(client, users, "admin")

    first = c.get(reverse("reports:course_audit"), {"year": YEAR, "catalog": CATALOG})
    second = c.get(reverse("reports:course_audit"), {"year": YEAR, "catalog": CATALOG, "page": 2})

    assert (first.context["page"].total_units, first.context["page"].num_pages) == (32, 2)
    assert first.context["next_url"].endswith("page=2")
    schools_first = {line["row"].values[2] for line in first.context["table"]}
    schools_second = {line["row"].values[2] for line in second.context["table"]}
    assert len(schools_first) == 25 and len(schools_second) == 7
    assert not schools_first & schools_second


# Measured: 22-37 queries per page (the layout's own included) and 13-27 per download, the
# same for 4 and 42 courses. The bounds leave room for the layout, not for a query per row.
def _queries(django_assert_max_num_queries, client, url_name, params, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("url_name", list(PAGES))
@pytest.mark.parametrize("extra_schools", [2, 40])
def test_page_queries_do_not_grow_with_courses(
    client, district, users, django_assert_max_num_queries, url_name, extra_schools
):
    document = copy.deepcopy(district)
    add_schools(document, extra_schools)
    # The per-calendar report grows with sections: give school 101 more of them.
    for n in range(3, 3 + extra_schools):
        document["sections"].append(behind_section(str(n)))
    load(document)
    c = login(client, users, "admin")
    c.get(reverse("reports:index"))  # the session and the toolbar settle

    response = _queries(django_assert_max_num_queries, c, url_name, {"year": YEAR, **PAGES[url_name]}, 45)

    assert response.context["table"], "the page shows rows"


@pytest.mark.parametrize("kind", ["master-awaiting-push", "course-audit", "residual", "course-awaiting-push"])
@pytest.mark.parametrize("extra_schools", [2, 40])
def test_download_queries_do_not_grow_with_rows(
    client, district, users, django_assert_max_num_queries, kind, extra_schools
):
    add_schools(district, extra_schools)
    for n in range(3, 3 + extra_schools):
        district["sections"].append(behind_section(str(n)))
    load(district)
    c = login(client, users, "admin")
    c.get(reverse("reports:index"))
    params = {"year": YEAR, **({"catalog": CATALOG} if kind == "master-awaiting-push" else {})}
    if kind == "course-awaiting-push":
        params["school"] = "101"

    with django_assert_max_num_queries(32):
        response = c.get(reverse("reports:download", args=[kind, "csv"]), params)
        lines = b"".join(response.streaming_content).decode().splitlines()

    assert len(lines) > extra_schools


@pytest.fixture
def large_scope(monkeypatch):
    """Pages read a scope of more than 3 courses lazily, as they read the largest districts."""
    import reports.course_units

    monkeypatch.setattr(reports.course_units, "SUMMARY_INLINE_LIMIT", 3)


@pytest.mark.parametrize("url_name", ["reports:course_master_awaiting_push", "reports:course_audit"])
def test_large_scope_pages_answer_first_and_count_later(client, district, users, large_scope, url_name):
    add_schools(district, 30)
    load(district)
    c = login(client, users, "admin")
    params = {"year": YEAR, "catalog": CATALOG}

    first = c.get(reverse(url_name), params)

    assert first.context["summary"] is None
    assert 'data-summary-url="' in first.text
    page = first.context["page"]
    assert (page.total_units, page.has_next, page.first_unit, page.last_unit) == (None, True, 1, 25)
    second = c.get(reverse(url_name), {**params, "page": 2})
    lazy_rows = [r.values for p in (first, second) for r in p.context["page"].rows]
    # The same rows, in the same order, as when the whole scope is counted first.
    counted = c.get(reverse(url_name), {**params, "counts": "1"})
    assert counted.context["summary"]["states"]["desynced"] == 30
    counted_2 = c.get(reverse(url_name), {**params, "counts": "1", "page": 2})
    assert lazy_rows == [r.values for p in (counted, counted_2) for r in p.context["page"].rows]
    assert not second.context["page"].has_next

    fragment = c.get(reverse(url_name), {**params, "part": "summary"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<section id="report-summary"')
    assert 'data-state="desynced"' in fragment.text and "<h1>" not in fragment.text


@pytest.mark.parametrize("extra_schools", [4, 40])
def test_large_scope_first_page_queries_do_not_grow(
    client, district, users, large_scope, django_assert_max_num_queries, extra_schools
):
    add_schools(district, extra_schools)
    load(district)
    c = login(client, users, "admin")
    c.get(reverse("reports:index"))
    _queries(django_assert_max_num_queries, c, "reports:course_audit", {"year": YEAR, "catalog": CATALOG}, 40)


def test_large_scope_download_has_every_row(client, district, users, large_scope, monkeypatch):
    import reports.course_units

    monkeypatch.setattr(reports.course_units, "SCAN_CHUNK", 4)  # several rounds of queries
    add_schools(district, 10)
    load(district)
    c = login(client, users, "admin")
    text = b"".join(
        c.get(reverse("reports:download", args=["course-audit", "csv"]), {"year": YEAR}).streaming_content
    ).decode()
    lines = text.splitlines()
    assert sum(1 for line in lines[1:] if ",course," in line) == 12  # every linked course, once
    from .conftest import rows_of

    assert len(lines) - 1 == len(rows_of("course-audit"))


def test_defaults_skip_a_year_without_calendars_and_a_school_without_catalog(district):
    district["schools"].append({"number": "900", "name": "District Office", "catalog": None})
    district["calendars"].append({"school": "900", "year": YEAR, "name": "22-23 District Office", "terms": ["Q1"]})
    load(district)
    from catalog.models import School, SchoolYear
    from reports.selectors import report_defaults

    office = School.objects.get(number="900")
    later = SchoolYear.objects.get(name="23-24")  # no calendar at all

    assert report_defaults(kind="master-awaiting-push", school_ids=None, year=later, school=office) == {
        "year": YEAR,
        "catalog": CATALOG,
    }
    assert report_defaults(kind="course-awaiting-push", school_ids=None, year=None, school=office) == {
        "year": YEAR,
        "school": "900",
    }
    north = School.objects.get(number="101")
    assert report_defaults(kind="residual", school_ids=(north.pk,), year=None, school=None) == {"year": YEAR}
