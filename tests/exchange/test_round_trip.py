"""district-format.md: export, import into an empty database, export again gives the same
bytes; import maps every record onto the models; defaults fill what a file leaves out."""

import json
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.accounts import SYSTEM_USERNAME, system_user
from catalog.models import District, GradingItem, User
from coursemasters.models import CourseMaster, MasterCategory, MasterComposite
from courses.models import Course, CourseCategory, CourseGradeCalcOption, CourseTask
from exchange.district import (
    district_data_delete,
    district_export,
    district_export_json,
    district_import,
    district_import_file,
)
from sections.models import Assignment, PostedGrade, Score, SectionCategory, SectionComposite, SectionGradeCalcOption

from .conftest import FIXTURE, SMALL_TEXT, find


def minimal(**lists) -> dict:
    """A small district with one linked course and one section; lists override or add top-level keys."""
    doc = {
        "format": "district-grading/1",
        "district": {"name": "Tiny"},
        "school_years": [{"name": "22-23", "start": "2022-07-01", "end": "2023-06-30"}],
        "grading_tasks": [{"code": "S1", "name": "Semester 1"}, {"code": "Q1G", "name": "Quarter 1"}],
        "grading_scales": [{"name": "A-F"}],
        "catalogs": [{"name": "HS"}],
        "schools": [{"number": "101", "name": "North High", "catalog": "HS"}],
        "calendars": [{"school": "101", "year": "22-23", "terms": ["Q1", "Q2"]}],
        "course_masters": [
            {
                "catalog": "HS",
                "number": "ENG9",
                "name": "English 9",
                "categories": [{"name": "Homework", "weight": "20"}, {"name": "Tests"}],
                "grading_tasks": [{"task": "S1"}],
                "grade_calc_options": [{"item": "task:S1", "term": "Q1"}],
            }
        ],
        "courses": [
            {
                "calendar": {"school": "101", "year": "22-23"},
                "number": "ENG9",
                "name": "English 9",
                "master": "ENG9",
                "categories": [
                    {"name": "homework", "weight": "20", "state": "linked"},
                    {"name": "Quizzes", "state": "linked", "source": "Tests"},
                    {"name": "Gone", "state": "unlinked", "source": None},
                    {"name": "Mine"},
                ],
                "grade_calc_options": [{"item": "task:S1", "term": "Q1", "state": "linked"}],
            }
        ],
        "sections": [
            {
                "course": {"school": "101", "year": "22-23", "number": "ENG9"},
                "number": "1",
                "categories": [{"name": "Homework", "state": "linked"}, {"name": "Own"}],
                "grade_calc_options": [{"item": "task:S1", "term": "Q1", "state": "linked"}],
            }
        ],
    }
    doc.update(lists)
    return doc


def test_small_district_exports_byte_for_byte_as_written(db):
    # given the hand-written example (every type at every level, every state and source case)
    district_import_file(FIXTURE)
    # then exporting it gives the file back, byte for byte
    assert district_export_json() == SMALL_TEXT


def test_export_import_into_empty_database_export_is_identical(db):
    district_import(minimal())
    first = district_export_json()
    district_data_delete()
    district_import(json.loads(first))
    assert district_export_json() == first


