"""Copy Course Master (R60) and Roll forward (R61): services and commands."""

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.accounts import system_user
from catalog.errors import InputError
from catalog.models import Calendar, CourseCatalog, User
from coursemasters.copy import course_master_copy
from coursemasters.models import CourseMaster
from sections.rollforward import calendar_roll_forward

from .conftest import (
    CATALOG,
    assignment,
    category,
    course,
    exported,
    load,
    master,
    master_push,
    posted_grade,
    pushed,
    reload,
    section,
    states,
)


def _eng9():
    return CourseMaster.objects.get(catalog__name=CATALOG, number="ENG9")


def test_r60_copy_into_the_same_catalog_with_the_chosen_types(district):
    load(district)

    copy = course_master_copy(
        user=system_user(),
        master=_eng9(),
        new_number="ENG9H",
        new_name="English 9 Honors",
        data={"categories", "grading_tasks_standards"},
    )

    doc = exported()
    original, copied = master(doc), master(doc, "ENG9H")
    assert copy.catalog.name == CATALOG and copied["name"] == "English 9 Honors"
    assert copied["attributes"] == original["attributes"]
    assert copied["categories"] == original["categories"]
    assert copied["grading_tasks"] == original["grading_tasks"]
    assert copied["standards"] == original["standards"]
    assert copied["grade_calc_options"] == [] and copied["composite_grades"] == [] and copied["assessments"] == []
    assert sorted(m["number"] for m in doc["course_masters"]) == ["ENG7", "ENG9", "ENG9H"]


def test_r60_copy_into_another_catalog_with_everything(district):
    load(district)
    middle = CourseCatalog.objects.get(name="Middle School Catalog")

    course_master_copy(user=system_user(), master=_eng9(), to_catalog=middle, new_number="ENG9", new_name="English 9")

    doc = exported()
    copied = master(doc, "ENG9", "Middle School Catalog")
    for key in ("grading_tasks", "standards", "categories", "assessments", "grade_calc_options", "composite_grades"):
        assert copied[key] == master(doc)[key]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(new_number="ENG9"), 'already has a course master numbered "ENG9"'),
        (dict(data={"grade_calc_options"}), "requires copying grading tasks/standards"),
        (dict(data={"course_info"}), 'unknown data type "course_info"'),
        (dict(new_name="x" * 31), "longer than 30 characters"),
        (dict(new_number=" "), "number cannot be empty"),
    ],
)
def test_r60_bad_input_is_refused_and_changes_nothing(district, kwargs, message):
    load(district)
    before = exported()
    args = dict(user=system_user(), master=_eng9(), new_number="ENG9H", new_name="English 9 Honors") | kwargs
    with pytest.raises(InputError, match=message):
        course_master_copy(**args)
    assert exported() == before


def test_r60_only_district_admins_copy_masters(district):
    load(district)
    with pytest.raises(PermissionError):
        course_master_copy(user=User.objects.get(username="jdoe"), master=_eng9(), new_number="X", new_name="X")


def test_r60_copy_course_master_command(district):
    load(district)
    out = io.StringIO()
    call_command(
        "copy_course_master", "--catalog", CATALOG, "--number", "ENG9", "--new-number", "ENG9H",
        "--new-name", "English 9 Honors", "--data", "categories", stdout=out,
    )  # fmt: skip
    assert "ENG9H" in out.getvalue()
    copied = master(exported(), "ENG9H")
    assert [c["name"] for c in copied["categories"]] == ["Homework", "Tests"] and copied["grading_tasks"] == []

    with pytest.raises(CommandError) as error:
        call_command(
            "copy_course_master", "--catalog", "Nope", "--number", "ENG9", "--new-number", "X", "--new-name", "X"
        )
    assert error.value.returncode == 2 and 'no course catalog "Nope"' in str(error.value)


