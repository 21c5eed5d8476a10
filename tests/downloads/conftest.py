"""Prepared downloads' fixtures: the small gradebook (tests/grades/gradebook.py) after Push All
Courses of school 101 has run, so its job has result rows, change rows and a stored grade impact;
prepared files go to a folder of the test's own."""

from __future__ import annotations

import pytest

from catalog.models import School, User
from pushjobs.engine.api import CoursePushOptions
from pushjobs.models import JobGradeImpact, PushJob
from pushjobs.submit import push_job_submit
from tests.grades.gradebook import gradebook_section

PUSH = CoursePushOptions(school="101", year="22-23")


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "storage"
    return settings.MEDIA_ROOT


def push_all_courses(capture) -> PushJob:
    """Push All Courses of school 101, Run Now, its messages (and the grade impact's) run in this process."""
    with capture(execute=True):
        job = push_job_submit(user=User.objects.get(username="admin1"), options=PUSH, run_now=True)
    job.refresh_from_db()
    assert job.status == PushJob.COMPLETED
    assert JobGradeImpact.objects.get(job=job).state == JobGradeImpact.DONE
    return job


@pytest.fixture
def job(db, django_capture_on_commit_callbacks) -> PushJob:
    gradebook_section()
    return push_all_courses(django_capture_on_commit_callbacks)


@pytest.fixture
def admin(job) -> User:
    return User.objects.get(username="admin1")


def school_admin(username: str, school: str) -> User:
    user = User.objects.create(username=username, role=User.SCHOOL_ADMIN)
    user.schools.add(School.objects.get(number=school))
    return user
