"""Recording History (R74): every change to grading setup, course attributes, catalog locks,
master links and Ignore Master Push made outside a push, as HistoryRecord rows.

The services of every level (they are the one place pages and commands change data) call
``history_record`` inside their own transaction, so a record exists exactly when its change
does. Who is the service's ``user``. How is not threaded through every signature: it is a
context variable, set by ``HistoryHowMiddleware`` for a web request, by
``catalog.commands.DistrictCommand`` for a command, and by the importers for an import, which
write one record for the whole file (``history_import_record``) and none per row.

Pushes and undos write nothing here: their change log (pushjobs.ChangeRow) is their record
(R70), and the History pages read it beside these rows. Values are in the change log's form
(field names, references as the district names them, decimals as text), so both read alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path

from django.db import models
from django.utils import timezone

from .models import AssessmentTest, CourseCatalog, GradingItem, GradingScale, HistoryRecord, User
from .setup_types import COURSE_ATTRIBUTES, SetupType

WEB, COMMAND, IMPORT, OTHER = HistoryRecord.WEB, HistoryRecord.COMMAND, HistoryRecord.IMPORT, HistoryRecord.OTHER
CREATED, UPDATED, REMOVED = "created", "updated", "removed"
# A course linked to a master, unlinked from it, or moved to another.
MASTER_LINKED, MASTER_UNLINKED, MASTER_RELINKED, IMPORTED = "linked", "unlinked", "relinked", "imported"
# data_type of the records that are not about a setup item.
COURSE_INFO, LOCKS, MASTER_LINK, IGNORE_MASTER_PUSH, IMPORT_DATA = (
    "course_info",
    "locks",
    "master_link",
    "ignore_master_push",
    "import",
)

_how: ContextVar[str | None] = ContextVar("history_how", default=None)


@contextmanager
def history_how(how: str) -> Iterator[None]:
    """Inside: changes are recorded as made by ``how`` (web, command, import)."""
    token = _how.set(how)
    try:
        yield
    finally:
        _how.reset(token)


def history_how_now() -> str:
    return _how.get() or OTHER


class HistoryHowMiddleware:
    """A web request's changes are made by a web form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with history_how(WEB):
            return self.get_response(request)


# ---------------------------------------------------------------------------
# The object a record is about, in words as it is now
# ---------------------------------------------------------------------------


def _catalog_where(catalog: CourseCatalog | None) -> dict:
    return {"catalog": catalog.name if catalog else "", "catalog_pk": catalog.pk if catalog else None}


def _where(level: str, obj) -> dict:
    """The record's object columns for a catalog, master, course or section."""
    if level == HistoryRecord.CATALOG:
        return {"object_pk": obj.pk, **_catalog_where(obj)}
    if level == HistoryRecord.MASTER:
        return {"object_pk": obj.pk, "master": obj.number, "name": obj.name, **_catalog_where(obj.catalog)}
    course = obj.course if level == HistoryRecord.SECTION else obj
    calendar = course.calendar
    school = calendar.school
    return {
        "object_pk": obj.pk,
        "school": f"{school.number} {school.name}",
        "school_pk": school.pk,
        "calendar": calendar.year.name,
        "course": course.number,
        "name": course.name,
        "section": obj.number if level == HistoryRecord.SECTION else "",
        **_catalog_where(school.catalog),
    }


# ---------------------------------------------------------------------------
# Values, in the change log's form
# ---------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, GradingItem):
        return value.ref
    if isinstance(value, AssessmentTest):
        return value.code
    if isinstance(value, GradingScale):
        return value.name
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def setup_item_values(*, setup_type: SetupType, item) -> dict:
    """An item's key and payload fields (and its state, where its level has one) as JSON."""
    out = {}
    for name in setup_type.key_fields + setup_type.payload_fields:
        field = item._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            value = getattr(item, name) if getattr(item, field.attname) is not None else None
        else:
            value = getattr(item, name)
        out[name] = _plain(value)
    if hasattr(item, "state"):
        out["state"] = item.state
    return out


def setup_item_key(*, setup_type: SetupType, item) -> str:
    """The item's key as the change log words it: ``Homework``, ``task:S1``, ``task:Q1G Q1``."""
    parts = []
    for name in setup_type.key_fields:
        value = _plain(getattr(item, name))
        parts.append(str(value))
    return " ".join(parts)


def attributes_values(obj, names) -> dict:
    return {name: _plain(getattr(obj, name)) for name in names}


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def history_suppressed() -> bool:
    """An import records itself once; the changes it makes row by row are not recorded."""
    return _how.get() == IMPORT


def history_record_build(
    *,
    user: User | None,
    level: str,
    obj,
    data_type: str,
    item: str = "",
    change: str,
    before: dict | None = None,
    after: dict | None = None,
    at=None,
) -> HistoryRecord:
    return HistoryRecord(
        at=at or timezone.now(),
        user=user if user is not None and user.pk else None,
        username=user.username if user is not None else "",
        how=history_how_now(),
        level=level,
        data_type=data_type,
        item=item,
        change=change,
        before=before,
        after=after,
        **_where(level, obj),
    )


def history_record(**kwargs) -> HistoryRecord | None:
    """Record one change (call it inside the change's transaction); nothing during an import."""
    if history_suppressed():
        return None
    record = history_record_build(**kwargs)
    record.save()
    return record


def history_records_write(records: list[HistoryRecord]) -> None:
    """Record many changes with one statement (a service that changes many rows)."""
    if records and not history_suppressed():
        HistoryRecord.objects.bulk_create(records, batch_size=2000)


