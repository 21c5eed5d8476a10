"""Composite grades may not go round in circles (issue 11): S1 made of Q1G and Q1G made of S1
would have no grade to start from. One owner's composites (a master's, a course's or a
section's) form a graph from each parent to its children; this finds a cycle in it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def composite_cycle(children_of: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle among parent -> children edges, as the items in order with the first repeated at
    the end (``["task:S1", "task:Q1G", "task:S1"]``), or None. Items are compared as given."""
    done: set[str] = set()
    for start in sorted(children_of):
        if start in done:
            continue
        # An explicit stack: a district's composites may chain deeply.
        path: list[str] = []
        on_path: dict[str, int] = {}
        stack: list[tuple[str, Iterable[str] | None]] = [(start, None)]
        while stack:
            node, children = stack[-1]
            if children is None:
                if node in on_path:
                    return [*path[on_path[node] :], node]
                if node in done:
                    stack.pop()
                    continue
                on_path[node] = len(path)
                path.append(node)
                children = iter(sorted(children_of.get(node, ())))
                stack[-1] = (node, children)
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                del on_path[node]
                done.add(node)
            else:
                stack.append((child, None))
    return None


def composite_cycle_text(cycle: list[str]) -> str:
    return "circular composite grades: " + " → ".join(cycle)
