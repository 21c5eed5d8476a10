"""The Batch Queue List (R43) and what can be done to one job (R41)."""

import argparse
import time
from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.limits import date_out_of_range
from catalog.progress import command_progress
from pushjobs.models import PushJob
from pushjobs.push_commands import iso_time_parse
from pushjobs.selectors import (
    BATCH_PROCESSING_OFF_MESSAGE,
    batch_processing_enabled,
    push_job_detail,
    push_jobs_for_queue_list,
    queue_list_default_window,
)
from pushjobs.submit import push_job_cancel, push_job_reschedule, push_job_restart


def _date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f'{flag}: "{text}" is not a date such as 2026-01-31') from None
    problem = date_out_of_range(day, f"{flag}:")
    if problem:
        raise InputError(problem)
    return day


def job_line(job: PushJob) -> str:
    """One job, its id first, then the list's columns (R43), tab-separated."""
    counts = f"{job.courses_done}/{job.courses_total} courses, {job.courses_failed} failed"
    return "\t".join(
        [
            str(job.pk),
            timezone.localtime(job.scheduled_for).strftime("%Y-%m-%d %H:%M"),
            job.get_kind_display(),
            job.target,
            job.year,
            job.status,
            job.mode,
            "to sections: " + ("yes" if job.to_sections else "no"),
            job.data_display,
            job.requested_by.get_username(),
            counts,
            "report: yes" if job.status in (PushJob.COMPLETED, PushJob.FAILED) else "report: no",
        ]
    )


class Command(DistrictCommand):
    help = (
        "Print the Batch Queue List, one job a line, its id first; or act on one job: "
        "cancel ID, reschedule ID --at ISO-TIME, restart ID; or follow one job until it ends: --watch ID."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["cancel", "reschedule", "restart"])
        parser.add_argument("job_id", nargs="?", type=int, metavar="ID")
        parser.add_argument("--from", dest="from_date", metavar="DATE", help="first day (default: a week ago)")
        parser.add_argument("--to", dest="to_date", metavar="DATE", help="last day (default: a week from today)")
        parser.add_argument("--at", metavar="ISO-TIME", help="reschedule: the new time")
        parser.add_argument(
            "--watch",
            type=int,
            metavar="ID",
            help="follow one job until it ends: its line again at each change; exit 0 completed, 1 otherwise",
        )
        parser.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        action, job_id = options["action"], options["job_id"]
        if options["watch"] is not None:
            if action or job_id is not None or options["at"] or options["from_date"] or options["to_date"]:
                raise InputError("--watch ID goes alone")
            return self._watch(user, options["watch"], options)
        if action is None:
            if job_id is not None or options["at"]:
                raise InputError("a job id or --at goes with cancel, reschedule or restart")
            return self._list(user, options)
        if job_id is None:
            raise InputError(f"{action}: which job? batch_queue {action} ID")
        if options["from_date"] or options["to_date"]:
            raise InputError("--from and --to are for the list")
        if action == "reschedule":
            if not options["at"]:
                raise InputError("reschedule: say when with --at ISO-TIME")
            job = push_job_reschedule(user=user, job_id=job_id, scheduled_for=iso_time_parse(options["at"]))
        elif options["at"]:
            raise InputError("--at goes with reschedule")
        elif action == "cancel":
            job = push_job_cancel(user=user, job_id=job_id)
        else:
            job = push_job_restart(user=user, job_id=job_id)
        if not batch_processing_enabled() and job.status == PushJob.QUEUED:
            self.stderr.write(BATCH_PROCESSING_OFF_MESSAGE)
        self.stdout.write(job_line(job))

    def _list(self, user, options):
        start, end = _date(options["from_date"], "--from"), _date(options["to_date"], "--to")
        default_start, default_end = queue_list_default_window()
        start, end = start or default_start, end or default_end
        if not batch_processing_enabled():
            self.stderr.write(BATCH_PROCESSING_OFF_MESSAGE)
        jobs = push_jobs_for_queue_list(user=user, start=start, end=end)
        if not jobs:
            self.stderr.write(f"No jobs scheduled between {start} and {end}.")
        for job in jobs:
            self.stdout.write(job_line(job))

    def _watch(self, user, job_id: int, options) -> None:
        """Poll the job's row (the truth, not the queue) and tell each change until the job is finished."""
        job = push_job_detail(user=user, job_id=job_id)
        seen = None
        with command_progress(self, options) as progress:
            while True:
                state = (job.status, job.courses_done, job.courses_total, job.courses_failed)
                if state != seen:
                    seen = state
                    self.stdout.write(job_line(job))
                    progress(
                        f"job {job.pk} {job.get_kind_display()}: courses", job.courses_done, job.courses_total or None
                    )
                if job.is_finished:
                    break
                time.sleep(options["interval"])
                job = PushJob.objects.select_related("requested_by").filter(pk=job_id).first()
                if job is None:
                    raise CommandError(f"job {job_id} is gone (an import replaced the district)", returncode=1)
        if job.status != PushJob.COMPLETED:
            raise CommandError(f"job {job.pk} {job.status}{': ' + job.error if job.error else ''}", returncode=1)
        if job.courses_failed:
            raise CommandError(
                f"job {job.pk}: {job.courses_failed} course(s) failed; job_report {job.pk} says why", returncode=1
            )
