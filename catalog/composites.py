"""Composite grades may not go round in circles (issue 11): S1 made of Q1G and Q1G made of S1
would have no grade to start from. One owner's composites (a master's, a course's or a
section's) form a graph from each parent to its children; this finds a cycle in it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import InputError


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


def composites_refuse_cycle(*, setup_type, item, queryset) -> None:
    """Refuse (InputError) an item whose composite, beside the owner's other composites in
    ``queryset``, would close a circle; nothing for the types that have no children."""
    if "children" not in setup_type.payload_fields:
        return
    edges = {
        other.parent.ref: [child["item"] for child in other.children or ()]
        for other in queryset.exclude(pk=item.pk).select_related("parent")
    }
    edges[item.parent.ref] = [child["item"] for child in item.children or ()]
    cycle = composite_cycle(edges)
    if cycle:
        raise InputError(f"{composite_cycle_text(cycle)}: a composite grade cannot be made, in the end, of itself")
