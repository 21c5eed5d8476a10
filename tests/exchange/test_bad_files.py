"""R32: a malformed or inconsistent district file is rejected whole, with the JSON path
and the problem, and changes nothing (district-format.md: "Import is all or nothing")."""

import pytest

from exchange.district import DistrictFileError, district_export_json, district_import, district_import_file

from .conftest import FIXTURE, SMALL_TEXT, find, row_counts

# Each case mutates a copy of tests/fixtures/district-small.json and returns the
# exact message the import must give.


def unknown_top_level_key(doc):
    doc["colour"] = "blue"
    return "colour: unknown key"


def unknown_nested_key(doc):
    i, course = find(doc["courses"], number="ENG9", calendar={"school": "101", "year": "22-23"})
    course["categories"][0]["colour"] = "blue"
    return f"courses[{i}].categories[0].colour: unknown key"


def wrong_type(doc):
    doc["school_years"][0]["name"] = 2223
    return "school_years[0].name: must be a string, not the number 2223"


def decimal_as_json_number(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["grading_tasks"][0]["credit"] = 0.5
    return f"course_masters[{i}].grading_tasks[0].credit: must be a string, not the number 0.5"


def decimal_with_too_many_places(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["categories"][0]["weight"] = "20.125"
    return (
        f"course_masters[{i}].categories[0].weight: must be a decimal written as a string, "
        'at most 5 digits before the point and 2 after ("20")'
    )


def missing_required_key(doc):
    del doc["schools"][1]["name"]
    return 'schools[1]: missing required key "name"'


def unknown_state(doc):
    doc["courses"][0]["categories"][0]["state"] = "pushed"
    return 'courses[0].categories[0].state: "pushed" is not one of "linked", "unlinked", "residual", "local"'


def section_item_in_a_course_only_state(doc):
    doc["sections"][0]["categories"][0]["state"] = "unlinked"
    return 'sections[0].categories[0].state: "unlinked" is not one of "linked", "residual", "teacher"'


def unsupported_format_version(doc):
    doc["format"] = "district-grading/9"
    return 'format: must be "district-grading/1"'


def item_reference_without_kind(doc):
    doc["sections"][0]["posted_grades"][0]["item"] = "S1"
    return 'sections[0].posted_grades[0].item: must name a grading task or standard as "task:CODE" or "standard:CODE"'


def calendar_listing_a_term_twice(doc):
    doc["calendars"][0]["terms"].append("Q1")
    return "calendars[0].terms: lists the same value twice"


def school_with_unknown_catalog(doc):
    doc["schools"][0]["catalog"] = "Elementary Catalog"
    return 'schools[0].catalog: no catalog "Elementary Catalog" in catalogs'


def calendar_of_unknown_year(doc):
    doc["calendars"][0]["year"] = "19-20"
    return 'calendars[0].year: no school year "19-20" in school_years'


def duplicate_school_number(doc):
    doc["schools"].append({"number": "101", "name": "North High Annex", "catalog": None})
    return f'schools[{len(doc["schools"]) - 1}]: duplicate "101" (also schools[0])'


def duplicate_calendar(doc):
    doc["calendars"].append({"school": "101", "year": "22-23", "name": "again", "terms": ["Q1"]})
    return f'calendars[{len(doc["calendars"]) - 1}]: duplicate "101 22-23" (also calendars[0])'


def duplicate_user_ignoring_case(doc):
    doc["users"].append({"username": "JDoe", "role": "teacher", "schools": []})
    i, _ = find(doc["users"], username="jdoe")
    return f'users[{len(doc["users"]) - 1}]: duplicate "JDoe" (also users[{i}])'


def duplicate_category_names_ignoring_case(doc):
    doc["courses"][0]["categories"].append({"name": " homework ", "state": "local"})
    n = len(doc["courses"][0]["categories"]) - 1
    return f'courses[0].categories[{n}]: duplicate category "homework" (also categories[0])'


def duplicate_grade_calc_option(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["grade_calc_options"].append({"item": "task:S1", "term": "Q1"})
    n = len(master["grade_calc_options"]) - 1
    j, _ = find(master["grade_calc_options"], item="task:S1", term="Q1", calculation="in_progress")
    return (
        f"course_masters[{i}].grade_calc_options[{n}]: "
        f'duplicate grade calc option "task:S1 Q1" (also grade_calc_options[{j}])'
    )


def duplicate_master_number(doc):
    doc["course_masters"].append({"catalog": "High School Catalog", "number": "ENG9", "name": "English Nine"})
    i, _ = find(doc["course_masters"], number="ENG9", name="English 9")
    n = len(doc["course_masters"]) - 1
    return (
        f'course_masters[{n}].number: duplicate master "ENG9" in catalog "High School Catalog" '
        f"(also course_masters[{i}])"
    )


def unknown_task_on_master(doc):
    doc["course_masters"][0]["grading_tasks"] = [{"task": "S9"}]
    return 'course_masters[0].grading_tasks[0].task: no grading task "S9" in grading_tasks'


def task_code_that_names_a_standard(doc):
    doc["course_masters"][0]["grading_tasks"] = [{"task": "ELA.W.1"}]
    return 'course_masters[0].grading_tasks[0].task: no grading task "ELA.W.1" in grading_tasks'


def unknown_test_on_assessment(doc):
    doc["course_masters"][0]["assessments"] = [{"test": "ACT"}]
    return 'course_masters[0].assessments[0].test: no test "ACT" in tests'


def unknown_grading_scale(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["grade_calc_options"][0]["grading_scale"] = "Pass/Fail"
    return f'course_masters[{i}].grade_calc_options[0].grading_scale: no grading scale "Pass/Fail" in grading_scales'


def composite_child_unknown(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["composite_grades"][0]["children"].append({"item": "task:Q9G", "weight": "10"})
    n = len(master["composite_grades"][0]["children"]) - 1
    return f'course_masters[{i}].composite_grades[0].children[{n}].item: no grading task "Q9G" in grading_tasks'


def composite_child_twice(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["composite_grades"][0]["children"].append({"item": "task:Q1G", "weight": "10"})
    n = len(master["composite_grades"][0]["children"]) - 1
    return f'course_masters[{i}].composite_grades[0].children[{n}].item: duplicate child "task:Q1G" (also children[0])'


def composite_containing_its_parent(doc):
    i, master = find(doc["course_masters"], number="ENG9")
    master["composite_grades"][0]["children"].append({"item": "task:S1", "weight": "10"})
    n = len(master["composite_grades"][0]["children"]) - 1
    return f"course_masters[{i}].composite_grades[0].children[{n}].item: a composite cannot contain its own parent"


def circular_composites_on_a_master(doc):
    # S1 is made of Q1G and Q2G; Q1G made of S1 closes the circle (issue 11).
    i, master = find(doc["course_masters"], number="ENG9")
    master["composite_grades"].append({"parent": "task:Q1G", "children": [{"item": "task:S1", "weight": "100"}]})
    return f"course_masters[{i}].composite_grades[1]: circular composite grades: task:Q1G → task:S1 → task:Q1G"


def circular_composites_on_a_course(doc):
    i, course = find(doc["courses"], number="ENG9", calendar={"school": "101", "year": "22-23"})
    course["composite_grades"].append(
        {"parent": "standard:ELA.R.1", "children": [{"item": "standard:ELA.W.1", "weight": "100"}], "state": "local"}
    )
    n = len(course["composite_grades"]) - 1
    return (
        f"courses[{i}].composite_grades[{n}]: circular composite grades: "
        "standard:ELA.R.1 → standard:ELA.W.1 → standard:ELA.R.1"
    )


def course_master_from_another_catalog(doc):
    i, course = find(doc["courses"], number="SCI7")
    course["master"] = "ENG9"
    return f'courses[{i}].master: no master "ENG9" in catalog "Middle School Catalog"'


def course_master_at_a_school_without_catalog(doc):
    i, course = find(doc["courses"], number="ADV")
    course["master"] = "ENG9"
    return f'courses[{i}].master: school "900" uses no catalog, so its courses have no master'


def course_in_unknown_calendar(doc):
    doc["courses"][0]["calendar"] = {"school": "102", "year": "23-24"}
    return 'courses[0].calendar: no calendar of school "102" in year "23-24" in calendars'


def linked_item_whose_source_names_nothing(doc):
    doc["courses"][0]["categories"][0]["source"] = "Projects"
    return 'courses[0].categories[0].source: no category "Projects" in master "ENG9"'


def linked_item_without_source_whose_own_key_names_nothing(doc):
    i, course = find(doc["courses"], number="ENG9", calendar={"school": "102", "year": "22-23"})
    course["grading_tasks"].append({"task": "CIT", "state": "linked"})
    n = len(course["grading_tasks"]) - 1
    return f'courses[{i}].grading_tasks[{n}].source: no grading task "CIT" in master "ENG9"'


def linked_item_on_a_course_without_master(doc):
    i, course = find(doc["courses"], number="STUDY")
    course["categories"][0]["state"] = "linked"
    return f"courses[{i}].categories[0].state: a linked item needs the course's master, and the course has none"


def local_item_with_a_source(doc):
    i, course = find(doc["courses"], number="STUDY")
    course["categories"][0]["source"] = "Participation"
    return (
        f"courses[{i}].categories[0].source: "
        "must be null: a local item has no source (only linked or unlinked items do)"
    )


def two_items_with_one_source(doc):
    i, course = find(doc["courses"], number="MATH1")
    course["categories"].append({"name": "Homework 2", "state": "linked", "source": "homework"})
    n = len(course["categories"]) - 1
    return f'courses[{i}].categories[{n}].source: "homework" is already the source of categories[0]'


def section_item_whose_source_names_nothing(doc):
    doc["sections"][0]["grade_calc_options"][-1]["source"] = "task:S1 Q4"
    n = len(doc["sections"][0]["grade_calc_options"]) - 1
    return f'sections[0].grade_calc_options[{n}].source: no grade calc option "task:S1 Q4" in course "ENG9"'


def course_grade_calc_option_for_a_term_the_calendar_lacks(doc):
    i, course = find(doc["courses"], number="ENG9", calendar={"school": "102", "year": "22-23"})
    course["grade_calc_options"] = [{"item": "task:S1", "term": "Q1"}]
    return f'courses[{i}].grade_calc_options[0].term: no term "Q1" in calendar 102 22-23'


def posted_grade_for_an_unknown_term(doc):
    doc["sections"][0]["posted_grades"][0]["term"] = "Q9"
    return 'sections[0].posted_grades[0].term: no term "Q9" in calendar 101 22-23'


def assignment_for_an_unknown_term(doc):
    doc["sections"][0]["assignments"][0]["term"] = "T1"
    return 'sections[0].assignments[0].term: no term "T1" in calendar 101 22-23'


def assignment_in_a_category_the_section_lacks(doc):
    doc["sections"][0]["assignments"][0]["category"] = "Projects"
    return 'sections[0].assignments[0].category: no category "Projects" in this section'


def duplicate_assignment_name(doc):
    doc["sections"][0]["assignments"].append({"name": "Essay 1"})
    n = len(doc["sections"][0]["assignments"]) - 1
    return f'sections[0].assignments[{n}].name: duplicate assignment "Essay 1" (also assignments[0])'


def duplicate_score_for_a_student(doc):
    scores = doc["sections"][0]["assignments"][0]["scores"]
    scores.append({"student": "s0001", "score": "1"})
    return (
        f"sections[0].assignments[0].scores[{len(scores) - 1}].student: "
        'duplicate score for student "s0001" (also scores[0])'
    )


def duplicate_posted_grade(doc):
    grades = doc["sections"][0]["posted_grades"]
    grades.append(dict(grades[0], grade="F"))
    return f"sections[0].posted_grades[{len(grades) - 1}]: duplicate posted grade (also posted_grades[0])"


def unknown_teacher(doc):
    doc["sections"][1]["teacher"] = "ghost"
    return 'sections[1].teacher: no user "ghost" in users'


def section_of_unknown_course(doc):
    doc["sections"][0]["course"]["number"] = "ENG10"
    return 'sections[0].course: no course "ENG10" in the calendar of school "101" in year "22-23" in courses'


def user_at_unknown_school(doc):
    i, user = find(doc["users"], username="jdoe")
    user["schools"] = ["101", "777"]
    return f'users[{i}].schools[1]: no school "777" in schools'


def district_admin_with_schools(doc):
    i, user = find(doc["users"], username="admin1")
    user["schools"] = ["101"]
    return f"users[{i}].schools: must be empty for a district admin (they manage every school)"


def year_ending_before_it_starts(doc):
    doc["school_years"][0]["end"] = "2022-01-01"
    return "school_years[0].end: must be after start"


def impossible_date(doc):
    doc["school_years"][0]["start"] = "2022-02-30"
    return 'school_years[0].start: "2022-02-30" is not a date'


def master_name_longer_than_thirty(doc):
    doc["course_masters"][0]["name"] = "English 9 Honors with Writing Lab"
    return "course_masters[0].name: is longer than 30 characters"


def unknown_desynced_type(doc):
    doc["courses"][0]["desynced"] = ["categories", "course_info"]
    return (
        'courses[0].desynced[1]: "course_info" is not one of "grading_tasks", "standards", "categories", '
        '"assessments", "grade_calc_options", "composite_grades"'
    )


def unknown_lock(doc):
    doc["catalogs"][0]["locks"]["types"].append("teachers")
    n = len(doc["catalogs"][0]["locks"]["types"]) - 1
    return (
        f'catalogs[0].locks.types[{n}]: "teachers" is not one of "grading_tasks", "standards", '
        '"grade_calc_options", "composite_grades", "composite_weights", "categories", "assessments"'
    )


CASES = [
    unknown_top_level_key,
    unknown_nested_key,
    wrong_type,
    decimal_as_json_number,
    decimal_with_too_many_places,
    missing_required_key,
    unknown_state,
    section_item_in_a_course_only_state,
    unsupported_format_version,
    item_reference_without_kind,
    calendar_listing_a_term_twice,
    school_with_unknown_catalog,
    calendar_of_unknown_year,
    duplicate_school_number,
    duplicate_calendar,
    duplicate_user_ignoring_case,
    duplicate_category_names_ignoring_case,
    duplicate_grade_calc_option,
    duplicate_master_number,
    unknown_task_on_master,
    task_code_that_names_a_standard,
    unknown_test_on_assessment,
    unknown_grading_scale,
    composite_child_unknown,
    composite_child_twice,
    composite_containing_its_parent,
    circular_composites_on_a_master,
    circular_composites_on_a_course,
    course_master_from_another_catalog,
    course_master_at_a_school_without_catalog,
    course_in_unknown_calendar,
    linked_item_whose_source_names_nothing,
    linked_item_without_source_whose_own_key_names_nothing,
    linked_item_on_a_course_without_master,
    local_item_with_a_source,
    two_items_with_one_source,
    section_item_whose_source_names_nothing,
    course_grade_calc_option_for_a_term_the_calendar_lacks,
    posted_grade_for_an_unknown_term,
    assignment_for_an_unknown_term,
    assignment_in_a_category_the_section_lacks,
    duplicate_assignment_name,
    duplicate_score_for_a_student,
    duplicate_posted_grade,
    unknown_teacher,
    section_of_unknown_course,
    user_at_unknown_school,
    district_admin_with_schools,
    year_ending_before_it_starts,
    impossible_date,
    master_name_longer_than_thirty,
    unknown_desynced_type,
    unknown_lock,
]


@pytest.fixture
def loaded(db):
    """The small district, imported: every bad file below must leave exactly this."""
    district_import_file(FIXTURE)
    return row_counts()


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_r32_bad_district_file_rejected_with_path_and_nothing_changed(loaded, small_doc, case):
    # given a district in the database and a file with one problem
    expected = case(small_doc)
    # when it replaces the district
    with pytest.raises(DistrictFileError) as raised:
        district_import(small_doc, replace=True)
    # then the message names the path and the problem, and nothing changed
    assert str(raised.value) == expected
    assert row_counts() == loaded
    assert district_export_json() == SMALL_TEXT


def test_r32_malformed_json_names_line_and_column(loaded, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "district-grading/1",\n  "schools": [\n}\n', encoding="utf-8")
    with pytest.raises(DistrictFileError) as raised:
        district_import_file(path, replace=True)
    assert str(raised.value) == "line 4 column 1: not valid JSON (Expecting value)"
    assert row_counts() == loaded


def test_r32_document_that_is_not_an_object(loaded):
    with pytest.raises(DistrictFileError) as raised:
        district_import([], replace=True)
    assert str(raised.value) == "document: must be an object, not a list"
    assert row_counts() == loaded


def test_r32_import_into_a_database_holding_a_district_needs_replace(loaded, small_doc):
    from catalog.errors import InputError

    with pytest.raises(InputError, match=r"^the database already holds a district; use --replace$"):
        district_import(small_doc)
    assert row_counts() == loaded


def test_r32_text_the_database_cannot_store_is_refused_and_changes_nothing(loaded, small_doc):
    # PostgreSQL text cannot hold NUL characters: refused before the database sees it, with the path (R90)
    small_doc["courses"][0]["name"] = "English\u00009"
    with pytest.raises(DistrictFileError) as raised:
        district_import(small_doc, replace=True)
    assert str(raised.value).startswith("courses[0].name: contains a NUL character")
    assert row_counts() == loaded
    assert district_export_json() == SMALL_TEXT
