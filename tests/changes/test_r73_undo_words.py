"""R73 and the pages' words: why an undo left a course as it was, as the undo job's page tells a
district admin: items by their type's name and tasks by code and name, attributes by their label;
never a data type's code, a task's reference or a field name."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from catalog.models import User
from courses.models import Course
from pushjobs.engine import MasterPushOptions, UndoOptions
from pushjobs.models import PushResultRow
from sections.models import SectionGradeCalcOption
from tests.engine.conftest import CATALOG, YEAR, district, master, pushed, reload

from .helpers import run

pytestmark = pytest.mark.django_db
__all__ = ["district"]


def _text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def _undo_in_conflict(doc):
    """A push that changes S1 Q1's options and the state code; since, S1 Q1 went from the section
    and the state code changed at the course; the undo leaves the course as it is."""
    doc = pushed(doc)
    m = master(doc)
    m["attributes"]["state_code"] = "09999"
    next(g for g in m["grade_calc_options"] if g["item"] == "task:S1")["weight_categories"] = True
    reload(doc)
    job, _ = run(MasterPushOptions(year=YEAR, catalog=CATALOG, mode="overwrite", to_sections=True))
    SectionGradeCalcOption.objects.filter(item__code="S1", term="Q1").delete()
    Course.objects.update(state_code="01002")
    undo, outcome = run(UndoOptions(job=job.pk))
    assert outcome.summary.courses_failed == 1
    return undo


def test_r73_an_undo_conflict_names_items_and_attributes_in_words(client, district):
    undo = _undo_in_conflict(district)
    (row,) = PushResultRow.objects.filter(job=undo, outcome="conflict")
    # the stored detail keeps the task's reference, for the CSV's scripts and for the page's words
    assert "section 1 grade calc option task:S1 Q1 is gone since" in row.detail
    assert "its State code is now 01002, not 09999" in row.detail

    admin = User.objects.create_user(username="admin", password="x", role=User.DISTRICT_ADMIN)
    client.force_login(admin)
    text = _text(client.get(reverse("pushjobs:job_detail", args=[undo.pk])))

    assert "section 1 grade calc option S1 Semester 1 Grade Q1 is gone since" in text
    assert "its State code is now 01002, not 09999" in text
    assert not re.search(r"\b(task|standard):|state_code|grade_calc_options", text)
