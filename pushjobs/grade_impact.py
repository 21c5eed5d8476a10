"""Grade impact (R82, R83): which students' in-progress grades a push moves, from its change rows.

The change rows of a push (R70: ``Change`` from the engine, for a dry run; ``ChangeRow`` from the
log, for an applied job) hold every section setup item's values before and after. The setup
"before" is the stored setup with each changed item's before values (created items left out), the
setup "after" the stored setup with each changed item's after values (removed items left out);
``sections.grades.grade_changes`` computes both in one SQL statement and lists what differs.
Because both sides come from the rows, the same function serves a dry run (before = now) and a
job already applied (after = now), and gives the same answer for both: the result report of an
applied push (R83) carries the impact its preview showed.

An applied push's impact is worked out once, by a follow-up task after the job's end, and stored
with the job (``JobGradeImpact``, ``JobGradeChange``): a first push of a large district moves more
grades than a web request can work out. Its page, downloads, result report and API read what was
stored; a job finished before impacts were stored is worked out as before.

Scores and assignments are read as they are now; no push changes them (R30).
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import itertools
import json
import logging
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from catalog.setup_types import SECTION
from catalog.spreadsheets import csv_writer
from pushjobs.engine.levels import type_level
from sections.grades import (
    SETUP_ANALYZE,
    SETUP_GRADE_COLUMNS,
    SETUP_TABLE,
    SETUP_VALUE_COLUMNS,
    GradeChange,
    GradeImpactSummary,
    MovedGrades,
    PagedGrades,
    grade_changes_store_staged,
    moved_grades_copy_csv,
    moved_grades_drop,
    moved_grades_numbered_sql,
)

from .charts import GradeImpactChart, grade_impact_chart
from .messages import grade_impact_send, runs_in_process
from .models import ChangeRow, JobGradeChange, JobGradeImpact, PreviewChange, PushJob

logger = logging.getLogger(__name__)

GRADE_IMPACT_COLUMNS = (
    "school",
    "calendar",
    "course",
    "section",
    "teacher",
    "student",
    "item",
    "term",
    "before_percent",
    "after_percent",
    "before_letter",
    "after_letter",
    "posted_differs",
)
# The section setup types a grade reads, and the table ``sections.grades`` names each by.
_GRADE_TABLES = {"categories": "cat", "grade_calc_options": "gco", "composite_grades": "comp"}
_TYPE_OF_TABLE = {table: name for name, table in _GRADE_TABLES.items()}


@dataclass
class GradeImpact:
    """The grades a push moves: their summary, and the rows (``MovedGrades``: read from the
    database a page or a few thousand at a time, so a push that moves millions is not held here)."""

    rows: Sequence[GradeChange] = field(default_factory=list)
    summary: GradeImpactSummary = field(default_factory=GradeImpactSummary)
    # The job page's: too many grading items changed to work the grades out while it loads.
    too_large: bool = False
    # The job page's, for a job whose impact a follow-up task stores (JobGradeImpact.state): it is
    # being worked out, or could not be; "" for an impact at hand.
    state: str = ""

    @cached_property
    def chart(self) -> GradeImpactChart | None:
        """The change in percent by bucket and the letter moves, drawn above the table (issue 18)."""
        return grade_impact_chart(self.summary)


# A preview's grade impact is kept with its results for an hour (the page is read again and again
# while a district admin decides): its summary, chart and first rows, what the page shows.
PREVIEW_CACHE_SECONDS = 3600
PREVIEW_ROWS_KEPT = 100


class KeptRows(Sequence):
    """The first rows of a grade impact, as the preview's cache keeps them, and how many there are:
    a page's slice of them; all of them only when they are all kept."""

    def __init__(self, first: list[GradeChange], total: int):
        self._first, self._total = first, total

    def __len__(self) -> int:
        return self._total

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._total)
            if stop > len(self._first) and self._total > len(self._first):
                raise LookupError(f"only the first {len(self._first)} grades of this preview are kept")
            return self._first[start:stop:step]
        return self._first[index]

    def __iter__(self):
        if self._total > len(self._first):
            raise LookupError(f"only the first {len(self._first)} grades of this preview are kept")
        return iter(self._first)

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None


