"""Cleaning grading setup values, through the services of masters and of courses (R32, R90).

Every refusal names the problem and changes nothing; every accepted edge value is stored as given.
Each case runs for a create and an update, at a master and at a course.
"""

from decimal import Decimal

import pytest

from catalog.errors import InputError
from catalog.limits import CATEGORY_DROP_LOWEST_MAX, CATEGORY_SEQUENCE_MAX
from catalog.models import AssessmentTest
from catalog.setup_types import SETUP_LOCKS, SETUP_TYPES_BY_NAME, CategoryFields, TaskAlignmentFields
from coursemasters.services import master_item_create, master_item_update
from courses.models import Course
from courses.services import course_ignore_master_push_set, course_item_create, course_item_update

from .conftest import unlock

# What a create needs besides the value under test: a key nobody at the master or course holds yet.
NEW_KEY = {
    "grading_tasks": {"task": "Q1G"},
    "standards": {"standard": "ELA.W.2"},
    "categories": {"name": "Tests"},
    "assessments": {"test": "MAP2"},
    "grade_calc_options": {"item": "task:S1", "term": "Q2"},
    "composite_grades": {"parent": "standard:ELA.W.1"},
}


# The conftest's master items, by type.
MASTER_ITEMS = {
    "grading_tasks": "m_task",
    "standards": "m_standard",
    "categories": "m_category",
    "assessments": "m_assessment",
    "grade_calc_options": "m_gco",
    "composite_grades": "m_composite",
}


@pytest.fixture
def setup(district):
    """``setup.create(level, type, values)`` and ``setup.update(level, type, values)`` (the level's
    existing item of that type); the course's types are unlocked, so only the values decide."""
    from catalog.models import GradingItem

    GradingItem.objects.create(kind="standard", code="ELA.W.2", name="Writes narratives")
    AssessmentTest.objects.create(code="MAP2", name="MAP Reading")
    unlock(district, *SETUP_LOCKS)

    class Setup:
        @staticmethod
        def create(level, setup_type, values):
            if level == "master":
                return master_item_create(
                    user=district["district_admin"], master=district["master"], setup_type=setup_type, values=values
                )
            return course_item_create(
                user=district["school_admin"], course=district["course"], setup_type=setup_type, values=values
            )

        @staticmethod
        def existing(level, setup_type):
            return district[MASTER_ITEMS[setup_type] if level == "master" else f"c_{setup_type}"]

        @staticmethod
        def update(level, setup_type, values):
            item = Setup.existing(level, setup_type)
            if level == "master":
                return master_item_update(user=district["district_admin"], item=item, values=values)
            return course_item_update(user=district["school_admin"], item=item, values=values)

        @staticmethod
        def snapshot(level):
            """Every item of the level's owner, every field: what a refusal must leave alone."""
            rows = []
            for stype in SETUP_TYPES_BY_NAME.values():
                model = stype.model(level)
                owner = {"master": district["master"]} if level == "master" else {"course": district["course"]}
                rows += [(stype.name, row) for row in model.objects.filter(**owner).order_by("pk").values()]
            return rows

    return Setup


# The longest texts the columns hold (R90), read from the models so the tests follow them.
NAME_MAX = CategoryFields._meta.get_field("name").max_length
GROUP_MAX = TaskAlignmentFields._meta.get_field("score_group").max_length
PG_INTEGER_MAX = 2147483647

LEVELS = pytest.mark.parametrize("level", ["master", "course"])

