"""The words the push pages use for the engine's codes: outcomes, changes, data types, item states
and a change row's before and after values. Pages show these, never the codes themselves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils import timezone

from catalog.setup_display import grading_item_names, refs_in_words
from catalog.setup_types import SETUP_TYPES_BY_NAME
from pushjobs.engine.api import OUTCOMES, Summary

from .models import PushJob

OUTCOME_LABELS = {
    "skipped_ignore_master_push": "Skipped: Ignore Master Push",
    "failed_desynced": "Failed: desynced from its master",
    "failed_error": "Failed: error",
    "kept_residual": "Kept as residual (in use)",
    "renamed_teacher_item": "Teacher item renamed",
    "renamed_local_item": "Course item renamed",
    "relinked": "Relinked",
    "conflict": "Conflict: item skipped",
    "removed": "Removed",
}
assert set(OUTCOME_LABELS) == set(OUTCOMES)
# An undo's conflict is a whole course left as it is (pushjobs.engine.undo).
UNDO_CONFLICT_LABEL = "Conflict: course not undone"


def outcome_label(outcome: str, *, undo: bool = False) -> str:
    if undo and outcome == "conflict":
        return UNDO_CONFLICT_LABEL
    return OUTCOME_LABELS.get(outcome, outcome)


CHANGE_LABELS = {
    "created": "Created",
    "updated": "Updated",
    "removed": "Removed",
    "renamed": "Renamed",
    "relinked": "Relinked",
    "adopted": "Adopted",
    "kept_residual": "Kept as residual (in use)",
    "grayed_out": "Grayed out",
}

STATE_LABELS = {
    "linked": "pushed (locked)",
    "unlinked": "unlinked from its source",
    "residual": "residual (course managed)",
    "local": "made at the course",
    "teacher": "made by the teacher",
}

LEVEL_LABELS = {"course": "Course", "section": "Section"}


def mode_label(job: PushJob) -> str:
    """A job's push mode as its tool's form names it (the job page and the result report XLSX)."""
    if job.is_master_push:
        return "Overwrite existing course and section level data" if job.mode == "overwrite" else "Push locked data"
    return "Overwrite Categories" if job.mode == "overwrite" else "Push"


def type_label(name: str) -> str:
    if name == "course_info":
        return "Course info"
    if name == "advisory":
        return "Advisory flag"
    spec = SETUP_TYPES_BY_NAME.get(name)
    return spec.label.capitalize() if spec else name.replace("_", " ").capitalize()


def item_label(data_type: str, item: str, names: dict | None = None) -> str:
    """An item's key in words: tasks and standards by code and name (``names``, from
    grading_item_names; an unknown one keeps its code); a course attribute's field name in words."""
    if data_type in ("course_info", "advisory"):
        return item.replace("_", " ").capitalize()
    return refs_in_words(item, names)


_CODE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")


def _value_words(key: str, value, names: dict | None) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if key == "state":
        return STATE_LABELS.get(value, str(value))
    if isinstance(value, dict):
        return " ".join(
            _value_words(k, v, names) if k in ("item", "name") else f"({_key_words(k)} {_value_words(k, v, names)})"
            for k, v in value.items()
        )
    if isinstance(value, list):
        return ", ".join(_value_words(key, v, names) for v in value) or "none"
    if isinstance(value, str) and _CODE.match(value):
        return value.replace("_", " ")  # a choice's code ("no_calculation") in words
    if isinstance(value, str):
        return refs_in_words(value, names)
    return str(value)


def _key_words(key: str) -> str:
    return {"source": "pushed from"}.get(key, key.replace("_", " "))


def values_in_words(values: dict | None, other: dict | None = None, names: dict | None = None) -> list[str]:
    """``field: value`` lines of a change row's before or after side; with ``other`` (the other
    side of an update), only the fields that differ; tasks and standards named by ``names``
    (see refs_in_words)."""
    if not values:
        return []
    lines = []
    for key, value in values.items():
        if other is not None and other.get(key) == value:
            continue
        if value is None or value == "":
            if other is not None and other.get(key) not in (None, ""):
                lines.append(f"{_key_words(key)}: none")  # an update that emptied the field
            continue
        lines.append(f"{_key_words(key)}: {_value_words(key, value, names)}")
    return lines


def value_texts(values) -> Iterator[str]:
    """Every text in a change row's before or after values (for grading_item_names)."""
    if isinstance(values, str):
        yield values
    elif isinstance(values, dict):
        for value in values.values():
            yield from value_texts(value)
    elif isinstance(values, list):
        for value in values:
            yield from value_texts(value)


