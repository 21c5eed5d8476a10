"""The small gradebook the grade impact's page tests share (R82, R83)."""

from __future__ import annotations

import copy

from catalog.models import User
from sections.models import Section
from tests.conftest import PASSWORD
from tests.engine.conftest import BASE, assignment, course, posted_grade, pushed, reload, section

A_F = [{"grade": g, "min": m} for g, m in (("A", "90"), ("B", "80"), ("C", "70"), ("D", "60"), ("F", "0"))]


def gradebook_section() -> Section:
    """Section 1 of ENG9 (teacher jdoe) weights its categories for Q1G Q1: s0001 has Homework 5/10
    and Tests 10/10, 90.00 % (an A, posted A); s0002 10/10 twice. The course's Homework weight then
    changes from 20 to 50, not yet pushed to sections. Everyone's password is PASSWORD."""
    district = copy.deepcopy(BASE)
    district["grading_scales"] = [{"name": "A-F", "bands": A_F}, {"name": "1-4"}]
    district["users"] = [
        {"username": "jdoe", "role": "teacher", "schools": ["101"]},
        {"username": "admin1", "role": "district_admin", "schools": []},
    ]
    for o in district["course_masters"][0]["grade_calc_options"]:
        o["weight_categories"] = True
    doc = pushed(district)
    sec = section(doc)
    sec["assignments"] = [
        assignment("HW1", "Homework", ["task:Q1G"], scores=[("s0001", "5.00", ""), ("s0002", "10.00", "")]),
        assignment("T1", "Tests", ["task:Q1G"], scores=[("s0001", "10.00", ""), ("s0002", "10.00", "")]),
    ]
    sec["posted_grades"] = [posted_grade("task:Q1G", "Q1", "s0001", "A")]
    for c in course(doc)["categories"]:
        if c["name"] == "Homework":
            c["weight"] = "50.00"
    reload(doc)
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return Section.objects.get(course__number="ENG9", number="1")
