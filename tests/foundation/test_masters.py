"""Editing course masters: district admins only, clear messages for bad input (R32)."""

from decimal import Decimal

import pytest

from catalog.errors import InputError
from coursemasters.models import CourseMaster, MasterComposite, MasterGradeCalcOption, MasterTask
from coursemasters.services import (
    master_attributes_update,
    master_create,
    master_item_create,
    master_item_delete,
    master_item_update,
)


def test_master_create_and_number_unique_in_catalog(district):
    admin = district["district_admin"]
    master = master_create(
        user=admin, catalog=district["catalog"], number="ENG10", name="English 10", values={"credits": "1"}
    )
    assert master.credits == Decimal("1.00")
    with pytest.raises(InputError, match='already has a course master numbered "ENG10"'):
        master_create(user=admin, catalog=district["catalog"], number="ENG10", name="Other")
    # the same number in another catalog is fine
    master_create(user=admin, catalog=district["other_catalog"], number="ENG10", name="English 10")


def test_master_name_at_most_30_characters(district):
    with pytest.raises(InputError, match="name is longer than 30 characters"):
        master_attributes_update(user=district["district_admin"], master=district["master"], values={"name": "x" * 31})


def test_only_district_admins_edit_masters(district):
    with pytest.raises(PermissionError):
        master_attributes_update(user=district["school_admin"], master=district["master"], values={"name": "E9"})
    with pytest.raises(PermissionError):
        master_item_delete(user=district["school_admin"], item=district["m_task"])
    assert MasterTask.objects.filter(pk=district["m_task"].pk).exists()


def test_master_attributes_update_unknown_attribute_is_refused(district):
    with pytest.raises(InputError, match='unknown attribute "colour"'):
        master_attributes_update(user=district["district_admin"], master=district["master"], values={"colour": "red"})


def test_master_item_create_takes_exchange_format_names(district):
    item = master_item_create(
        user=district["district_admin"],
        master=district["master"],
        setup_type="grading_tasks",
        values={"task": "Q1G", "credit": "0.25", "credit_type": "English"},
    )
    assert (item.item.code, item.credit) == ("Q1G", Decimal("0.25"))


@pytest.mark.parametrize(
    ("setup_type", "values", "message"),
    [
        ("grading_tasks", {"task": "NOPE"}, 'no grading task "NOPE"'),
        ("grading_tasks", {"task": "standard:ELA.W.1"}, "is not a grading task"),
        ("grading_tasks", {"task": "S1"}, "already has grading task S1"),
        ("categories", {"name": "Tests", "weight": "lots"}, "'lots' is not a number"),
        ("categories", {"name": "Tests", "colour": "red"}, 'unknown field "colour"'),
        ("grade_calc_options", {"item": "task:S1", "term": "Q2", "calculation": "magic"}, '"magic" is not one of'),
        ("grade_calc_options", {"item": "task:S1", "term": "Q2", "grading_scale": "Z"}, 'no grading scale "Z"'),
        ("composite_grades", {"parent": "task:Q1G", "children": [{"item": "task:Q1G", "weight": "1"}]}, "own child"),
        ("homework", {}, 'unknown setup type "homework"'),
    ],
)
def test_r32_bad_master_item_values_name_the_problem(district, setup_type, values, message):
    with pytest.raises(InputError, match=message):
        master_item_create(
            user=district["district_admin"], master=district["master"], setup_type=setup_type, values=values
        )


def test_master_item_update_and_delete(district):
    admin = district["district_admin"]
    gco = master_item_update(user=admin, item=district["m_gco"], values={"calculation": "proficiency_estimate"})
    assert MasterGradeCalcOption.objects.get(pk=gco.pk).calculation == "proficiency_estimate"
    composite = master_item_update(
        user=admin, item=district["m_composite"], values={"children": [{"item": "task:Q1G", "weight": "100"}]}
    )
    assert MasterComposite.objects.get(pk=composite.pk).children == [{"item": "task:Q1G", "weight": "100.00"}]
    master_item_delete(user=admin, item=district["m_composite"])
    assert not MasterComposite.objects.filter(pk=composite.pk).exists()
    assert CourseMaster.objects.filter(pk=district["master"].pk).exists()


@pytest.mark.parametrize("credits", ["1E+100", "10000", "9999.995"])
def test_r32_credits_too_large_are_refused_with_a_message(district, credits):
    # 1E+100 once overflowed the rounding to cents: a traceback, not a message
    master = district["master"]
    with pytest.raises(InputError, match="credits: .* is too large"):
        master_attributes_update(user=district["district_admin"], master=master, values={"credits": credits})
    master.refresh_from_db()
    assert master.credits == Decimal("1.00")
