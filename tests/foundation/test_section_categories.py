"""A section's categories: pushed ones are locked (R22), the teacher's own are theirs,
and no teacher data is lost (R30)."""

from decimal import Decimal

import pytest

from catalog.errors import InputError, LockedError
from courses.models import CourseCategory
from sections.models import Assignment, SectionCategory
from sections.services import section_category_create, section_category_delete, section_category_update


def test_r22_pushed_category_is_locked_for_the_teacher_with_who_manages_it(district):
    with pytest.raises(LockedError) as refused:
        section_category_update(user=district["teacher"], category=district["s_linked"], values={"weight": "40"})
    assert str(refused.value).startswith(
        "Homework is managed by the district course master ENG9 (English 9) and cannot be edited in the section"
    )
    assert SectionCategory.objects.get(pk=district["s_linked"].pk).weight == Decimal("20")


def test_r22_pushed_category_is_locked_for_admins_too(district):
    with pytest.raises(LockedError, match="cannot be deleted in the section"):
        section_category_delete(user=district["district_admin"], category=district["s_linked"])
    assert SectionCategory.objects.filter(pk=district["s_linked"].pk).exists()


def test_r22_category_pushed_from_a_course_category_names_the_course(district):
    CourseCategory.objects.filter(pk=district["c_categories"].pk).update(state="local", source=None)
    with pytest.raises(LockedError, match="managed by the course ENG9 \\(English 9\\) of school 101 North High"):
        section_category_update(user=district["teacher"], category=district["s_linked"], values={"weight": "40"})


def test_teacher_edits_own_category(district):
    category = section_category_update(
        user=district["teacher"], category=district["s_teacher"], values={"name": "Practice", "weight": "12.5"}
    )
    category.refresh_from_db()
    assert (category.name, category.weight, category.state) == ("Practice", Decimal("12.50"), "teacher")


def test_teacher_creates_category_and_name_must_be_free_ignoring_case(district):
    category = section_category_create(user=district["teacher"], section=district["section"], values={"name": "Labs"})
    assert category.state == "teacher"
    with pytest.raises(InputError, match='already has a category named "homework"'):
        section_category_create(user=district["teacher"], section=district["section"], values={"name": " homework"})
    with pytest.raises(InputError, match="already has a category"):
        section_category_update(user=district["teacher"], category=category, values={"name": "HOMEWORK (1)"})


def test_other_teacher_may_not_edit_the_section(district):
    with pytest.raises(PermissionError):
        section_category_update(user=district["other_teacher"], category=district["s_teacher"], values={"weight": "1"})
    with pytest.raises(PermissionError):
        section_category_create(user=district["other_admin"], section=district["section"], values={"name": "Labs"})


def test_r30_category_with_assignments_cannot_be_deleted(district):
    Assignment.objects.create(section=district["section"], name="Essay 1", category=district["s_teacher"])
    with pytest.raises(InputError, match="has 1 assignment: move it to another category first"):
        section_category_delete(user=district["teacher"], category=district["s_teacher"])
    assert Assignment.objects.get(name="Essay 1").category_id == district["s_teacher"].pk


def test_teacher_deletes_an_unused_category(district):
    section_category_delete(user=district["teacher"], category=district["s_teacher"])
    assert not SectionCategory.objects.filter(pk=district["s_teacher"].pk).exists()


def test_residual_category_edited_becomes_the_teachers(district):
    residual = SectionCategory.objects.create(section=district["section"], name="Warm-ups", state="residual")
    Assignment.objects.create(section=district["section"], name="Warm-up 1", category=residual)
    category = section_category_update(user=district["teacher"], category=residual, values={"weight": "5"})
    assert SectionCategory.objects.get(pk=category.pk).state == "teacher"
    assert Assignment.objects.get(name="Warm-up 1").category_id == residual.pk
