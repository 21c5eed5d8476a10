"""Circular composite grades are found wherever they are written (issue 11)."""

import pytest

from catalog.composites import composite_cycle, composite_cycle_text
from catalog.errors import InputError
from coursemasters.models import MasterComposite
from coursemasters.services import master_item_create, master_item_update
from courses.models import CourseComposite
from courses.services import course_item_create


def test_no_cycle_in_a_tree_of_composites():
    assert composite_cycle({"task:S1": ["task:Q1G", "task:Q2G"], "task:Y": ["task:S1", "task:S2"]}) is None


def test_a_two_item_circle_is_named_in_order():
    cycle = composite_cycle({"task:S1": ["task:Q1G"], "task:Q1G": ["task:S1"]})
    assert cycle == ["task:Q1G", "task:S1", "task:Q1G"]
    assert composite_cycle_text(cycle) == "circular composite grades: task:Q1G → task:S1 → task:Q1G"


def test_a_longer_circle_behind_a_shared_child_is_found():
    edges = {"a": ["b", "c"], "b": ["d"], "c": ["d"], "d": ["e"], "e": ["c"]}
    # reached through b first: a -> b -> d -> e -> c -> d
    assert composite_cycle(edges) == ["d", "e", "c", "d"]


def test_a_deep_chain_needs_no_recursion():
    edges = {f"n{i}": [f"n{i + 1}"] for i in range(5000)}
    assert composite_cycle(edges) is None
    edges["n5000"] = ["n0"]
    assert composite_cycle(edges)[0] == "n0"


# --- the services: a master's and a course's composites (issue 11) ---

CIRCLE = "circular composite grades: task:Q1G → task:S1 → task:Q1G"


def test_a_master_composite_that_closes_a_circle_is_refused_and_nothing_changes(district):
    # given S1 made of Q1G and Q2G on the master
    before = list(MasterComposite.objects.values_list("parent__code", "children"))

    # when Q1G is made of S1
    with pytest.raises(InputError, match=CIRCLE):
        master_item_create(
            user=district["district_admin"],
            master=district["master"],
            setup_type="composite_grades",
            values={"parent": "task:Q1G", "children": [{"item": "task:S1", "weight": "100"}]},
        )

    assert list(MasterComposite.objects.values_list("parent__code", "children")) == before


def test_editing_a_master_composite_into_a_circle_is_refused(district):
    q1 = master_item_create(
        user=district["district_admin"],
        master=district["master"],
        setup_type="composite_grades",
        values={"parent": "task:Q1G", "children": [{"item": "task:Q2G", "weight": "100"}]},
    )
    with pytest.raises(InputError, match=CIRCLE):
        master_item_update(
            user=district["district_admin"], item=q1, values={"children": [{"item": "task:S1", "weight": "100"}]}
        )
    q1.refresh_from_db()
    assert q1.children == [{"item": "task:Q2G", "weight": "100.00"}]


def test_a_course_composite_that_closes_a_circle_with_a_pushed_one_is_refused(district):
    # the course has S1 made of Q1G and Q2G, pushed from the master
    count = CourseComposite.objects.filter(course=district["course"]).count()
    with pytest.raises(InputError, match=CIRCLE):
        course_item_create(
            user=district["school_admin"],
            course=district["course"],
            setup_type="composite_grades",
            values={"parent": "task:Q1G", "children": [{"item": "task:S1", "weight": "100"}]},
        )
    assert CourseComposite.objects.filter(course=district["course"]).count() == count
