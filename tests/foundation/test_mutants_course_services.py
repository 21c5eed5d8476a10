"""What the mutation run of courses/services.py found untested (docs/testing.md): the scope of
unlinking and of the number-taken check, what the course's own weights are compared with, and the
messages people read when a course edit is refused (R3, R4, R7, R32)."""

from decimal import Decimal

import pytest

from catalog.errors import InputError, LockedError
from catalog.models import Calendar, School, SchoolYear
from catalog.setup_types import COURSE, SETUP_TYPES
from courses.models import Course, CourseCategory, CourseComposite
from courses.services import (
    course_attributes_update,
    course_ignore_master_push_set,
    course_item_create,
    course_item_delete,
    course_item_update,
    course_link_set,
)

from .conftest import unlock


def items_of(course):
    """Every course item of every type as (type, key, state, source): what unlinking may touch."""
    return sorted(
        (stype.name, str(stype.key_of(item)), item.state, item.source_id)
        for stype in SETUP_TYPES
        for item in stype.model(COURSE).objects.filter(course=course)
    )


def pushed_copy(district, number):
    """Another course of the calendar, pushed from the same master: every item linked to its source."""
    course = Course.objects.create(calendar=district["calendar"], master=district["master"], number=number, name=number)
    for stype in SETUP_TYPES:
        for m_item in stype.model("master").objects.filter(master=district["master"]):
            values = {f.attname: getattr(m_item, f.attname) for f in m_item._meta.concrete_fields}
            values.pop("id")
            values.pop("master_id")
            stype.model(COURSE)(course=course, state="linked", source=m_item, **values).save()
    return course


def attributes(course):
    return Course.objects.values("number", "name", "state_code", "credits").get(pk=course.pk)


# ---------------------------------------------------------------------------
# R7: unlinking touches only this course's pushed items
# ---------------------------------------------------------------------------


def test_r7_unlinking_makes_only_this_courses_items_local(district):
    # given two courses pushed from one master
    other = pushed_copy(district, "ENG9H")
    other_before = items_of(other)
    assert {state for _, _, state, _ in other_before} == {"linked"}
    # when one of them is unlinked
    course_link_set(user=district["school_admin"], course=district["course"], master=None)
    # then its items are local, and the other course's items are still pushed from the master
    assert {state for _, _, state, _ in items_of(district["course"])} == {"local"}
    assert items_of(other) == other_before


def test_r7_moving_to_another_master_makes_only_this_courses_items_local(district):
    other = pushed_copy(district, "ENG9H")
    other_before = items_of(other)
    new_master = type(district["master"]).objects.create(catalog=district["catalog"], number="ENG10", name="English")
    course_link_set(user=district["school_admin"], course=district["course"], master=new_master)
    assert {state for _, _, state, _ in items_of(district["course"])} == {"local"}
    assert items_of(other) == other_before


def test_r7_unlinking_leaves_residual_items_residual(district):
    # given a residual category: left behind by a push because it is in use (R20), the course's own
    residual = CourseCategory.objects.create(
        course=district["course"], name="Projects", weight=Decimal("10"), sequence=3, state="residual"
    )
    # when the course is unlinked, only its linked and unlinked items become local
    course_link_set(user=district["school_admin"], course=district["course"], master=None)
    assert CourseCategory.objects.get(pk=residual.pk).state == "residual"
    assert CourseCategory.objects.get(pk=district["c_categories"].pk).state == "local"


def test_r7_linking_a_course_of_a_school_without_catalog_is_refused_with_a_message(district):
    school = School.objects.create(number="301", name="West High")
    calendar = Calendar.objects.create(school=school, year=district["year"], name="22-23 West High", terms=["S1"])
    course = Course.objects.create(calendar=calendar, number="ENG9", name="English 9")
    with pytest.raises(InputError, match="^school 301 West High uses no course catalog: link its courses later$"):
        course_link_set(user=district["district_admin"], course=course, master=district["master"])
    assert Course.objects.get(pk=course.pk).master_id is None