def change_rows_names(rows: Iterable) -> dict[str, str]:
    """The tasks and standards that change rows name in their item and values, by code and name,
    for change_row_words (one query for all of them; collect a page's rows first)."""
    return grading_item_names(
        text for row in rows for text in (row.item, *value_texts(row.before), *value_texts(row.after))
    )


def result_rows_names(rows: Iterable) -> dict[str, str]:
    """The tasks and standards that result rows name in their item and detail, by code and name,
    for item_label and detail_in_words (one query for a page's rows)."""
    return grading_item_names(text for row in rows for text in (row.item, row.detail))


def change_row_words(row, names: dict | None = None) -> dict:
    """A change row (ChangeRow or PreviewChange) as the pages show it (``names``: change_rows_names)."""
    both = row.before is not None and row.after is not None
    return {
        "level": LEVEL_LABELS.get(row.level, row.level),
        "school": row.school,
        "calendar": row.calendar,
        "course": row.course,
        "section": row.section,
        "teacher": row.teacher,
        "type": type_label(row.data_type),
        "item": item_label(row.data_type, row.item, names),
        "change": CHANGE_LABELS.get(row.change, row.change),
        "change_code": row.change,
        "before": values_in_words(row.before, row.after if both else None, names),
        "after": values_in_words(row.after, row.before if both else None, names),
    }


REMOVED_DETAIL = "removed; its former values: "


def detail_in_words(detail: str, names: dict | None = None) -> str:
    """A result row's detail; a removed item's former values (JSON in the report file) in words."""
    if detail.startswith(REMOVED_DETAIL):
        try:
            values = json.loads(detail[len(REMOVED_DETAIL) :])
        except ValueError:
            return detail
        if isinstance(values, dict):
            return "Removed. It was: " + "; ".join(values_in_words(values, names=names))
    return refs_in_words(detail, names)


# ---------------------------------------------------------------------------
# A job's status in sentences (the job page and its poll)
# ---------------------------------------------------------------------------

DATE_TIME = "%m/%d/%Y %I:%M %p"  # as the page's Scheduled time reads
DATE_TIME_SECONDS = "%m/%d/%Y %I:%M:%S %p"


def _courses(n: int) -> str:
    return f"{n} course{'' if n == 1 else 's'}"


def job_courses_line(job: PushJob, summary: Summary | None) -> str:
    """How far the job's courses got: changed, unchanged, skipped (Ignore Master Push) and failed
    told apart once its summary is there; while it runs, how many are done so far."""
    if summary is None or job.status == PushJob.PROCESSING:
        if not job.courses_total:
            return ""
        failed = f", {job.courses_failed} failed" if job.courses_failed else ""
        verb = "previewed" if job.is_preview else "done"
        return f"{job.courses_done} of {_courses(job.courses_total)} {verb} so far{failed}."
    changed = "would change" if job.is_preview else "changed"
    counts = (
        f"{summary.courses_changed} {changed}, {summary.courses_unchanged} unchanged, "
        f"{summary.courses_skipped} skipped, {summary.courses_failed} failed"
    )
    counted = summary.courses_changed + summary.courses_unchanged + summary.courses_skipped + summary.courses_failed
    if job.status == PushJob.FAILED and counted < job.courses_total:
        return f"{counted} of {_courses(job.courses_total)} done before the job failed: {counts}."
    return f"{_courses(counted)}: {counts}."


def job_canceled_line(job: PushJob) -> str:
    """When a canceled job was canceled, by whom when known, and how far it had got."""
    when = f" {timezone.localtime(job.finished_at).strftime(DATE_TIME_SECONDS)}" if job.finished_at else ""
    who = f" by {job.canceled_by.get_username()}" if job.canceled_by_id else ""
    # Only a queued job can be canceled, so it has not started; the counters are read all the same.
    if job.courses_done:
        got = f"after {job.courses_done} of {_courses(job.courses_total)} were done"
    else:
        got = "before it started: no course was pushed"
    return f"Canceled{when}{who}, {got}."


def job_restarted_message(job: PushJob, *, now: datetime) -> str:
    """What Restart did: a job keeps a scheduled time still ahead (issue 14), else it runs now."""
    if job.scheduled_for > now:
        when = timezone.localtime(job.scheduled_for).strftime(DATE_TIME)
        return f"Job {job.pk} restarted: it keeps its scheduled time, {when}."
    return f"Job {job.pk} restarted: it is queued to run now."
