"""Report fixtures: situations stated in the exchange format (district-format.md).

``district`` is a document (not loaded yet) of a small district right after a push:
master ENG9 of the High School Catalog holds every type; its courses at schools 101
and 102 hold the master's items, linked; ENG9's sections hold the course's
categories, grade calc options and composites, linked. Nothing differs anywhere, so
every report starts empty. Tests change the document to state a situation, ``load``
it, and read the reports.
"""

from __future__ import annotations

import copy

import pytest

from exchange.district import district_import

CATALOG = "High School Catalog"
YEAR = "22-23"
ALL_LOCKS = [
    "grading_tasks",
    "standards",
    "grade_calc_options",
    "composite_grades",
    "composite_weights",
    "categories",
    "assessments",
]
PASSWORD = "report-tests-password-1"


def category(name, weight="10.00", sequence=1, **extra):
    return {"name": name, "weight": weight, "sequence": sequence, "drop_lowest": 0, "excluded": False, **extra}


def gco(item, term, calculation="in_progress", **extra):
    return {
        "item": item,
        "term": term,
        "calculation": calculation,
        "grading_scale": "A-F",
        "weight_categories": False,
        "use_score_percent": False,
        **extra,
    }


def composite(parent, *children, **extra):
    return {"parent": parent, "children": [{"item": i, "weight": w} for i, w in children], **extra}


MASTER_SETUP = {
    "grading_tasks": [
        {"task": "Q1G", "credit": "0.00", "credit_type": "English", "score_group": "A-F"},
        {"task": "S1", "credit": "0.50", "credit_type": "English", "score_group": "A-F"},
    ],
    "standards": [{"standard": "ELA.W.1", "score_group": "1-4"}],
    "categories": [category("Homework", "20.00", 1), category("Tests", "80.00", 2)],
    "assessments": [{"test": "MAP", "standard": None, "copies_forward": True}],
    "grade_calc_options": [gco("task:Q1G", "Q1"), gco("task:S1", "Q1")],
    "composite_grades": [composite("task:S1", ("task:Q1G", "50.00"), ("task:Q2G", "50.00"))],
}
SECTION_TYPES = ("categories", "grade_calc_options", "composite_grades")


def linked(items: list[dict], **extra) -> list[dict]:
    """Copies of the items one level up, as a push leaves them: linked (source: their own key)."""
    return [{**copy.deepcopy(item), "state": "linked", **extra} for item in items]


def pushed_course(school: str, number: str = "ENG9", master: str | None = "ENG9", **extra) -> dict:
    course = {
        "calendar": {"school": school, "year": YEAR},
        "number": number,
        "name": "English 9",
        "master": master,
        "ignore_master_push": False,
        "desynced": [],
    }
    for type_name, items in MASTER_SETUP.items():
        course[type_name] = linked(items)
    course.update(extra)
    return course


def pushed_section(school: str, number: str, teacher: str | None, course: str = "ENG9") -> dict:
    section = {"course": {"school": school, "year": YEAR, "number": course}, "number": number, "teacher": teacher}
    for type_name in SECTION_TYPES:
        section[type_name] = linked(MASTER_SETUP[type_name])
    for item in section["grade_calc_options"]:
        item["read_only"] = False
    return section


