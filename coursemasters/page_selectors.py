"""What the course master pages read (selectors; nothing here writes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from catalog.setup_display import (
    display_value,
    setup_cells,
    setup_headings,
    setup_item_label,
    setup_items,
    setup_title,
    shares_warning,
)
from catalog.setup_types import COURSE_ATTRIBUTES, MASTER, SETUP_TYPES, SetupType

from .models import CourseMaster


@dataclass
class AttributeRow:
    """A course attribute as the attribute table shows it, for masters and courses."""

    name: str
    value: str
    locked: bool
    why: str = ""


@dataclass
class ItemRow:
    pk: int
    label: str
    cells: list[str]


@dataclass
class SetupGroup:
    setup_type: SetupType
    title: str
    headings: list[str]
    locked: bool
    rows: list[ItemRow] = field(default_factory=list)
    warning: str = ""


def master_get(*, pk: int) -> CourseMaster | None:
    return CourseMaster.objects.select_related("catalog").filter(pk=pk).first()


def master_attribute_rows(*, master: CourseMaster) -> list[AttributeRow]:
    catalog = master.catalog
    return [
        AttributeRow(
            name=name,
            value=display_value(name, getattr(master, name)),
            locked=catalog.is_attribute_locked(name),
            why="Locked: a Course Info push copies it to linked courses" if catalog.is_attribute_locked(name) else "",
        )
        for name in COURSE_ATTRIBUTES
    ]


def master_setup_groups(*, master: CourseMaster) -> list[SetupGroup]:
    """The master's items of every setup type, one query per type."""
    groups = []
    for setup_type in SETUP_TYPES:
        items = setup_items(setup_type, MASTER, master=master)
        group = SetupGroup(
            setup_type=setup_type,
            title=setup_title(setup_type),
            headings=setup_headings(setup_type),
            locked=master.catalog.is_type_locked(setup_type.lock),
        )
        for item in items:
            group.rows.append(
                ItemRow(pk=item.pk, label=setup_item_label(setup_type, item), cells=setup_cells(setup_type, item))
            )
        group.warning = shares_warning(setup_type, items)
        groups.append(group)
    return groups


def master_item_get(*, master: CourseMaster, setup_type: SetupType, pk: int):
    return setup_type.model(MASTER).objects.filter(master=master, pk=pk).first()


def master_linked_courses(*, master: CourseMaster):
    """The courses linked to the master, with their calendar and school, newest year first."""
    return (
        master.courses.select_related("calendar__school", "calendar__year")
        .annotate(section_count=Count("sections"))
        .order_by("-calendar__year__start", "calendar__school__number", "number")
    )
