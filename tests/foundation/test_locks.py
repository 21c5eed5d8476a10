"""Locks on a catalog refuse edits of what masters manage (rules R1-R5)."""

from decimal import Decimal

import pytest

from catalog.errors import InputError, LockedError
from catalog.models import CourseCatalog
from catalog.services import catalog_locks_set
from courses.models import CourseCategory, CourseComposite, CourseTask
from courses.services import (
    course_attributes_update,
    course_item_create,
    course_item_delete,
    course_item_update,
)

from .conftest import unlock


def test_r1_catalog_locks_set_and_unset_attributes_and_types(district):
    catalog = catalog_locks_set(
        user=district["district_admin"], catalog=district["catalog"], lock=["description"], unlock=["categories"]
    )
    catalog.refresh_from_db()
    assert "description" in catalog.locked_attributes
    assert "categories" not in catalog.locked_types
    assert "composite_weights" in catalog.locked_types


def test_r1_unknown_lock_name_is_refused_and_changes_nothing(district):
    before = list(district["catalog"].locked_types)
    with pytest.raises(InputError, match="unknown lock 'homework'"):
        catalog_locks_set(
            user=district["district_admin"], catalog=district["catalog"], unlock=["categories", "homework"]
        )
    district["catalog"].refresh_from_db()
    assert district["catalog"].locked_types == before


def test_r1_only_district_admins_change_locks(district):
    before = CourseCatalog.objects.values("locked_attributes", "locked_types").get(pk=district["catalog"].pk)
    for user in (district["school_admin"], district["teacher"]):
        with pytest.raises(PermissionError, match=f'{user.username} may not change the locks of catalog "High'):
            catalog_locks_set(user=user, catalog=district["catalog"], lock=["description"], unlock=["categories"])
    after = CourseCatalog.objects.values("locked_attributes", "locked_types").get(pk=district["catalog"].pk)
    assert after == before


def test_r3_linked_item_of_locked_type_cannot_be_edited_by_anyone(district):
    for user in (district["school_admin"], district["district_admin"]):
        with pytest.raises(LockedError) as refused:
            course_item_update(user=user, item=district["c_categories"], values={"weight": "30"})
        message = str(refused.value)
        assert 'category "Homework"' in message
        assert "categories are locked" in message
        assert '"High School Catalog"' in message
    assert CourseCategory.objects.get(pk=district["c_categories"].pk).weight == Decimal("20")


def test_r3_linked_item_of_locked_type_cannot_be_deleted(district):
    with pytest.raises(LockedError, match="cannot be deleted"):
        course_item_delete(user=district["district_admin"], item=district["c_grading_tasks"])
    assert CourseTask.objects.filter(pk=district["c_grading_tasks"].pk).exists()


def test_r3_locked_attribute_cannot_be_edited_on_a_linked_course(district):
    with pytest.raises(LockedError) as refused:
        course_attributes_update(user=district["school_admin"], course=district["course"], values={"credits": "2"})
    assert 'credits of course ENG9 is locked on catalog "High School Catalog"' in str(refused.value)
    district["course"].refresh_from_db()
    assert district["course"].credits == Decimal("1.00")


def test_r3_unlocked_attribute_and_unchanged_locked_value_are_accepted(district):
    course = course_attributes_update(
        user=district["school_admin"],
        course=district["course"],
        values={"department": "English", "credits": "1.00", "name": "English 9"},
    )
    course.refresh_from_db()
    assert course.department == "English"


def test_r3_users_with_rights_may_add_their_own_items_whatever_the_locks(district):
    item = course_item_create(
        user=district["school_admin"],
        course=district["course"],
        setup_type="categories",
        values={"name": "Labs", "weight": "10", "sequence": 2},
    )
    assert item.state == "local"
    assert item.weight == Decimal("10.00")


def test_r3_users_without_rights_may_not_edit_a_course(district):
    with pytest.raises(PermissionError):
        course_item_create(
            user=district["other_admin"], course=district["course"], setup_type="categories", values={"name": "Labs"}
        )
    with pytest.raises(PermissionError):
        course_attributes_update(user=district["teacher"], course=district["course"], values={"department": "X"})


def test_r3_course_without_master_has_nothing_locked(district):
    course = district["course"]
    course.master = None
    course.save()
    CourseCategory.objects.filter(course=course).update(state="local", source=None)
    course_attributes_update(user=district["school_admin"], course=course, values={"credits": "2"})
    item = course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "30"})
    assert item.state == "local"
    assert item.weight == Decimal("30.00")


def test_r3_new_category_name_taken_ignoring_case_and_spaces_is_refused(district):
    with pytest.raises(InputError, match='course ENG9 already has category "homework"'):
        course_item_create(
            user=district["school_admin"],
            course=district["course"],
            setup_type="categories",
            values={"name": "  homework "},
        )


def test_r4_composite_weights_unlocked_course_edits_weights_and_stays_linked(district):
    unlock(district, "composite_weights")
    new_children = [{"item": "task:Q1G", "weight": "60"}, {"item": "task:Q2G", "weight": "40"}]
    item = course_item_update(
        user=district["school_admin"], item=district["c_composite_grades"], values={"children": new_children}
    )
    item.refresh_from_db()
    assert item.state == "linked"
    assert [c["weight"] for c in item.children] == ["60.00", "40.00"]


def test_r4_composite_weights_unlocked_children_still_locked(district):
    unlock(district, "composite_weights")
    with pytest.raises(LockedError, match="composite grades are locked"):
        course_item_update(
            user=district["school_admin"],
            item=district["c_composite_grades"],
            values={"children": [{"item": "task:Q1G", "weight": "100"}]},
        )
    assert len(CourseComposite.objects.get(pk=district["c_composite_grades"].pk).children) == 2


def test_r4_composite_weights_locked_weights_cannot_change(district):
    with pytest.raises(LockedError, match="composite grades are locked"):
        course_item_update(
            user=district["school_admin"],
            item=district["c_composite_grades"],
            values={"children": [{"item": "task:Q1G", "weight": "60"}, {"item": "task:Q2G", "weight": "40"}]},
        )
    item = CourseComposite.objects.get(pk=district["c_composite_grades"].pk)
    assert item.children == [{"item": "task:Q1G", "weight": "50"}, {"item": "task:Q2G", "weight": "50"}]
    assert item.state == "linked"


def test_r4_weights_locked_without_composite_grades_locks_nothing(district):
    unlock(district, "composite_grades")
    item = course_item_update(
        user=district["school_admin"],
        item=district["c_composite_grades"],
        values={"children": [{"item": "task:Q1G", "weight": "100"}]},
    )
    assert item.state == "unlinked"


def test_r5_unlocking_takes_effect_at_once_and_moves_no_value(district):
    # given categories locked: refused
    with pytest.raises(LockedError):
        course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "30"})
    # when the district admin unlocks categories
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], unlock=["categories"])
    # then the course's category is unchanged until someone edits it, and the edit is accepted
    assert CourseCategory.objects.get(pk=district["c_categories"].pk).weight == Decimal("20")
    item = course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "30"})
    assert item.weight == Decimal("30")
    # and locking again refuses the next edit at once
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    with pytest.raises(LockedError):
        course_item_update(user=district["school_admin"], item=item, values={"weight": "20"})