# ---------------------------------------------------------------------------
# R32: a course number is taken in its own calendar only
# ---------------------------------------------------------------------------


def test_r32_a_course_number_is_taken_only_in_its_own_calendar(district):
    # given ART1 in another year's calendar of the school, and ENG9 beside the course in its own
    next_year = SchoolYear.objects.create(name="23-24", start="2023-07-01", end="2024-06-30")
    next_calendar = Calendar.objects.create(
        school=district["school"], year=next_year, name="23-24 North High", terms=["Q1", "Q2", "Q3", "Q4"]
    )
    Course.objects.create(calendar=next_calendar, number="ART1", name="Art 1")
    music = Course.objects.create(calendar=district["calendar"], number="MUS1", name="Music 1")
    # when the course takes the number ART1, free in its calendar
    course_attributes_update(user=district["school_admin"], course=music, values={"number": "ART1"})
    # then it has it: the other calendar's ART1 and its own calendar's ENG9 do not stand in the way
    assert Course.objects.get(pk=music.pk).number == "ART1"


# ---------------------------------------------------------------------------
# R3: the refusal of a locked attribute says what is locked, in words and agreeing in number
# ---------------------------------------------------------------------------


def test_r3_one_locked_attribute_is_refused_naming_it_in_the_singular(district):
    before = attributes(district["course"])
    with pytest.raises(LockedError) as refused:
        course_attributes_update(user=district["school_admin"], course=district["course"], values={"credits": "2"})
    assert str(refused.value) == (
        'credits of course ENG9 is locked on catalog "High School Catalog": the course is linked to course '
        "master ENG9, which manages it; change the master and push it"
    )
    assert attributes(district["course"]) == before


def test_r3_several_locked_attributes_are_refused_naming_each_in_words_in_the_plural(district):
    before = attributes(district["course"])
    with pytest.raises(LockedError) as refused:
        course_attributes_update(
            user=district["school_admin"],
            course=district["course"],
            values={"name": "English Nine", "department": "English", "state_code": "01002"},
        )
    assert str(refused.value) == (
        'name, state code of course ENG9 are locked on catalog "High School Catalog": the course is linked to '
        "course master ENG9, which manages them; change the master and push it"
    )
    assert attributes(district["course"]) == before


def test_r3_deleting_a_locked_pushed_item_is_refused_naming_the_item(district):
    with pytest.raises(LockedError) as refused:
        course_item_delete(user=district["school_admin"], item=district["c_grading_tasks"])
    assert str(refused.value) == (
        'grading task S1 of course ENG9 comes from course master ENG9 and grading tasks are locked on catalog "High '
        'School Catalog": it cannot be deleted at the course. Change it on the master and push it, or have a '
        "district administrator unlock grading tasks."
    )
    assert type(district["c_grading_tasks"]).objects.filter(pk=district["c_grading_tasks"].pk).exists()


# ---------------------------------------------------------------------------
# R3: a user without rights is told what they may not do, and nothing changes
# ---------------------------------------------------------------------------

