"""Push engine fixtures: situations stated in the exchange format (district-format.md).

``district`` is a small district whose one course is linked to its master and was
never pushed. Tests change the document, ``load`` it, push, and read the outcome
back with ``district_export`` through ``course``/``section``.
"""

from __future__ import annotations

import copy

import pytest
from django.db import connection

from courses.models import CourseCategory
from exchange.district import district_export, district_import
from pushjobs.engine import CoursePushOptions, MasterPushOptions, push_run

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


BASE = {
    "format": "district-grading/1",
    "district": {"name": "Test Unified", "batch_processing_enabled": True},
    "school_years": [
        {"name": "22-23", "start": "2022-07-01", "end": "2023-06-30"},
        {"name": "23-24", "start": "2023-07-01", "end": "2024-06-30"},
    ],
    "grading_tasks": [
        {"code": "S1", "name": "Semester 1 Grade"},
        {"code": "Q1G", "name": "Quarter 1 Grade"},
        {"code": "Q2G", "name": "Quarter 2 Grade"},
        {"code": "Q3G", "name": "Quarter 3 Grade"},
    ],
    "standards": [
        {"code": "ELA.W.1", "name": "Writes arguments", "post_only": False},
        {"code": "ELA.R.1", "name": "Reads closely", "post_only": False},
    ],
    "tests": [{"code": "MAP", "name": "MAP Growth"}, {"code": "SBAC", "name": "Smarter Balanced"}],
    "grading_scales": [{"name": "A-F"}, {"name": "1-4"}],
    "catalogs": [
        {"name": CATALOG, "locks": {"attributes": ["name", "number", "state_code", "credits"], "types": ALL_LOCKS}},
        {"name": "Middle School Catalog", "locks": {"attributes": ["name"], "types": ALL_LOCKS}},
    ],
    "schools": [
        {"number": "101", "name": "North High", "catalog": CATALOG},
        {"number": "102", "name": "South High", "catalog": CATALOG},
        {"number": "201", "name": "Central Middle", "catalog": "Middle School Catalog"},
    ],
    "calendars": [
        {"school": "101", "year": "22-23", "name": "22-23 North High", "terms": ["Q1", "Q2", "Q3", "Q4"]},
        {"school": "102", "year": "22-23", "name": "22-23 South High", "terms": ["Q1", "Q2", "Q3", "Q4"]},
        {"school": "201", "year": "22-23", "name": "22-23 Central Middle", "terms": ["Q1", "Q2", "Q3", "Q4"]},
        {"school": "101", "year": "23-24", "name": "23-24 North High", "terms": ["Q1", "Q2", "Q3", "Q4"]},
    ],
    "course_masters": [
        {
            "catalog": CATALOG,
            "number": "ENG9",
            "name": "English 9",
            "attributes": {"state_code": "01001", "credits": "1.00", "department": "English"},
            "grading_tasks": [
                {"task": "S1", "credit": "0.50", "credit_type": "English", "score_group": "A-F"},
                {"task": "Q1G", "credit": "0.00", "credit_type": "English", "score_group": "A-F"},
            ],
            "standards": [{"standard": "ELA.W.1", "score_group": "1-4"}],
            "categories": [category("Homework", "20.00", 1), category("Tests", "80.00", 2)],
            "assessments": [{"test": "MAP", "standard": None, "copies_forward": True}],
            "grade_calc_options": [gco("task:S1", "Q1"), gco("task:Q1G", "Q1")],
            "composite_grades": [composite("task:S1", ("task:Q1G", "50.00"), ("task:Q2G", "50.00"))],
        },
        {"catalog": "Middle School Catalog", "number": "ENG7", "name": "English 7", "categories": [category("Work")]},
    ],
    "courses": [
        {"calendar": {"school": "101", "year": "22-23"}, "number": "ENG9", "name": "English 9", "master": "ENG9"},
    ],
    "sections": [
        {"course": {"school": "101", "year": "22-23", "number": "ENG9"}, "number": "1", "teacher": "jdoe"},
    ],
    "users": [{"username": "jdoe", "role": "teacher", "schools": ["101"]}],
}


@pytest.fixture
def district(db):
    """A fresh copy of the base document (not loaded yet)."""
    return copy.deepcopy(BASE)


def load(document: dict, *, replace: bool = False) -> None:
    district_import(document, replace=replace)


def exported() -> dict:
    return district_export()


def master_push(*, dry_run=False, chunk_size=None, **options):
    options.setdefault("year", YEAR)
    options.setdefault("catalog", CATALOG)
    if "data" in options:
        options["data"] = frozenset(options["data"])
    return push_run(MasterPushOptions(**options), dry_run=dry_run, chunk_size=chunk_size)


def course_push(*, dry_run=False, chunk_size=None, **options):
    options.setdefault("school", "101")
    options.setdefault("year", YEAR)
    if "data" in options:
        options["data"] = frozenset(options["data"])
    return push_run(CoursePushOptions(**options), dry_run=dry_run, chunk_size=chunk_size)


