"""How grading setup items read in the API, for every type at once (types are data): the fields
of the district exchange format (``exchange.formats``), plus an item's id, its state, and the id
of the item one level up it is linked to."""

from __future__ import annotations

from catalog.setup_display import setup_related
from catalog.setup_types import MASTER
from exchange.formats import (
    CHILDREN,
    DECIMAL,
    ITEM_REF,
    SCALE_NAME,
    STANDARD_CODE,
    TASK_CODE,
    TEST_CODE,
    decimal_canonical,
    decimal_to_json,
    type_fields,
    types_at,
)


def _value(kind: str, value):
    if value is None:
        return None
    if kind == DECIMAL:
        return decimal_to_json(value)
    if kind in (TASK_CODE, STANDARD_CODE, TEST_CODE):
        return value.code
    if kind == ITEM_REF:
        return value.ref
    if kind == SCALE_NAME:
        return value.name
    if kind == CHILDREN:
        return [{"item": child["item"], "weight": decimal_canonical(child["weight"])} for child in value]
    return value


def setup_item_json(setup_type, level: str, item) -> dict:
    record = {"id": item.pk, "type": setup_type.name}
    for form in type_fields(setup_type, level):
        record[form.json] = _value(form.kind, getattr(item, form.field))
    if level != MASTER:
        record["state"] = item.state
        record["linked_to"] = item.source_id
    return record


def setup_items_json(owner, level: str, owner_field: str) -> dict[str, list[dict]]:
    """Every setup item of one master, course or section, by type name (one query per type)."""
    found = {}
    for setup_type in types_at(level):
        rows = setup_type.model(level).objects.filter(**{owner_field: owner}).order_by("pk")
        related = setup_related(setup_type, level)
        if related:
            rows = rows.select_related(*related)
        found[setup_type.name] = [setup_item_json(setup_type, level, item) for item in rows]
    return found
