"""R16: courses of one calendar may trade their locked numbers in one push (a district renumbering
its courses): two courses swapping, three or more in a circle. A circle that cannot close (one of
its courses does not move) is a conflict for the others, and nothing is half done."""

import pytest

from courses.models import Course, CourseCategory
from pushjobs.engine import CONFLICT, FAILED_ERROR, MasterPushOptions, push_chunk, push_scope

from .conftest import CATALOG, YEAR, category, exported, master_push, north_high_courses, refuse_categories_of, rows


def _numbers():
    """Each course's number, by its master's number."""
    return {c["master"]: c["number"] for c in exported()["courses"]}


def _number_changes(outcome):
    return sorted((c.course, c.before["number"], c.after["number"]) for c in outcome.changes if c.item == "number")


def test_r16_two_courses_trade_their_numbers(district):
    # given ENG9 following master ENG10, and ENG10 following master ENG9
    north_high_courses(district, [("ENG9", "ENG10"), ("ENG10", "ENG9")])

    outcome = master_push()

    assert _numbers() == {"ENG9": "ENG9", "ENG10": "ENG10"}
    assert rows(outcome, CONFLICT) == [] and outcome.summary.courses_failed == 0
    # the change log says each course's number change, as for a single move (R70)
    assert _number_changes(outcome) == [("ENG10", "ENG10", "ENG9"), ("ENG9", "ENG9", "ENG10")]
    # and the rest of their Course Info and items landed with it
    assert {c["master"]: c["name"] for c in exported()["courses"]} == {"ENG9": "English 9", "ENG10": "Course ENG10"}
    assert CourseCategory.objects.filter(course__number="ENG10", name="Work").exists()


def test_r16_three_courses_trade_their_numbers_in_a_circle(district):
    # given A takes B's number, B takes C's, C takes A's; and D moves on to a free number
    north_high_courses(district, [("A", "B"), ("B", "C"), ("C", "A"), ("D", "E")])

    outcome = master_push(data={"course_info"})

    assert _numbers() == {"A": "A", "B": "B", "C": "C", "E": "E"}
    assert rows(outcome, CONFLICT) == [] and outcome.summary.courses_failed == 0
    assert _number_changes(outcome) == [("A", "A", "B"), ("B", "B", "C"), ("C", "C", "A"), ("D", "D", "E")]


@pytest.mark.parametrize("planned_first", ["ring", "other"])
def test_r16_a_circle_takes_its_numbers_before_another_course_that_wants_one(district, planned_first):
    # given A and B trading numbers, and C (first or last in id order) that also wants B's number
    other = [("C", "B")]
    ring = [("A", "B"), ("B", "A")]
    north_high_courses(district, ring + other if planned_first == "ring" else other + ring)

    outcome = master_push(data={"course_info"})

    # the trade is done (were C to take B's number, B could not give it up, nor A take it)
    assert sorted(c["number"] for c in exported()["courses"]) == ["A", "B", "C"]
    assert {c["master"]: c["number"] for c in exported()["courses"] if c["number"] != "C"} == {"A": "A", "B": "B"}
    [row] = rows(outcome, CONFLICT)
    assert (row.course, row.data_type, row.item) == ("C", "course_info", "number")
    assert row.detail == 'number "B" is already used by another course of this calendar'


# A course desynced: its pushed category was edited while categories were unlocked (R14).
DESYNCED = {"categories": [category("Work", "3.00", state="unlinked", source="Work")]}


@pytest.mark.parametrize("stays", ["ignored", "desynced-in-push-mode"])
def test_r16_a_circle_with_a_course_that_does_not_move_is_a_conflict_for_the_others(district, stays):
    # given A -> B's number, B -> C's, C -> A's, and C does not move (ignored, or desynced in push mode)
    extra = {"ignore_master_push": True} if stays == "ignored" else DESYNCED
    north_high_courses(district, [("A", "B"), ("B", "C"), ("C", "A", extra)])
    before = sorted(Course.objects.values_list("number", "name"))

    outcome = master_push(mode="push", data={"course_info", "categories"})

    # no number moved, none is held twice or left half changed
    assert sorted(Course.objects.values_list("number", flat=True)) == ["A", "B", "C"]
    assert _number_changes(outcome) == []
    conflicts = rows(outcome, CONFLICT)
    assert [(r.course, r.item, r.detail) for r in conflicts] == [
        ("A", "number", 'number "B" is already used by another course of this calendar'),
        ("B", "number", 'number "C" is already used by another course of this calendar'),
    ]
    # a conflict skips only the number: A's and B's other Course Info and items land (R13)
    names = dict(Course.objects.values_list("number", "name"))
    assert (names["A"], names["B"]) == ("Course B", "Course C")
    assert names["C"] == dict(before)["C"]
    assert set(CourseCategory.objects.filter(name="Work").values_list("course__number", flat=True)) >= {"A", "B"}
    assert outcome.summary.courses_failed == (0 if stays == "ignored" else 1)


