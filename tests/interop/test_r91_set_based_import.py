"""R91 at district size: the OneRoster import writes each file's rows in a few set-based
statements, so its queries do not grow with the rows of a package (STYLE.md: bound the number of
queries, not the time). Packages of 2 and of 8 classes (with their courses, teachers, students,
enrollments, categories, line items and results) take the same number of queries, created and
then updated."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import User
from sections.models import Assignment, Score, Section, SectionCategory

from .conftest import write_package


def school_package(prefix: str, n: int) -> dict[str, list[dict]]:
    """A school ``prefix`` with ``n`` courses, each with a class, its teacher and a student, a
    category, a line item and a result; the district, its year and terms as in every package."""
    school = f"{prefix}-s"
    files: dict[str, list[dict]] = {
        "orgs": [
            {"sourcedId": "d1", "name": "Example Unified", "type": "district", "identifier": "D1"},
            {"sourcedId": school, "name": f"School {prefix}", "type": "school", "identifier": f"{prefix}01",
             "parentSourcedId": "d1"},
        ],
        "academicSessions": [
            {"sourcedId": "y1", "title": "22-23", "type": "schoolYear", "startDate": "2022-07-01",
             "endDate": "2023-06-30", "schoolYear": "2023"},
            {"sourcedId": "t1", "title": "Q1", "type": "gradingPeriod", "startDate": "2022-08-15",
             "endDate": "2022-10-31", "parentSourcedId": "y1", "schoolYear": "2023"},
        ],
        "courses": [{"sourcedId": f"{prefix}-m", "title": f"Master {prefix}", "courseCode": f"M{prefix}",
                     "orgSourcedId": "d1"}],
    }  # fmt: skip
    for name in ("classes", "users", "roles", "enrollments", "categories", "lineItems", "results"):
        files[name] = []
    for i in range(n):
        c, k, t, st = f"{prefix}-c{i}", f"{prefix}-k{i}", f"{prefix}-t{i}", f"{prefix}-st{i}"
        files["courses"].append(
            {
                "sourcedId": c,
                "schoolYearSourcedId": "y1",
                "title": f"Course {i}",
                "courseCode": f"M{prefix}" if i == 0 else f"C{i}",
                "orgSourcedId": school,
            }
        )
        files["classes"].append(
            {
                "sourcedId": k,
                "title": f"Class {i}",
                "courseSourcedId": c,
                "classCode": "1",
                "classType": "scheduled",
                "schoolSourcedId": school,
                "termSourcedIds": "t1",
            }
        )
        files["users"] += [
            {"sourcedId": t, "enabledUser": "true", "username": t, "givenName": "T", "familyName": str(i)},
            {
                "sourcedId": st,
                "enabledUser": "true",
                "username": st,
                "givenName": "S",
                "familyName": str(i),
                "identifier": f"{prefix}{i:04d}",
            },
        ]
        files["roles"] += [
            {
                "sourcedId": f"{t}-r",
                "userSourcedId": t,
                "roleType": "primary",
                "role": "teacher",
                "orgSourcedId": school,
            },
            {
                "sourcedId": f"{st}-r",
                "userSourcedId": st,
                "roleType": "primary",
                "role": "student",
                "orgSourcedId": school,
            },
        ]
        files["enrollments"] += [
            {
                "sourcedId": f"{k}-e1",
                "classSourcedId": k,
                "schoolSourcedId": school,
                "userSourcedId": t,
                "role": "teacher",
                "primary": "true",
            },
            {
                "sourcedId": f"{k}-e2",
                "classSourcedId": k,
                "schoolSourcedId": school,
                "userSourcedId": st,
                "role": "student",
                "primary": "false",
            },
        ]
        files["categories"].append({"sourcedId": f"{k}-cat", "title": "Homework", "weight": "20"})
        files["lineItems"].append(
            {
                "sourcedId": f"{k}-li",
                "title": "Essay 1",
                "assignDate": "2022-09-01",
                "dueDate": "2022-09-08",
                "classSourcedId": k,
                "categorySourcedId": f"{k}-cat",
                "academicSessionSourcedId": "t1",
                "resultValueMin": "0",
                "resultValueMax": "10",
                "schoolSourcedId": school,
            }
        )
        files["results"].append(
            {
                "sourcedId": f"{k}-res",
                "lineItemSourcedId": f"{k}-li",
                "studentSourcedId": st,
                "scoreStatus": "fully graded",
                "score": str(5 + i % 5),
                "scoreDate": "2022-09-09",
            }
        )
    return files  # fmt: skip


def queries_of_import(path) -> int:
    with CaptureQueriesContext(connection) as queries:
        call_command(
            "import_oneroster", str(path), "--catalog", "District Catalog", stdout=io.StringIO(), stderr=io.StringIO()
        )
    return len(queries)


def test_r91_import_queries_do_not_grow_with_the_rows(db, tmp_path):
    # given a district an import has already started (the catalog, the year, the role groups)
    queries_of_import(write_package(tmp_path / "w", school_package("w", 1)))
    small = write_package(tmp_path / "a", school_package("a", 2))
    large = write_package(tmp_path / "b", school_package("b", 8))
    # when a package of 2 classes and one of 8 are imported, then imported again (updates)
    created = queries_of_import(small), queries_of_import(large)
    updated = queries_of_import(small), queries_of_import(large)
    # then each took as many queries as the other
    assert created[0] == created[1], created
    assert updated[0] == updated[1], updated
    # and the rows are all there
    sections = Section.objects.filter(course__calendar__school__number="b01")
    assert sections.count() == 8
    assert {s.teacher.username for s in sections} == {f"b-t{i}" for i in range(8)}
    assert SectionCategory.objects.filter(section__in=sections, name="Homework", weight=20).count() == 8
    assert Assignment.objects.filter(section__in=sections, category__name="Homework", points=10).count() == 8
    assert sorted(Score.objects.filter(assignment__section__in=sections).values_list("student", flat=True)) == [
        f"b{i:04d}" for i in range(8)
    ]
    assert User.objects.get(username="b-t3").role == User.TEACHER
    assert User.objects.get(username="b-t3").schools.get().number == "b01"


def test_r91_delta_class_of_a_course_removed_in_the_product_refused_and_nothing_changed(db, tmp_path):
    from courses.models import Course

    from .conftest import district_12, row_counts
    from .test_r91_import_oneroster import delta_rows, run

    # given the district imported, and its art course (and class) then removed in the product
    run(write_package(tmp_path / "bulk", district_12()), "--catalog", "District Catalog")
    art = Course.objects.get(number="ART1")
    art.sections.all().delete()
    art.delete()
    before = row_counts()
    # when a delta adds a class to that course, named by its sourcedId only
    rows = delta_rows([{"sourcedId": "k9", "title": "Art - 9", "courseSourcedId": "c3", "classCode": "9",
                        "classType": "scheduled", "schoolSourcedId": "s1", "termSourcedIds": "t1"}])  # fmt: skip
    package = write_package(tmp_path / "delta", {"classes": rows}, mode="delta")
    # then it is refused, naming the row, and nothing changed
    try:
        run(package, "--catalog", "District Catalog", "--delta")
    except Exception as error:  # CommandError, exit 2
        message = str(error)
    else:
        raise AssertionError("the delta was imported")
    assert (
        message
        == 'classes.csv line 2 column "courseSourcedId": course "ART1" of school "0101" in 22-23 is not in the district'
    )
    assert row_counts() == before
