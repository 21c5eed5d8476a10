"""What the four push commands share (cli.md): their flags, turning flags into engine options,
and running the push now or submitting it to the batch queue (``--batch``)."""

from __future__ import annotations

import collections
import os
from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.core.management.base import CommandError
from django.utils import timezone

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.progress import command_progress
from catalog.setup_types import COURSE_PUSH_DATA, MASTER_PUSH_DATA
from pushjobs.engine.api import MODES, PUSH, CoursePushOptions, MasterPushOptions, PushOutcome, Summary, UndoOptions
from pushjobs.engine.run import push_run_chunks

from .changes_report import change_rows_csv_lines, change_rows_write_csv, job_change_rows
from .grade_impact import grade_impact_of_changes, grade_impact_write_csv
from .models import PushJob
from .result_report import result_rows_csv_lines, result_rows_write_csv
from .selectors import BATCH_PROCESSING_OFF_MESSAGE, batch_processing_enabled, push_job_result_rows
from .submit import push_job_submit, push_permission_check
from .worker import push_job_run_inline


def data_parse(text: str | None, allowed: tuple[str, ...]) -> frozenset[str]:
    """--data: a comma-separated list of the tool's checkboxes; default all (R32: unknown names refused)."""
    if text is None:
        return frozenset(allowed)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InputError("--data: name at least one data type: " + ", ".join(allowed))
    unknown = [name for name in names if name not in allowed]
    if unknown:
        raise InputError(f'--data: unknown data type "{unknown[0]}"; use: ' + ", ".join(allowed))
    return frozenset(names)


def iso_time_parse(text: str, flag: str = "--at") -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f'{flag}: "{text}" is not an ISO time such as 2026-01-31T22:00') from None


class PushCommand(DistrictCommand):
    """A push tool as a command. Subclasses add their scope flags and build the options."""

    changes_data = True
    data_choices: tuple[str, ...] = ()
    takes_data = True
    takes_report = True
    takes_batch = True
    takes_priority = True
    takes_grade_impact = True

    def add_scope_arguments(self, parser):
        raise NotImplementedError

    def push_options(self, options: dict, data: frozenset[str]):
        raise NotImplementedError

    def add_arguments(self, parser):
        self.add_scope_arguments(parser)
        if self.takes_data:
            parser.add_argument("--data", metavar="LIST", help="comma-separated: " + ",".join(self.data_choices))
        parser.add_argument("--dry-run", action="store_true", help="report what the push would do; write nothing")
        if self.takes_report:
            parser.add_argument("--report", metavar="FILE", help="write the result report (CSV) here")
        parser.add_argument(
            "--changes", metavar="FILE", help="write the change rows (CSV) here; with --dry-run, those it would write"
        )
        if self.takes_grade_impact:
            parser.add_argument(
                "--grade-impact",
                metavar="FILE",
                help="write the students' grades the push moves (CSV) here, when it reaches sections (R82)",
            )
        if self.takes_batch:
            parser.add_argument("--batch", action="store_true", help="submit to the batch queue; print the job id")
            parser.add_argument("--at", metavar="ISO-TIME", help="with --batch: when to run (default: now)")
            if self.takes_priority:
                parser.add_argument("--priority", choices=["normal", "high"], help="with --batch: queue priority")

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        data = data_parse(options.get("data"), self.data_choices) if self.takes_data else frozenset()
        push_options = self.push_options(options, data)
        if options.get("batch"):
            return self._submit(user, push_options, options)
        if options.get("at") or options.get("priority"):
            raise InputError("--at and --priority go with --batch")
        with command_progress(self, options) as progress:
            if options["dry_run"]:
                progress.step("planning the push (dry run)")
                job, summary = None, self._dry_run(user, push_options, options)
            else:
                # A job's report rows are streamed from it to the file, never held (issue 15: a
                # big push reports hundreds of thousands).
                job, outcome = push_job_run_inline(user=user, options=push_options, progress=progress, read_rows=False)
                summary = outcome.summary
        if job is not None:
            self._job_files(job, options)
            self.stderr.write(f"Job {job.pk} {job.status}.")
        self.stdout.write(summary.line())
        if job is not None and job.status == PushJob.FAILED:
            raise CommandError(f"job {job.pk} failed: {job.error}", returncode=1)
        if summary.courses_failed:
            where = f" in {options['report']}" if options.get("report") else ""
            raise CommandError(
                f"{summary.courses_failed} course(s) failed; the result report{where} says why",
                returncode=1,
            )

    def _job_files(self, job: PushJob, options: dict) -> None:
        """The files of a push run now, streamed from what its job stored (R44, R70, R82)."""
        if options.get("report"):
            with open(options["report"], "w", newline="", encoding="utf-8") as out:
                result_rows_write_csv(push_job_result_rows(job=job), out)
        if options.get("changes"):
            with open(options["changes"], "w", newline="", encoding="utf-8") as out:
                change_rows_write_csv(job_change_rows(job=job), out)
        if options.get("grade_impact"):
            with open(options["grade_impact"], "w", newline="", encoding="utf-8") as out:
                grade_impact_write_csv(grade_impact_of_changes(job_change_rows(job=job)), out)

    def _dry_run(self, user, push_options, options: dict) -> Summary:
        """The push planned chunk by chunk, writing nothing (R71): each chunk's result rows and the
        change rows it would write go to the files as the chunk is done and are let go, so a dry
        run of a big push holds one chunk's (issue 15). The grade impact (R82) reads the change
        rows as they pass. A dry run that stops half way leaves no file."""
        push_permission_check(user, push_options)
        summary = Summary()
        with _Files(options) as files:
            report, changes = files.open("report"), files.open("changes")
            chunks = _dry_run_changes(push_run_chunks(push_options, dry_run=True), summary, report, changes)
            impact = grade_impact_of_changes(chunks) if options.get("grade_impact") else None
            collections.deque(chunks, maxlen=0)  # the chunks the impact did not read (all, without it)
            if impact is not None:
                grade_impact_write_csv(impact, files.open("grade_impact"))
        return summary

    def _submit(self, user, push_options, options):
        if options["dry_run"]:
            raise InputError("--dry-run runs at once: leave out --batch")
        if options.get("report"):
            raise InputError("--report is for a push run at once; a batch job's report: job_report ID")
        if options.get("changes"):
            raise InputError("--changes is for a push run at once; a batch job's change log: job_changes ID")
        if options.get("grade_impact"):
            raise InputError("--grade-impact is for a push run at once; a batch job's is in its result report")
        at = iso_time_parse(options["at"]) if options.get("at") else None
        job = push_job_submit(
            user=user, options=push_options, scheduled_for=at, priority=options.get("priority") or "normal"
        )
        if not batch_processing_enabled():
            self.stderr.write(BATCH_PROCESSING_OFF_MESSAGE)
        job.refresh_from_db()  # without a broker (development) it may have run already
        when = timezone.localtime(job.scheduled_for).strftime("%Y-%m-%d %H:%M")
        scheduled = f", scheduled for {when}" if job.status == PushJob.QUEUED else ""
        self.stderr.write(f"Job {job.pk} {job.status}{scheduled}.")
        self.stdout.write(str(job.pk))