def _kept(key: str, compute, *, too_large=None) -> GradeImpact:
    """The grade impact a page shows (summary, chart, first rows), computed once and kept for an
    hour under ``key``: the statement behind it reads every score of the sections changed.
    ``too_large``: asked when nothing is kept yet; when it says so, nothing is computed."""
    kept = cache.get(key)
    if kept is None:
        if too_large is not None and too_large():
            return GradeImpact(too_large=True)
        impact = compute()
        kept = (impact.summary, list(impact.rows[:PREVIEW_ROWS_KEPT]))
        cache.set(key, kept, PREVIEW_CACHE_SECONDS)
        if isinstance(impact.rows, MovedGrades):
            # What the page shows is kept; the table of rows is not needed after it (a web
            # connection may live on for other requests).
            moved_grades_drop()
    summary, rows = kept
    return GradeImpact(rows=KeptRows(rows, summary.grades), summary=summary)


def grade_impact_of_changes(changes: Iterable) -> GradeImpact:
    """R82: the grades the change rows move (``Change`` or ``ChangeRow``; other rows are ignored).
    Nine queries (sections.grades) whatever the number of sections and students; none when no
    section setup item a grade reads changed."""
    changes = iter(changes)
    first = next(changes, None)
    if first is None:
        return GradeImpact()
    # A preview's stored rows: its impact is computed once and kept with its results.
    changes = itertools.chain([first], changes)
    if not isinstance(first, PreviewChange):
        return _grade_impact(changes)
    return _kept(f"pushjobs:grade-impact:preview:{first.job_id}", lambda: _grade_impact(changes))


@functools.cache
def _grade_positions(table: str) -> tuple[int, tuple[int | None, ...]]:
    """How many values an item of this table has in the change rows, and where each value a grade
    reads (``sections.grades.SETUP_GRADE_COLUMNS``) is among them (None: not there)."""
    fields = type_level(_TYPE_OF_TABLE[table], SECTION).fields
    return len(fields), tuple(fields.index(c) if c in fields else None for c in SETUP_GRADE_COLUMNS[table])


def _grade_values(table: str, values: dict | None) -> tuple | None:
    """An item's values that a grade reads, in ``SETUP_GRADE_COLUMNS`` order, or None. A tuple,
    not a dict: a full push to sections names a hundred thousand items, each held until the end."""
    if values is None:
        return None
    count, positions = _grade_positions(table)
    row = values["values"]
    if len(row) != count:
        raise ValueError(f"{table}: {len(row)} values where {count} are expected")
    return tuple(None if i is None else row[i] for i in positions)


# The change rows a grade reads, staged in PostgreSQL one row per change (its position, the
# item's table and id, its section, and each side's values: ``b_`` before, ``a_`` after).
_STAGED = "grade_impact_staged"
_VALUES = [c for c, _ in SETUP_VALUE_COLUMNS]


def _staged_rows(changes: Iterable):
    """Each change row of a section item a grade reads, as it is staged; an item a dry run would
    create has no id yet: each gets its own negative one."""
    at = {table: [_VALUES.index(c) for c in SETUP_GRADE_COLUMNS[table]] for table in _TYPE_OF_TABLE}
    jsonb = {table: [i for i, c in enumerate(SETUP_GRADE_COLUMNS[table]) if c == "children"] for table in at}
    made = 0
    for seq, c in enumerate(changes):
        if not _reads_grades(c):
            continue
        table = _GRADE_TABLES[c.data_type]
        if c.item_pk is None:
            made += 1
            item_id = -made
        else:
            item_id = c.item_pk
        raw = c.raw or {}
        row = [seq, table, item_id, c.section_pk]
        for side in ("before", "after"):
            values = _grade_values(table, raw.get(side))
            placed = [None] * len(_VALUES)
            if values is not None:
                for i, v in zip(at[table], values, strict=True):
                    placed[i] = v
                for i in jsonb[table]:
                    if values[i] is not None:
                        placed[at[table][i]] = json.dumps(values[i], default=str)
            row += [values is not None, *placed]
        yield row


_STAGED_VALUES = ", ".join(
    f"{p}_{c} {t}" for p in ("b", "a") for c, t in [("present", "boolean"), *SETUP_VALUE_COLUMNS]
)
# The staging table, made with SETUP_TABLE (grade_changes_store_staged's ``staging``).
_STAGING = (
    f"DROP TABLE IF EXISTS pg_temp.{_STAGED}; "
    f"CREATE TEMPORARY TABLE {_STAGED} (seq bigint, tab text, id bigint, section_id bigint, {_STAGED_VALUES})"
)


