"""Link states of course items and desync (rules R6-R9)."""

from decimal import Decimal

import pytest

from catalog.errors import InputError, LockedError
from catalog.services import catalog_locks_set
from catalog.setup_types import COURSE, SETUP_TYPES
from coursemasters.models import MasterCategory
from coursemasters.services import master_item_create, master_item_delete, master_item_update
from courses.models import Course, CourseCategory, CourseTask
from courses.selectors import course_desync_reasons, course_desync_reasons_bulk
from courses.services import (
    course_ignore_master_push_set,
    course_item_delete,
    course_item_update,
    course_link_set,
)
from sections.models import SectionCategory

from .conftest import unlock


def test_r6_editing_a_linked_item_of_an_unlocked_type_unlinks_it(district):
    unlock(district, "categories")
    item = course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "35"})
    assert CourseCategory.objects.get(pk=item.pk).state == "unlinked"
    # it still remembers where it came from, so an overwrite push can relink it (R15)
    assert CourseCategory.objects.get(pk=item.pk).source_id == district["m_category"].pk


def test_r6_renaming_a_linked_category_unlinks_it(district):
    unlock(district, "categories")
    item = course_item_update(user=district["school_admin"], item=district["c_categories"], values={"name": "Practice"})
    assert (item.name, item.state) == ("Practice", "unlinked")


def test_r6_saving_unchanged_values_keeps_the_item_linked(district):
    unlock(district, "categories")
    item = course_item_update(
        user=district["school_admin"], item=district["c_categories"], values={"weight": "20.00", "name": "Homework"}
    )
    assert item.state == "linked"


def test_r6_residual_item_edited_becomes_local(district):
    residual = CourseCategory.objects.create(course=district["course"], name="Warm-ups", state="residual")
    item = course_item_update(user=district["school_admin"], item=residual, values={"weight": "5"})
    assert CourseCategory.objects.get(pk=item.pk).state == "local"


def test_r6_local_item_edited_stays_local(district):
    local = CourseCategory.objects.create(course=district["course"], name="Labs", state="local")
    item = course_item_update(user=district["school_admin"], item=local, values={"weight": "5"})
    assert item.state == "local"


def test_r7_linking_changes_no_item(district):
    # given a course that holds pushed items but has no master yet, as a roll forward or an import
    # leaves it before it sets the link
    course = district["course"]
    Course.objects.filter(pk=course.pk).update(master=None)
    before = pushed_items(course)
    assert {row[2] for row in before} == {"linked"}
    # when it is linked to the master
    course_link_set(user=district["school_admin"], course=course, master=district["master"])
    # then no item changes: they stay pushed, with their values, until the next push
    assert Course.objects.get(pk=course.pk).master_id == district["master"].pk
    assert pushed_items(course) == before
    assert course_desync_reasons(course=course) == []


def pushed_items(course):
    """Every course item of every type with its state, source and values."""
    rows = []
    for stype in SETUP_TYPES:
        for item in stype.model(COURSE).objects.filter(course=course).order_by("pk"):
            payload = {name: getattr(item, item._meta.get_field(name).attname) for name in stype.payload_fields}
            rows.append((stype.name, item.pk, item.state, item.source_id, stype.key_of(item), payload))
    return rows


def test_r7_unlinking_makes_linked_and_unlinked_items_local(district):
    unlock(district, "grading_tasks")
    course_item_update(user=district["school_admin"], item=district["c_grading_tasks"], values={"credit": "1"})
    course = course_link_set(user=district["school_admin"], course=district["course"], master=None)
    assert course.master_id is None
    for model in (CourseCategory, CourseTask):
        assert set(model.objects.filter(course=course).values_list("state", flat=True)) == {"local"}
        assert not model.objects.filter(course=course, source__isnull=False).exists()
    # teacher-facing section items are untouched
    assert SectionCategory.objects.get(pk=district["s_linked"].pk).state == "linked"


def test_r7_master_must_belong_to_the_course_schools_catalog(district):
    with pytest.raises(InputError) as refused:
        course_link_set(user=district["school_admin"], course=district["course"], master=district["other_master"])
    message = str(refused.value)
    assert 'catalog "Middle School Catalog"' in message and 'uses catalog "High School Catalog"' in message
    assert Course.objects.get(pk=district["course"].pk).master_id == district["master"].pk


def test_r8_master_changes_never_desync_a_course(district):
    admin = district["district_admin"]
    master_item_update(user=admin, item=district["m_category"], values={"weight": "50", "name": "Home practice"})
    master_item_delete(user=admin, item=district["m_task"])
    master_item_create(user=admin, master=district["master"], setup_type="categories", values={"name": "Tests"})
    assert course_desync_reasons(course=district["course"]) == []
    # the course's items are untouched: they await the next push
    item = CourseCategory.objects.get(pk=district["c_categories"].pk)
    assert (item.name, item.weight, item.state) == ("Homework", Decimal("20.00"), "linked")
    assert CourseTask.objects.get(pk=district["c_grading_tasks"].pk).source_id is None


