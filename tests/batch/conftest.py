"""A small district for the batch-queue tests, built with the ORM: one catalog whose
categories are locked, a master with two categories, courses linked to it in two
schools (each with a section), and a second catalog for a push that conflicts with nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from catalog.models import Calendar, CourseCatalog, District, School, SchoolYear, User
from coursemasters.models import CourseMaster, MasterCategory
from courses.models import Course, CourseCategory
from pushjobs.engine.api import CoursePushOptions, MasterPushOptions
from pushjobs.models import PushJob
from pushjobs.submit import push_job_submit
from sections.models import Section

MASTER_CATEGORIES = {"homework": Decimal("40.00"), "tests": Decimal("60.00")}


def district_build(*, courses_per_school: int = 2) -> SimpleNamespace:
    d = SimpleNamespace()
    District.current()
    d.year = SchoolYear.objects.create(name="22-23", start="2022-07-01", end="2023-06-30")
    d.catalog = CourseCatalog.objects.create(name="High School Catalog", locked_types=["categories"])
    d.other_catalog = CourseCatalog.objects.create(name="Middle School Catalog", locked_types=["categories"])
    d.north = School.objects.create(number="101", name="North High", catalog=d.catalog)
    d.south = School.objects.create(number="102", name="South High", catalog=d.catalog)
    d.middle = School.objects.create(number="201", name="Central Middle", catalog=d.other_catalog)
    d.master = CourseMaster.objects.create(catalog=d.catalog, number="ENG9", name="English 9")
    for sequence, (name, weight) in enumerate(MASTER_CATEGORIES.items(), start=1):
        MasterCategory.objects.create(master=d.master, name=name.title(), weight=weight, sequence=sequence)
    d.middle_master = CourseMaster.objects.create(catalog=d.other_catalog, number="ENG7", name="English 7")
    MasterCategory.objects.create(master=d.middle_master, name="Homework", weight=Decimal("100"), sequence=1)
    d.teacher = User.objects.create(username="jdoe", role=User.TEACHER, email="jdoe@example.org")
    d.courses = []
    for school, master in ((d.north, d.master), (d.south, d.master), (d.middle, d.middle_master)):
        calendar = Calendar.objects.create(school=school, year=d.year, name=f"22-23 {school.name}", terms=["Q1", "Q2"])
        count = courses_per_school if master == d.master else 1
        for n in range(count):
            course = Course.objects.create(calendar=calendar, master=master, number=f"E{n:03d}", name=f"English {n}")
            Section.objects.create(course=course, number="1", teacher=d.teacher)
            if master == d.master:
                d.courses.append(course)
    d.district_admin = User.objects.create(username="dadmin", role=User.DISTRICT_ADMIN, email="dadmin@example.org")
    d.other_district_admin = User.objects.create(username="dadmin2", role=User.DISTRICT_ADMIN)
    d.school_admin = User.objects.create(username="sadmin", role=User.SCHOOL_ADMIN, email="sadmin@example.org")
    d.school_admin.schools.add(d.north)
    d.middle_admin = User.objects.create(username="madmin", role=User.SCHOOL_ADMIN)
    d.middle_admin.schools.add(d.middle)
    return d


@pytest.fixture(autouse=True)
def small_chunks(settings):
    """Two courses a chunk, so that every job here has several chunks."""
    settings.PUSH_CHUNK_SIZE = 2


def job_waiting_for_worker(*, user, options, token: str = "t") -> PushJob:
    """A due job whose start message is on its way to a worker (none runs in this process).

    Submitted for later, so that no tick runs it here at once, then made due and dispatched by hand.
    """
    job = push_job_submit(user=user, options=options, scheduled_for=timezone.now() + timedelta(hours=1))
    PushJob.objects.filter(pk=job.pk).update(
        scheduled_for=timezone.now() - timedelta(seconds=1), dispatch_token=token, dispatched_at=timezone.now()
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def district(db):
    return district_build()


@pytest.fixture
def committed_district(transactional_db):
    with transaction.atomic():
        return district_build()


def master_push(**overrides) -> MasterPushOptions:
    return MasterPushOptions(**{"year": "22-23", "catalog": "High School Catalog", **overrides})


def middle_push(**overrides) -> MasterPushOptions:
    return MasterPushOptions(**{"year": "22-23", "catalog": "Middle School Catalog", **overrides})


def course_push(school: str = "101", **overrides) -> CoursePushOptions:
    return CoursePushOptions(**{"school": school, "year": "22-23", **overrides})


def pushed_categories(course_ids) -> dict[int, dict[str, Decimal]]:
    """Per course, its categories linked to the master: name key → weight."""
    found: dict[int, dict[str, Decimal]] = {course_id: {} for course_id in course_ids}
    for course_id, name, weight in CourseCategory.objects.filter(
        course_id__in=course_ids, state=CourseCategory.LINKED
    ).values_list("course_id", "name", "weight"):
        found[course_id][name.strip().lower()] = weight
    return found