# (setup type, the values under test, the message). Each is refused in a create (with NEW_KEY) and an
# update of the existing item.
REFUSED = [
    # a value that is not a mapping
    ("categories", ["name", "Tests"], "category: values must be a mapping of field names to values"),
    ("categories", None, "category: values must be a mapping"),
    # required references
    ("grading_tasks", {"task": ""}, "grading task item is required"),
    ("grading_tasks", {"task": "   "}, "grading task item is required"),
    ("grade_calc_options", {"item": None}, "grade calc option item is required"),
    ("assessments", {"test": ""}, "assessment test is required"),
    ("composite_grades", {"parent": None}, "composite grade parent is required"),
    # references that name nothing, or not by a record id
    ("grade_calc_options", {"grading_scale": True}, "grade calc option grading scale: True does not name a grading sc"),
    ("grade_calc_options", {"grading_scale": 1.0}, "grading scale: 1.0 does not name a grading scale"),
    ("grade_calc_options", {"grading_scale": 987654}, "grade calc option grading scale: no grading scale with id 98"),
    ("assessments", {"standard": "task:S1"}, 'assessment standard: "task:S1" is not a standard'),
    # booleans
    ("categories", {"excluded": "yes"}, "category excluded: 'yes' is not true or false"),
    ("categories", {"excluded": 1}, "category excluded: 1 is not true or false"),
    ("assessments", {"copies_forward": "false"}, "assessment copies forward: 'false' is not true or false"),
    ("grade_calc_options", {"use_score_percent": None}, "use score percent: None is not true or false"),
    # text
    ("categories", {"name": ""}, "category name cannot be empty"),
    ("categories", {"name": " \t "}, "category name cannot be empty"),
    ("grade_calc_options", {"term": " "}, "grade calc option term cannot be empty"),
    ("categories", {"name": 5}, "category name: 5 is not text"),
    ("categories", {"name": "x" * (NAME_MAX + 1)}, f"category name is longer than {NAME_MAX} characters"),
    ("grading_tasks", {"score_group": "g" * (GROUP_MAX + 1)}, f"score group is longer than {GROUP_MAX} characters"),
    # numbers
    ("categories", {"weight": "NaN"}, "category weight: 'NaN' is not a number"),
    ("categories", {"weight": float("nan")}, "category weight: nan is not a number"),
    ("categories", {"weight": "sNaN"}, "category weight: 'sNaN' is not a number"),
    ("categories", {"weight": "Infinity"}, "category weight: 'Infinity' is not a number"),
    ("grading_tasks", {"credit": "-Infinity"}, "grading task credit: '-Infinity' is not a number"),
    ("categories", {"weight": True}, "category weight: True is not a number"),
    ("categories", {"weight": None}, "category weight: None is not a number"),
    ("categories", {"weight": "-0.01"}, "category weight cannot be negative"),
    ("categories", {"weight": "100000"}, "category weight: 100000 is too large"),
    ("categories", {"weight": "99999.995"}, "category weight: 99999.995 is too large"),
    ("categories", {"weight": "1E+100"}, r"category weight: 1E\+100 is too large"),
    ("grading_tasks", {"credit": "10000"}, "grading task credit: 10000 is too large"),
    ("categories", {"sequence": "1.5"}, "category sequence: '1.5' is not a whole number"),
    ("categories", {"sequence": True}, "category sequence: True is not a whole number"),
    ("categories", {"drop_lowest": -1}, "category drop lowest cannot be negative"),
    (
        "categories",
        {"sequence": CATEGORY_SEQUENCE_MAX + 1},
        rf"category sequence: {CATEGORY_SEQUENCE_MAX + 1} is too large \(at most {CATEGORY_SEQUENCE_MAX}\)",
    ),
    (
        "categories",
        {"drop_lowest": str(CATEGORY_DROP_LOWEST_MAX + 1)},
        rf"category drop lowest: {CATEGORY_DROP_LOWEST_MAX + 1} is too large \(at most {CATEGORY_DROP_LOWEST_MAX}\)",
    ),
    ("categories", {"sequence": PG_INTEGER_MAX + 1}, rf"category sequence: {PG_INTEGER_MAX + 1} is too large"),
    # composite children
    ("composite_grades", {"children": "task:Q1G"}, "composite grade children: a list of {item, weight} is required"),
    ("composite_grades", {"children": [{"weight": "50"}]}, "composite grade child 1: give an item and a weight"),
    ("composite_grades", {"children": ["task:Q1G"]}, "composite grade child 1: give an item and a weight"),
    (
        "composite_grades",
        {"children": [{"item": "task:Q1G", "weight": "50", "term": "Q1"}]},
        "composite grade child 1: give an item and a weight",
    ),
    ("composite_grades", {"children": [{"item": 7}]}, "composite grade child 1: 7 does not name a task or standard"),
    ("composite_grades", {"children": [{"item": "Q1G"}]}, 'composite grade child 1: "Q1G" must be written task:CODE'),
    (
        "composite_grades",
        {"children": [{"item": "task:Q1G", "weight": "50"}, {"item": " task:Q1G ", "weight": "50"}]},
        "composite grade children: task:Q1G appears more than once",
    ),
    (
        "composite_grades",
        {"children": [{"item": "task:Q1G", "weight": "NaN"}]},
        "composite grade child 1 weight: 'NaN' is not a number from 0 to 99999.99",
    ),
    (
        "composite_grades",
        {"children": [{"item": "task:Q2G"}, {"item": "task:Q1G", "weight": "99999.995"}]},
        "composite grade child 2 weight: '99999.995' is not a number from 0 to 99999.99",
    ),
    (
        "composite_grades",
        {"children": [{"item": "task:Q1G", "weight": "1E+100"}]},
        "composite grade child 1 weight: '1E\\+100' is not a number from 0 to 99999.99",
    ),
    (
        "composite_grades",
        {"children": [{"item": "task:Q1G", "weight": "half"}]},
        "composite grade child 1 weight: 'half' is not a number",
    ),
]


def _with_key(setup_type, values):
    return {**NEW_KEY[setup_type], **values} if isinstance(values, dict) else values


@LEVELS
@pytest.mark.parametrize(("setup_type", "values", "message"), REFUSED)
def test_r32_bad_values_are_refused_naming_the_problem_and_change_nothing(setup, level, setup_type, values, message):
    before = setup.snapshot(level)
    with pytest.raises(InputError, match=message):
        setup.create(level, setup_type, _with_key(setup_type, values))
    with pytest.raises(InputError, match=message):
        setup.update(level, setup_type, values)
    assert setup.snapshot(level) == before