def test_r16_a_desynced_course_in_overwrite_mode_trades_its_number(district):
    # given the same circle, C desynced: overwrite mode relinks it, so it moves, and the circle closes
    north_high_courses(district, [("A", "B"), ("B", "C"), ("C", "A", DESYNCED)])

    outcome = master_push(mode="overwrite", data={"course_info", "categories"})

    assert _numbers() == {"A": "A", "B": "B", "C": "C"}
    assert rows(outcome, CONFLICT) == [] and outcome.summary.courses_failed == 0


def test_r16_a_dry_run_of_a_trade_says_what_the_push_then_does(district):
    north_high_courses(
        district, [("A", "B"), ("B", "C"), ("C", "A"), ("D", "A"), ("E", "F"), ("F", "E", {"ignore_master_push": True})]
    )
    before = exported()

    dry = master_push(dry_run=True)
    assert exported() == before
    real = master_push()

    assert dry.summary == real.summary
    assert dry.rows == real.rows
    assert _number_changes(dry) == _number_changes(real) == [("A", "A", "B"), ("B", "B", "C"), ("C", "C", "A")]
    assert [(r.course, r.item) for r in rows(real, CONFLICT)] == [("D", "number"), ("E", "number")]


def test_r12_r16_when_another_course_fails_the_courses_that_trade_are_still_written(district):
    # given A and B trading numbers, C taking D's number while D moves on, and E failing its writes:
    # the chunk is redone course by course, but a course cannot take a number alone
    north_high_courses(district, [("A", "B"), ("B", "A"), ("C", "D"), ("D", "F"), ("E", "E2")])
    refuse_categories_of("E", on="INSERT")

    outcome = master_push(data={"course_info", "categories"})

    assert [r.course for r in rows(outcome, FAILED_ERROR)] == ["E"]
    assert _numbers() == {"A": "A", "B": "B", "D": "D", "F": "F", "E2": "E"}
    assert _number_changes(outcome) == [("A", "A", "B"), ("B", "B", "A"), ("C", "C", "D"), ("D", "D", "F")]


def test_r12_r16_a_course_that_fails_leaves_the_course_it_trades_with_as_it_was(district):
    # given A and B trading numbers, and A failing its writes
    north_high_courses(district, [("A", "B"), ("B", "A"), ("C", "C2")])
    refuse_categories_of("A", on="INSERT")
    before = sorted(Course.objects.values_list("number", "name"))

    outcome = master_push(data={"course_info", "categories"})

    # both are left exactly as they were (B alone would hold A's number too); C goes on
    failed = rows(outcome, FAILED_ERROR)
    assert [r.course for r in failed] == ["A", "B"]
    assert "refused by test trigger" in failed[0].detail and failed[0].detail.endswith(
        "; left as it was together with B: this push passes numbers between them"
    )
    assert failed[1].detail.endswith("; left as it was together with A: this push passes numbers between them")
    assert sorted(Course.objects.exclude(number__in=["C", "C2"]).values_list("number", "name")) == [
        x for x in before if x[0] in ("A", "B")
    ]
    assert not CourseCategory.objects.filter(course__number__in=["A", "B"]).exists()
    assert _number_changes(outcome) == [("C", "C", "C2")]
    assert outcome.summary.courses_failed == 2 and outcome.summary.courses_changed == 1


@pytest.mark.parametrize("dry_run", [True, False])
def test_r16_a_push_cut_in_chunks_keeps_a_trade_in_one(district, dry_run):
    # given A and B trading numbers, in a push of one course a chunk
    north_high_courses(district, [("A", "B"), ("B", "A"), ("C", "C2")])

    outcome = master_push(data={"course_info"}, chunk_size=1, dry_run=dry_run)

    # the calendar's courses are one chunk (as a push job's), so the dry run says what the job does
    assert rows(outcome, CONFLICT) == []
    assert _number_changes(outcome) == [("A", "A", "B"), ("B", "B", "A"), ("C", "C", "C2")]


def test_r16_a_trade_split_across_chunks_is_a_conflict(district):
    # given A and B trading numbers, pushed in two chunks by hand (no push cuts them so)
    north_high_courses(district, [("A", "B"), ("B", "A")])
    options = MasterPushOptions(year=YEAR, catalog=CATALOG, data=frozenset({"course_info"}))
    a, b = push_scope(options)

    first, second = push_chunk(options, [a]), push_chunk(options, [b])

    # each chunk sees the other's course keep its number
    assert sorted(Course.objects.values_list("number", flat=True)) == ["A", "B"]
    assert [(r.course, r.item) for r in rows(first, CONFLICT) + rows(second, CONFLICT)] == [
        ("A", "number"),
        ("B", "number"),
    ]