def test_export_json_is_the_sorted_two_space_document_with_final_newline(db):
    district_import_file(FIXTURE)
    text = district_export_json()
    assert text == json.dumps(district_export(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_non_ascii_names_survive_the_round_trip(db):
    doc = minimal(district={"name": "Distrito Escolar de Peñasco", "batch_processing_enabled": False})
    doc["courses"][0]["categories"][3]["name"] = "Tâches \u00e0 la maison"
    district_import(doc)
    first = district_export_json()
    assert "Peñasco" in first and "Tâches à la maison" in first
    district_data_delete()
    district_import(json.loads(first))
    assert district_export_json() == first


def test_defaults_fill_what_the_file_leaves_out(db):
    district_import(minimal())
    doc = district_export()
    calendar = doc["calendars"][0]
    assert calendar["name"] == "22-23 North High"
    assert doc["district"] == {"name": "Tiny", "batch_processing_enabled": True}
    assert doc["catalogs"][0]["locks"] == {"attributes": [], "types": []}
    course = doc["courses"][0]
    assert course["attributes"] == {
        "active": True,
        "advisory": False,
        "credits": "0.00",
        "department": "",
        "description": "",
        "grade_levels": [],
        "sced_code": "",
        "standards_based": False,
        "state_code": "",
    }
    assert course["desynced"] == [] and course["ignore_master_push"] is False
    assert course["assessments"] == [] and course["standards"] == []
    mine = find(course["categories"], name="Mine")[1]
    assert mine == {
        "drop_lowest": 0,
        "excluded": False,
        "name": "Mine",
        "sequence": 0,
        "source": None,
        "state": "local",
        "weight": "0.00",
    }
    section = doc["sections"][0]
    assert section["teacher"] is None and section["advisory"] is False
    assert find(section["categories"], name="Own")[1]["state"] == "teacher"
    assert section["grade_calc_options"][0]["read_only"] is False
    assert section["grade_calc_options"][0]["calculation"] == "in_progress"


def test_r6_linked_item_without_source_takes_its_own_key(db):
    district_import(minimal())
    homework = CourseCategory.objects.get(name="homework")
    # matched trimmed and ignoring case, as category keys are
    assert homework.source == MasterCategory.objects.get(name="Homework")
    section_homework = SectionCategory.objects.get(name="Homework")
    assert section_homework.source == homework


def test_r6_renamed_upstream_item_keeps_its_source(db):
    district_import(minimal())
    quizzes = CourseCategory.objects.get(name="Quizzes")
    assert quizzes.state == "linked"
    assert quizzes.source == MasterCategory.objects.get(name="Tests")
    exported = find(district_export()["courses"][0]["categories"], name="Quizzes")[1]
    assert exported["source"] == "Tests"


def test_r8_unlinked_item_with_null_source_awaits_removal(db):
    district_import(minimal())
    gone = CourseCategory.objects.get(name="Gone")
    assert (gone.state, gone.source_id) == ("unlinked", None)
    assert find(district_export()["courses"][0]["categories"], name="Gone")[1]["source"] is None


def test_small_district_lands_in_the_models(db):
    district_import_file(FIXTURE)
    district = District.current()
    assert (district.name, district.batch_processing_enabled) == ("Example Unified", True)
    eng9 = Course.objects.get(calendar__school__number="101", calendar__year__name="22-23", number="ENG9")
    assert eng9.master == CourseMaster.objects.get(catalog__name="High School Catalog", number="ENG9")
    assert eng9.desynced_types == ["categories"]
    assert CourseTask.objects.get(course=eng9, item__code="CIT").source is None
    unlinked = CourseGradeCalcOption.objects.get(course=eng9, item__code="S1", term="Q2")
    assert (unlinked.state, unlinked.calculation) == ("unlinked", "no_calculation")
    assert unlinked.source.master == eng9.master
    grayed = SectionGradeCalcOption.objects.get(section__course=eng9, section__number="1", item__code="ELA.R.1")
    assert (grayed.state, grayed.read_only, grayed.calculation) == ("residual", True, "no_calculation")
    composite = SectionComposite.objects.get(section__course=eng9, section__number="1", parent__code="S1")
    assert composite.children == [{"item": "task:Q1G", "weight": "50.00"}, {"item": "task:Q2G", "weight": "50.00"}]
    essay = Assignment.objects.get(section__course=eng9, section__number="1", name="Essay 1")
    assert essay.category.name == "Homework (1)" and essay.category.state == "teacher"
    assert sorted(i.ref for i in essay.items.all()) == ["standard:ELA.W.1", "task:S1"]
    assert {s.student: s.score for s in Score.objects.filter(assignment=essay)} == {
        "s0001": Decimal("9.00"),
        "s0002": Decimal("12.50"),  # extra credit: more than the 10 points possible
        "s0003": None,
    }
    assert PostedGrade.objects.filter(section__course=eng9, item__kind=GradingItem.TASK).count() == 2
    jdoe = User.objects.get(username="jdoe")
    assert jdoe.role == "teacher" and [s.number for s in jdoe.schools.all()] == ["101"]
    assert not jdoe.has_usable_password()
    assert jdoe.groups.get().name == "Teachers"
    assert GradingItem.objects.get(code="MATH.1").post_only is True


def test_replace_keeps_accounts_the_file_does_not_name(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    # given an administrator with a password, the system account, and a district
    boss = User.objects.create_user(username="boss", password="s3cret-pass", role=User.DISTRICT_ADMIN)
    system_user()
    district_import_file(FIXTURE)
    jdoe = User.objects.get(username="jdoe")
    jdoe.set_password("teacher-pass")
    jdoe.save()
    # when another district replaces it
    district_import(minimal(users=[{"username": "jdoe", "role": "school_admin", "schools": ["101"]}]), replace=True)
    # then the accounts stay: named ones take the file's role and schools, and keep their password
    boss.refresh_from_db()
    assert boss.check_password("s3cret-pass") and boss.role == User.DISTRICT_ADMIN
    jdoe.refresh_from_db()
    assert jdoe.role == "school_admin" and jdoe.check_password("teacher-pass")
    assert jdoe.groups.get().name == "School admins"
    assert User.objects.filter(username=SYSTEM_USERNAME).exists()
    # and only the new district's data is left
    assert list(Course.objects.values_list("number", flat=True)) == ["ENG9"]
    assert not GradingItem.objects.filter(code="CIT").exists()


def test_system_account_is_not_exported(db):
    system_user()
    district_import(minimal())
    assert SYSTEM_USERNAME not in [u["username"] for u in district_export()["users"]]


def test_course_relinked_to_another_master_writes_old_sources_as_null(db):
    # R7: linking changes no item, so items pushed from the old master still point at it
    doc = minimal()
    doc["course_masters"].append({"catalog": "HS", "number": "ENG9H", "name": "English 9 Honors"})
    district_import(doc)
    Course.objects.update(master=CourseMaster.objects.get(number="ENG9H"))
    exported = district_export()
    homework = find(exported["courses"][0]["categories"], name="homework")[1]
    assert (homework["state"], homework["source"]) == ("linked", None)
    district_data_delete()
    district_import(exported)
    assert district_export() == exported


def _district_with_sections(count: int) -> dict:
    doc = minimal()
    doc["sections"] = [
        {
            "course": {"school": "101", "year": "22-23", "number": "ENG9"},
            "number": str(n),
            "categories": [{"name": "Homework", "state": "linked"}, {"name": "Own"}],
            "grade_calc_options": [{"item": "task:S1", "term": "Q1", "state": "linked"}],
            "assignments": [
                {
                    "name": "A1",
                    "category": "Own",
                    "items": ["task:S1"],
                    "term": "Q1",
                    "points": "10",
                    "scores": [{"student": "s1", "score": "9"}, {"student": "s2", "score": "8"}],
                }
            ],
            "posted_grades": [{"item": "task:S1", "term": "Q1", "student": "s1", "grade": "A"}],
        }
        for n in range(count)
    ]
    return doc


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context)


def test_import_and_export_queries_do_not_grow_with_sections(db):
    # Set-based: the same statements for 5 sections as for 500 (one chunk). The
    # first import also creates the role groups, so it only warms up.
    counts = {}
    for sections in (1, 5, 500):
        district_data_delete()
        doc = _district_with_sections(sections)
        counts[sections] = (_queries(lambda d=doc: district_import(d)), _queries(district_export))
        assert Score.objects.count() == 2 * sections
    assert counts[5] == counts[500]


def test_composite_weights_written_by_other_code_export_as_import_stores_them(db):
    doc = minimal()
    children = [{"item": "task:Q1G", "weight": "50"}]
    doc["course_masters"][0]["composite_grades"] = [{"parent": "task:S1", "children": children}]
    district_import(doc)
    # another writer (a service, the push engine) spells weights its own way
    MasterComposite.objects.update(children=[{"item": "task:Q1G", "weight": 50}])
    first = district_export()
    assert first["course_masters"][0]["composite_grades"][0]["children"] == [{"item": "task:Q1G", "weight": "50.00"}]
    district_data_delete()
    district_import(first)
    assert district_export() == first
