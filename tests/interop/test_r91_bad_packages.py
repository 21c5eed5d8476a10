"""R91 with R32: a package that is wrong is refused whole, naming the file, line and column,
exit 2, and the district is exactly as it was. Each case damages one thing of a good package."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exchange.district import district_export_json

from .conftest import district_11, district_12, manifest, row_counts, write_package


def one(files: dict, name: str, sourced_id: str) -> dict:
    return next(row for row in files[name] if row["sourcedId"] == sourced_id)


def delta(rows: list[dict], status: str = "active") -> list[dict]:
    return [{**row, "status": status, "dateLastModified": "2022-10-01T12:00:00.000Z"} for row in rows]


# Each case: (files) -> (options for write_package, command flags, the exact message).


def missing_required_column(files):
    for row in files["classes"]:
        row.pop("courseSourcedId")
    raw = {"classes.csv": "sourcedId,status,dateLastModified,title,classType,schoolSourcedId,termSourcedIds\n"}
    return {"raw": raw}, [], 'classes.csv line 1: the required column "courseSourcedId" is missing'


def unknown_sourced_id_reference(files):
    one(files, "enrollments", "e1")["userSourcedId"] = "u99"
    return {}, [], ('enrollments.csv line 2 column "userSourcedId": no user with sourcedId "u99" in this package '
                    "or an earlier import")  # fmt: skip


def class_whose_course_is_missing(files):
    files["courses"] = [c for c in files["courses"] if c["sourcedId"] != "c3"]
    return {}, [], ('classes.csv line 3 column "courseSourcedId": no course with sourcedId "c3" in this package '
                    "or an earlier import")  # fmt: skip


def bad_date(files):
    one(files, "academicSessions", "t1")["startDate"] = "2022-13-01"
    return {}, [], 'academicSessions.csv line 4 column "startDate": "2022-13-01" is not a date written YYYY-MM-DD'


def date_outside_the_product_range(files):
    one(files, "academicSessions", "y1")["startDate"] = "1999-07-01"
    return {}, [], ('academicSessions.csv line 2 column "startDate": the date 1999-07-01 is outside the dates this '
                    "product takes (2000-01-01 to 2099-12-31)")  # fmt: skip


def end_before_start(files):
    one(files, "academicSessions", "t1")["endDate"] = "2022-08-01"
    return {}, [], 'academicSessions.csv line 4 column "endDate": must be after startDate'


def duplicate_sourced_id(files):
    files["orgs"].append({**files["orgs"][1], "identifier": "0102"})
    return {}, [], 'orgs.csv line 4 column "sourcedId": "s1" is also the sourcedId of line 3'


def duplicate_school_number(files):
    files["orgs"].append({**files["orgs"][1], "sourcedId": "s2"})
    return {}, [], 'orgs.csv line 4 column "identifier": school number "0101" is also orgs.csv line 3'


def delta_row_for_an_unknown_record(files):
    rows = delta([{"sourcedId": "res9", "lineItemSourcedId": "li9", "studentSourcedId": "u2",
                   "scoreStatus": "fully graded", "score": "1", "scoreDate": "2022-09-09"}], "tobedeleted")  # fmt: skip
    files.clear()
    files["results"] = rows
    return (
        {"mode": "delta"},
        ["--delta"],
        (
            'results.csv line 2 column "lineItemSourcedId": no lineItem with sourcedId "li9" in this package or an '
            "earlier import"
        ),
    )


def tobedeleted_in_a_bulk_file(files):
    one(files, "results", "res1")["status"] = "tobedeleted"
    return (
        {},
        [],
        'results.csv line 2 column "status": "tobedeleted" in a bulk file (bulk rows are all present records)',
    )


def delta_row_without_date_last_modified(files):
    rows = delta(files["results"])
    rows[0]["dateLastModified"] = ""
    files.clear()
    files["results"] = rows
    return (
        {"mode": "delta"},
        ["--delta"],
        ('results.csv line 2 column "dateLastModified": "" is not a UTC time written YYYY-MM-DDTHH:MM:SS.sssZ'),
    )


def delta_package_imported_as_bulk(files):
    return (
        {"mode": "delta"},
        [],
        (
            'manifest.csv line 4 column "value": academicSessions.csv is delta, and the import was asked for bulk '
            "(use --delta for a delta package)"
        ),
    )


def unsupported_version(files):
    rows = manifest("1.2", files)
    rows[1] = ("oneroster.version", "1.3")
    return {"manifest_rows": rows}, [], 'manifest.csv line 3 column "value": OneRoster version "1.3" is not 1.1 or 1.2'


def manifest_header_wrong(files):
    return (
        {"raw": {"manifest.csv": "name,value\noneroster.version,1.2\n"}},
        [],
        ('manifest.csv line 1: the header must be "propertyName,value"'),
    )


def manifest_says_absent_for_a_file_present(files):
    rows = [(p, "absent" if p == "file.orgs" else v) for p, v in manifest("1.2", files)]
    return (
        {"manifest_rows": rows},
        [],
        ('manifest.csv line 10 column "value": says orgs.csv is absent, and the package holds it'),
    )


def row_with_too_many_cells(files):
    text = "sourcedId,status,dateLastModified,title,weight\ncat1,,,Homework,20,extra\n"
    return {"raw": {"categories.csv": text}}, [], "categories.csv line 2: has 6 cells and the header 5 columns"


def unknown_column(files):
    text = "sourcedId,status,dateLastModified,title,weight,colour\ncat1,,,Homework,20,blue\n"
    return {"raw": {"categories.csv": text}}, [], 'categories.csv line 1 column "colour": is not a column of this file'


def column_twice(files):
    text = "sourcedId,status,dateLastModified,title,title\ncat1,,,Homework,Homework\n"
    return (
        {"raw": {"categories.csv": text}},
        [],
        'categories.csv line 1: column "title" appears twice (columns 4 and 5)',
    )


def unknown_org_type(files):
    one(files, "orgs", "s1")["type"] = "campus"
    return (
        {},
        [],
        'orgs.csv line 3 column "type": "campus" is not one of department, school, district, local, state, national',
    )


def school_year_not_yyyy(files):
    one(files, "academicSessions", "y1")["schoolYear"] = "2022-2023"
    return {}, [], ('academicSessions.csv line 2 column "schoolYear": "2022-2023" is not a year written YYYY '
                    "(the year it ends)")  # fmt: skip


def score_not_a_number(files):
    one(files, "results", "res1")["score"] = "nine"
    return {}, [], 'results.csv line 2 column "score": "nine" is not a number'


def line_item_title_twice_in_a_class(files):
    files["lineItems"].append({**files["lineItems"][0], "sourcedId": "li2"})
    return {}, [], 'lineItems.csv line 3 column "title": assignment "Essay 1" is also lineItems.csv line 2'


def teacher_enrollment_naming_a_student(files):
    one(files, "enrollments", "e2")["role"] = "teacher"
    return (
        {},
        [],
        'enrollments.csv line 3 column "userSourcedId": a teacher enrollment must name a teacher or administrator',
    )


def school_course_without_a_year(files):
    one(files, "courses", "c3")["schoolYearSourcedId"] = ""
    return {}, [], ('courses.csv line 4 column "schoolYearSourcedId": is required for a school\'s course '
                    "(courses are per year)")  # fmt: skip


def user_12_without_a_role(files):
    files["roles"] = [r for r in files["roles"] if r["userSourcedId"] != "u1"]
    return (
        {},
        [],
        'users.csv line 2 column "sourcedId": has no row in roles.csv (OneRoster 1.2 keeps a user\'s role there)',
    )


def not_utf8(files):
    return (
        {"raw": {"categories.csv": b"sourcedId,status,dateLastModified,title\ncat1,,,Caf\xe9\n"}},
        [],
        ("categories.csv: is not UTF-8 text (byte 50)"),
    )


def unterminated_quote(files):
    text = 'sourcedId,status,dateLastModified,title,weight\ncat1,,,"Homework,20\n'
    return {"raw": {"categories.csv": text}}, [], "categories.csv line 2: not valid CSV (unexpected end of data)"


def term_of_another_calendar(files):
    files["academicSessions"].append(
        {"sourcedId": "y2", "title": "23-24", "type": "schoolYear", "startDate": "2023-07-01",
         "endDate": "2024-06-30", "schoolYear": "2024"}
    )  # fmt: skip
    one(files, "lineItems", "li1")["academicSessionSourcedId"] = "y2"
    files["lineItems"][0]["academicSessionSourcedId"] = "t9"
    files["academicSessions"].append(
        {"sourcedId": "t9", "title": "Fall", "type": "term", "startDate": "2023-08-01", "endDate": "2023-12-20",
         "parentSourcedId": "y2", "schoolYear": "2024"}
    )  # fmt: skip
    return {}, [], ('lineItems.csv line 2 column "academicSessionSourcedId": term "Fall" is not a term of the '
                    "class's calendar")  # fmt: skip


def class_with_terms_of_two_years(files):
    term_of_another_calendar(files)
    one(files, "classes", "k2")["termSourcedIds"] = "t1,t9"
    return {}, [], 'classes.csv line 3 column "termSourcedIds": names terms of more than one school year (22-23, 23-24)'


CASES = [
    missing_required_column,
    unknown_sourced_id_reference,
    class_whose_course_is_missing,
    bad_date,
    date_outside_the_product_range,
    end_before_start,
    duplicate_sourced_id,
    duplicate_school_number,
    delta_row_for_an_unknown_record,
    tobedeleted_in_a_bulk_file,
    delta_row_without_date_last_modified,
    delta_package_imported_as_bulk,
    unsupported_version,
    manifest_header_wrong,
    manifest_says_absent_for_a_file_present,
    row_with_too_many_cells,
    unknown_column,
    column_twice,
    unknown_org_type,
    school_year_not_yyyy,
    score_not_a_number,
    line_item_title_twice_in_a_class,
    teacher_enrollment_naming_a_student,
    school_course_without_a_year,
    user_12_without_a_role,
    not_utf8,
    unterminated_quote,
    term_of_another_calendar,
    class_with_terms_of_two_years,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_r91_bad_package_refused_with_file_line_column_and_nothing_changed(district_db, tmp_path, case):
    # given a district, and a package with one thing wrong
    files = district_12()
    options, flags, expected = case(files)
    path = write_package(tmp_path / "pkg", files, **options)
    before_export = district_export_json()
    # when it is imported
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_oneroster", str(path), "--catalog", "District Catalog", *flags,
            stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    # then it is refused naming where, exit 2, and nothing changed
    assert raised.value.returncode == 2
    assert str(raised.value) == expected
    assert row_counts() == district_db
    assert district_export_json() == before_export


def test_r91_bad_11_package_refused_too(district_db, tmp_path):
    files = district_11()
    files["lineItems"][0]["resultValueMax"] = ""
    path = write_package(tmp_path / "pkg.zip", files, version="1.1")
    with pytest.raises(CommandError) as raised:
        call_command("import_oneroster", str(path), "--catalog", "C", stdout=io.StringIO(), stderr=io.StringIO())
    assert str(raised.value) == 'lineItems.csv line 2 column "resultValueMax": is required and empty'
    assert row_counts() == district_db


def test_r91_zip_that_expands_past_the_limit_refused(district_db, tmp_path, monkeypatch):
    # A ZIP bomb of many files, each under the per-file limit: stopped by the total, as it is read.
    monkeypatch.setattr("interop.oneroster.package.MAX_PACKAGE_BYTES", 3 * 1024 * 1024)
    files = district_12()
    path = write_package(tmp_path / "bomb.zip", files)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        for n in range(4):
            archive.writestr(f"demographics{n}.csv", "sourcedId\n" + "x\n" * 500_000)  # 1 MB each, a few KB packed
    assert path.stat().st_size < 100_000
    with pytest.raises(CommandError, match=r"bomb\.zip: expands to more than an import takes \(3 MB\)"):
        call_command("import_oneroster", str(path), "--catalog", "C", stdout=io.StringIO(), stderr=io.StringIO())
    assert row_counts() == district_db
