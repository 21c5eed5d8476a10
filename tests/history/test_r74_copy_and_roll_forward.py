"""R74 History for the two tools that make setup wholesale: Copy Course Master (R60) and roll
forward (R61). Each records what it made as if it were made one by one (the copy's info and every
item; every rolled course's info, master link, Ignore Master Push and items, every section item),
with who and how, in one statement: the queries do not grow with the items."""

from __future__ import annotations

import datetime

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import GradingItem, GradingScale, HistoryRecord, SchoolYear
from coursemasters.copy import COPY_DATA, course_master_copy
from coursemasters.models import CourseMaster, MasterCategory, MasterGradeCalcOption, MasterTask
from courses.models import Course, CourseCategory, CourseGradeCalcOption, CourseTask
from sections.models import Section, SectionCategory
from sections.rollforward import calendar_roll_forward

SETUP_TYPES_OF_ENG9 = {
    "grading_tasks": 3,
    "standards": 2,
    "categories": 3,
    "assessments": 2,
    "grade_calc_options": 3,
    "composite_grades": 1,
}


def _records(level: str, obj) -> list[HistoryRecord]:
    return list(HistoryRecord.objects.filter(level=level, object_pk=obj.pk).order_by("pk"))


def _items(records, data_type: str) -> list[HistoryRecord]:
    """The records of items of a type (not of a deletion the course remembers of it)."""
    return [r for r in records if r.data_type == data_type and r.item != "remembered deletion"]


def _one(records, data_type: str, item: str = "") -> HistoryRecord:
    found = [r for r in records if r.data_type == data_type and r.item == item]
    assert len(found) == 1, (data_type, item, [(r.data_type, r.item) for r in records])
    return found[0]


# ---------------------------------------------------------------------------
# Copy Course Master
# ---------------------------------------------------------------------------


def test_r74_copy_course_master_by_web_form_records_the_copy_and_every_item_copied(district, client):
    # given the district admin on Copy Course Master of ENG9
    client.force_login(district.district_admin)
    url = reverse("coursemasters:master_copy", args=[district.master.pk])
    # when they copy it, with all its setup, to ENG9H
    response = client.post(
        url,
        {"to_catalog": district.catalog.pk, "new_number": "ENG9H", "new_name": "English 9 Honors", "data": COPY_DATA},
    )
    assert response.status_code == 302
    copy = CourseMaster.objects.get(catalog=district.catalog, number="ENG9H")

    # then the copy's History holds its info and each item it got, by admin1 on a web page
    records = _records("master", copy)
    assert {(r.username, r.how, r.change) for r in records} == {("admin1", "web", "created")}
    assert len(records) == 1 + sum(SETUP_TYPES_OF_ENG9.values())
    info = _one(records, "course_info")
    assert info.before is None
    assert (info.after["number"], info.after["name"], info.after["department"]) == (
        "ENG9H",
        "English 9 Honors",
        "English",
    )
    assert info.after["grade_levels"] == ["09"] and info.after["credits"] == "1.00"
    assert info.detail["copied_from"] == {"catalog": "High School Catalog", "master": "ENG9", "name": "English 9"}
    assert (info.catalog, info.master, info.name) == ("High School Catalog", "ENG9H", "English 9 Honors")
    # items, named and valued as the change log names them (references, decimals as text)
    option = _one(records, "grade_calc_options", "task:S1 Q2")
    assert option.before is None
    assert option.after == {
        "item": "task:S1",
        "term": "Q2",
        "calculation": "in_progress",
        "grading_scale": "A-F",
        "weight_categories": True,
        "use_score_percent": False,
    }
    assert _one(records, "assessments", "SBAC").after == {
        "test": "SBAC",
        "standard": "standard:ELA.W.1",
        "copies_forward": False,
    }
    assert _one(records, "categories", "Labs").after["drop_lowest"] == 1
    assert _one(records, "composite_grades", "task:S1").after["children"] == [
        {"item": "task:Q1G", "weight": "50.00"},
        {"item": "task:Q2G", "weight": "50.00"},
    ]
    # and the master copied from is not changed, so its History gains nothing
    assert _records("master", district.master) == []


