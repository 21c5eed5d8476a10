"""R90: keys and names up to 255 characters (a course master's name up to 30), compared after NFC
normalisation and trimmed on input; and the import's edge cases (issue 11): a repeated JSON key,
nesting 10,000 deep, a NUL character, a 10 MB description, numbers and dates outside
catalog.limits. Each is refused with its JSON path, exit 2 on the command, nothing changed."""

import io
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog import limits
from exchange.district import DistrictFileError, district_export, district_export_json, district_import
from exchange.importer import district_import_file
from exchange.schema import district_schema, schema_limits

from .conftest import FIXTURE, SMALL_TEXT, find, row_counts

LONG = "x" * 255


@pytest.fixture
def loaded(db):
    district_import_file(FIXTURE)
    return row_counts()


def refused(doc, expected: str, loaded) -> None:
    with pytest.raises(DistrictFileError) as raised:
        district_import(doc, replace=True)
    assert str(raised.value) == expected
    assert row_counts() == loaded
    assert district_export_json() == SMALL_TEXT


def rename_school(doc, old: str, new: str) -> None:
    """Give a school a new number everywhere the document names it."""
    for school in doc["schools"]:
        if school["number"] == old:
            school["number"] = new
    for record in doc["calendars"]:
        if record["school"] == old:
            record["school"] = new
    for record in doc["courses"]:
        if record["calendar"]["school"] == old:
            record["calendar"]["school"] = new
    for record in doc["sections"]:
        if record["course"]["school"] == old:
            record["course"]["school"] = new
    for user in doc["users"]:
        user["schools"] = sorted(new if s == old else s for s in user["schools"])


def test_r90_keys_and_names_of_255_characters_round_trip(db, small_doc):
    # given a district whose identifiers are as long as Ed-Fi and OneRoster make them
    school = "S" * 255
    rename_school(small_doc, "101", school)
    small_doc["schools"][0]["name"] = "N" * 255
    course = small_doc["courses"][0]
    course["name"] = "C" * 255
    i, section = find(small_doc["sections"], number="1", course={"number": "ENG9", "school": school, "year": "22-23"})
    section["number"] = "7" * 255
    section["assignments"][0]["scores"][0]["student"] = "0" * 255
    small_doc["users"][1]["username"] = "u" * 255
    for record in small_doc["sections"]:
        if record.get("teacher") == "jdoe":
            record["teacher"] = "u" * 255
    small_doc["course_masters"][0]["name"] = "M" * 30
    # when it is imported and exported
    district_import(small_doc)
    exported = district_export()
    # then every identifier is kept whole
    assert any(s["number"] == school and s["name"] == "N" * 255 for s in exported["schools"])
    assert any(c["name"] == "C" * 255 for c in exported["courses"])
    assert any(s["number"] == "7" * 255 for s in exported["sections"])
    assert any(u["username"] == "u" * 255 for u in exported["users"])
    students = {sc["student"] for s in exported["sections"] for a in s["assignments"] for sc in a["scores"]}
    assert "0" * 255 in students
    # and the export reads back into the same document
    again = json.loads(district_export_json())
    district_import(again, replace=True)
    assert district_export() == exported


def test_r90_master_name_longer_than_30_refused(loaded, small_doc):
    small_doc["course_masters"][0]["name"] = "M" * 31
    refused(small_doc, "course_masters[0].name: is longer than 30 characters", loaded)


def test_r90_school_number_longer_than_255_refused(loaded, small_doc):
    rename_school(small_doc, "101", "S" * 256)
    refused(small_doc, "schools[0].number: is longer than 255 characters", loaded)


def test_r90_term_and_student_longer_than_255_refused(loaded, small_doc):
    small_doc["sections"][0]["assignments"][0]["scores"][0]["student"] = "0" * 256
    refused(small_doc, "sections[0].assignments[0].scores[0].student: is longer than 255 characters", loaded)


def test_r90_keys_are_trimmed_and_nfc_normalised_on_input(db, small_doc):
    # given a school number with spaces around it and a category name typed in NFD
    rename_school(small_doc, "101", " 101 ")
    i, master = find(small_doc["course_masters"], number="ART")
    nfd = unicodedata.normalize("NFD", "Café")
    assert nfd != "Café"
    master["categories"] = [{"name": f"{nfd} ", "weight": "10", "sequence": 1, "drop_lowest": 0, "excluded": False}]
    # when it is imported
    district_import(small_doc)
    exported = district_export()
    # then the stored keys are trimmed and NFC
    assert "101" in {s["number"] for s in exported["schools"]}
    _, master = find(exported["course_masters"], number="ART")
    assert [c["name"] for c in master["categories"]] == ["Café"]


