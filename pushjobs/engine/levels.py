"""One setup type at one level, as the engine reads and writes it.

Built from ``catalog.setup_types.SETUP_TYPES``: the engine never names a type.
An item's values travel as a tuple in ``fields`` order (key fields and payload
fields as column attnames, then section-only extras such as ``read_only``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from operator import itemgetter

from django.db import models

from catalog.setup_types import COURSE, MASTER, SECTION, SetupType, category_name_key

from .bulk import field_by_attname as _field_by_attname

OWNER = {MASTER: "master_id", COURSE: "course_id", SECTION: "section_id"}


@dataclass(frozen=True, eq=False)  # one cached instance per type and level: hashed by identity
class TypeLevel:
    spec: SetupType
    level: str
    model: type[models.Model]
    owner: str
    copied: tuple[str, ...]  # key + payload attnames: what a push copies
    extras: tuple[str, ...]  # section-only attnames (R23's read_only)
    key_idx: tuple[int, ...]
    rename_idx: int | None
    rename_max_length: int | None  # the renamed field's max_length: "Name (1)" must fit it
    term_idx: int | None
    in_use_item_idx: tuple[int, ...]
    in_use_term_idx: int | None
    payload_idx: tuple[int, ...]
    payload_names: tuple[str, ...]
    linked_extras: tuple  # extras' values on a linked item
    residual_patch: tuple[tuple[int, object], ...]  # (index, value) set on a residual section item

    @property
    def fields(self) -> tuple[str, ...]:
        return self.copied + self.extras

    @property
    def name(self) -> str:
        return self.spec.name

    key: Callable[[tuple], object]  # values -> the item's key (comparable within one type)

    @cached_property
    def key_field_models(self) -> list[tuple[int, type[models.Model] | None]]:
        """For describing a key in words: each key index and the model its value points at, if any."""
        return [(i, self.model._meta.get_field(n).related_model) for i, n in enumerate(self.spec.key_fields)]


def _attname(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname


@cache
def type_level(spec_name: str, level: str) -> TypeLevel:
    from catalog.setup_types import SETUP_TYPES_BY_NAME

    spec = SETUP_TYPES_BY_NAME[spec_name]
    model = spec.model(level)
    key_names = tuple(_attname(model, n) for n in spec.key_fields)
    payload_names = tuple(_attname(model, n) for n in spec.payload_fields)
    copied = key_names + payload_names
    extras: tuple[str, ...] = ()
    if level == SECTION:
        names = list(spec.section_linked_values) + [
            n for n in spec.section_residual_values if n not in spec.section_linked_values
        ]
        extras = tuple(_attname(model, n) for n in names if _attname(model, n) not in copied)
    fields = copied + extras

    def idx(name: str | None) -> int | None:
        return None if name is None else fields.index(_attname(model, name))

    linked_by_attname = (
        {_attname(model, n): v for n, v in spec.section_linked_values.items()} if level == SECTION else {}
    )
    linked_extras = tuple(
        linked_by_attname[a] if a in linked_by_attname else _field_by_attname(model, a).get_default() for a in extras
    )
    residual_patch = tuple((idx(n), v) for n, v in spec.section_residual_values.items()) if level == SECTION else ()
    return TypeLevel(
        spec=spec,
        level=level,
        model=model,
        owner=OWNER[level],
        copied=copied,
        extras=extras,
        key_idx=tuple(range(len(key_names))),
        rename_idx=idx(spec.rename_field),
        rename_max_length=None if spec.rename_field is None else model._meta.get_field(spec.rename_field).max_length,
        term_idx=idx(spec.calendar_term_field),
        in_use_item_idx=tuple(idx(n) for n in spec.in_use.item_fields),
        in_use_term_idx=idx(spec.in_use.term_field),
        payload_idx=tuple(range(len(key_names), len(copied))),
        payload_names=tuple(spec.payload_fields),
        linked_extras=linked_extras,
        residual_patch=residual_patch,
        key=_key_function(len(key_names), idx(spec.rename_field)),
    )


def _key_function(n: int, rename_idx: int | None) -> Callable[[tuple], object]:
    """The key of an item from its values, as fast as the type allows (it runs for every item)."""
    if rename_idx is None:
        return itemgetter(*range(n))  # one field: the value itself; several: a tuple
    if n == 1:
        return lambda values: category_name_key(values[0])
    return lambda values: tuple(category_name_key(values[i]) if i == rename_idx else values[i] for i in range(n))


def describe_key(tl: TypeLevel, values: tuple, names: dict) -> str:
    """The item's key in words ("Homework", "task:S1", "task:Q1G Q1"); ``names`` maps
    (model, id) to the text of a referenced district record."""
    parts = []
    for i, related in tl.key_field_models:
        v = values[i]
        parts.append(str(names.get((related, v), v)) if related is not None else str(v))
    return " ".join(parts)
