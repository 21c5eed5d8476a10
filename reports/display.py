"""How the reports write records and values in words."""

from __future__ import annotations

from collections import defaultdict

from catalog.setup_display import HEADINGS
from catalog.setup_types import SetupType


class RecordNames:
    """Text of the district records an item's values point at (tasks, standards, tests,
    scales), read with one query per kind of record for a whole page or chunk."""

    def __init__(self):
        self.wanted: dict[type, set] = defaultdict(set)
        self.text: dict[tuple[type, object], str] = {}

    def want(self, model, value) -> None:
        if value is not None and (model, value) not in self.text:
            self.wanted[model].add(value)

    def load(self) -> None:
        for model, ids in self.wanted.items():
            for obj in model.objects.filter(pk__in=ids):
                self.text[(model, obj.pk)] = str(obj)
        self.wanted.clear()

    def get(self, model, value) -> object:
        return self.text.get((model, value), value)


def field_label(t: SetupType, field_name: str) -> str:
    return t.field_headings.get(field_name, HEADINGS.get(field_name, field_name)).lower()


def type_words(name: str) -> str:
    return name.replace("_", " ")