def _last_year(district):
    """A pushed 22-23 with local, residual and teacher items and teacher data."""
    district["courses"][0]["ignore_master_push"] = False
    doc = pushed(district)
    c = course(doc)
    c["categories"] += [category("Labs", "5.00", 3, state="local"), category("Old", "0.00", 4, state="residual")]
    s = section(doc)
    s["advisory"] = True
    s["categories"].append(category("Mine", "1.00", 5, state="teacher"))
    s["assignments"] = [assignment("Essay", category="Mine", items=["task:S1"])]
    s["posted_grades"] = [posted_grade("task:S1", "Q1")]
    doc["calendars"] = [c for c in doc["calendars"] if c["year"] != "23-24"]
    reload(doc)
    return exported()


def test_r61_roll_forward_copies_courses_and_sections_but_not_teacher_data(district):
    before = _last_year(district)

    result = calendar_roll_forward(user=system_user(), school="101", from_year="22-23", to_year="23-24")

    after = exported()
    assert result.calendar_created and (result.courses, result.sections) == (1, 1)
    new_calendar = Calendar.objects.get(school__number="101", year__name="23-24")
    assert new_calendar.terms == ["Q1", "Q2", "Q3", "Q4"]
    new, old = course(after, year="23-24"), course(before)
    assert new["master"] == "ENG9" and new["ignore_master_push"] is False
    assert new["attributes"] == old["attributes"] and new["name"] == old["name"]
    assert states(new["categories"]) == {"Homework": "linked", "Tests": "linked", "Labs": "local"}
    assert new["grading_tasks"] == old["grading_tasks"] and new["grade_calc_options"] == old["grade_calc_options"]
    new_section = section(after, year="23-24")
    assert new_section["teacher"] == "jdoe" and new_section["advisory"] is True
    assert states(new_section["categories"]) == {"Homework": "linked", "Tests": "linked"}
    assert new_section.get("assignments", []) == [] and new_section.get("posted_grades", []) == []
    assert course(after) == course(before) and section(after) == section(before)
    # The rolled course is as in sync with its master as last year's: a push changes nothing.
    assert master_push(year="23-24").summary.courses_changed == 0


def test_r61_roll_forward_uses_an_empty_calendar_and_refuses_one_with_courses(district):
    load(district)  # 101 has an empty 23-24 calendar
    result = calendar_roll_forward(user=system_user(), school="101", from_year="22-23", to_year="23-24")
    assert not result.calendar_created and result.courses == 1
    before = exported()

    with pytest.raises(InputError, match="already has courses"):
        calendar_roll_forward(user=system_user(), school="101", from_year="22-23", to_year="23-24")
    assert exported() == before


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(school="999"), 'no school "999"'),
        (dict(from_year="99-00"), 'no school year "99-00"'),
        (dict(school="201", to_year="22-23", from_year="23-24"), "does not start after"),
        (dict(school="102", from_year="23-24", to_year="23-24"), "does not start after"),
    ],
)
def test_r61_bad_input_is_refused(district, kwargs, message):
    load(district)
    before = exported()
    args = dict(user=system_user(), school="101", from_year="22-23", to_year="23-24") | kwargs
    with pytest.raises(InputError, match=message):
        calendar_roll_forward(**args)
    assert exported() == before


def test_r61_only_admins_of_the_school_roll_forward(district):
    load(district)
    with pytest.raises(PermissionError):
        calendar_roll_forward(user=User.objects.get(username="jdoe"), school="101", from_year="22-23", to_year="23-24")


def test_r61_roll_forward_command(district):
    load(district)
    out = io.StringIO()
    call_command("roll_forward", "--school", "101", "--from-year", "22-23", "--to-year", "23-24", stdout=out)
    assert "rolled 1 courses and 1 sections forward" in out.getvalue()
    with pytest.raises(CommandError) as error:
        call_command("roll_forward", "--school", "101", "--from-year", "22-23", "--to-year", "23-24")
    assert error.value.returncode == 2 and "already has courses" in str(error.value)
