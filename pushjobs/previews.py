"""Previews (R71) and the deletion confirmation they carry (R72).

A preview is a job of kind ``preview`` holding the options of the push (or undo) it previews. It
goes through the batch queue at high priority like a Run Now, so the web request only records it;
its chunks are the push's chunks run dry (``pushjobs.engine.push_chunk(..., dry_run=True)``). What
the dry run says it would change is kept as PreviewChange rows, beside the result rows, and not in
the change log: nothing happened, and undo and history read the change log as what did.

A preview remembers when it was computed (its start). It is stale once a push or undo that writes
(any job but a preview) finished a chunk after that, in the same school year, touching one of the
schools the preview covers: those chunks are the only writes to pushed grading setup that the
change log sees; and once a History record (R74) says the scope was changed another way since.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from catalog.models import HistoryRecord, User
from pushjobs import engine
from pushjobs.engine import bulk
from pushjobs.engine.api import OVERWRITE, CoursePushOptions, MasterPushOptions, UndoOptions, options_from_json
from pushjobs.engine.changes import STORED_COLUMNS

from .grade_impact import grade_impact_of_changes
from .messages import tick_request
from .models import PreviewChange, PushJob, PushJobChunk
from .permissions import push_refusal
from .submit import push_job_fields, push_permission_check
from .undo import undo_refusal

PushOptions = MasterPushOptions | CoursePushOptions | UndoOptions

# The item states whose removal R72 names: made at the course, or by a teacher in a section.
LOCAL, TEACHER = "local", "teacher"


def push_job_preview_submit(*, user: User, options: PushOptions) -> PushJob:
    """Queue a preview of ``options`` (R71): due now, high priority, conflicting with nothing (it
    writes nothing, so it neither waits for a push nor holds one up). Refused as the push would be."""
    push_permission_check(user, options)
    engine.push_scope(options)
    described = push_job_fields(options)
    described.update(kind=PushJob.PREVIEW, conflict_keys=[])
    with transaction.atomic():
        job = PushJob.objects.create(
            requested_by=user,
            options=options.to_json(),
            scheduled_for=timezone.now(),
            priority=PushJob.HIGH,
            **described,
        )
        tick_request()
    return job


# A preview's row holds what a change log row holds, less the teacher's id.
PREVIEW_COLUMNS = ("job_id", *(c for c in STORED_COLUMNS if c != "teacher_pk"))
_preview_values = operator.attrgetter(*PREVIEW_COLUMNS[1:])


def preview_changes_write(job_id: int, changes: list) -> None:
    """A preview chunk's would-be change rows (engine ``Change`` objects), one COPY: the values
    ``changes_write`` would store, each row built and its JSON encoded as it is sent. A district's
    first push previews millions of rows; the generic path (a row built, then copied to encode it)
    took a fifth more of this process's time per row (issue 12)."""
    if not changes:
        return
    json = bulk.json_text
    bulk.insert_encoded_rows(
        PreviewChange,
        PREVIEW_COLUMNS,
        (
            (
                job_id,
                level,
                school,
                calendar,
                course,
                section,
                teacher,
                data_type,
                item,
                change,
                None if before is None else json(before),
                None if after is None else json(after),
                course_pk,
                section_pk,
                item_pk,
                json(raw),
            )
            for (
                level,
                school,
                calendar,
                course,
                section,
                teacher,
                data_type,
                item,
                change,
                before,
                after,
                course_pk,
                section_pk,
                item_pk,
                raw,
            ) in map(_preview_values, changes)
        ),
    )


def preview_options(job: PushJob) -> PushOptions:
    return options_from_json(job.options)


def preview_computed_at(job: PushJob):
    return job.started_at or job.created_at


def preview_is_stale(*, job: PushJob) -> bool:
    """A push or undo wrote to this preview's year and schools after the preview was computed, or
    someone changed them another way (a History record, R74: a web form, a command, an import)."""
    if not job.is_finished:
        return False
    if _changed_outside_pushes(job):
        return True
    schools = Q()
    for school_id in job.school_ids:
        schools |= Q(job__school_ids__contains=[school_id])
    if not job.school_ids:
        return False
    return (
        PushJobChunk.objects.filter(
            status=PushJobChunk.DONE, finished_at__gt=preview_computed_at(job), job__year=job.year
        )
        .exclude(job__kind=PushJob.PREVIEW)
        .filter(schools)
        .exists()
    )


def _changed_outside_pushes(job: PushJob) -> bool:
    scope = Q(level=HistoryRecord.DISTRICT) | Q(school_pk__in=job.school_ids, calendar=job.year)
    if job.catalog:  # a master push previewed: its catalog's masters and locks too
        scope |= Q(level__in=[HistoryRecord.MASTER, HistoryRecord.CATALOG], catalog=job.catalog)
    return HistoryRecord.objects.filter(scope, at__gt=preview_computed_at(job)).exists()


@dataclass(frozen=True)
class Deletions:
    """What a push previewed would delete (R72), and whether it must be confirmed first."""

    items: int
    local_items: int
    teacher_items: int
    courses: int
    sections: int
    overwrite: bool

    @property
    def needs_confirmation(self) -> bool:
        return self.overwrite or self.local_items > 0 or self.teacher_items > 0


def push_options_overwrite(options: PushOptions) -> bool:
    """Overwrite mode, or Overwrite Categories: a push that may delete course and teacher items."""
    if isinstance(options, MasterPushOptions):
        return options.mode == OVERWRITE
    if isinstance(options, CoursePushOptions):
        return options.overwrite_categories
    return False


def preview_deletions(*, job: PushJob) -> Deletions:
    """How many items the previewed push removes, in how many courses and sections (one query)."""
    totals = PreviewChange.objects.filter(job=job, change="removed").aggregate(
        items=Count("pk"),
        local_items=Count("pk", filter=Q(level="course", before__state=LOCAL)),
        teacher_items=Count("pk", filter=Q(level="section", before__state=TEACHER)),
        courses=Count("course_pk", distinct=True),
        sections=Count("section_pk", distinct=True),
    )
    return Deletions(overwrite=push_options_overwrite(preview_options(job)), **totals)


def preview_run_refusal(*, user: User, job: PushJob) -> str | None:
    """Why ``user`` may not run the push (or undo) a preview holds now (None: they may)."""
    options = preview_options(job)
    if isinstance(options, UndoOptions):
        undone = PushJob.objects.filter(pk=options.job).first()
        return "the job it undoes is gone" if undone is None else undo_refusal(user, undone)
    return push_refusal(user, options)


def preview_grade_impact(*, job: PushJob):
    """R82: the grades the previewed push would move (sections' in-progress grades, read now), for a
    preview of a push that reaches sections; None otherwise."""
    if not job.to_sections or job.previewed_kind == PushJob.UNDO:
        return None
    rows = PreviewChange.objects.filter(
        job=job, level="section", data_type__in=["categories", "grade_calc_options", "composite_grades"]
    ).only("level", "data_type", "section_pk", "item_pk", "raw")
    return grade_impact_of_changes(rows.iterator())