def pushed(document: dict) -> dict:
    """Load the document, push everything from the masters to courses and sections (overwrite),
    and return the resulting state as a document: "a district in sync" to start a test from."""
    load(document)
    master_push(mode="overwrite", to_sections=True)
    return exported()


def reload(document: dict) -> None:
    load(document, replace=True)


def course(doc: dict, number: str = "ENG9", school: str = "101", year: str = YEAR) -> dict:
    for c in doc["courses"]:
        if c["number"] == number and c["calendar"] == {"school": school, "year": year}:
            return c
    raise KeyError(number)


def section(doc: dict, number: str = "1", course_number: str = "ENG9", school: str = "101", year: str = YEAR) -> dict:
    for s in doc["sections"]:
        if s["number"] == number and s["course"] == {"school": school, "year": year, "number": course_number}:
            return s
    raise KeyError(number)


def master(doc: dict, number: str = "ENG9", catalog: str = CATALOG) -> dict:
    for m in doc["course_masters"]:
        if m["number"] == number and m["catalog"] == catalog:
            return m
    raise KeyError(number)


def by_key(items: list[dict], key: str = "name") -> dict:
    return {i[key]: i for i in items}


def states(items: list[dict], key: str = "name") -> dict:
    return {i[key]: i["state"] for i in items}


def rows(outcome, kind: str | None = None) -> list:
    return [r for r in outcome.rows if kind is None or r.outcome == kind]


def teacher_data(doc: dict) -> list:
    """Every assignment (with its scores and comments) and posted grade, wherever it is. An
    assignment's category is compared only for being there: a push may rename it (R30)."""
    out = []
    for s in doc["sections"]:
        assignments = sorted(repr({**a, "category": a.get("category") is not None}) for a in s.get("assignments", []))
        out.append((repr(s["course"]), s["number"], assignments, repr(s.get("posted_grades", []))))
    return sorted(out)


def assignment(name, category=None, items=(), term="Q1", scores=(("s0001", "9.00", "good"),)):
    return {
        "name": name,
        "category": category,
        "items": list(items),
        "term": term,
        "points": "10.00",
        "scores": [{"student": st, "score": sc, "comment": cm} for st, sc, cm in scores],
    }


def posted_grade(item, term, student="s0001", grade="A", comment=""):
    return {"item": item, "term": term, "student": student, "grade": grade, "comment": comment}


def add_course(doc: dict, school: str, number: str = "ENG9", year: str = YEAR, sections=("1",), **fields) -> dict:
    record = {"calendar": {"school": school, "year": year}, "number": number, "name": fields.pop("name", number)}
    record.update(fields)
    doc["courses"].append(record)
    for n in sections:
        doc["sections"].append({"course": {"school": school, "year": year, "number": number}, "number": n})
    return record


def master_item_remove(doc: dict, list_name: str, key: str, *, key_field: str = "name", number: str = "ENG9") -> None:
    """Delete an item from the master; course items pushed from it lose their source (R8)."""
    m = master(doc, number)
    m[list_name] = [i for i in m[list_name] if _key_text(i, key_field) != key]
    for c in doc["courses"]:
        if c.get("master") == number:
            for i in c.get(list_name, []):
                if i.get("source") == key:
                    i["source"] = None


def _key_text(item: dict, key_field: str) -> str:
    if key_field == "gco":
        return f"{item['item']} {item['term']}"
    return item[key_field]


def north_high_courses(document: dict, courses) -> None:
    """Load the document with North High 22-23 holding only these courses, each (number, its
    master's number[, more fields]), one section each; a master named that the document lacks is
    added, with one category of its own (R16 number trades)."""
    document["courses"] = []
    document["sections"] = []
    known = {m["number"] for m in document["course_masters"]}
    for number in sorted({m for _, m, *_ in courses}):
        if number not in known:
            document["course_masters"].append(
                {"catalog": CATALOG, "number": number, "name": f"Course {number}", "categories": [category("Work")]}
            )
    for number, master_number, *extra in courses:
        add_course(document, "101", number=number, master=master_number, **(extra[0] if extra else {}))
    load(document)


def refuse_categories_of(number: str, *, on: str) -> None:
    """A real database error for one course: a trigger refusing to ``on`` ("INSERT" or "DELETE")
    the categories of the course of that number (a write that fails for it alone, R12)."""
    row = "NEW" if on == "INSERT" else "OLD"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE FUNCTION test_refuse() RETURNS trigger AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM courses_course c WHERE c.id = {row}.course_id AND c.number = '{number}') THEN
                    RAISE EXCEPTION 'refused by test trigger';
                END IF;
                RETURN {row};
            END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse BEFORE {on} ON {CourseCategory._meta.db_table}
                FOR EACH ROW EXECUTE FUNCTION test_refuse();
            """
        )
