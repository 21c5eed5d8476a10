"""How each grading setup type is written in the exchange format.

The six setup types are walked from ``catalog.setup_types.SETUP_TYPES``; this
module only says how one model field becomes one JSON value, so that import
and export share one description (STYLE.md: types are data).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db import models

from catalog.setup_types import (
    COURSE,
    LINKED,
    LOCAL,
    MASTER,
    SECTION,
    SETUP_TYPES,
    SETUP_TYPES_BY_NAME,
    TEACHER,
    UNLINKED,
    SetupType,
    category_name_key,
)

FORMAT = "district-grading/1"

# Field kinds: how a model value is written in JSON.
PLAIN = "plain"  # str, int, bool as they are
DECIMAL = "decimal"  # Decimal as a string, "0.50"
TASK_CODE = "task"  # GradingItem of kind task, by its code ("S1")
STANDARD_CODE = "standard"  # GradingItem of kind standard, by its code ("ELA.W.1")
ITEM_REF = "item"  # GradingItem by reference ("task:S1")
TEST_CODE = "test"  # AssessmentTest by code
SCALE_NAME = "scale"  # GradingScale by name
CHILDREN = "children"  # composite children [{"item": ref, "weight": decimal}]

# Grading-item foreign keys written as a bare code, because the JSON key says
# the kind (``"task": "S1"``). Every other grading-item foreign key is a ref.
_CODE_KINDS = {"task": TASK_CODE, "standard": STANDARD_CODE}
_CODE_FIELDS = {
    (t.name, name): (t.json_name(name), _CODE_KINDS[kind]) for t in SETUP_TYPES for name, kind in t.item_kinds.items()
}

ITEM_STATE_DEFAULT = {COURSE: LOCAL, SECTION: TEACHER}
# The states whose items point at the item one level up (R6).
PUSHED_STATES = {COURSE: (LINKED, UNLINKED), SECTION: (LINKED,)}

# Fields of a type's section items that the levels above lack (R23: read_only).
SECTION_EXTRA_FIELDS = {t.name: tuple(t.section_linked_values) for t in SETUP_TYPES if t.section_linked_values}


@dataclass(frozen=True)
class FieldForm:
    """One model field of a setup item and its JSON form."""

    field: str  # model field name
    attname: str  # model attribute (``item_id`` for a foreign key)
    json: str  # JSON key
    kind: str
    is_key: bool
    required: bool
    default: object  # JSON default when left out

    @property
    def is_foreign_key(self) -> bool:
        return self.kind in (TASK_CODE, STANDARD_CODE, ITEM_REF, TEST_CODE, SCALE_NAME)


def _field_form(setup_type: SetupType, model, name: str, *, is_key: bool) -> FieldForm:
    field = model._meta.get_field(name)
    json_name, kind = _CODE_FIELDS.get((setup_type.name, name), (name, None))
    if kind is None:
        if isinstance(field, models.ForeignKey):
            label = field.related_model._meta.label
            kind = {"catalog.GradingItem": ITEM_REF, "catalog.AssessmentTest": TEST_CODE}.get(label, SCALE_NAME)
        elif isinstance(field, models.DecimalField):
            kind = DECIMAL
        elif name == "children":
            kind = CHILDREN
        else:
            kind = PLAIN
    if is_key:
        default = None
    elif isinstance(field, models.ForeignKey):
        default = None
    else:
        default = field.get_default()
        if isinstance(default, Decimal):
            default = decimal_to_json(default)
    return FieldForm(
        field=name,
        attname=field.attname,
        json=json_name,
        kind=kind,
        is_key=is_key,
        required=is_key,
        default=default,
    )


def type_fields(setup_type: SetupType, level: str = MASTER) -> tuple[FieldForm, ...]:
    """The JSON fields of one item of this type at this level, keys first."""
    return _type_fields(setup_type.name, level)


@cache
def _type_fields(type_name: str, level: str) -> tuple[FieldForm, ...]:
    setup_type = SETUP_TYPES_BY_NAME[type_name]
    model = setup_type.model(level)
    forms = [_field_form(setup_type, model, n, is_key=True) for n in setup_type.key_fields]
    forms += [_field_form(setup_type, model, n, is_key=False) for n in setup_type.payload_fields]
    if level == SECTION:
        forms += [
            _field_form(setup_type, model, n, is_key=False) for n in SECTION_EXTRA_FIELDS.get(setup_type.name, ())
        ]
    return tuple(forms)


def types_at(level: str) -> tuple[SetupType, ...]:
    return tuple(t for t in SETUP_TYPES if level in t.levels)


def decimal_to_json(value: Decimal | None) -> str | None:
    """Decimals are written as the database holds them (``"0.50"``, ``"20.00"``)."""
    if value is None:
        return None
    return str(value)


def decimal_canonical(value: str | int | float | Decimal) -> str:
    """A composite child's weight in the form the database would give a weight (``"50.00"``)."""
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def source_key(setup_type: SetupType, rendered_keys: tuple[str, ...]) -> str:
    """An item's key in its ``source`` form: the key values joined by a space
    (``"Homework"``, ``"S1"``, ``"task:Q1G Q1"``, ``"task:S1"``)."""
    return " ".join(rendered_keys)


def source_match_key(setup_type: SetupType, text: str) -> str:
    """What two ``source`` keys are compared by: a renamable key (category names) trimmed and
    ignoring case, as the database compares them."""
    if setup_type.rename_field is not None:
        return category_name_key(text)
    return text