def test_r74_copy_course_master_command_records_only_the_types_copied_as_a_command(district):
    call_command(
        "copy_course_master", "--catalog", "High School Catalog", "--number", "ENG9", "--new-number", "ENG9C",
        "--new-name", "English 9 C", "--data", "categories", "--as", "admin1",
    )  # fmt: skip
    copy = CourseMaster.objects.get(catalog=district.catalog, number="ENG9C")
    records = _records("master", copy)
    assert {(r.username, r.how) for r in records} == {("admin1", "command")}
    assert sorted((r.data_type, r.item) for r in records) == [
        ("categories", "Homework"),
        ("categories", "Labs"),
        ("categories", "Tests"),
        ("course_info", ""),
    ]
    assert _one(records, "categories", "Homework").after == {
        "name": "Homework",
        "weight": "20.00",
        "sequence": 1,
        "drop_lowest": 0,
        "excluded": False,
    }


def _copy_queries(district, number: str) -> int:
    master = CourseMaster.objects.get(pk=district.master.pk)
    with CaptureQueriesContext(connection) as queries:
        course_master_copy(user=district.district_admin, master=master, new_number=number, new_name=number)
    return len(queries)


def test_r74_copy_course_master_history_costs_no_query_per_item(district):
    # given ENG9 copied once as it is
    few = _copy_queries(district, "COPY1")
    # when ENG9 gets four more categories and four more tasks with a grade calc option each
    # (each naming a task and a grading scale) and is copied again
    scale = GradingScale.objects.get(name="A-F")
    for n in range(4):
        MasterCategory.objects.create(master=district.master, name=f"Extra {n}", weight=1, sequence=10 + n)
        task = GradingItem.objects.create(kind="task", code=f"X{n}", name=f"Extra task {n}")
        MasterTask.objects.create(master=district.master, item=task)
        MasterGradeCalcOption.objects.create(master=district.master, item=task, term="Q1", grading_scale=scale)
    many = _copy_queries(district, "COPY2")
    # then the second copy records twelve items more with as many queries as the first
    first = CourseMaster.objects.get(number="COPY1")
    second = CourseMaster.objects.get(number="COPY2")
    assert len(_records("master", second)) == len(_records("master", first)) + 12
    assert _one(_records("master", second), "grade_calc_options", "task:X3 Q1").after["grading_scale"] == "A-F"
    assert many == few


# ---------------------------------------------------------------------------
# Roll forward
# ---------------------------------------------------------------------------


def _year(name: str, start_year: int) -> SchoolYear:
    return SchoolYear.objects.create(
        name=name, start=datetime.date(start_year, 7, 1), end=datetime.date(start_year + 1, 6, 30)
    )


def _rolled(number: str, year: str = "24-25") -> Course:
    return Course.objects.get(calendar__school__number="101", calendar__year__name=year, number=number)


