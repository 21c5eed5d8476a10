"""What the mutation run of catalog/services.py found untested (docs/testing.md), beside the lock and
value-cleaning edges of test_gaps_locks.py and test_gaps_values.py (R1, R3, R4, R32)."""

import pytest

from catalog.services import composite_children_equal

# ---------------------------------------------------------------------------
# R3, R4: composite children compare item by item, weights as numbers
# ---------------------------------------------------------------------------


def children(*pairs):
    return [{"item": item, "weight": weight} if weight is not None else {"item": item} for item, weight in pairs]


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        # the same weights written differently are the same ("50" as stored, "50.00" as cleaned)
        (children(("task:Q1G", "50"), ("task:Q2G", 50)), children(("task:Q1G", "50.00"), ("task:Q2G", "50.0")), True),
        # a child stored without a weight weighs 0, as a child submitted without one does, on either side
        (children(("task:Q1G", None)), children(("task:Q1G", "0.00")), True),
        (children(("task:Q1G", "0")), children(("task:Q1G", None)), True),
        (children(("task:Q1G", None)), children(("task:Q1G", "5")), False),
        (children(("task:Q1G", "5")), children(("task:Q1G", None)), False),
        # a weight that is no number is not equal to any weight: the children differ, nothing fails
        (children(("task:Q1G", "half")), children(("task:Q1G", "50")), False),
        (children(("task:Q1G", "50")), children(("task:Q1G", "half")), False),
        # a different weight, item or order differs
        (children(("task:Q1G", "50")), children(("task:Q1G", "50.01")), False),
        (children(("task:Q1G", "50"), ("task:Q2G", "50")), children(("task:Q2G", "50"), ("task:Q1G", "50")), False),
        (children(("task:Q1G", "50")), children(("task:Q1G", "50"), ("task:Q2G", "0")), False),
    ],
)
def test_r3_composite_children_are_equal_item_by_item_with_weights_as_numbers(a, b, equal):
    assert composite_children_equal(a, b) is equal
    assert composite_children_equal(b, a) is equal


def test_r4_composite_children_without_weights_compare_only_the_items_in_order():
    assert composite_children_equal(children(("task:Q1G", "70")), children(("task:Q1G", "half")), weights=False)
    assert not composite_children_equal(
        children(("task:Q1G", "50"), ("task:Q2G", "50")),
        children(("task:Q2G", "50"), ("task:Q1G", "50")),
        weights=False,
    )


# ---------------------------------------------------------------------------
# R74: a change of a catalog's locks is recorded, with the locks before and after
# ---------------------------------------------------------------------------


def test_r74_a_lock_change_is_recorded_and_one_that_changes_nothing_is_not(district):
    from catalog.models import HistoryRecord
    from catalog.services import catalog_locks_set

    admin, catalog = district["district_admin"], district["catalog"]
    before = {"locked_attributes": list(catalog.locked_attributes), "locked_types": list(catalog.locked_types)}
    catalog_locks_set(user=admin, catalog=catalog, lock=["description"], unlock=["categories"])
    catalog_locks_set(user=admin, catalog=catalog, lock=["description"])  # already locked: no change
    after = {
        "locked_attributes": ["number", "name", "state_code", "description", "credits"],
        "locked_types": [t for t in before["locked_types"] if t != "categories"],
    }
    records = HistoryRecord.objects.filter(level="catalog", object_pk=catalog.pk)
    assert [(r.user_id, r.username, r.catalog, r.data_type, r.item, r.change, r.before, r.after) for r in records] == [
        (admin.pk, "dadmin", "High School Catalog", "locks", "", "updated", before, after)
    ]


# ---------------------------------------------------------------------------
# R1: an unknown lock name is refused listing every unknown one and every lock there is
# ---------------------------------------------------------------------------


def test_r1_unknown_lock_names_are_refused_with_the_locks_there_are(district):
    from catalog.errors import InputError
    from catalog.services import catalog_locks_set
    from catalog.setup_types import SETUP_LOCKS

    with pytest.raises(InputError) as refused:
        catalog_locks_set(user=district["district_admin"], catalog=district["catalog"], lock=["grades", "homework"])
    assert str(refused.value) == (
        "unknown lock 'grades', 'homework'; locks are the attributes number, name, state_code, description, "
        "department, credits, grade_levels, standards_based, active, advisory, sced_code and the types "
        + ", ".join(SETUP_LOCKS)
    )
    assert ", composite_weights" in str(refused.value)


# ---------------------------------------------------------------------------
# R6, R9: a course item is in step with its master item when the names differ only by spaces around
# ---------------------------------------------------------------------------


def test_r9_category_names_that_differ_only_by_spaces_around_are_in_step():
    from decimal import Decimal

    from catalog.services import setup_values_equal
    from catalog.setup_types import SETUP_TYPES_BY_NAME
    from coursemasters.models import MasterCategory
    from courses.models import CourseCategory

    categories = SETUP_TYPES_BY_NAME["categories"]
    master = MasterCategory(name="Homework", weight=Decimal("20.00"), sequence=1)
    assert setup_values_equal(
        setup_type=categories, a=CourseCategory(name=" Homework ", weight=Decimal("20.00"), sequence=1), b=master
    )
    assert not setup_values_equal(
        setup_type=categories, a=CourseCategory(name="Homework", weight=Decimal("20.01"), sequence=1), b=master
    )


# ---------------------------------------------------------------------------
# R32: composite children, as the exchange format and the pages give them
# ---------------------------------------------------------------------------


def _course_composite(district, children):
    from courses.services import course_item_create

    return course_item_create(
        user=district["school_admin"],
        course=district["course"],
        setup_type="composite_grades",
        values={"parent": "task:Q1G", "children": children},
    )


def test_r32_a_composite_child_may_be_given_as_a_task_itself(district):
    item = _course_composite(district, [{"item": district["q2"], "weight": "50"}])
    assert item.children == [{"item": "task:Q2G", "weight": "50.00"}]


def test_r32_composite_children_refusals_say_exactly_what_is_wrong(district):
    from catalog.errors import InputError

    for children, message in [
        ("task:Q2G", "composite grade children: a list of {item, weight} is required"),
        (
            [{"item": "task:Q2G"}, {"item": "standard:ELA.W.1"}, {"item": "task:Q2G"}, {"item": "standard:ELA.W.1"}],
            "composite grade children: standard:ELA.W.1, task:Q2G appears more than once",
        ),
    ]:
        with pytest.raises(InputError) as refused:
            _course_composite(district, children)
        assert str(refused.value) == message