BASE = {
    "format": "district-grading/1",
    "district": {"name": "Report Unified", "batch_processing_enabled": True},
    "school_years": [
        {"name": "22-23", "start": "2022-07-01", "end": "2023-06-30"},
        {"name": "23-24", "start": "2023-07-01", "end": "2024-06-30"},
    ],
    "grading_tasks": [
        {"code": "S1", "name": "Semester 1 Grade"},
        {"code": "Q1G", "name": "Quarter 1 Grade"},
        {"code": "Q2G", "name": "Quarter 2 Grade"},
    ],
    "standards": [
        {"code": "ELA.W.1", "name": "Writes arguments", "post_only": False},
        {"code": "ELA.R.1", "name": "Reads closely", "post_only": False},
    ],
    "tests": [{"code": "MAP", "name": "MAP Growth"}, {"code": "SBAC", "name": "Smarter Balanced"}],
    "grading_scales": [{"name": "A-F"}, {"name": "1-4"}],
    "catalogs": [
        {"name": CATALOG, "locks": {"attributes": ["name", "number"], "types": ALL_LOCKS}},
        {"name": "Middle School Catalog", "locks": {"attributes": ["name"], "types": ALL_LOCKS}},
    ],
    "schools": [
        {"number": "101", "name": "North High", "catalog": CATALOG},
        {"number": "102", "name": "South High", "catalog": CATALOG},
        {"number": "201", "name": "Central Middle", "catalog": "Middle School Catalog"},
    ],
    "calendars": [
        {"school": "101", "year": YEAR, "name": "22-23 North High", "terms": ["Q1", "Q2"]},
        {"school": "102", "year": YEAR, "name": "22-23 South High", "terms": ["Q1", "Q2"]},
        {"school": "201", "year": YEAR, "name": "22-23 Central Middle", "terms": ["Q1", "Q2"]},
    ],
    "course_masters": [
        {"catalog": CATALOG, "number": "ENG9", "name": "English 9", **copy.deepcopy(MASTER_SETUP)},
        {"catalog": "Middle School Catalog", "number": "ENG7", "name": "English 7", "categories": [category("Work")]},
    ],
    "courses": [pushed_course("101"), pushed_course("102")],
    "sections": [pushed_section("101", "1", "jdoe"), pushed_section("101", "2", "msmith")],
    "users": [
        {"username": "admin", "role": "district_admin", "schools": []},
        {"username": "principal", "role": "school_admin", "schools": ["101"]},
        {"username": "jdoe", "role": "teacher", "schools": ["101"]},
        {"username": "msmith", "role": "teacher", "schools": ["101"]},
    ],
}


@pytest.fixture
def district(db) -> dict:
    """A fresh copy of the base document (not loaded yet)."""
    return copy.deepcopy(BASE)


def load(document: dict) -> None:
    district_import(document)


def find(records: list[dict], **key) -> dict:
    """The one record whose fields match ``key`` (a course by calendar school, an item by name...)."""
    found = []
    for record in records:
        ok = True
        for k, v in key.items():
            if k == "school":
                where = record.get("calendar") or record.get("course") or {}
                ok = ok and where.get("school") == v
            elif record.get(k) != v:
                ok = False
        if ok:
            found.append(record)
    assert len(found) == 1, (key, len(found))
    return found[0]


def master(document: dict, number: str = "ENG9") -> dict:
    return find(document["course_masters"], number=number)


def course(document: dict, school: str = "101", number: str = "ENG9") -> dict:
    return find(document["courses"], school=school, number=number)


def section(document: dict, number: str = "1", school: str = "101") -> dict:
    return find(document["sections"], school=school, number=number)


def rows_of(kind: str, **filters) -> list[dict[str, str]]:
    """Every row of a report, as {column: value}, through the selector."""
    from reports.filters import report_filters_resolve
    from reports.selectors import report_get

    filters.setdefault("year", YEAR)
    report = report_get(filters=report_filters_resolve(kind=kind, **filters))
    return list(report.row_dicts())


@pytest.fixture
def users(db):
    """After ``load``: the district's users with a known password, by username."""
    from catalog.models import User

    def get():
        out = {}
        for user in User.objects.all():
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            out[user.username] = user
        return out

    return get


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def assignment_doc(name, category=None, items=(), term="Q1", scores=3):
    """A section assignment in the exchange format, with ``scores`` students scored."""
    return {
        "name": name,
        "category": category,
        "items": list(items),
        "term": term,
        "points": "10",
        "scores": [{"student": f"s{i:03}", "score": "8", "comment": ""} for i in range(scores)],
    }
