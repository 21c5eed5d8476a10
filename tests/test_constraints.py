"""The database refuses rows that must never exist (issue 2, rules.md section 2)."""

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Calendar, CourseCatalog, GradingItem, School, SchoolYear
from courses.models import Course, CourseCategory, CourseTask


@pytest.fixture
def course(db):
    catalog = CourseCatalog.objects.create(name="High School Catalog")
    school = School.objects.create(number="101", name="North High", catalog=catalog)
    year = SchoolYear.objects.create(name="22-23", start="2022-07-01", end="2023-06-30")
    calendar = Calendar.objects.create(school=school, year=year, name="22-23 North High", terms=["Q1", "Q2"])
    return Course.objects.create(calendar=calendar, number="ENG9", name="English 9")


def test_category_names_unique_per_course_ignoring_case_and_spaces(course):
    CourseCategory.objects.create(course=course, name="Homework")
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseCategory.objects.create(course=course, name="  homework ")


def test_one_alignment_per_task_per_course(course):
    task = GradingItem.objects.create(kind="task", code="S1", name="Semester 1")
    CourseTask.objects.create(course=course, item=task)
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseTask.objects.create(course=course, item=task)


def test_item_state_must_be_one_of_the_four(course):
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseCategory.objects.create(course=course, name="Labs", state="bogus")


def test_course_master_must_be_in_the_school_catalog(course):
    from coursemasters.models import CourseMaster

    other = CourseCatalog.objects.create(name="Middle School Catalog")
    foreign_master = CourseMaster.objects.create(catalog=other, number="ENG9", name="English 9")
    course.master = foreign_master
    with pytest.raises(IntegrityError, match="not in its school's catalog"), transaction.atomic():
        course.save()
    own_master = CourseMaster.objects.create(catalog=course.calendar.school.catalog, number="ENG9", name="English 9")
    course.master = own_master
    course.save()
    course.refresh_from_db()
    assert course.master == own_master