# (setup type, the values under test, what is stored: field -> value as the model holds it)
ACCEPTED = [
    # "" or spaces clear an optional reference
    ("grade_calc_options", {"grading_scale": ""}, {"grading_scale_id": None}),
    ("grade_calc_options", {"grading_scale": "  "}, {"grading_scale_id": None}),
    ("assessments", {"standard": None}, {"standard_id": None}),
    # zero is a number
    ("categories", {"weight": "0"}, {"weight": Decimal("0.00")}),
    ("categories", {"weight": 0}, {"weight": Decimal("0.00")}),
    ("grading_tasks", {"credit": "0.00"}, {"credit": Decimal("0.00")}),
    ("grading_tasks", {"credit": "-0"}, {"credit": Decimal("0.00")}),
    ("categories", {"sequence": "0", "drop_lowest": 0}, {"sequence": 0, "drop_lowest": 0}),
    # the largest values the columns hold
    ("categories", {"weight": "99999.99"}, {"weight": Decimal("99999.99")}),
    ("categories", {"weight": "99999.994"}, {"weight": Decimal("99999.99")}),
    ("grading_tasks", {"credit": "9999.99"}, {"credit": Decimal("9999.99")}),
    (
        "categories",
        {"sequence": CATEGORY_SEQUENCE_MAX, "drop_lowest": CATEGORY_DROP_LOWEST_MAX},
        {"sequence": CATEGORY_SEQUENCE_MAX, "drop_lowest": CATEGORY_DROP_LOWEST_MAX},
    ),
    ("categories", {"sequence": " 3 "}, {"sequence": 3}),
    # text of exactly the maximum length, also once trimmed; optional text cleared
    ("categories", {"name": "x" * NAME_MAX}, {"name": "x" * NAME_MAX}),
    ("categories", {"name": "  " + "y" * NAME_MAX + " "}, {"name": "y" * NAME_MAX}),
    ("grading_tasks", {"score_group": "g" * GROUP_MAX}, {"score_group": "g" * GROUP_MAX}),
    ("grading_tasks", {"score_group": ""}, {"score_group": ""}),
    ("standards", {"score_group": None}, {"score_group": ""}),
    # keys are NFC-normalised (R90): a decomposed é is stored composed
    ("categories", {"name": "Cafe\u0301 talks"}, {"name": "Caf\u00e9 talks"}),
    # booleans as booleans
    ("categories", {"excluded": True}, {"excluded": True}),
    ("grade_calc_options", {"use_score_percent": True, "weight_categories": False}, {"use_score_percent": True}),
    # composite children: a missing weight is 0, zero and the largest weight kept, text as the database gives it
    (
        "composite_grades",
        {
            "children": [
                {"item": "task:Q1G"},
                {"item": " task:Q2G ", "weight": 0},
                {"item": "standard:ELA.W.2", "weight": "99999.99"},
            ]
        },
        {
            "children": [
                {"item": "task:Q1G", "weight": "0.00"},
                {"item": "task:Q2G", "weight": "0.00"},
                {"item": "standard:ELA.W.2", "weight": "99999.99"},
            ]
        },
    ),
    (
        "composite_grades",
        {"children": [{"item": "task:Q1G", "weight": "-0"}]},
        {"children": [{"item": "task:Q1G", "weight": "0.00"}]},
    ),
    ("composite_grades", {"children": []}, {"children": []}),
]


@LEVELS
@pytest.mark.parametrize(("setup_type", "values", "stored"), ACCEPTED)
def test_r32_edge_values_are_accepted_and_stored_as_meant(setup, level, setup_type, values, stored):
    created = setup.create(level, setup_type, _with_key(setup_type, values))
    assert {name: getattr(type(created).objects.get(pk=created.pk), name) for name in stored} == stored
    created.delete()  # its key may be the one the update gives the existing item
    updated = setup.update(level, setup_type, values)
    assert {name: getattr(type(updated).objects.get(pk=updated.pk), name) for name in stored} == stored


@LEVELS
def test_r90_a_category_name_that_differs_only_in_unicode_form_is_the_same_category(setup, level):
    setup.create(level, "categories", {"name": "Caf\u00e9"})
    with pytest.raises(InputError, match='already has category "caf\u00e9"'):
        setup.create(level, "categories", {"name": "cafe\u0301 "})


@pytest.mark.parametrize("ignore", ["yes", "false", 1, 0, None])
def test_r32_ignore_master_push_must_be_true_or_false(district, ignore):
    Course.objects.filter(pk=district["course"].pk).update(ignore_master_push=True)
    with pytest.raises(InputError, match=f"ignore master push: {ignore!r} is not true or false"):
        course_ignore_master_push_set(user=district["school_admin"], course=district["course"], ignore=ignore)
    assert Course.objects.get(pk=district["course"].pk).ignore_master_push is True


def test_r32_a_course_grade_calc_option_cannot_move_to_a_term_its_calendar_lacks(setup, district):
    before = setup.snapshot("course")
    with pytest.raises(InputError, match=r'term "S1" is not a term of calendar 22-23 North High \(Q1, Q2, Q3, Q4\)'):
        setup.update("course", "grade_calc_options", {"term": "S1"})
    assert setup.snapshot("course") == before