def _item_setups_sql() -> str:
    """From the staged changes to the two setups: each item's values before its first change and
    after its last; the items whose change moves no grade left out; the rest's stored rows left
    out of both sides (``dropped``) and their values put in on each side that has the item."""
    b = ", ".join(f"f.b_{c}" for c in _VALUES)
    a = ", ".join(f"l.a_{c}" for c in _VALUES)
    return f"""INSERT INTO pg_temp.{SETUP_TABLE} (side, tab, dropped, id, section_id, {", ".join(_VALUES)})
WITH item AS MATERIALIZED (
    SELECT f.tab, f.id, f.section_id, f.b_present, l.a_present, {b}, {a}
    FROM (SELECT DISTINCT ON (tab, id) * FROM pg_temp.{_STAGED} ORDER BY tab, id, seq) f
    JOIN (SELECT DISTINCT ON (tab, id) * FROM pg_temp.{_STAGED} ORDER BY tab, id, seq DESC) l USING (tab, id)
    -- changed, but in nothing a grade reads (a state, a source, a name): no grade moves
    WHERE NOT (f.id > 0 AND f.b_present AND l.a_present AND ROW({b}) IS NOT DISTINCT FROM ROW({a}))
    -- a category made or removed has no assignment (one in use cannot be removed), and a
    -- category without counted assignments weighs nothing (R81): no grade moves
      AND NOT (f.tab = 'cat' AND NOT (f.b_present AND l.a_present))
)
SELECT s.side, tab, true, id, NULL, {", ".join("NULL" for _ in _VALUES)}
FROM item CROSS JOIN (VALUES ('b'), ('a')) AS s(side) WHERE id > 0
UNION ALL SELECT 'b', tab, false, id, section_id, {", ".join(f"b_{c}" for c in _VALUES)} FROM item WHERE b_present
UNION ALL SELECT 'a', tab, false, id, section_id, {", ".join(f"a_{c}" for c in _VALUES)} FROM item WHERE a_present"""


def _stage(changes: Iterable):
    """The ``stage`` of ``grade_changes_store_staged`` (three queries): the change rows written to
    a temporary file as they are read, then copied into ``_STAGED``, and the two setups worked out
    from them in PostgreSQL, with the sections they touch. Nothing of them is kept in this process:
    a first push to sections changes a million items, which held here took 750 MB (make bench,
    issue 15). A file, not a COPY fed as the rows are read: the rows may come from this
    connection (a job's change log read in chunks, a dry run planning chunk after chunk), which a
    COPY holds until it ends."""

    def stage(cursor) -> list[int]:
        with tempfile.TemporaryFile() as spool:
            text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
            # QUOTE_NOTNULL: None is an empty field, which COPY's CSV reads as NULL; "" stays text.
            csv.writer(text, quoting=csv.QUOTE_NOTNULL).writerows(_staged_rows(changes))
            text.flush()
            spool.seek(0)
            columns = ", ".join(f"{p}_{c}" for p in ("b", "a") for c in ("present", *_VALUES))
            copy_sql = f"COPY pg_temp.{_STAGED} (seq, tab, id, section_id, {columns}) FROM STDIN (FORMAT csv)"
            with cursor.copy(copy_sql) as copy:
                while block := spool.read(1 << 20):
                    copy.write(block)
            text.detach()
        cursor.execute(
            f"{_item_setups_sql()}; DROP TABLE pg_temp.{_STAGED}; {SETUP_ANALYZE}; "
            "SELECT COALESCE(array_agg(DISTINCT section_id ORDER BY section_id), '{}') "
            f"FROM pg_temp.{SETUP_TABLE} WHERE NOT dropped"
        )
        while cursor.description is None and cursor.nextset():  # the statements before the SELECT
            pass
        return cursor.fetchone()[0]

    return stage


def _reads_grades(change) -> bool:
    """A change of a section's item that a grade reads."""
    return change.level == SECTION and change.data_type in _GRADE_TABLES and change.section_pk is not None


def _grade_impact(changes: Iterable) -> GradeImpact:
    changes = iter(changes)
    first = next((c for c in changes if _reads_grades(c)), None)
    if first is None:
        return GradeImpact()  # no query: nothing a grade reads changed
    changes = itertools.chain([first], changes)
    summary = grade_changes_store_staged(_stage(changes), staging=_STAGING)
    if summary is None:
        return GradeImpact()
    return GradeImpact(rows=MovedGrades(summary.grades), summary=summary)


def job_grade_impact(*, job: PushJob) -> GradeImpact:
    """R83: the grade impact of an applied push, from its change log (empty for a job that did not
    reach sections)."""
    if not job.to_sections:
        return GradeImpact()
    rows = _job_grade_rows(job).only("level", "data_type", "section_pk", "item_pk", "raw")
    return grade_impact_of_changes(rows.iterator())


def _job_grade_rows(job: PushJob):
    """The job's change rows of section items a grade reads."""
    return ChangeRow.objects.filter(job=job, level=SECTION, data_type__in=list(_GRADE_TABLES))


