"""History rows in words, for the History tab, its downloads and the ``history`` command: the
same labels the push pages use (pushjobs.display), never the stored codes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO

from django.utils import timezone
from openpyxl import Workbook

from catalog.history import COURSE_INFO, IGNORE_MASTER_PUSH, IMPORT_DATA, LOCKS, MASTER_LINK
from catalog.models import HistoryRecord
from catalog.setup_types import COURSE_ATTRIBUTES, LOCK_TITLES
from catalog.spreadsheets import XlsxTable, csv_lines
from pushjobs.display import CHANGE_LABELS, type_label, values_in_words

from .selectors import CHANGE, PUSH, UNDO

HOW_LABELS = {**dict(HistoryRecord.HOW_CHOICES), PUSH: "Push", UNDO: "Undo"}
# The filter's order: the ways people change things, then pushes.
HOW_ORDER = (HistoryRecord.WEB, HistoryRecord.COMMAND, HistoryRecord.IMPORT, PUSH, UNDO, HistoryRecord.OTHER)
DATA_TYPE_LABELS = {
    LOCKS: "Catalog locks",
    MASTER_LINK: "Link to a course master",
    IGNORE_MASTER_PUSH: "Ignore Master Push",
    IMPORT_DATA: "Import",
    COURSE_INFO: "Course info",
}
LINK_CHANGE_LABELS = {"linked": "Linked", "unlinked": "Unlinked", "relinked": "Linked to another master"}
RECORD_CHANGE_LABELS = {**CHANGE_LABELS, "imported": "Imported"}
IMPORT_KINDS = {"district": "District file", "oneroster": "OneRoster package", "edfi": "Ed-Fi files"}

# The downloads' and the command's columns, and their headings.
FILE_COLUMNS = ("when", "how", "who", "where", "data_type", "item", "change", "before", "after", "job")
FILE_HEADINGS = ("When", "How", "Who", "Where", "Data type", "Item", "Change", "Before", "After", "Job")


def data_type_label(name: str) -> str:
    return DATA_TYPE_LABELS.get(name) or type_label(name)


def change_label(row: dict) -> str:
    if row["h_data_type"] == MASTER_LINK:
        return LINK_CHANGE_LABELS.get(row["h_change"], row["h_change"])
    return RECORD_CHANGE_LABELS.get(row["h_change"], row["h_change"])


def item_words(row: dict) -> str:
    data_type, item = row["h_data_type"], row["h_item"]
    if data_type in (COURSE_INFO, "advisory") and item in COURSE_ATTRIBUTES + ("advisory",):
        return item.replace("_", " ").capitalize()
    return item


def where_words(row: dict) -> str:
    """Where the change was, when it is not the object itself: its catalog, a section, the district."""
    level = row["h_level"]
    if level == HistoryRecord.CATALOG:
        return f"Catalog {row['h_where']}"
    if level == HistoryRecord.DISTRICT:
        return "The whole district"
    if row["h_source"] == CHANGE and level == "section" and row["h_where"]:
        return f"Section {row['h_where']}"
    return ""


def _locks_in_words(values: dict | None) -> list[str]:
    if not values:
        return []
    names = [n.replace("_", " ") for n in values.get("locked_attributes", [])]
    names += [LOCK_TITLES.get(n, n.replace("_", " ")) for n in values.get("locked_types", [])]
    return [f"locked: {', '.join(names) if names else 'nothing'}"]


def _import_in_words(detail: dict | None) -> list[str]:
    if not detail:
        return []
    lines = [f"{IMPORT_KINDS.get(detail.get('kind'), 'File')}: {detail.get('file', '')}"]
    if detail.get("sha256"):
        lines.append(f"SHA-256: {detail['sha256']}")
    counts = detail.get("counts") or {}
    if counts:
        lines.append(", ".join(f"{n} {what.replace('_', ' ')}" for what, n in sorted(counts.items())))
    return lines


def before_after_words(row: dict) -> tuple[list[str], list[str]]:
    before, after = row["h_before"], row["h_after"]
    if row["h_data_type"] == LOCKS:
        return _locks_in_words(before), _locks_in_words(after)
    if row["h_data_type"] == IMPORT_DATA:
        return [], _import_in_words(row["h_detail"])
    both = before is not None and after is not None
    return values_in_words(before, after if both else None), values_in_words(after, before if both else None)


def history_row_words(row: dict) -> dict:
    """A History row as the tab shows it."""
    before, after = before_after_words(row)
    return {
        "at": row["h_at"],
        "how": HOW_LABELS.get(row["h_how"], row["h_how"]),
        "how_code": row["h_how"],
        "who": row["h_who"] or "",
        "where": where_words(row),
        "type": data_type_label(row["h_data_type"]),
        "item": item_words(row),
        "change": change_label(row),
        "before": before,
        "after": after,
        "job": row["h_job"],
    }


def _json(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def history_file_values(row: dict) -> list:
    """A row of the downloads and the command: words, with before and after as JSON objects
    (an import's after: its file, digest and counts)."""
    after = row["h_detail"] if row["h_data_type"] == IMPORT_DATA else row["h_after"]
    return [
        timezone.localtime(row["h_at"]).strftime("%Y-%m-%d %H:%M:%S"),
        HOW_LABELS.get(row["h_how"], row["h_how"]),
        row["h_who"] or "",
        where_words(row),
        data_type_label(row["h_data_type"]),
        item_words(row),
        change_label(row),
        _json(row["h_before"]),
        _json(after),
        "" if row["h_job"] is None else str(row["h_job"]),
    ]


def history_csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """CSV text a line at a time: the header, then a line per row (cells made formula-safe)."""
    return csv_lines(FILE_HEADINGS, (history_file_values(row) for row in rows))


def history_write_xlsx(rows: Iterable[dict], out: IO[bytes]) -> None:
    book = Workbook(write_only=True)
    table = XlsxTable(book, "History", list(FILE_COLUMNS), labels=list(FILE_HEADINGS))
    for row in rows:
        table.append(history_file_values(row))
    table.close()
    book.save(out)
