"""How grading setup items read on the web pages, for every type at once.

Pages walk ``SETUP_TYPES`` and ask here for a type's column headings and an
item's cells, so that a seventh type shows up without page changes.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import models

from .models import GradingItem
from .setup_types import SetupType

HEADINGS = {
    "item": "Task or standard",
    "name": "Name",
    "test": "Test",
    "term": "Term",
    "parent": "Composite of",
    "credit": "Credit",
    "credit_type": "Credit type",
    "score_group": "Score group",
    "weight": "Weight",
    "sequence": "Sequence",
    "drop_lowest": "Drop lowest",
    "excluded": "Excluded from grade",
    "standard": "Standard",
    "copies_forward": "Copies forward",
    "calculation": "Calculation",
    "grading_scale": "Grading scale",
    "weight_categories": "Weight categories",
    "use_score_percent": "Use score percent",
    "children": "Children (weight)",
}
CALCULATION_WORDS = {
    "no_calculation": "No calculation",
    "in_progress": "In progress",
    "proficiency_estimate": "Proficiency estimate",
}


def with_article(label: str) -> str:
    """ "a category", "an assessment"."""
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def setup_title(setup_type: SetupType) -> str:
    return setup_type.title


def setup_fields(setup_type: SetupType) -> tuple[str, ...]:
    return setup_type.key_fields + setup_type.payload_fields


def setup_headings(setup_type: SetupType) -> list[str]:
    return [setup_type.field_headings.get(f, HEADINGS.get(f, f)) for f in setup_fields(setup_type)]


def setup_related(setup_type: SetupType, level: str) -> list[str]:
    """Foreign keys to load with the items (one query per type, not per item)."""
    model = setup_type.model(level)
    return [f for f in setup_fields(setup_type) if isinstance(model._meta.get_field(f), models.ForeignKey)]


# A task or standard as references hold it ("task:Q1G", "standard:ELA.R.1"): composites' children,
# push rows' items. The CSV downloads keep it (docs/reports.md); pages show grading_item_names.
GRADING_ITEM_REF = re.compile(r"\b(task|standard):(\S+)")


def grading_item_names(texts) -> dict[str, str]:
    """The tasks and standards that ``texts`` name, by code and name:
    ``{"task:Q1G": "Q1G Quarter 1 Grade"}`` (one query)."""
    refs = {m.groups() for text in texts if text for m in GRADING_ITEM_REF.finditer(text)}
    if not refs:
        return {}
    found = GradingItem.objects.filter(code__in={code for _, code in refs}).values_list("kind", "code", "name")
    return {f"{kind}:{code}": f"{code} {name}" for kind, code, name in found if (kind, code) in refs}


def refs_in_words(text: str, names: dict | None = None) -> str:
    """``text`` with each task or standard reference ("task:Q1G") by code and name ("Q1G Quarter 1
    Grade", from ``names``: grading_item_names); without names, or for one they lack, by its code."""
    if ":" not in text:
        return text
    names = names or {}
    return GRADING_ITEM_REF.sub(lambda m: names.get(m.group(0), m.group(2)), text)


def every_grading_item_name() -> dict[str, str]:
    """Every task and standard by reference, by code and name (one query): for a download, whose
    rows are streamed and so cannot be read first (a district has hundreds, not millions)."""
    return {
        f"{kind}:{code}": f"{code} {name}"
        for kind, code, name in GradingItem.objects.order_by().values_list("kind", "code", "name")
    }


def attribute_label(name: str) -> str:
    """A course attribute's name in words ("State code")."""
    return {"sced_code": "SCED code", "state_code": "State code"}.get(name, name.replace("_", " ").capitalize())


def display_value(name: str, value, *, names: dict[str, str] | None = None) -> str:
    """A value in words. Composites' children name their tasks and standards by ``names`` (from
    grading_item_names, as pages do) and otherwise by reference, as the CSV reports keep them."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else str(value)
    if isinstance(value, GradingItem):
        return f"{value.code} {value.name}"  # people name a task or standard so, not "task:Q1G"
    if name == "calculation":
        return CALCULATION_WORDS.get(value, value)
    if name == "children":
        names = names or {}
        return (
            ", ".join(f"{names.get(child.get('item'), child.get('item'))} ({child.get('weight')})" for child in value)
            or "—"
        )
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def setup_cells(setup_type: SetupType, obj) -> list[str]:
    """An item's cells in words. Composites' children by code and name: from the names setup_items
    read for all of a page's items at once, or, for an item read alone, with one query."""
    cells = []
    for f in setup_fields(setup_type):
        value = getattr(obj, f)
        names = None
        if f == "children" and value:
            names = getattr(obj, CHILD_NAMES, None)
            if names is None:
                names = grading_item_names(child.get("item") for child in value)
        cells.append(display_value(f, value, names=names))
    return cells


def setup_item_label(setup_type: SetupType, obj) -> str:
    """The item's key in words: "Homework", "S1 Semester 1", "Q1G Quarter 1 Grade Q1"."""
    return " ".join(display_value(f, getattr(obj, f)) for f in setup_type.key_fields)


def setup_ordering(setup_type: SetupType) -> list[str]:
    """Categories in their sequence; other items by their key (tasks, standards and tests by code)."""
    if "sequence" in setup_type.payload_fields:
        return ["sequence", "name"]
    return [f"{name}__code" if name in ("item", "parent", "test") else name for name in setup_type.key_fields]


# Where setup_items leaves, on each item, the names of the tasks and standards its children name.
CHILD_NAMES = "child_names"


def setup_items(setup_type: SetupType, level: str, **filters) -> list:
    """One owner's items of a type at a level, with their references, in page order (one query),
    and for composites the names of all their children's tasks and standards (one more query,
    however many composites: setup_cells reads them)."""
    items = setup_type.model(level).objects.filter(**filters)
    related = setup_related(setup_type, level)
    if related:
        items = items.select_related(*related)
    items = list(items.order_by(*setup_ordering(setup_type)))
    if "children" in setup_fields(setup_type):
        names = grading_item_names(child.get("item") for item in items for child in item.children or ())
        for item in items:
            setattr(item, CHILD_NAMES, names)
    return items


def shares_warning(setup_type: SetupType, items) -> str:
    """A warning when one owner's weights of a type do not total 100 (the demo reached 130):
    weighted grades divide by the total, so each weight counts as its share of it."""
    if setup_type.share_field is None:
        return ""
    weights = [getattr(item, setup_type.share_field) or 0 for item in items]
    total = sum(weights)
    if not weights or total == 0 or total == 100:
        return ""
    shown = f"{Decimal(total).normalize():f}"
    return (
        f"The {setup_type.share_field}s of these {setup_type.title.lower()} total {shown}, not 100: "
        f"a weighted grade counts each one as its share of {shown}."
    )