# The job page works out an applied push's grade impact while it loads only up to this many
# changed section grading items (one query reads at most one more row of the job's index): a first
# push of a 200-school district changes about 1.4 million, and working out their grades took
# minutes and over a gigabyte in one web request.
JOB_PAGE_GRADE_ITEMS = 20_000


def _has_job_impact(job: PushJob) -> bool:
    """An applied push that reached sections and ran: the jobs with a grade impact of their own
    (an undo puts back what its job did; a preview's impact is kept with its results)."""
    return (
        job.to_sections
        and job.kind not in (PushJob.UNDO, PushJob.PREVIEW)
        and job.status in (PushJob.COMPLETED, PushJob.FAILED)
    )


def job_grade_impact_shown(*, job: PushJob) -> GradeImpact | None:
    """R83: what an applied push that reached sections moved, as its job page shows it: the impact
    stored at the job's end, or that it is being worked out (or could not be); for a job finished
    before impacts were stored, worked out while the page opens (up to JOB_PAGE_GRADE_ITEMS) and
    kept as a preview's is. None for a job that did not reach sections, an undo, or a job that
    never ran."""
    if not _has_job_impact(job):
        return None
    recorded = _recorded(job)
    if recorded is not None:
        return recorded
    return _kept(
        f"pushjobs:grade-impact:job:{job.pk}",
        lambda: job_grade_impact(job=job),
        too_large=lambda: _too_large_for_the_page(job),
    )


def _too_large_for_the_page(job: PushJob) -> bool:
    """More changed section grading items than JOB_PAGE_GRADE_ITEMS (one probe of the job's index)."""
    return _job_grade_rows(job)[JOB_PAGE_GRADE_ITEMS : JOB_PAGE_GRADE_ITEMS + 1].exists()


# ---------------------------------------------------------------------------
# R83, any size: worked out once after the job's end and stored with it
# ---------------------------------------------------------------------------


def job_grade_impact_stored(*, job: PushJob) -> GradeImpact | None:
    """The grade impact stored for this job at its end, or None (none stored, or not yet done)."""
    record = JobGradeImpact.objects.filter(job=job, state=JobGradeImpact.DONE).first()
    return None if record is None else _stored(record)


def job_grade_impact_for_report(*, job: PushJob) -> GradeImpact:
    """R83 for the result report and the API: the stored impact when there is one; while the
    follow-up task works it out (or after it failed), only that state, as the job page says it: a
    download never works the same grades out a second time in the web request. For a job with none
    stored (finished before impacts were, or a push command run in the foreground), worked out from
    the change log now, up to what the job page would work out while it opens: a larger one is
    ``too_large``, as on the page, which offers to work it out in the background (issue 15: worked
    out in the download, the large district's full push took 728 MB and 102 s)."""
    recorded = _recorded(job)
    if recorded is not None:
        return recorded
    if _too_large_for_the_page(job):
        return GradeImpact(too_large=True)
    return job_grade_impact(job=job)


def _recorded(job: PushJob) -> GradeImpact | None:
    """The impact stored for the job, or only its state while it is worked out (or after it failed);
    None for a job whose impact was never asked for."""
    record = JobGradeImpact.objects.filter(job=job).first()
    if record is None:
        return None
    return _stored(record) if record.state == JobGradeImpact.DONE else GradeImpact(state=record.state)


def _stored(record: JobGradeImpact) -> GradeImpact:
    data = record.summary
    summary = GradeImpactSummary(
        **{
            **data,
            "buckets": [tuple(b) for b in data.get("buckets", [])],
            "letter_moves": [tuple(m) for m in data.get("letter_moves", [])],
        }
    )
    return GradeImpact(rows=StoredGradeRows(record.job_id, summary.grades), summary=summary)


_GRADE_CHANGE_FIELDS = tuple(f.name for f in dataclasses.fields(GradeChange))


class StoredGradeRows(PagedGrades):
    """A job's stored grade changes in order: a slice is one query, a loop reads them 2,000 at a time."""

    def __init__(self, job_id: int, count: int):
        super().__init__(count)
        self._job_id = job_id

    def _rows(self):
        return (
            JobGradeChange.objects.filter(job_id=self._job_id).order_by("position").values_list(*_GRADE_CHANGE_FIELDS)
        )

    def _page(self, start: int, stop: int) -> list[GradeChange]:
        return [GradeChange(*row) for row in self._rows()[start:stop]]

    def __iter__(self):
        for row in self._rows().iterator(chunk_size=2000):
            yield GradeChange(*row)

    def __eq__(self, other) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None


