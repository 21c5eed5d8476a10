"""The JSON Schema that ships with the format: valid draft 2020-12, in step with the setup
types and the models, and the compiled quick check says exactly what jsonschema says."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from catalog.models import User
from catalog.setup_types import (
    CALCULATIONS,
    COURSE_ATTRIBUTES,
    COURSE_ITEM_STATES,
    EXTRA_ATTRIBUTES,
    SECTION_ITEM_STATES,
    SETUP_LOCKS,
    SETUP_TYPES,
)
from coursemasters.models import CourseMaster
from courses.models import Course
from exchange.district import SCHEMA_PATH, district_schema
from exchange.fastschema import Unsupported, compile_schema
from sections.models import Assignment, PostedGrade, Score, Section, SectionCategory

from .conftest import SMALL

SCHEMA = district_schema()
DEFS = SCHEMA["$defs"]
VALIDATOR = Draft202012Validator(SCHEMA)
QUICK = compile_schema(SCHEMA)


def test_schema_is_valid_draft_2020_12():
    assert SCHEMA_PATH.name == "district-grading-1.schema.json"
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


def test_small_district_is_valid():
    assert VALIDATOR.is_valid(SMALL)
    assert QUICK(SMALL)


def test_schema_names_the_setup_types_locks_and_attributes_of_the_code():
    locks = SCHEMA["properties"]["catalogs"]["items"]["properties"]["locks"]["properties"]
    assert locks["attributes"]["items"]["enum"] == list(COURSE_ATTRIBUTES)
    assert locks["types"]["items"]["enum"] == list(SETUP_LOCKS)
    course = SCHEMA["properties"]["courses"]["items"]["properties"]
    assert course["desynced"]["items"]["enum"] == [t.name for t in SETUP_TYPES]
    assert sorted(DEFS["attributes"]["properties"]) == sorted(EXTRA_ATTRIBUTES)
    assert DEFS["courseState"]["enum"] == list(COURSE_ITEM_STATES)
    assert DEFS["sectionState"]["enum"] == list(SECTION_ITEM_STATES)
    assert DEFS["calculation"]["enum"] == list(CALCULATIONS)
    for setup_type in SETUP_TYPES:
        assert setup_type.name in SCHEMA["properties"]["course_masters"]["items"]["properties"]
        assert setup_type.name in course
        if setup_type.reaches_sections:
            assert setup_type.name in SCHEMA["properties"]["sections"]["items"]["properties"]


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        (DEFS["courseNumber"], CourseMaster._meta.get_field("number")),
        (DEFS["masterName"], CourseMaster._meta.get_field("name")),
        (DEFS["courseName"], Course._meta.get_field("name")),
        (DEFS["term"], PostedGrade._meta.get_field("term")),
        (DEFS["key"], Section._meta.get_field("number")),
        (DEFS["key"], Score._meta.get_field("student")),
        (SCHEMA["properties"]["users"]["items"]["properties"]["username"], User._meta.get_field("username")),
        (DEFS["categoryName"], SectionCategory._meta.get_field("name")),
        (DEFS["assignment"]["properties"]["name"], Assignment._meta.get_field("name")),
        (DEFS["postedGrade"]["properties"]["grade"], PostedGrade._meta.get_field("grade")),
    ],
    ids=[
        "course number",
        "master name",
        "course name",
        "term",
        "section number",
        "student",
        "username",
        "category name",
        "assignment",
        "grade",
    ],
)
def test_schema_lengths_are_the_database_lengths(schema, field):
    # a file the schema accepts never fails in the database for being too long
    assert schema["maxLength"] == field.max_length


def test_quick_check_refuses_a_keyword_it_does_not_know():
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "oneOf": [{"type": "string"}]})


# -- the quick check and jsonschema agree on random damage to a valid file ------


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _paths(sub, (*path, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _paths(sub, (*path, index))


PATHS = list(_paths(SMALL))

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.sampled_from(["", " ", "0.50", "20.125", "task:S1", "S1", "linked", "teacher", "Q1", "2022-02-30", "x" * 300])
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(["name", "x"]), children, max_size=2)
    ),
    max_leaves=5,
)


def _damage(doc, path, how, value):
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    target = parent[path[-1]] if path else doc
    if how == "replace" and path:
        parent[path[-1]] = value
    elif how == "delete" and path and isinstance(parent, dict):
        del parent[path[-1]]
    elif how == "add" and isinstance(target, dict):
        target["unexpected"] = value
    elif how == "append" and isinstance(target, list):
        target.append(value)
    elif how == "duplicate" and isinstance(target, list) and target:
        target.append(copy.deepcopy(target[-1]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    how=st.sampled_from(["replace", "delete", "add", "append", "duplicate"]),
    value=st.one_of(st.sampled_from(["x" * 300, "", "0.505", "task:S1", "linked", None, 1.0, True]), json_values),
)
def test_quick_check_agrees_with_jsonschema(path, how, value):
    doc = copy.deepcopy(SMALL)
    _damage(doc, path, how, value)
    assert QUICK(doc) == VALIDATOR.is_valid(doc)
