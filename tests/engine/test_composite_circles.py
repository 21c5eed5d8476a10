"""A push never closes a circle of composite grades (issue 11): a master's S1 made of Q1G, pushed
to a course whose own Q1G is made of S1, is a conflict for that item; the rest of the course is
pushed."""

from pushjobs.engine import CONFLICT

from .conftest import by_key, composite, course, exported, load, master_push, rows


def test_r13_a_master_composite_that_would_close_a_circle_at_the_course_is_a_conflict(district):
    # given the course's own composite Q1G made of S1, and the master's S1 made of Q1G and Q2G
    district["courses"][0]["composite_grades"] = [composite("task:Q1G", ("task:S1", "100"), state="local")]
    load(district)

    outcome = master_push(mode="push")

    c = course(exported())
    composites = by_key(c["composite_grades"], "parent")
    assert set(composites) == {"task:Q1G"}  # S1 was not pushed: it would make a circle
    assert composites["task:Q1G"]["state"] == "local"
    conflicts = [r for r in rows(outcome, CONFLICT) if r.data_type == "composite_grades"]
    assert [(r.item, r.detail) for r in conflicts] == [
        (
            "task:S1",
            "circular composite grades: task:Q1G → task:S1 → task:Q1G with the course's own composite grades",
        )
    ]
    # the rest of the course is pushed
    assert {x["name"] for x in c["categories"]} >= {"Homework"}
    assert outcome.summary.courses_failed == 0


def test_r13_without_a_circle_the_master_composite_is_pushed(district):
    district["courses"][0]["composite_grades"] = [composite("task:Q2G", ("task:Q1G", "100"), state="local")]
    load(district)

    master_push(mode="push")

    composites = by_key(course(exported())["composite_grades"], "parent")
    assert set(composites) == {"task:Q2G", "task:S1"}
