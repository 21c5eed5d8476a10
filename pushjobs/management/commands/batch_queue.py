"""The Batch Queue List (R43) and what can be done to one job (R41)."""

from datetime import date

from django.utils import timezone

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.limits import date_out_of_range
from pushjobs.jobs import push_job_cancel, push_job_reschedule, push_job_restart
from pushjobs.models import PushJob
from pushjobs.push_commands import iso_time_parse
from pushjobs.selectors import (
    BATCH_PROCESSING_OFF_MESSAGE,
    batch_processing_enabled,
    push_jobs_for_queue_list,
    queue_list_default_window,
)


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
        "cancel ID, reschedule ID --at ISO-TIME, restart ID."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("action", nargs="?", choices=["cancel", "reschedule", "restart"])
        parser.add_argument("job_id", nargs="?", type=int, metavar="ID")
        parser.add_argument("--from", dest="from_date", metavar="DATE", help="first day (default: a week ago)")
        parser.add_argument("--to", dest="to_date", metavar="DATE", help="last day (default: a week from today)")
        parser.add_argument("--at", metavar="ISO-TIME", help="reschedule: the new time")

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        action, job_id = options["action"], options["job_id"]
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