def job_grade_impact_request(job: PushJob, *, asked: bool = False) -> bool:
    """At the end of an applied push that reached sections (completed, or failed after some of its
    courses were pushed): its grade impact is marked as being worked out, and the follow-up task
    that works it out (``job_grade_impact_store``) is sent when this transaction commits. True when
    it was asked for. ``asked``: from the job's page, for a job that has none (or whose work failed).

    With a broker the task waits ``settings.BATCH_TICK_SECONDS`` and for the queue's pushes
    (``pushjobs.tasks``), at any size. In process (no broker) it runs at once, after the job is
    marked completed, in the process that ended the job, so only up to what the job page would
    work out while it opens (JOB_PAGE_GRADE_ITEMS), and never for a push command without --batch:
    a foreground push must not take longer for it (docs/decisions.md). Their pages ask instead."""
    if not _has_job_impact(job) or (job.status == PushJob.FAILED and not job.courses_done):
        return False
    if not asked and runs_in_process() and (job.inline or _too_large_for_the_page(job)):
        return False
    JobGradeImpact.objects.update_or_create(
        job=job,
        defaults={
            "state": JobGradeImpact.WORKING,
            "summary": {},
            "error": "",
            "requested_at": timezone.now(),
            "finished_at": None,
        },
    )
    grade_impact_send(job.pk, countdown=None if asked else settings.BATCH_TICK_SECONDS)
    return True


def job_grade_impact_store(*, job_id: int) -> bool:
    """The follow-up task's work: the job's grade impact from its change log, stored once, its rows
    written by PostgreSQL from the table ``grade_changes_store`` fills (nothing of them held here),
    its summary and state beside them. False: nothing to do (done, or another worker has it).

    Exactly once in effect: the record stays locked while the impact is worked out, so a message
    delivered twice finds it locked (and leaves it) or done; the rows, summary and state are
    written in one transaction, so a worker that dies leaves it as being worked out, and its
    message (acknowledged late) comes back to another. An error is stored as the reason it failed."""
    with transaction.atomic():
        record = (
            JobGradeImpact.objects.select_for_update(skip_locked=True)
            .filter(job_id=job_id, state=JobGradeImpact.WORKING)
            .first()
        )
        if record is None:
            return False
        try:
            with transaction.atomic():
                impact = job_grade_impact(job=PushJob.objects.get(pk=job_id))
                _grade_changes_write(job_id, impact)
        except Exception as error:
            logger.exception("the grade impact of job %s could not be worked out", job_id)
            record.state, record.error = JobGradeImpact.FAILED, f"{type(error).__name__}: {error}"
        else:
            record.state, record.summary = JobGradeImpact.DONE, dataclasses.asdict(impact.summary)
        finally:
            moved_grades_drop()  # its rows are stored; the connection lives on for other tasks
        record.finished_at = timezone.now()
        record.save(update_fields=["state", "summary", "error", "finished_at"])
    return True


def _grade_changes_write(job_id: int, impact: GradeImpact) -> None:
    """The impact's rows as the job's JobGradeChange rows (any written before: a restarted job's)."""
    JobGradeChange.objects.filter(job_id=job_id).delete()
    if not isinstance(impact.rows, MovedGrades) or not len(impact.rows):
        return
    columns, select = moved_grades_numbered_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {JobGradeChange._meta.db_table} (job_id, {columns}) SELECT %s, {columns} FROM ({select}) g",
            [job_id],
        )


def _percent(value) -> str:
    return "" if value is None else str(value)


def grade_impact_values(row: GradeChange) -> list:
    """A row as cli.md's grade impact CSV prints it."""
    return [
        row.school,
        row.calendar,
        row.course,
        row.section,
        row.teacher,
        row.student,
        row.item,
        row.term,
        _percent(row.before_percent),
        _percent(row.after_percent),
        row.before_letter,
        row.after_letter,
        "true" if row.posted_differs else "false",
    ]


def grade_impact_write_csv(impact: GradeImpact, out: IO[str]) -> None:
    """The grade impact CSV (cli.md): a header row, a row per moved grade; formulas neutralised.
    Written by PostgreSQL from the impact's rows as they are stored (one query)."""
    if isinstance(impact.rows, MovedGrades):
        moved_grades_copy_csv(out, GRADE_IMPACT_COLUMNS)
        return
    writer = csv_writer(out)
    writer.writerow(GRADE_IMPACT_COLUMNS)
    for row in impact.rows:
        writer.writerow(grade_impact_values(row))