def test_r9_unlinked_item_of_a_locked_type_desyncs_the_course(district):
    unlock(district, "categories")
    course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "35"})
    # an unlinked item of an unlocked type is course-controlled, not desynced
    assert course_desync_reasons(course=district["course"]) == []
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    reasons = course_desync_reasons(course=district["course"])
    assert len(reasons) == 1
    assert 'category "Homework"' in reasons[0] and "ENG9" in reasons[0]


def test_r9_deleting_a_pushed_item_while_unlocked_is_remembered(district):
    unlock(district, "grading_tasks")
    course_item_delete(user=district["school_admin"], item=district["c_grading_tasks"])
    course = Course.objects.get(pk=district["course"].pk)
    assert course.desynced_types == ["grading_tasks"]
    assert course_desync_reasons(course=course) == []
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["grading_tasks"])
    reasons = course_desync_reasons(course=course)
    assert reasons and "grading task pushed from course master ENG9 was deleted" in reasons[0]


def test_r9_deleting_a_local_item_is_not_a_desync(district):
    local = CourseCategory.objects.create(course=district["course"], name="Labs", state="local")
    course_item_delete(user=district["school_admin"], item=local)
    assert Course.objects.get(pk=district["course"].pk).desynced_types == []


def test_r9_unlinked_item_edited_back_to_master_values_relinks_and_heals(district):
    unlock(district, "categories")
    admin = district["school_admin"]
    course_item_update(user=admin, item=district["c_categories"], values={"weight": "35"})
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    assert course_desync_reasons(course=district["course"])
    # after unlocking the type, the school edits the item back to the master's values
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], unlock=["categories"])
    item = course_item_update(user=admin, item=district["c_categories"], values={"weight": "20"})
    assert item.state == "linked"
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    assert course_desync_reasons(course=district["course"]) == []


def test_r9_unlinked_item_of_a_locked_type_cannot_be_edited_until_unlocked(district):
    CourseCategory.objects.filter(pk=district["c_categories"].pk).update(state="unlinked", weight=Decimal("35"))
    with pytest.raises(LockedError):
        course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "20"})
    item = CourseCategory.objects.get(pk=district["c_categories"].pk)
    assert (item.weight, item.state) == (Decimal("35.00"), "unlinked")
    # once categories are unlocked, the same edit is accepted (and, back at the master's values, relinks)
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], unlock=["categories"])
    course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "20"})
    item = CourseCategory.objects.get(pk=district["c_categories"].pk)
    assert (item.weight, item.state) == (Decimal("20.00"), "linked")


def test_r9_relinking_follows_a_master_rename(district):
    # the master renamed its category after the push; the course's edit back to the master's
    # current values relinks it
    unlock(district, "categories")
    MasterCategory.objects.filter(pk=district["m_category"].pk).update(name="Practice")
    item = course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "21"})
    assert item.state == "unlinked"
    item = course_item_update(user=district["school_admin"], item=item, values={"weight": "20", "name": "Practice"})
    assert item.state == "linked"


def test_r9_desync_reasons_bulk_answers_many_courses_in_a_fixed_number_of_queries(
    district, django_assert_max_num_queries
):
    unlock(district, "categories", "grading_tasks")
    course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "35"})
    course_item_delete(user=district["school_admin"], item=district["c_grading_tasks"])
    catalog_locks_set(
        user=district["district_admin"], catalog=district["catalog"], lock=["categories", "grading_tasks"]
    )
    # a few more courses, linked and not
    others = []
    for n in range(5):
        others.append(
            Course.objects.create(
                calendar=district["calendar"],
                number=f"X{n}",
                name=f"X{n}",
                master=district["master"] if n % 2 else None,
            )
        )
    ids = [district["course"].pk] + [c.pk for c in others]
    with django_assert_max_num_queries(7):
        reasons = course_desync_reasons_bulk(course_ids=ids)
    assert len(reasons[district["course"].pk]) == 2
    assert all(reasons[c.pk] == [] for c in others)
    assert reasons[district["course"].pk] == course_desync_reasons(course=district["course"])


def test_r11_ignore_master_push_set_by_school_admin(district):
    course = course_ignore_master_push_set(user=district["school_admin"], course=district["course"], ignore=True)
    assert Course.objects.get(pk=course.pk).ignore_master_push is True
    with pytest.raises(PermissionError):
        course_ignore_master_push_set(user=district["teacher"], course=district["course"], ignore=False)
