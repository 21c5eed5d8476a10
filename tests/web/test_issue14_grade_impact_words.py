"""Issue 14, "Words, not codes", in a preview's grade impact table: each moved grade's item is a
task named by code and name ("Q1G Quarter 1 Grade"), never by its reference ("task:Q1G")."""

from __future__ import annotations

import copy
import re
from html import unescape

from django.urls import reverse

from catalog.models import User
from pushjobs.engine.api import CoursePushOptions
from pushjobs.models import PushJob
from pushjobs.previews import push_job_preview_submit
from tests.engine.conftest import BASE, assignment, course, pushed, reload, section

A_F = [{"grade": g, "min": m} for g, m in (("A", "90"), ("B", "80"), ("C", "70"), ("D", "60"), ("F", "0"))]


def _gradebook() -> None:
    """Section 1 of ENG9 weights its categories for Q1G Q1 (s0001: Homework 5/10, Tests 10/10);
    then the course's Homework weight changes from 20 to 50, not yet pushed to sections."""
    district = copy.deepcopy(BASE)
    district["grading_scales"] = [{"name": "A-F", "bands": A_F}, {"name": "1-4"}]
    district["users"].append({"username": "admin1", "role": "district_admin", "schools": []})
    for o in district["course_masters"][0]["grade_calc_options"]:
        o["weight_categories"] = True
    doc = pushed(district)
    section(doc)["assignments"] = [
        assignment("HW1", "Homework", ["task:Q1G"], scores=[("s0001", "5.00", "")]),
        assignment("T1", "Tests", ["task:Q1G"], scores=[("s0001", "10.00", "")]),
    ]
    for c in course(doc)["categories"]:
        if c["name"] == "Homework":
            c["weight"] = "50.00"
    reload(doc)


def test_words_the_grade_impact_table_names_the_task_by_code_and_name(db, client, django_capture_on_commit_callbacks):
    _gradebook()
    admin = User.objects.get(username="admin1")
    with django_capture_on_commit_callbacks(execute=True):
        preview = push_job_preview_submit(user=admin, options=CoursePushOptions(school="101", year="22-23"))
    preview.refresh_from_db()
    assert preview.status == PushJob.COMPLETED
    client.force_login(admin)

    html = client.get(reverse("pushjobs:job_detail", args=[preview.pk])).content.decode()

    table = re.search(r'<table class="[^"]*grade-rows[^"]*">.*?</table>', html, re.S)
    assert table is not None
    cells = [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table.group(0))]
    assert "Q1G Quarter 1 Grade" in cells
    assert not [c for c in cells if re.search(r"\b(task|standard):", c)]
    # and on a phone it stacks, each cell with its heading, as the job page's does
    assert "table-stack" in table.group(0).split(">")[0]
    assert all("data-label=" in attrs for attrs in re.findall(r"<td([^>]*)>", table.group(0)))