def test_r74_roll_forward_command_records_every_course_link_and_item_it_made(district):
    old = district.own_course
    kept_items = {
        model: model.objects.filter(course=old).exclude(state="residual").count()
        for model in (CourseCategory, CourseTask, CourseGradeCalcOption)
    }
    # when the school admin rolls school 101 forward into a new year
    _year("24-25", 2024)
    call_command(
        "roll_forward", "--school", "101", "--from-year", "22-23", "--to-year", "24-25", "--as", "principal"
    )  # fmt: skip
    new = _rolled("ENG9")

    # then the new course's History says what it was made with, by principal with a command
    records = _records("course", new)
    assert {(r.username, r.how) for r in records} == {("principal", "command")}
    assert {(r.school, r.calendar, r.course) for r in records} == {("101 North High", "24-25", "ENG9")}
    info = _one(records, "course_info")
    assert (info.change, info.before) == ("created", None)
    assert (info.after["number"], info.after["department"], info.after["state_code"]) == ("ENG9", "English", "01001")
    link = _one(records, "master_link")
    assert (link.change, link.before, link.after) == ("linked", {"master": None}, {"master": "ENG9"})
    # each item kept, with its values and state; a residual item stays behind, unrecorded
    participation = _one(records, "categories", "Participation")
    assert (participation.change, participation.before) == ("created", None)
    assert participation.after == {
        "name": "Participation",
        "weight": "5.00",
        "sequence": 4,
        "drop_lowest": 0,
        "excluded": False,
        "state": "local",
    }
    assert _one(records, "categories", "Homework").after["state"] == "linked"
    assert not [r for r in records if r.item == "Old Projects"]
    assert len(_items(records, "categories")) == kept_items[CourseCategory]
    assert len(_items(records, "grading_tasks")) == kept_items[CourseTask]
    assert len(_items(records, "grade_calc_options")) == kept_items[CourseGradeCalcOption]

    # and each new section's History holds the linked items it kept
    section = Section.objects.get(course=new, number="1")
    section_records = _records("section", section)
    linked = SectionCategory.objects.filter(section__course=old, section__number="1", state="linked")
    assert sorted(r.item for r in section_records if r.data_type == "categories") == sorted(c.name for c in linked)
    assert {r.after["state"] for r in section_records} == {"linked"}
    assert {(r.section, r.course, r.calendar) for r in section_records} == {("1", "ENG9", "24-25")}
    # last year's course and sections are not changed: their History gains nothing
    assert _records("course", old) == []


def test_r74_roll_forward_records_ignore_master_push_and_remembered_deletions(district):
    old = district.own_course
    Course.objects.filter(pk=old.pk).update(ignore_master_push=True, desynced_types=["assessments"])
    calendar_roll_forward(user=district.district_admin, school="101", from_year="22-23", to_year=_year("24-25", 2024))
    records = _records("course", _rolled("ENG9"))
    assert {(r.username, r.how) for r in records} == {("admin1", "other")}
    ignore = _one(records, "ignore_master_push")
    assert (ignore.change, ignore.before, ignore.after) == ("created", None, {"ignore_master_push": True})
    remembered = _one(records, "assessments", "remembered deletion")
    assert (remembered.change, remembered.after) == ("created", {"remembered_deletion": True})


def _roll_queries(district, year: SchoolYear) -> int:
    with CaptureQueriesContext(connection) as queries:
        calendar_roll_forward(user=district.district_admin, school="101", from_year="22-23", to_year=year)
    return len(queries)


def test_r74_roll_forward_history_costs_no_query_per_course_section_or_item(district):
    # given 101's 22-23 rolled forward once, as it is, into a new 24-25 calendar
    few = _roll_queries(district, _year("24-25", 2024))
    # when it gets three more courses, linked, each with a category, a task and a grade calc
    # option, and a section with the category pushed to it, and is rolled into 25-26
    old = district.own_course
    scale = GradingScale.objects.get(name="A-F")
    task = GradingItem.objects.get(kind="task", code="S1")
    for n in range(3):
        course = Course.objects.create(calendar=old.calendar, number=f"EXTRA{n}", name=f"Extra {n}", master=old.master)
        category = CourseCategory.objects.create(course=course, name="Homework", weight=10, sequence=1, state="local")
        CourseTask.objects.create(course=course, item=task, state="local")
        CourseGradeCalcOption.objects.create(course=course, item=task, term="Q1", grading_scale=scale, state="local")
        section = Section.objects.create(course=course, number="1", teacher=district.teacher)
        SectionCategory.objects.create(
            section=section, name="Homework", weight=10, sequence=1, state="linked", source=category
        )
    many = _roll_queries(district, _year("25-26", 2025))
    # then every new course, item and section item is recorded, with as many queries as before
    for n in range(3):
        records = _records("course", _rolled(f"EXTRA{n}", "25-26"))
        assert sorted((r.data_type, r.item) for r in records) == [
            ("categories", "Homework"),
            ("course_info", ""),
            ("grade_calc_options", "task:S1 Q1"),
            ("grading_tasks", "task:S1"),
            ("master_link", ""),
        ]
        section = Section.objects.get(course=_rolled(f"EXTRA{n}", "25-26"))
        assert [(r.data_type, r.item) for r in _records("section", section)] == [("categories", "Homework")]
    assert many == few