def test_r90_category_names_equal_once_nfc_normalised_are_duplicates(loaded, small_doc):
    i, master = find(small_doc["course_masters"], number="ENG9")
    master["categories"][0]["name"] = "Café"
    master["categories"][1]["name"] = unicodedata.normalize("NFD", "Café")
    refused(small_doc, f'course_masters[{i}].categories[1]: duplicate category "Café" (also categories[0])', loaded)


def test_r90_course_numbers_equal_once_trimmed_are_duplicates(loaded, small_doc):
    first = small_doc["courses"][0]
    twin = json.loads(json.dumps(first))
    twin["number"] = first["number"] + " "
    small_doc["courses"].append(twin)
    n = len(small_doc["courses"]) - 1
    refused(
        small_doc,
        f'courses[{n}].number: duplicate course "{first["number"]}" in calendar 101 22-23 (also courses[0])',
        loaded,
    )


def test_r90_repeated_json_object_key_refused_with_its_path(loaded, tmp_path):
    text = SMALL_TEXT.replace('"name": "North High"', '"name": "North High", "name": "South High"', 1)
    assert text != SMALL_TEXT
    path = tmp_path / "twice.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DistrictFileError) as raised:
        district_import_file(path, replace=True)
    i = [s["name"] for s in json.loads(SMALL_TEXT)["schools"]].index("North High")
    assert str(raised.value) == f'schools[{i}]: has the key "name" twice'
    assert row_counts() == loaded


def test_r90_arrays_nested_10000_deep_in_a_file_refused_clearly(loaded, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"format": "district-grading/1", "schools": ' + "[" * 10_000 + "]" * 10_000 + "}")
    with pytest.raises(DistrictFileError) as raised:
        district_import_file(path, replace=True)
    assert "nested" in str(raised.value)
    assert "Recursion" not in str(raised.value)
    assert row_counts() == loaded


def test_r90_arrays_nested_10000_deep_in_a_document_refused_with_path(loaded, small_doc):
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    small_doc["schools"] = deep
    with pytest.raises(DistrictFileError) as raised:
        district_import(small_doc, replace=True)
    assert str(raised.value).startswith("schools[0][0][0]")
    assert "nested more than 32 levels deep" in str(raised.value)
    assert row_counts() == loaded


def test_r90_nul_character_refused_with_its_path(loaded, small_doc):
    small_doc["courses"][0]["name"] = "English\u00009"
    refused(small_doc, "courses[0].name: contains a NUL character (\\u0000), which text may not hold", loaded)


def test_r90_ten_megabyte_description_refused_with_its_path(loaded, small_doc):
    small_doc["course_masters"][0]["attributes"]["description"] = "d" * 10_000_000
    refused(small_doc, "course_masters[0].attributes.description: is longer than 10000 characters", loaded)


def test_r90_description_of_10000_characters_keeps_its_spaces(db, small_doc):
    small_doc["course_masters"][0]["attributes"]["description"] = " " + "d" * 9_998 + " "
    district_import(small_doc)
    assert district_export()["course_masters"][0]["attributes"]["description"] == " " + "d" * 9_998 + " "


def test_r90_category_sequence_outside_the_limits_refused(loaded, small_doc):
    i, master = find(small_doc["course_masters"], number="ENG9")
    master["categories"][0]["sequence"] = limits.CATEGORY_SEQUENCE_MAX + 1
    refused(small_doc, f"course_masters[{i}].categories[0].sequence: must be a whole number from 0 to 9999", loaded)


def test_r90_category_drop_lowest_outside_the_limits_refused(loaded, small_doc):
    i, master = find(small_doc["course_masters"], number="ENG9")
    master["categories"][0]["drop_lowest"] = limits.CATEGORY_DROP_LOWEST_MAX + 1
    refused(small_doc, f"course_masters[{i}].categories[0].drop_lowest: must be a whole number from 0 to 99", loaded)


def test_r90_school_year_outside_the_dates_the_product_takes_refused(loaded, small_doc):
    small_doc["school_years"][0]["start"] = "1999-07-01"
    refused(
        small_doc,
        "school_years[0].start: the date 1999-07-01 is outside the dates this product takes (2000-01-01 to 2099-12-31)",
        loaded,
    )


def test_r90_schema_ranges_are_the_ones_catalog_limits_names():
    defs = district_schema()["$defs"]
    for name, (low, high) in schema_limits().items():
        assert (defs[name]["minimum"], defs[name]["maximum"]) == (low, high)
        assert defs[name]["x-message"] == f"must be a whole number from {low} to {high}"


def test_r90_import_district_exits_2_for_a_repeated_key_and_changes_nothing(loaded, tmp_path):
    path = tmp_path / "twice.json"
    path.write_text('{"format": "district-grading/1", "format": "district-grading/1"}', encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import_district", str(path), "--replace", stdout=io.StringIO(), stderr=io.StringIO())
    assert raised.value.returncode == 2
    assert 'document: has the key "format" twice' in str(raised.value)
    assert row_counts() == loaded
