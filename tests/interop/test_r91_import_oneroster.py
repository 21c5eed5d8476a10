"""R91: ``import_oneroster PATH --catalog NAME [--delta]`` reads OneRoster 1.1 and 1.2 CSV packages,
ZIP or folder, bulk and delta, as real packages come, all or nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Calendar, CourseCatalog, School, User
from coursemasters.models import CourseMaster
from courses.models import Course
from sections.models import Assignment, Score, Section, SectionCategory

from .conftest import district_11, district_12, manifest, row_counts, write_package


def run(*args) -> str:
    err = io.StringIO()
    call_command("import_oneroster", *map(str, args), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def assert_small_district_imported() -> None:
    school = School.objects.get(number="0101")  # the identifier, leading zero kept
    assert school.name == "North High"
    assert school.catalog.name == "District Catalog"
    calendar = Calendar.objects.get(school=school, year__name="22-23")
    assert calendar.terms == ["Q1", "Q2"]  # date order, not file order
    master = CourseMaster.objects.get(catalog__name="District Catalog", number="ENG9")
    assert (master.name, master.sced_code, master.grade_levels) == ("English 9", "01001", ["09"])
    course = Course.objects.get(calendar=calendar, number="ENG9")
    assert course.name == "English 9 (North)"
    assert course.master == master  # linked by courseCode
    art = Course.objects.get(calendar=calendar, number="ART1")
    assert art.master is None and art.grade_levels == ["09", "10"]
    section = Section.objects.get(course=course, number="1")
    assert section.teacher.username == "jdoe"
    assert section.teacher.role == User.TEACHER
    assert Section.objects.get(course=art, number="1").teacher is None
    assignment = Assignment.objects.get(section=section, name="Essay 1")
    assert (assignment.term, str(assignment.points), assignment.category.name) == ("Q1", "10.00", "Homework")
    score = Score.objects.get(assignment=assignment)
    assert (score.student, str(score.score), score.comment) == ("s0001", "9.00", "good")


def test_r91_bulk_oneroster_12_folder(db, tmp_path):
    err = run(write_package(tmp_path / "pkg", district_12()), "--catalog", "District Catalog")
    assert_small_district_imported()
    assert SectionCategory.objects.get(name="Homework").weight == 20
    assert "imported" in err


def test_r91_bulk_oneroster_11_zip(db, tmp_path):
    run(write_package(tmp_path / "pkg.zip", district_11(), version="1.1"), "--catalog", "District Catalog")
    assert_small_district_imported()


def test_r91_real_package_quirks_bom_no_final_newline_metadata_columns_quoted_lists(db, tmp_path):
    files = district_12()
    path = write_package(tmp_path / "pkg", files)
    for name in ("classes.csv", "orgs.csv"):
        text = (path / name).read_text(encoding="utf-8")
        lines = text.rstrip("\n").split("\n")
        lines[0] += ",metadata.vendorNote"
        lines[1:] = [line + ',"a, b"' for line in lines[1:]]
        # a byte-order mark and no final newline, as spreadsheet exports write them
        (path / name).write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).replace("\n", "\r\n").encode("utf-8"))
    assert '"t1,t2"' in (path / "classes.csv").read_text(encoding="utf-8-sig")  # a quoted list
    run(path, "--catalog", "District Catalog")
    assert_small_district_imported()


def test_r91_imperfect_manifest_accepted_with_warnings(db, tmp_path):
    files = district_12()
    rows = [r for r in manifest("1.2", files) if r[0] != "file.results"] + [("file.demographics", "bulk")]
    err = run(write_package(tmp_path / "pkg", files, manifest_rows=rows), "--catalog", "District Catalog")
    assert_small_district_imported()
    assert "warning: manifest.csv: no file.results row; results.csv read as bulk" in err
    assert "lists demographics.csv as bulk, and the package has no such file" in err


def test_r91_no_manifest_version_read_from_the_users_file(db, tmp_path):
    err = run(write_package(tmp_path / "pkg", district_11(), version="1.1", manifest_rows=[]), "--catalog", "C")
    assert "manifest.csv: missing" in err
    assert Section.objects.filter(number="1", course__number="ENG9").exists()


def test_r91_district_course_class_gets_the_schools_course_of_the_master(db, tmp_path):
    files = district_12()
    files["classes"].append(
        {"sourcedId": "k3", "title": "Math", "courseSourcedId": "c4", "classCode": "7", "classType": "scheduled",
         "schoolSourcedId": "s1", "termSourcedIds": "t1"}
    )  # fmt: skip
    files["courses"].append({"sourcedId": "c4", "title": "Algebra I", "courseCode": "ALG1", "orgSourcedId": "d1"})
    run(write_package(tmp_path / "pkg", files), "--catalog", "District Catalog")
    course = Course.objects.get(number="ALG1")
    assert course.master.number == "ALG1" and course.name == "Algebra I"
    assert course.sections.get().number == "7"


def test_r91_import_twice_changes_nothing_the_second_time(db, tmp_path):
    path = write_package(tmp_path / "pkg", district_12())
    run(path, "--catalog", "District Catalog")
    before = row_counts()
    run(path, "--catalog", "District Catalog")
    after = row_counts()
    # every import is one History record (R74), even one that changes nothing else
    assert after.pop("catalog.HistoryRecord") == before.pop("catalog.HistoryRecord") + 1
    assert after == before


def delta_rows(rows: list[dict], status: str = "active") -> list[dict]:
    return [{**row, "status": status, "dateLastModified": "2022-10-01T12:00:00.000Z"} for row in rows]


def test_r91_delta_updates_and_deletes_what_it_names(db, tmp_path):
    # given the district imported in bulk
    run(write_package(tmp_path / "bulk", district_12()), "--catalog", "District Catalog")
    # when a delta changes a score, adds a line item to a class it names only by sourcedId,
    # and deletes the art class
    files = {
        "results": delta_rows(
            [{"sourcedId": "res1", "lineItemSourcedId": "li1", "studentSourcedId": "u2", "scoreStatus": "fully graded",
              "score": "10", "scoreDate": "2022-09-10", "comment": "regraded"}]
        ),
        "lineItems": delta_rows(
            [{"sourcedId": "li2", "title": "Quiz 1", "assignDate": "2022-11-02", "dueDate": "2022-11-02",
              "classSourcedId": "k1", "categorySourcedId": "cat1", "academicSessionSourcedId": "t2",
              "resultValueMax": "5", "schoolSourcedId": "s1"}]
        ),
        "classes": delta_rows(
            [{"sourcedId": "k2", "title": "Art - 1", "courseSourcedId": "c3", "classCode": "1",
              "classType": "scheduled", "schoolSourcedId": "s1", "termSourcedIds": "t1"}],
            "tobedeleted",
        ),
    }  # fmt: skip
    run(write_package(tmp_path / "delta", files, mode="delta"), "--catalog", "District Catalog", "--delta")
    # then
    score = Score.objects.get(student="s0001", assignment__name="Essay 1")
    assert (str(score.score), score.comment) == ("10.00", "regraded")
    quiz = Assignment.objects.get(name="Quiz 1")
    assert (quiz.term, quiz.category.name, quiz.section.number) == ("Q2", "Homework", "1")
    assert not Section.objects.filter(course__number="ART1").exists()


def test_r91_delta_teacher_enrollment_deleted_leaves_the_class_without_teacher(db, tmp_path):
    run(write_package(tmp_path / "bulk", district_12()), "--catalog", "District Catalog")
    enrollment = [r for r in district_12()["enrollments"] if r["role"] == "teacher"]
    files = {"enrollments": delta_rows(enrollment, "tobedeleted")}
    run(write_package(tmp_path / "delta", files, mode="delta"), "--catalog", "District Catalog", "--delta")
    assert Section.objects.get(course__number="ENG9").teacher is None


def test_r91_catalog_created_when_missing_and_reused(db, tmp_path):
    run(write_package(tmp_path / "pkg", district_12()), "--catalog", "New Catalog")
    assert CourseCatalog.objects.filter(name="New Catalog").count() == 1
    assert CourseMaster.objects.get(number="ENG9").catalog.name == "New Catalog"


def test_r91_only_district_admins_import(db, tmp_path):
    User.objects.create(username="t1", role=User.TEACHER)
    before = row_counts()
    with pytest.raises(CommandError) as raised:
        run(write_package(tmp_path / "pkg", district_12()), "--catalog", "C", "--as", "t1")
    assert raised.value.returncode == 2
    assert row_counts() == before