class _Files:
    """A dry run's output files, opened before its first chunk and written as it goes; when the
    work stops half way, the files begun are removed rather than left looking whole."""

    def __init__(self, options: dict):
        self.options = options
        self.opened: list[tuple[str, IO[str]]] = []

    def open(self, flag: str) -> IO[str] | None:
        path = self.options.get(flag)
        if not path:
            return None
        out = open(path, "w", newline="", encoding="utf-8")  # closed on leaving the block
        self.opened.append((path, out))
        return out

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        for path, out in self.opened:
            out.close()
            if kind is not None and os.path.isfile(path):
                os.unlink(path)


def _dry_run_changes(chunks: Iterable[PushOutcome], summary: Summary, report: IO[str] | None, changes: IO[str] | None):
    """The change rows of each chunk's outcome, after its rows went to the report and the change
    rows file (each with the header once, first); the summary adds up the chunks'."""
    files = [
        (out, lines, rows)
        for out, lines, rows in ((report, result_rows_csv_lines, "rows"), (changes, change_rows_csv_lines, "changes"))
        if out is not None
    ]
    for out, lines, _rows in files:
        out.write(next(lines(())))  # the header, even when no chunk comes
    for outcome in chunks:
        summary.add(outcome.summary)
        for out, lines, rows in files:
            written = lines(getattr(outcome, rows))
            next(written)  # its header, written once above
            out.writelines(written)
        yield from outcome.changes


class MasterPushCommand(PushCommand):
    data_choices = MASTER_PUSH_DATA
    one_master = False

    def add_scope_arguments(self, parser):
        parser.add_argument("--year", required=True, metavar="Y")
        parser.add_argument("--catalog", required=True, metavar="NAME")
        if self.one_master:
            parser.add_argument("--number", required=True, metavar="N", help="the course master's number")
        parser.add_argument(
            "--calendar",
            action="append",
            default=[],
            metavar="SCHOOL",
            help="a calendar of that year by its school number; may repeat (default: all using the catalog)",
        )
        parser.add_argument("--mode", choices=MODES, default=PUSH)
        parser.add_argument("--to-sections", action="store_true", help="push locked data on to sections too")

    def push_options(self, options, data):
        return MasterPushOptions(
            year=options["year"],
            catalog=options["catalog"],
            calendars=tuple(options["calendar"]),
            master=options["number"] if self.one_master else None,
            mode=options["mode"],
            to_sections=options["to_sections"],
            data=data,
        )


class CoursePushCommand(PushCommand):
    data_choices = COURSE_PUSH_DATA
    one_course = False

    def add_scope_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="NUMBER")
        parser.add_argument("--year", required=True, metavar="Y")
        if self.one_course:
            parser.add_argument("--course", required=True, metavar="NUMBER")
        parser.add_argument("--overwrite-categories", action="store_true")

    def push_options(self, options, data):
        return CoursePushOptions(
            school=options["school"],
            year=options["year"],
            course=options["course"] if self.one_course else None,
            data=data,
            overwrite_categories=options["overwrite_categories"],
        )


class UndoCommand(PushCommand):
    """``undo_push ID``: the undo runs like a push (R73), and prints the same summary line."""

    takes_data = False
    takes_priority = False
    takes_grade_impact = False

    def add_scope_arguments(self, parser):
        parser.add_argument("job_id", type=int, metavar="ID", help="the completed job to undo")

    def push_options(self, options, data):
        return UndoOptions(job=options["job_id"])
