"""How the reports write records and values in words."""

from __future__ import annotations

from collections import defaultdict

from catalog.setup_display import HEADINGS, refs_in_words
from catalog.setup_types import PUSH_DATA_LABELS, SETUP_TYPES_BY_NAME, SetupType


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


# Words for people (pages and XLSX) of the values the CSV keeps as codes (docs/reports.md).
COURSE_STATE_WORDS = {
    "in_sync": "In sync",
    "awaiting_push": "Awaiting push",
    "course_controlled": "Course controlled",
    "desynced": "Desynced",
    "ignored": "Ignored",
}
ITEM_STATE_WORDS = {
    "linked": "Linked",
    "unlinked": "Unlinked",
    "residual": "Residual",
    "local": "Local",
    "teacher": "Teacher",
}
CHANGE_WORDS = {
    "added": "Added",
    "changed": "Changed",
    "removed": "Removed",
    "conflict": "Conflict",
    "unlinked": "Unlinked",
    "deleted": "Deleted",
}
LEVEL_WORDS = {"course": "Course", "section": "Section"}
YES_NO = {"yes": "Yes", "no": "No", "True": "Yes", "False": "No"}
_WORDS_BY_COLUMN = {
    "course_state": COURSE_STATE_WORDS,
    "state": {**ITEM_STATE_WORDS, **COURSE_STATE_WORDS},
    "course_item_state": ITEM_STATE_WORDS,
    "section_item_state": ITEM_STATE_WORDS,
    "change": CHANGE_WORDS,
    "level": LEVEL_WORDS,
    "locked": YES_NO,
}


def people_word(column: str, value):
    """A report value as a person reads it: ``in_sync`` is "In sync", ``grade_calc_options``
    "Grade calc options"; other values as they are."""
    if not isinstance(value, str) or not value:
        return value
    if column == "data_type":
        setup_type = SETUP_TYPES_BY_NAME.get(value)
        return setup_type.title if setup_type else PUSH_DATA_LABELS.get(value, value)
    return _WORDS_BY_COLUMN.get(column, {}).get(value, value)


def column_heading(column: str) -> str:
    """``course_master_name`` is "Course master name"."""
    return column.replace("_", " ").capitalize()


def people_value(column: str, value, names: dict[str, str]):
    """``people_word``, with tasks and standards named by code and name instead of by reference
    (``task:Q1G`` is "Q1G Quarter 1 Grade"), as the XLSX for people writes them."""
    value = people_word(column, value)
    return refs_in_words(value, names) if isinstance(value, str) else value
