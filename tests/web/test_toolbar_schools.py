"""The toolbar offers a teacher the schools they belong to and those they teach a section in, and
no other; read with a fixed, small number of queries (it is on every page a teacher opens)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import School
from catalog.toolbar import toolbar_calendars, toolbar_schools
from sections.models import Section


def _numbers(user) -> list[str]:
    return sorted(toolbar_schools(user=user).values_list("number", flat=True))


def test_a_teacher_picks_from_their_schools_and_the_schools_they_teach_in(district):
    teacher = district.teacher  # belongs to 101, teaches ENG9-1 there
    assert _numbers(teacher) == ["101"]

    # Teaching a section at 201 (without belonging to it) adds 201, once, whatever the sections there.
    Section.objects.filter(course=district.other_school_course).update(teacher=teacher)
    assert Section.objects.filter(teacher=teacher, course__calendar__school__number="201").exists()
    assert _numbers(teacher) == ["101", "201"]

    # Belonging to a school where they teach nothing (102) adds it too; 900 stays out.
    teacher.schools.add(School.objects.get(number="102"))
    assert _numbers(teacher) == ["101", "102", "201"]
    calendars = toolbar_calendars(user=teacher)
    assert {c.school.number for c in calendars} == {"101", "102", "201"}

    # A teacher of nothing, belonging nowhere, picks from no school.
    teacher.schools.clear()
    Section.objects.filter(teacher=teacher).update(teacher=district.other_teacher)
    assert _numbers(teacher) == []


def test_a_teachers_toolbar_schools_are_one_query(district):
    with CaptureQueriesContext(connection) as queries:
        list(toolbar_schools(user=district.other_teacher))
    assert len(queries) == 1
