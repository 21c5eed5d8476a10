"""Link state edges: re-linking, moving to another master, remembered deletions (R7-R9)."""

from decimal import Decimal

from catalog.services import catalog_locks_set
from catalog.setup_types import COURSE, SETUP_TYPES
from coursemasters.models import CourseMaster, MasterCategory
from coursemasters.services import master_item_delete
from courses.models import Course, CourseCategory
from courses.selectors import course_desync_reasons
from courses.services import course_item_delete, course_item_update, course_link_set

from .conftest import unlock


def course_items(course):
    """Every course item of every type, as (type, pk, state, source) rows: what a link change may touch."""
    return sorted(
        (stype.name, row["pk"], row["state"], row["source_id"])
        for stype in SETUP_TYPES
        for row in stype.model(COURSE).objects.filter(course=course).values("pk", "state", "source_id")
    )


def test_r7_relinking_a_course_to_its_current_master_changes_nothing(district):
    # given a course with pushed items and a deletion remembered against its master
    unlock(district, "categories")
    course_item_delete(user=district["school_admin"], item=district["c_categories"])
    course = Course.objects.get(pk=district["course"].pk)
    before = course_items(course)
    assert {state for _, _, state, _ in before} == {"linked"}
    # when it is linked again to the master it already has
    course_link_set(user=district["school_admin"], course=course, master=district["master"])
    # then every item is still pushed from the master, and the deletion is still remembered
    assert course_items(course) == before
    course = Course.objects.get(pk=course.pk)
    assert (course.master_id, course.desynced_types) == (district["master"].pk, ["categories"])


def test_r9_moving_a_course_to_another_master_forgets_the_remembered_deletions(district):
    # given a deletion remembered against the course's master
    unlock(district, "categories")
    course_item_delete(user=district["school_admin"], item=district["c_categories"])
    assert Course.objects.get(pk=district["course"].pk).desynced_types == ["categories"]
    other = CourseMaster.objects.create(catalog=district["catalog"], number="ENG10", name="English 10")
    # when the course is linked to another master of its catalog
    course = course_link_set(user=district["school_admin"], course=district["course"], master=other)
    # then the old master's items are the course's own, and nothing of the old link desyncs it
    course = Course.objects.get(pk=course.pk)
    assert (course.master_id, course.desynced_types) == (other.pk, [])
    assert {state for _, _, state, _ in course_items(course)} == {"local"}
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    assert course_desync_reasons(course=course) == []


def test_r9_unlinking_forgets_the_remembered_deletions(district):
    unlock(district, "categories")
    course_item_delete(user=district["school_admin"], item=district["c_categories"])
    course = course_link_set(user=district["school_admin"], course=district["course"], master=None)
    assert Course.objects.get(pk=course.pk).desynced_types == []


def test_r9_two_deletions_of_one_type_are_remembered_once(district):
    # given two categories pushed from the master
    tests = MasterCategory.objects.create(master=district["master"], name="Tests", weight=Decimal("80"), sequence=2)
    second = CourseCategory.objects.create(
        course=district["course"], name="Tests", weight=Decimal("80"), sequence=2, state="linked", source=tests
    )
    unlock(district, "categories")
    # when the course deletes both while categories are unlocked
    course_item_delete(user=district["school_admin"], item=district["c_categories"])
    course_item_delete(user=district["school_admin"], item=second)
    # then the type is remembered once, and the course is desynced for one reason once it is locked
    assert Course.objects.get(pk=district["course"].pk).desynced_types == ["categories"]
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    assert len(course_desync_reasons(course=district["course"])) == 1


def test_r8_deleting_a_pushed_item_whose_master_item_is_gone_does_not_desync(district):
    # given the master deleted its category: the course's linked copy is awaiting push (R8)
    master_item_delete(user=district["district_admin"], item=district["m_category"])
    assert CourseCategory.objects.get(pk=district["c_categories"].pk).source_id is None
    unlock(district, "categories")
    # when the course deletes that copy itself
    course_item_delete(user=district["school_admin"], item=district["c_categories"])
    # then nothing is remembered: the next push would have removed it anyway
    assert not CourseCategory.objects.filter(pk=district["c_categories"].pk).exists()
    assert Course.objects.get(pk=district["course"].pk).desynced_types == []
    catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["categories"])
    assert course_desync_reasons(course=district["course"]) == []


def test_r8_editing_a_pushed_item_whose_master_item_is_gone_makes_it_the_courses_change(district):
    # given the master deleted its category, and the course's type is unlocked
    master_item_delete(user=district["district_admin"], item=district["m_category"])
    unlock(district, "categories")
    # when the course edits its copy
    course_item_update(user=district["school_admin"], item=district["c_categories"], values={"weight": "35"})
    # then the edit lands: the item is unlinked (there is no master item left to be in step with)
    item = CourseCategory.objects.get(pk=district["c_categories"].pk)
    assert (item.weight, item.state, item.source_id) == (Decimal("35.00"), "unlinked", None)