ACTIONS = {
    "attributes": lambda d, u: course_attributes_update(user=u, course=d["course"], values={"department": "X"}),
    "ignore master push": lambda d, u: course_ignore_master_push_set(user=u, course=d["course"], ignore=True),
    "create": lambda d, u: course_item_create(
        user=u, course=d["course"], setup_type="categories", values={"name": "Labs"}
    ),
    "update": lambda d, u: course_item_update(user=u, item=d["c_categories"], values={"weight": "20"}),
    "delete": lambda d, u: course_item_delete(user=u, item=d["c_categories"]),
    "link": lambda d, u: course_link_set(user=u, course=d["course"], master=None),
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_r3_a_school_admin_of_another_school_is_refused_with_what_they_may_not_do(district, action):
    before = (attributes(district["course"]), items_of(district["course"]))
    what = "link course ENG9" if action == "link" else "edit course ENG9"
    with pytest.raises(PermissionError) as refused:
        ACTIONS[action](district, district["other_admin"])
    assert str(refused.value) == (f"eadmin may not {what}: course ENG9 belongs to school 101, which they do not manage")
    course = Course.objects.get(pk=district["course"].pk)
    assert (attributes(course), items_of(course)) == before
    assert (course.master_id, course.ignore_master_push) == (district["master"].pk, False)


# ---------------------------------------------------------------------------
# R4: where the master owns the weights, the course's weights are compared with the master's
# ---------------------------------------------------------------------------


def test_r4_with_composite_weights_locked_a_weight_changed_at_the_course_unlinks_the_composite(district):
    # given composite grades unlocked and composite weights locked: the weights are the master's
    unlock(district, "composite_grades")
    # when the course changes only a weight of its pushed composite
    course_item_update(
        user=district["school_admin"],
        item=district["c_composite_grades"],
        values={"children": [{"item": "task:Q1G", "weight": "60"}, {"item": "task:Q2G", "weight": "40"}]},
    )
    # then it differs from its master item: it is unlinked (and the course desynced once the type is locked)
    item = CourseComposite.objects.get(pk=district["c_composite_grades"].pk)
    assert (item.state, [c["weight"] for c in item.children]) == ("unlinked", ["60.00", "40.00"])


def test_r4_with_composite_weights_unlocked_a_weight_changed_at_the_course_keeps_the_composite_linked(district):
    unlock(district, "composite_grades", "composite_weights")
    course_item_update(
        user=district["school_admin"],
        item=district["c_composite_grades"],
        values={"children": [{"item": "task:Q1G", "weight": "60"}, {"item": "task:Q2G", "weight": "40"}]},
    )
    assert CourseComposite.objects.get(pk=district["c_composite_grades"].pk).state == "linked"


# ---------------------------------------------------------------------------
# R32: a composite made of itself is refused as such
# ---------------------------------------------------------------------------


def test_r32_a_course_composite_cannot_be_its_own_child(district):
    unlock(district, "composite_grades")
    with pytest.raises(InputError, match="^composite grade standard:ELA.W.1: a composite cannot be its own child$"):
        course_item_create(
            user=district["school_admin"],
            course=district["course"],
            setup_type="composite_grades",
            values={"parent": "standard:ELA.W.1", "children": [{"item": "standard:ELA.W.1", "weight": "100"}]},
        )
    before = items_of(district["course"])
    with pytest.raises(InputError, match="^composite grade task:S1: a composite cannot be its own child$"):
        course_item_update(
            user=district["school_admin"],
            item=district["c_composite_grades"],
            values={"children": [{"item": "task:S1", "weight": "100"}]},
        )
    assert items_of(district["course"]) == before
    assert not CourseComposite.objects.filter(course=district["course"], parent=district["std"]).exists()


# ---------------------------------------------------------------------------
# R74: every course edit is recorded, with who, what, and the values before and after
# ---------------------------------------------------------------------------


def history(course):
    from catalog.models import HistoryRecord

    return [
        (r.user_id, r.username, r.level, r.object_pk, r.course, r.data_type, r.item, r.change, r.before, r.after)
        for r in HistoryRecord.objects.filter(level="course", object_pk=course.pk).order_by("pk")
    ]


def test_r74_a_course_attribute_change_is_recorded_and_an_unchanged_one_is_not(district):
    admin, course = district["school_admin"], district["course"]
    course_attributes_update(user=admin, course=course, values={"department": "English", "credits": "1.00"})
    course_attributes_update(user=admin, course=course, values={"department": "English"})
    assert history(course) == [
        (admin.pk, "sadmin", "course", course.pk, "ENG9", "course_info", "department", "updated",
         {"department": ""}, {"department": "English"}),
    ]  # fmt: skip


def test_r74_a_course_item_created_updated_and_deleted_is_recorded_with_its_values(district):
    admin, course = district["school_admin"], district["course"]
    unlock(district, "categories")
    item = course_item_create(
        user=admin, course=course, setup_type="categories", values={"name": "Labs", "weight": "10", "sequence": 2}
    )
    labs = {"name": "Labs", "weight": "10.00", "sequence": 2, "drop_lowest": 0, "excluded": False, "state": "local"}
    course_item_update(user=admin, item=district["c_categories"], values={"weight": "35", "sequence": 1})
    course_item_update(user=admin, item=district["c_categories"], values={"weight": "35.00"})  # no change, no record
    course_item_delete(user=admin, item=item)
    homework = {"name": "Homework", "sequence": 1, "drop_lowest": 0, "excluded": False}
    assert history(course) == [
        (admin.pk, "sadmin", "course", course.pk, "ENG9", "categories", "Labs", "created", None, labs),
        (admin.pk, "sadmin", "course", course.pk, "ENG9", "categories", "Homework", "updated",
         {**homework, "weight": "20.00", "state": "linked"}, {**homework, "weight": "35.00", "state": "unlinked"}),
        (admin.pk, "sadmin", "course", course.pk, "ENG9", "categories", "Labs", "removed", labs, None),
    ]  # fmt: skip


def test_r74_linking_unlinking_and_moving_a_course_are_recorded_and_relinking_to_its_master_is_not(district):
    admin, course = district["school_admin"], district["course"]
    other = type(district["master"]).objects.create(catalog=district["catalog"], number="ENG10", name="English 10")
    course_link_set(user=admin, course=course, master=district["master"])  # its master already: no change
    course_link_set(user=admin, course=course, master=None)
    course_link_set(user=admin, course=course, master=district["master"])
    course_link_set(user=admin, course=course, master=other)
    # (the unlinking also records each pushed item it made local, after its link record)
    links = [row for row in history(course) if row[5] == "master_link"]
    assert [row[:5] for row in links] == [(admin.pk, "sadmin", "course", course.pk, "ENG9")] * 3
    assert [row[5:] for row in links] == [
        ("master_link", "", "unlinked", {"master": "ENG9"}, {"master": None}),
        ("master_link", "", "linked", {"master": None}, {"master": "ENG9"}),
        ("master_link", "", "relinked", {"master": "ENG9"}, {"master": "ENG10"}),
    ]


def test_r74_ignore_master_push_set_is_recorded_and_setting_it_again_is_not(district):
    admin, course = district["school_admin"], district["course"]
    course_ignore_master_push_set(user=admin, course=course, ignore=True)
    course_ignore_master_push_set(user=admin, course=course, ignore=True)
    assert history(course) == [
        (admin.pk, "sadmin", "course", course.pk, "ENG9", "ignore_master_push", "", "updated",
         {"ignore_master_push": False}, {"ignore_master_push": True}),
    ]  # fmt: skip


def test_r32_editing_a_course_composite_into_a_circle_with_another_of_the_courses_is_refused(district):
    # given the pushed composite S1 made of Q1G and Q2G, and the course's own Q1G made of Q2G
    own = course_item_create(
        user=district["school_admin"],
        course=district["course"],
        setup_type="composite_grades",
        values={"parent": "task:Q1G", "children": [{"item": "task:Q2G", "weight": "100"}]},
    )
    before = items_of(district["course"])
    # when Q1G is edited to be made of S1, which is made of Q1G
    with pytest.raises(InputError, match="^circular composite grades: task:Q1G → task:S1 → task:Q1G: a composite"):
        course_item_update(
            user=district["school_admin"], item=own, values={"children": [{"item": "task:S1", "weight": "100"}]}
        )
    # then it is refused and nothing changed
    assert items_of(district["course"]) == before
    assert CourseComposite.objects.get(pk=own.pk).children == [{"item": "task:Q2G", "weight": "100.00"}]
