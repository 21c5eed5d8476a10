"""OneRoster packages written in the test, to the published columns (interop/oneroster/columns.py
follows the 1EdTech CSV binding), and a way to see that a refused import changed nothing."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

from catalog.models import District, User

APPS = ("catalog", "coursemasters", "courses", "sections", "interop")


def row_counts() -> dict[str, int]:
    counts = {}
    tables = set(connection.introspection.table_names())
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.db_table in tables:
                counts[model._meta.label] = model.objects.count()
    counts["district"] = District.objects.count()
    counts["users"] = User.objects.count()
    return counts


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return out.getvalue()


# The OneRoster 1.2 columns of each file, in spec order.
COLUMNS_12 = {
    "orgs": "sourcedId status dateLastModified name type identifier parentSourcedId",
    "academicSessions": "sourcedId status dateLastModified title type startDate endDate parentSourcedId schoolYear",
    "courses": "sourcedId status dateLastModified schoolYearSourcedId title courseCode grades orgSourcedId subjects "
    "subjectCodes",
    "classes": "sourcedId status dateLastModified title grades courseSourcedId classCode classType location "
    "schoolSourcedId termSourcedIds subjects subjectCodes periods",
    "users": "sourcedId status dateLastModified enabledUser username userIds givenName familyName middleName "
    "identifier email sms phone agentSourcedIds grades password userMasterIdentifier preferredGivenName "
    "preferredMiddleName preferredFamilyName primaryOrgSourcedId pronouns",
    "roles": "sourcedId status dateLastModified userSourcedId roleType role beginDate endDate orgSourcedId "
    "userProfileSourcedId",
    "enrollments": "sourcedId status dateLastModified classSourcedId schoolSourcedId userSourcedId role primary "
    "beginDate endDate",
    "categories": "sourcedId status dateLastModified title weight",
    "lineItems": "sourcedId status dateLastModified title description assignDate dueDate classSourcedId "
    "categorySourcedId academicSessionSourcedId resultValueMin resultValueMax schoolSourcedId",
    "results": "sourcedId status dateLastModified lineItemSourcedId studentSourcedId scoreStatus score scoreDate "
    "comment textScore classSourcedId inProgress incomplete late missing",
}
COLUMNS_11 = {
    **{k: v for k, v in COLUMNS_12.items() if k not in ("users", "roles", "categories", "lineItems", "results")},
    "users": "sourcedId status dateLastModified enabledUser orgSourcedIds role username userIds givenName familyName "
    "middleName identifier email sms phone agentSourcedIds grades password",
    "categories": "sourcedId status dateLastModified title",
    "lineItems": "sourcedId status dateLastModified title description assignDate dueDate classSourcedId "
    "categorySourcedId gradingPeriodSourcedId resultValueMin resultValueMax",
    "results": "sourcedId status dateLastModified lineItemSourcedId studentSourcedId scoreStatus score scoreDate "
    "comment",
}


def district_12() -> dict[str, list[dict]]:
    """A small district as OneRoster 1.2 rows: one district and school (number 0101, leading zero
    kept), a year with two grading periods, a district course and two school courses, two
    classes, a teacher and a student, a category, a line item and a result."""
    return {
        "orgs": [
            {"sourcedId": "d1", "name": "Example Unified", "type": "district", "identifier": "D1"},
            {"sourcedId": "s1", "name": "North High", "type": "school", "identifier": "0101", "parentSourcedId": "d1"},
        ],
        "academicSessions": [
            {"sourcedId": "y1", "title": "22-23", "type": "schoolYear", "startDate": "2022-07-01",
             "endDate": "2023-06-30", "schoolYear": "2023"},
            {"sourcedId": "t2", "title": "Q2", "type": "gradingPeriod", "startDate": "2022-11-01",
             "endDate": "2023-01-20", "parentSourcedId": "y1", "schoolYear": "2023"},
            {"sourcedId": "t1", "title": "Q1", "type": "gradingPeriod", "startDate": "2022-08-15",
             "endDate": "2022-10-31", "parentSourcedId": "y1", "schoolYear": "2023"},
        ],
        "courses": [
            {"sourcedId": "c1", "title": "English 9", "courseCode": "ENG9", "grades": "09", "orgSourcedId": "d1",
             "subjects": "English Language and Literature", "subjectCodes": "01001"},
            {"sourcedId": "c2", "schoolYearSourcedId": "y1", "title": "English 9 (North)", "courseCode": "ENG9",
             "grades": "09", "orgSourcedId": "s1"},
            {"sourcedId": "c3", "schoolYearSourcedId": "y1", "title": "Art Studio", "courseCode": "ART1",
             "grades": "09,10", "orgSourcedId": "s1"},
        ],
        "classes": [
            {"sourcedId": "k1", "title": "English 9 - 1", "courseSourcedId": "c2", "classCode": "1",
             "classType": "scheduled", "schoolSourcedId": "s1", "termSourcedIds": "t1,t2", "periods": "1"},
            {"sourcedId": "k2", "title": "Art - 1", "courseSourcedId": "c3", "classCode": "1",
             "classType": "scheduled", "schoolSourcedId": "s1", "termSourcedIds": "t1"},
        ],
        "users": [
            {"sourcedId": "u1", "enabledUser": "true", "username": "jdoe", "givenName": "Jane", "familyName": "Doe",
             "identifier": "T100", "email": "jdoe@example.org"},
            {"sourcedId": "u2", "enabledUser": "true", "username": "amy.s", "givenName": "Amy", "familyName": "S",
             "identifier": "s0001"},
        ],
        "roles": [
            {"sourcedId": "r1", "userSourcedId": "u1", "roleType": "primary", "role": "teacher", "orgSourcedId": "s1"},
            {"sourcedId": "r2", "userSourcedId": "u2", "roleType": "primary", "role": "student", "orgSourcedId": "s1"},
        ],
        "enrollments": [
            {"sourcedId": "e1", "classSourcedId": "k1", "schoolSourcedId": "s1", "userSourcedId": "u1",
             "role": "teacher", "primary": "true"},
            {"sourcedId": "e2", "classSourcedId": "k1", "schoolSourcedId": "s1", "userSourcedId": "u2",
             "role": "student", "primary": "false"},
        ],
        "categories": [{"sourcedId": "cat1", "title": "Homework", "weight": "20"}],
        "lineItems": [
            {"sourcedId": "li1", "title": "Essay 1", "assignDate": "2022-09-01", "dueDate": "2022-09-08",
             "classSourcedId": "k1", "categorySourcedId": "cat1", "academicSessionSourcedId": "t1",
             "resultValueMin": "0", "resultValueMax": "10", "schoolSourcedId": "s1"},
        ],
        "results": [
            {"sourcedId": "res1", "lineItemSourcedId": "li1", "studentSourcedId": "u2", "scoreStatus": "fully graded",
             "score": "9", "scoreDate": "2022-09-09", "comment": "good", "classSourcedId": "k1"},
        ],
    }  # fmt: skip


def district_11() -> dict[str, list[dict]]:
    """The same district in OneRoster 1.1: role and orgs on the user, gradingPeriodSourcedId."""
    files = copy.deepcopy(district_12())
    roles = {r["userSourcedId"]: r for r in files.pop("roles")}
    for user in files["users"]:
        user["role"] = roles[user["sourcedId"]]["role"]
        user["orgSourcedIds"] = roles[user["sourcedId"]]["orgSourcedId"]
    for item in files["lineItems"]:
        item["gradingPeriodSourcedId"] = item.pop("academicSessionSourcedId")
    for category in files["categories"]:
        category.pop("weight")
    return files


def manifest(version: str, files: dict, mode: str = "bulk") -> list[tuple[str, str]]:
    rows = [("manifest.version", "1.0"), ("oneroster.version", version)]
    rows += [(f"file.{name}", mode) for name in sorted(files)]
    return rows


def write_package(
    target: Path,
    files: dict[str, list[dict]],
    *,
    version: str = "1.2",
    mode: str = "bulk",
    manifest_rows: list[tuple[str, str]] | None = None,
    raw: dict[str, str] | None = None,
) -> Path:
    """Write a package as a folder, or a ZIP when ``target`` ends in .zip. ``raw`` gives files'
    text as is (for damage no writer makes)."""
    columns = COLUMNS_12 if version == "1.2" else COLUMNS_11
    texts: dict[str, str] = {}
    for name, rows in files.items():
        texts[f"{name}.csv"] = csv_text(rows, columns[name].split() if name in columns else None)
    if manifest_rows is None:
        manifest_rows = manifest(version, files, mode)
    if manifest_rows != []:
        texts["manifest.csv"] = csv_text([dict(zip(("propertyName", "value"), r, strict=True)) for r in manifest_rows])
    texts.update(raw or {})
    if target.suffix == ".zip":
        with zipfile.ZipFile(target, "w") as archive:
            for name, text in texts.items():
                archive.writestr(name, text)
    else:
        target.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (target / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return target


@pytest.fixture
def district_db(db):
    """The small example district, loaded: what a refused package must leave untouched."""
    from exchange.district import district_import_file

    district_import_file(Path(__file__).resolve().parent.parent / "fixtures" / "district-small.json")
    return row_counts()
