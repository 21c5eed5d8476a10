"""Circular composite grades are found wherever they are written (issue 11)."""

from catalog.composites import composite_cycle, composite_cycle_text


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