def history_setup_item(
    *, user: User, level: str, owner, setup_type: SetupType, item, change: str, before: dict | None = None
) -> HistoryRecord | None:
    """A setup item of a master, course or section created, updated (``before``: its values
    before, from ``setup_item_values``) or removed (call before the delete)."""
    if history_suppressed():
        return None
    record = history_setup_item_build(
        user=user, level=level, owner=owner, setup_type=setup_type, item=item, change=change, before=before
    )
    record.save()
    return record


def history_attributes(*, user: User, level: str, obj, before: dict, names: list[str]) -> None:
    """Course attributes of a master or course changed: one record per attribute, one statement."""
    if not names or history_suppressed():
        return
    at = timezone.now()
    history_records_write(
        [
            history_record_build(
                user=user,
                level=level,
                obj=obj,
                data_type=COURSE_INFO,
                item=name,
                change=UPDATED,
                before={name: before[name]},
                after={name: _plain(getattr(obj, name))},
                at=at,
            )
            for name in names
        ]
    )


# The change log's words for a deletion a course remembers (R9), read alike on the History tab.
REMEMBERED_DELETION = "remembered deletion"


def setup_item_relations(setup_type: SetupType) -> list[str]:
    """The foreign keys among the type's key and payload fields (a task, a test, a scale): load
    them with the items (``select_related``) and ``setup_item_values`` reads no row per item."""
    model = setup_type.model(setup_type.levels[0])
    return [
        name
        for name in setup_type.key_fields + setup_type.payload_fields
        if isinstance(model._meta.get_field(name), models.ForeignKey)
    ]


def setup_items_loaded(queryset, setup_type: SetupType):
    """``queryset`` of the type's items with the tasks, tests and scales they name loaded."""
    relations = setup_item_relations(setup_type)
    return queryset.select_related(*relations) if relations else queryset


def history_setup_item_build(
    *, user: User, level: str, owner, setup_type: SetupType, item, change: str, before: dict | None = None, at=None
) -> HistoryRecord:
    """The record ``history_setup_item`` writes, unsaved: a service that changes many items
    collects them and writes them with ``history_records_write`` in one statement."""
    values = setup_item_values(setup_type=setup_type, item=item)
    return history_record_build(
        user=user,
        level=level,
        obj=owner,
        data_type=setup_type.name,
        item=setup_item_key(setup_type=setup_type, item=item),
        change=change,
        before=values if change == REMOVED else before,
        after=None if change == REMOVED else values,
        at=at,
    )


def history_course_created_build(*, user: User, level: str, obj, master_number: str | None = None, at=None):
    """The records of a master or course made whole (a copy, a roll forward), unsaved: its
    attributes, and for a course its link to a master, Ignore Master Push and the deletions it
    remembers, each as the service that sets it alone records it."""
    records = [
        history_record_build(
            user=user,
            level=level,
            obj=obj,
            data_type=COURSE_INFO,
            change=CREATED,
            after=attributes_values(obj, COURSE_ATTRIBUTES),
            at=at,
        )
    ]
    if level != HistoryRecord.COURSE:
        return records
    if master_number is not None:
        records.append(
            history_record_build(
                user=user,
                level=level,
                obj=obj,
                data_type=MASTER_LINK,
                change=MASTER_LINKED,
                before={"master": None},
                after={"master": master_number},
                at=at,
            )
        )
    if obj.ignore_master_push:
        records.append(
            history_record_build(
                user=user,
                level=level,
                obj=obj,
                data_type=IGNORE_MASTER_PUSH,
                change=CREATED,
                after={"ignore_master_push": True},
                at=at,
            )
        )
    return records + history_remembered_deletions_build(user=user, course=obj, forgotten=False, at=at)


def history_remembered_deletions_build(*, user: User, course, forgotten: bool, at=None) -> list[HistoryRecord]:
    """The records of the deletions a course remembers (R9), unsaved: made with it (a copy, a roll
    forward) or, ``forgotten``, dropped when its link changes."""
    remembered = {"remembered_deletion": True}
    before, after = (remembered, {"remembered_deletion": False}) if forgotten else (None, remembered)
    return [
        history_record_build(
            user=user,
            level=HistoryRecord.COURSE,
            obj=course,
            data_type=name,
            item=REMEMBERED_DELETION,
            change=UPDATED if forgotten else CREATED,
            before=before,
            after=after,
            at=at,
        )
        for name in course.desynced_types
    ]


def setup_item_copied(original, fields: list[str], relations: list[str], **owner):
    """A new item with ``original``'s ``fields`` under ``owner`` (a copy, a roll forward). The tasks,
    tests and scales it names (``relations``, loaded with ``setup_items_loaded``) are
    ``original``'s, so its History record reads them without a query per item."""
    item = type(original)(**owner, **{f: getattr(original, f) for f in fields})
    for name in relations:
        setattr(item, name, getattr(original, name))
    return item


def file_digest(path) -> str:
    """The SHA-256 of a file, or of a folder's files in name order (a OneRoster or Ed-Fi folder)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        if path.is_dir():
            digest.update(str(file.relative_to(path)).encode() + b"\0")
        with open(file, "rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def history_import_record(*, user: User | None, kind: str, file_name: str, digest: str, counts: dict) -> HistoryRecord:
    """One record for a whole import (R74): who, when, the file's name and digest, counts per kind.
    It is about the district (every History page shows it): an import may touch any object."""
    record = HistoryRecord(
        at=timezone.now(),
        user=user if user is not None and user.pk else None,
        username=user.username if user is not None else "",
        how=IMPORT,
        level=HistoryRecord.DISTRICT,
        data_type=IMPORT_DATA,
        item=Path(file_name).name,
        change=IMPORTED,
        detail={"kind": kind, "file": str(file_name), "sha256": digest, "counts": counts},
    )
    record.save()
    return record
