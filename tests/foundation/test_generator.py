"""The synthetic district generator: deterministic, realistic, and what import reads (issue 2)."""

import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.errors import InputError
from exchange.generator import DATA_FILE, district_generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def district():
    return district_generate(schools=6, masters=60, seed=3)


def _text(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_same_seed_same_district_byte_for_byte(district):
    assert _text(district_generate(schools=6, masters=60, seed=3)) == _text(district)


def test_another_seed_another_district(district):
    assert _text(district_generate(schools=6, masters=60, seed=4)) != _text(district)


def test_reads_its_own_copy_of_the_reference_data_not_the_shared_folder():
    assert DATA_FILE.is_relative_to(ROOT / "exchange")
    assert "shared" not in (ROOT / "exchange" / "generator.py").read_text()
    assert (DATA_FILE.parent / "README.md").read_text().count("licen") >= 1


def test_three_catalogs_and_schools_of_each_level(district):
    catalogs = {c["name"] for c in district["catalogs"]}
    assert catalogs == {"Elementary Catalog", "Middle School Catalog", "High School Catalog"}
    used = Counter(s["catalog"] for s in district["schools"])
    assert set(used) >= catalogs
    roles = Counter(u["role"] for u in district["users"])
    assert roles["district_admin"] == 1
    assert roles["school_admin"] == len(district["schools"])
    assert roles["teacher"] > len(district["schools"])


def test_masters_have_real_sced_codes_and_names_that_fit(district):
    masters = district["course_masters"]
    assert all(re.fullmatch(r"\d{5}", m["attributes"]["sced_code"]) for m in masters)
    assert all(0 < len(m["name"]) <= 30 for m in masters)
    names = {m["name"] for m in masters}
    assert {"AP Calc AB", "Mathematics 7", "Reading K"} & names
    assert len({(m["catalog"], m["number"]) for m in masters}) == len(masters)


def test_courses_link_to_masters_of_their_schools_catalog(district):
    catalog_of = {s["number"]: s["catalog"] for s in district["schools"]}
    masters = {(m["catalog"], m["number"]) for m in district["course_masters"]}
    linked = [c for c in district["courses"] if c["master"]]
    assert len(linked) > 0.8 * len(district["courses"])
    assert all((catalog_of[c["calendar"]["school"]], c["master"]) in masters for c in linked)
    # the virtual school uses no catalog and its courses are its own
    assert any(c["master"] is None and c["categories"] for c in district["courses"])


def test_a_pushed_district_holds_every_situation_people_meet(district):
    courses = district["courses"]
    states = Counter(i["state"] for c in courses for t in ("categories", "grading_tasks") for i in c[t])
    assert states["linked"] and states["unlinked"] and states["local"] and states["residual"]
    assert any(c["ignore_master_push"] for c in courses)
    assert any(c["desynced"] for c in courses)
    # an item whose master item is gone awaits removal (R8)
    assert any(i["state"] == "linked" and i["source"] is None for c in courses for i in c["grading_tasks"])
    sections = district["sections"]
    section_states = Counter(i["state"] for s in sections for i in s["categories"])
    assert section_states["linked"] and section_states["teacher"] and section_states["residual"]
    assert any(i["name"].endswith(" (1)") for s in sections for i in s["categories"])  # renamed by a push (R19)
    # grade calc options and composites reach sections with the categories (R17, R19)
    assert any(s["grade_calc_options"] for s in sections) and any(s["composite_grades"] for s in sections)


def test_teacher_data_has_extra_credit_comments_and_posted_grades(district):
    sections = district["sections"]
    scores = [(a, s) for sec in sections for a in sec["assignments"] for s in a["scores"]]
    assert any(s["score"] is not None and Decimal(s["score"]) > Decimal(a["points"]) for a, s in scores)
    assert any(s["comment"] for _, s in scores)
    assert any(s["score"] is None for _, s in scores)
    assert any(sec["posted_grades"] for sec in sections)
    # every assignment's category is one of its section's categories
    for sec in sections:
        names = {c["name"] for c in sec["categories"]}
        assert all(a["category"] in names for a in sec["assignments"])


def test_unpushed_courses_are_linked_but_hold_none_of_the_master_setup():
    district = district_generate(schools=3, masters=30, unpushed=True, seed=5)
    linked = [c for c in district["courses"] if c["master"]]
    assert linked
    setup = ("grading_tasks", "standards", "categories", "assessments", "grade_calc_options", "composite_grades")
    assert all(not c[t] for c in linked for t in setup)
    assert all(i["state"] == "teacher" for s in district["sections"] for i in s["categories"])
    # teachers' categories carry master category names that the first push will collide with (R19)
    master_names = {c["name"] for m in district["course_masters"] for c in m["categories"]}
    assert any(i["name"] in master_names for s in district["sections"] for i in s["categories"])


def test_sizes_follow_the_arguments():
    small = district_generate(schools=1, masters=10, sections_per_course=1, students_per_section=2,
                              assignments_per_section=1)  # fmt: skip
    assert len(small["schools"]) == 1
    graded = [s for s in small["sections"] if s["assignments"]]
    assert graded and all(len(s["assignments"]) == 1 for s in graded)
    assert all(len(a["scores"]) == 2 for s in graded for a in s["assignments"])
    assert all(s["number"] == "1" for s in small["sections"])
    bigger = district_generate(schools=1, masters=40, sections_per_course=4)
    assert len(bigger["courses"]) > len(small["courses"])
    assert len(bigger["sections"]) > 2 * len(bigger["courses"])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"schools": 0}, "schools must be"), ({"schools": 2, "masters": 0}, "masters must be")],
)
def test_r32_bad_sizes_are_refused(arguments, message):
    with pytest.raises(InputError, match=message):
        district_generate(**arguments)


@pytest.mark.django_db(transaction=False)
def test_generated_district_imports_and_exports_the_same_document():
    from exchange.district import district_export_json, district_import

    document = district_generate(schools=4, masters=20, students_per_section=3, assignments_per_section=2, seed=9)
    district_import(document)
    assert district_export_json() == _text(document)


@pytest.mark.django_db
def test_r9_generated_desynced_courses_are_what_the_desync_rule_finds():
    from courses.models import Course
    from courses.selectors import course_desync_reasons_bulk
    from exchange.district import district_import

    document = district_generate(schools=4, masters=40, seed=11)
    district_import(document)
    catalogs = {c["name"]: set(c["locks"]["types"]) for c in document["catalogs"]}
    catalog_of = {s["number"]: s["catalog"] for s in document["schools"]}
    expected = set()
    for c in document["courses"]:
        if not c["master"]:
            continue
        locks = catalogs[catalog_of[c["calendar"]["school"]]]
        unlinked = any(i["state"] == "unlinked" for t in locks if t in c for i in c[t])
        if unlinked or set(c["desynced"]) & locks:
            expected.add((c["calendar"]["school"], c["number"]))
    assert expected
    ids = dict(Course.objects.values_list("pk", "number"))
    schools = dict(Course.objects.values_list("pk", "calendar__school__number"))
    reasons = course_desync_reasons_bulk(course_ids=list(ids))
    found = {(schools[pk], ids[pk]) for pk, r in reasons.items() if r}
    assert found == expected
