"""R94 with R50-R53: the four reports through the API with the report pages' filters, readers and
required filters, a page at a time, and their CSV and XLSX by token."""

from __future__ import annotations

import pytest

from .conftest import errors_of

REPORTS = ("course-master-awaiting-push", "course-awaiting-push", "residual-data", "course-audit")
FILTERS = {
    "course-master-awaiting-push": {"year": "22-23", "catalog": "High School Catalog"},
    "course-awaiting-push": {"year": "22-23", "school": "101"},
    "residual-data": {"year": "22-23"},
    "course-audit": {"year": "22-23", "catalog": "High School Catalog"},
}


@pytest.mark.parametrize("name", REPORTS)
def test_r94_each_report_reads_as_json_and_downloads_by_token(d, as_district_admin, name):
    page = as_district_admin.get(f"/reports/{name}", **FILTERS[name])
    assert page.status_code == 200, page.content
    body = page.json()
    assert body["page"] == 1 and body["columns"]
    assert all(set(row) == set(body["columns"]) for row in body["results"])
    csv = as_district_admin.get(body["links"]["csv"])
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv.getvalue().decode().splitlines()[0]  # the header row
    xlsx = as_district_admin.get(body["links"]["xlsx"])
    assert xlsx.status_code == 200 and xlsx.getvalue()[:2] == b"PK"


def test_r50_the_unpushed_master_awaits_its_push_in_every_linked_course(d, as_district_admin):
    name = "course-master-awaiting-push"
    body = as_district_admin.get(f"/reports/{name}", **FILTERS[name]).json()
    courses = {(row["school"], row["course"]) for row in body["results"]}
    assert len(courses) == 4  # ENG9's four linked courses lack its categories
    assert {row["data_type"] for row in body["results"]} == {"categories"}


def test_r94_reports_are_for_admins_and_a_school_admin_sees_their_schools(d, as_teacher, as_school_admin):
    assert as_teacher.get("/reports/residual-data", year="22-23").status_code == 403
    body = as_school_admin.get("/reports/course-audit", **FILTERS["course-audit"]).json()
    assert body["results"] and {row["school"].split()[0] for row in body["results"]} == {"101"}


def test_r32_a_report_without_its_required_filter_names_it(d, as_district_admin):
    missing = as_district_admin.get("/reports/course-awaiting-push", year="22-23")
    assert missing.status_code == 400 and errors_of(missing)[0]["field"] == "school"
    no_year = as_district_admin.get("/reports/residual-data")
    assert no_year.status_code == 400 and errors_of(no_year)[0]["field"] == "year"
