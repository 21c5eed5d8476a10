"""R75: one notification per job per teacher, listing what changed in which section and why."""

from __future__ import annotations

import pytest

from catalog.models import User
from pushjobs.engine import MasterPushOptions
from pushjobs.engine.api import UndoOptions
from pushjobs.models import Notification
from tests.engine.conftest import (
    CATALOG,
    YEAR,
    add_course,
    assignment,
    category,
    district,
    master,
    master_item_remove,
    pushed,
    reload,
    section,
)

from .helpers import run

pytestmark = pytest.mark.django_db
__all__ = ["district"]


def test_r75_one_notification_per_teacher_per_job_saying_what_and_why(district):
    # given two sections of jdoe and one of another teacher, after a first push
    district["sections"].append(
        {"course": {"school": "101", "year": YEAR, "number": "ENG9"}, "number": "2", "teacher": "jdoe"}
    )
    doc = pushed(district)
    doc["users"].append({"username": "asmith", "role": "teacher", "schools": ["101"]})
    add_course(doc, "101", number="ENG9H", master="ENG9", sections=())
    doc["sections"].append(
        {"course": {"school": "101", "year": YEAR, "number": "ENG9H"}, "number": "1", "teacher": "asmith"}
    )
    # the master drops Tests (in use in section 1: kept residual, not told), and section 1's
    # teacher has a category "labs" that the master now pushes as "Labs"
    master_item_remove(doc, "categories", "Tests")
    master(doc)["categories"].append(category("Labs", "5.00", 3))
    s = section(doc)
    s["categories"].append({**category("labs", "1.00", 9), "state": "teacher", "source": None})
    s["assignments"] = [assignment("Essay", category="Tests")]
    reload(doc)
    jdoe, asmith = User.objects.get(username="jdoe"), User.objects.get(username="asmith")

    # when a push reaches the sections
    job, _ = run(MasterPushOptions(year=YEAR, catalog=CATALOG, to_sections=True))

    # then each teacher has one notification for the job
    assert Notification.objects.filter(job=job, user=jdoe).count() == 1
    assert Notification.objects.filter(job=job, user=asmith).count() == 1
    told = Notification.objects.get(job=job, user=jdoe).message
    assert 'ENG9 section 1 (101 North High, 22-23): category "labs" renamed to "labs (1)"' in told
    assert 'ENG9 section 1 (101 North High, 22-23): category "Labs" added from the course and locked' in told
    assert 'ENG9 section 2 (101 North High, 22-23): category "Tests" removed' in told
    assert "ENG9H" not in told
    assert (
        'ENG9H section 1 (101 North High, 22-23): category "Homework" added'
        in Notification.objects.get(job=job, user=asmith).message
    )


def test_r75_a_push_that_changes_nothing_in_sections_tells_no_teacher(district):
    pushed(district)
    job, _ = run(MasterPushOptions(year=YEAR, catalog=CATALOG, to_sections=True))
    assert not Notification.objects.filter(job=job).exclude(user=job.requested_by).exists()


def test_r75_an_undo_tells_the_teacher_their_items_are_put_back(district):
    # given a push that renamed the teacher's own "labs" to "labs (1)" for the master's "Labs"
    doc = pushed(district)
    master(doc)["categories"].append(category("Labs", "5.00", 3))
    section(doc)["categories"].append({**category("labs", "1.00", 9), "state": "teacher", "source": None})
    reload(doc)
    job, _ = run(MasterPushOptions(year=YEAR, catalog=CATALOG, to_sections=True))

    # when the push is undone
    undo, outcome = run(UndoOptions(job=job.pk))

    # then the teacher is told their category is put back, not that it was "added and locked"
    assert outcome.summary.courses_failed == 0
    told = Notification.objects.get(job=undo, user__username="jdoe").message
    assert f'category "labs (1)" put back as it was before job {job.pk}: it is your own again' in told
    assert f'category "Labs" taken away again: job {job.pk}, now undone, had added it' in told
    assert "added from the course and locked" not in told
