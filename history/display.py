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
from catalog.setup_display import every_grading_item_name, grading_item_names
from catalog.setup_types import COURSE_ATTRIBUTES, LOCK_TITLES
from catalog.spreadsheets import XlsxTable, csv_lines
from pushjobs.display import CHANGE_LABELS, refs_in_words, type_label, value_texts, values_in_words

from .selectors import CHANGE, COURSE, MASTER, PUSH, UNDO, HistoryObject

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


def item_words(row: dict, names: dict | None = None) -> str:
    """The row's item: a course attribute's name in words; a task or standard by code and name
    (``names``: history_rows_names); other items (a category, an imported file) as they are named."""
    data_type, item = row["h_data_type"], row["h_item"]
    if data_type in (COURSE_INFO, "advisory") and item in COURSE_ATTRIBUTES + ("advisory",):
        return item.replace("_", " ").capitalize()
    if data_type in (LOCKS, IMPORT_DATA, MASTER_LINK, IGNORE_MASTER_PUSH):
        return item
    return refs_in_words(item, names)


def history_rows_names(rows: Iterable[dict]) -> dict[str, str]:
    """The tasks and standards that History rows name in their item and values, by code and name
    (one query for a page's rows: collect them first)."""
    return grading_item_names(
        text
        for row in rows
        if row["h_data_type"] not in (LOCKS, IMPORT_DATA)
        for text in (row["h_item"], *value_texts(row["h_before"]), *value_texts(row["h_after"]))
    )


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


def before_after_words(row: dict, names: dict | None = None) -> tuple[list[str], list[str]]:
    before, after = row["h_before"], row["h_after"]
    if row["h_data_type"] == LOCKS:
        return _locks_in_words(before), _locks_in_words(after)
    if row["h_data_type"] == IMPORT_DATA:
        return [], _import_in_words(row["h_detail"])
    both = before is not None and after is not None
    return (
        values_in_words(before, after if both else None, names),
        values_in_words(after, before if both else None, names),
    )


def history_row_words(row: dict, names: dict | None = None) -> dict:
    """A History row as the tab shows it (``names``: history_rows_names of the page's rows)."""
    before, after = before_after_words(row, names)
    return {
        "at": row["h_at"],
        "how": HOW_LABELS.get(row["h_how"], row["h_how"]),
        "how_code": row["h_how"],
        "who": row["h_who"] or "",
        "where": where_words(row),
        "type": data_type_label(row["h_data_type"]),
        "item": item_words(row, names),
        "change": change_label(row),
        "before": before,
        "after": after,
        "job": row["h_job"],
    }


def _json(value) -> str:
    return "" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def _item_as_stored(row: dict) -> str:
    """The CSV's item: a course attribute's name in words, a task or standard by reference
    ("task:S1"), for scripts (docs/reports.md)."""
    data_type, item = row["h_data_type"], row["h_item"]
    if data_type in (COURSE_INFO, "advisory") and item in COURSE_ATTRIBUTES + ("advisory",):
        return item.replace("_", " ").capitalize()
    return item


def history_file_values(row: dict, names: dict | None = None) -> list:
    """A row of the downloads and the command. Without ``names``, the CSV's: tasks and standards by
    reference, before and after as JSON objects (an import's after: its file, digest and counts).
    With ``names`` (every_grading_item_name), the XLSX's, for people: all in words, as the tab."""
    if names is None:
        item = _item_as_stored(row)
        before = _json(row["h_before"])
        after = _json(row["h_detail"] if row["h_data_type"] == IMPORT_DATA else row["h_after"])
    else:
        item = item_words(row, names)
        before, after = ("\n".join(lines) for lines in before_after_words(row, names))
    if names is None:
        at = timezone.localtime(row["h_at"]).strftime("%Y-%m-%d %H:%M:%S")
        job = "" if row["h_job"] is None else str(row["h_job"])
    else:
        at, job = row["h_at"], row["h_job"]  # a date and a number a spreadsheet sorts as such
    return [
        at,
        HOW_LABELS.get(row["h_how"], row["h_how"]),
        row["h_who"] or "",
        where_words(row),
        data_type_label(row["h_data_type"]),
        item,
        change_label(row),
        before,
        after,
        job,
    ]


def history_csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """CSV text a line at a time: the header, then a line per row (cells made formula-safe)."""
    return csv_lines(FILE_HEADINGS, (history_file_values(row) for row in rows))


def history_write_xlsx(rows: Iterable[dict], out: IO[bytes]) -> None:
    """The XLSX, for people: the tab's words, tasks and standards by code and name (one query for
    all of them, however many rows)."""
    names = every_grading_item_name()
    book = Workbook(write_only=True)
    table = XlsxTable(book, "History", list(FILE_COLUMNS), labels=list(FILE_HEADINGS))
    for row in rows:
        table.append(history_file_values(row, names))
    table.close()
    book.save(out)


def history_filename(target: HistoryObject, fmt: str) -> str:
    obj = target.obj
    if target.level == MASTER:
        name = f"master-{obj.number}"
    elif target.level == COURSE:
        name = f"course-{obj.calendar.school.number}-{obj.number}"
    else:
        name = f"section-{obj.course.calendar.school.number}-{obj.course.number}-{obj.number}"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return f"history-{safe}.{fmt}"
