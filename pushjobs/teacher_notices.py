"""R75: teachers are told. When a job renames, removes, relinks, adopts or locks items in a
teacher's sections, or grays out their grade calc options, the teacher gets one notification for
the job, listing what changed in which section and why. Read from the job's change log (R70) in
one query, written with one insert, however many sections the job touched."""

from __future__ import annotations

import itertools

from catalog.setup_types import SETUP_TYPES_BY_NAME

from .engine.api import options_from_json
from .models import ChangeRow, Notification, PushJob

# The changes a teacher is told about, and why they happened, in words.
TOLD = ("renamed", "removed", "relinked", "adopted", "created", "grayed_out")
MAX_LINES = 100
# Notifications put in per insert: up to MAX_LINES lines each, a batch is a few megabytes of text
# (1,000 of them held 30 MB at the medium district: issue 15).
BATCH = 100


def _label(data_type: str) -> str:
    spec = SETUP_TYPES_BY_NAME.get(data_type)
    return spec.label if spec else data_type.replace("_", " ")


def _why(change: str, label: str, before: dict | None, after: dict | None, *, undone: int | None = None) -> str:
    if undone is not None:
        # An undo puts things back: say so, whatever the row's own change word is.
        if change == "removed":
            return f"taken away again: job {undone}, now undone, had added it"
        if after and after.get("state") == "teacher":
            return f"put back as it was before job {undone}: it is your own again"
        return f"put back as it was before job {undone}"
    if change == "renamed":
        return f'renamed to "{after.get("name")}": the course pushes a {label} with its name'
    if change == "removed":
        if before and before.get("state") == "teacher":
            return "removed: an overwrite push deletes teacher items not in use (no assignments)"
        return "removed: the course no longer has it"
    if change == "relinked":
        return "relinked to the course's item: set to its values and locked"
    if change == "adopted":
        return "adopted: set to the course's values and locked; its assignments stay"
    if change == "created":
        return "added from the course and locked: the course manages it"
    return "grayed out: its task or standard is no longer set up at the course, so nothing is calculated"


def teacher_notifications_create(job: PushJob) -> int:
    """One notification per teacher whose sections the job changed as R75 says; how many.
    The change rows are read teacher by teacher from a cursor, keeping a teacher's first
    MAX_LINES lines and a count (a big push changes millions of section items: issue 15)."""
    rows = (
        ChangeRow.objects.filter(job=job, level="section", teacher_pk__isnull=False, change__in=TOLD)
        .order_by("teacher_pk", "school", "course", "section", "pk")
        .values_list(
            "teacher_pk", "school", "calendar", "course", "section", "data_type", "item", "change", "before", "after"
        )
        .iterator(chunk_size=2000)
    )
    undone = options_from_json(job.options).job if job.kind == PushJob.UNDO else None
    what = f"{job.get_kind_display()}, {job.target} {job.year}"
    made = 0
    notices: list[Notification] = []
    for teacher_pk, group in itertools.groupby(rows, key=lambda row: row[0]):
        told, total = [], 0
        for _teacher, school, calendar, course, section, data_type, item, change, before, after in group:
            total += 1
            if total > MAX_LINES:
                continue
            label = _label(data_type)
            shown = before.get("name", item) if change == "renamed" and before else item
            why = _why(change, label, before, after, undone=undone)
            told.append(f'- {course} section {section} ({school}, {calendar}): {label} "{shown}" {why}')
        text = "\n".join(told)
        more = total - MAX_LINES
        if more > 0:
            text += f"\n… and {more} more: the job's change log lists them all."
        notices.append(
            Notification(user_id=teacher_pk, job=job, message=f"Job {job.pk} ({what}) changed your sections:\n{text}")
        )
        if len(notices) >= BATCH:
            Notification.objects.bulk_create(notices)
            made += len(notices)
            notices = []
    Notification.objects.bulk_create(notices)
    return made + len(notices)
