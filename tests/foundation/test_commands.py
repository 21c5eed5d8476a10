"""generate_district, catalog_locks and link_course: the cli.md contract (exit 2 and a message for bad input)."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import CourseCatalog, School
from courses.models import Course, CourseCategory
from exchange.generator import district_generate

ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> str:
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 2
    return str(error.value)


# -- generate_district ---------------------------------------------------------------


def test_generate_district_out_writes_the_export_formatted_document(tmp_path, db):
    path = tmp_path / "district.json"
    _, err = run("generate_district", "--schools", "2", "--masters", "8", "--seed", "5", "--out", str(path))
    expected = district_generate(schools=2, masters=8, seed=5)
    assert path.read_text() == json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert "2 schools" in err
    assert not School.objects.exists()  # --out changes nothing


def test_generate_district_loads_into_an_empty_database_then_refuses_a_second_time(db):
    _, err = run("generate_district", "--schools", "2", "--masters", "6", "--students-per-section", "2")
    assert School.objects.count() == 2
    assert Course.objects.filter(master__isnull=False).exists()
    assert "loaded" in err
    message = refused("generate_district", "--schools", "1")
    assert "already holds a district" in message and "--out" in message
    assert School.objects.count() == 2


def test_generate_district_unpushed_loads_linked_courses_without_master_setup(db):
    run("generate_district", "--schools", "1", "--masters", "5", "--unpushed", "--assignments-per-section", "0")
    assert Course.objects.filter(master__isnull=False).exists()
    assert not CourseCategory.objects.exists()


def test_r32_generate_district_bad_size_exits_2(db, tmp_path):
    assert "schools must be a whole number of at least 1" in refused(
        "generate_district", "--schools", "0", "--out", str(tmp_path / "x.json")
    )


def test_generate_district_needs_a_district_admin_to_load(district):
    assert "not a district admin" in refused("generate_district", "--schools", "1", "--as", "jdoe")


def test_r32_real_exit_status_and_stderr_from_the_command_line(tmp_path):
    env = {**os.environ}
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_district", "--schools", "0", "--out", str(tmp_path / "x.json")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "schools must be a whole number" in result.stderr
    assert result.stdout == ""
    result = subprocess.run(
        [sys.executable, "manage.py", "link_course", "--school", "101", "--year", "22-23", "--course", "ENG9"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "one of the arguments --master --unlink is required" in result.stderr


# -- catalog_locks ----------------------------------------------------------------------


def test_catalog_locks_shows_the_locks(district):
    out, _ = run("catalog_locks", "--catalog", "High School Catalog")
    assert out.splitlines() == [
        "attributes: number, name, state_code, credits",
        "types: grading_tasks, standards, grade_calc_options, composite_grades, composite_weights, "
        "categories, assessments",
    ]


def test_r5_catalog_locks_changes_locks_at_once(district):
    out, err = run(
        "catalog_locks", "--catalog", "High School Catalog", "--unlock", "categories, credits", "--lock", "description"
    )
    catalog = CourseCatalog.objects.get(name="High School Catalog")
    assert "categories" not in catalog.locked_types and "credits" not in catalog.locked_attributes
    assert "description" in catalog.locked_attributes
    assert "attributes: number, name, state_code, description" in out
    assert "unlocked categories, credits" in err


def test_r32_catalog_locks_unknown_name_or_catalog_exits_2_and_changes_nothing(district):
    assert "unknown lock 'grades'" in refused("catalog_locks", "--catalog", "High School Catalog", "--lock", "grades")
    assert CourseCatalog.objects.get(name="High School Catalog").locked_attributes == [
        "number", "name", "state_code", "credits"
    ]  # fmt: skip
    assert 'no course catalog "Nope"' in refused("catalog_locks", "--catalog", "Nope")


def test_catalog_locks_only_district_admins_change_locks(district):
    refused("catalog_locks", "--catalog", "High School Catalog", "--unlock", "categories", "--as", "sadmin")
    assert "categories" in CourseCatalog.objects.get(name="High School Catalog").locked_types


# -- link_course ------------------------------------------------------------------------


def test_r7_link_course_unlink_makes_pushed_items_local(district):
    out, _ = run("link_course", "--school", "101", "--year", "22-23", "--course", "ENG9", "--unlink")
    assert "unlinked from course master ENG9" in out
    course = Course.objects.get(pk=district["course"].pk)
    assert course.master_id is None
    assert set(CourseCategory.objects.filter(course=course).values_list("state", flat=True)) == {"local"}


def test_r7_link_course_links_and_changes_no_item(district):
    run("link_course", "--school", "101", "--year", "22-23", "--course", "ENG9", "--unlink")
    out, _ = run("link_course", "--school", "101", "--year", "22-23", "--course", "ENG9", "--master", "ENG9",
                 "--as", "sadmin")  # fmt: skip
    assert "linked to course master ENG9" in out and "awaits the next push" in out
    course = Course.objects.get(pk=district["course"].pk)
    assert course.master_id == district["master"].pk
    assert set(CourseCategory.objects.filter(course=course).values_list("state", flat=True)) == {"local"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--school", "999", "--year", "22-23", "--course", "ENG9", "--unlink"], 'no school "999"'),
        (["--school", "101", "--year", "30-31", "--course", "ENG9", "--unlink"], 'no school year "30-31"'),
        (["--school", "101", "--year", "22-23", "--course", "MATH1", "--unlink"], 'no course "MATH1"'),
        (["--school", "101", "--year", "22-23", "--course", "ENG9", "--master", "ENG7"],
         'no course master "ENG7" in catalog "High School Catalog"'),
        (["--school", "101", "--year", "22-23", "--course", "ENG9", "--unlink", "--as", "ghost"], 'no user "ghost"'),
        (["--school", "101", "--year", "22-23", "--course", "ENG9", "--unlink", "--as", "eadmin"], "may not"),
    ],
)  # fmt: skip
def test_r32_link_course_bad_input_exits_2_and_changes_nothing(district, args, message):
    assert message in refused("link_course", *args)
    assert Course.objects.get(pk=district["course"].pk).master_id == district["master"].pk
