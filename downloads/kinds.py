"""What each kind of prepared download is: who may have it (the same check as its direct download
view), what it is called in words, its file name, and the writer of its bytes (the direct
download's own, so the prepared file is the file the direct download gives).

    download_kind(what).open(user=..., scope=...) -> subject              or Unavailable, in words
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from catalog.errors import InputError
from catalog.large_downloads import GRADE_IMPACT, HISTORY, JOB_CHANGES, JOB_REPORT, REPORT
from catalog.models import User
from history.access import history_require_page_access
from history.display import HOW_LABELS, data_type_label, history_filename, history_write_xlsx
from history.forms import history_filter_form
from history.selectors import COURSE, MASTER, SECTION, HistoryObject, history_rows, history_target
from pushjobs.change_choices import job_change_rows
from pushjobs.changes_report import change_rows_filename, change_rows_write_xlsx
from pushjobs.display import CHANGE_LABELS, type_label
from pushjobs.grade_impact import job_grade_impact_stored
from pushjobs.models import PushJob
from pushjobs.result_report import (
    grade_impact_filename,
    grade_impact_write_xlsx,
    result_report_filename,
    result_report_write_xlsx,
)
from pushjobs.selectors import push_job_for_report, push_job_report_allowed
from pushjobs.ui_selectors import CHANGE_FILTERS, change_rows_filtered, push_job_get
from reports.downloads import report_filename, report_filter_rows, report_xlsx_write
from reports.filters import REPORT_KINDS
from reports.forms import ReportFilterForm
from reports.selectors import report_get, report_reader_school_ids


class Unavailable(Exception):
    """The person may not have this download (``refused``: a 403), or it is not there (a 404)."""

    def __init__(self, words: str, *, refused: bool = False):
        super().__init__(words)
        self.words = words
        self.refused = refused


@dataclass(frozen=True)
class Opened:
    subject: Any
    description: str
    filename: str


class DownloadKind:
    what: str

    def open(self, *, user: User, scope: dict) -> Opened:
        raise NotImplementedError

    def write(self, subject: Any, out: IO[bytes]) -> None:
        raise NotImplementedError


def _job_number(scope: dict) -> int:
    try:
        return int(scope.get("job", ""))
    except ValueError:
        raise Unavailable("No such push job.") from None


def _job_readable(user: User, scope: dict) -> PushJob:
    """As the job's page and its change downloads check (pushjobs.views._job)."""
    job = push_job_get(pk=_job_number(scope))
    if job is None:
        raise Unavailable("That push job no longer exists.")
    if not push_job_report_allowed(user=user, job=job):
        raise Unavailable(
            f"Job {job.pk} is not yours: its submitter, district administrators and administrators of the "
            "schools it touched can open it.",
            refused=True,
        )
    return job


class ReportDownload(DownloadKind):
    what = REPORT

    def open(self, *, user: User, scope: dict) -> Opened:
        kind = scope.get("kind", "")
        if kind not in REPORT_KINDS:
            raise Unavailable("No such report.")
        try:
            school_ids = report_reader_school_ids(user)
            form = ReportFilterForm(QueryDict(scope.get("query", "")), kind=kind, school_ids=school_ids)
            valid = form.is_valid()
        except (PermissionDenied, PermissionError) as error:
            raise Unavailable(str(error), refused=True) from None
        if not valid or form.cleaned_data["filters"] is None:
            raise Unavailable("The report's filters are not complete: open the report and choose them again.")
        report = report_get(filters=form.cleaned_data["filters"])
        words = ", ".join(f"{label} {value}" for label, value in report_filter_rows(report)[1:])
        return Opened(report, f"{report.title} ({words})", report_filename(report, "xlsx"))

    def write(self, subject, out: IO[bytes]) -> None:
        report_xlsx_write(subject, out)


class JobReportDownload(DownloadKind):
    what = JOB_REPORT

    def open(self, *, user: User, scope: dict) -> Opened:
        number = _job_number(scope)
        try:
            job = push_job_for_report(user=user, job_id=number)
        except PermissionError:
            raise Unavailable(
                f"The report of job {number} is for its submitter, district administrators and administrators "
                "of the schools it touched.",
                refused=True,
            ) from None
        except InputError as error:
            raise Unavailable(str(error)) from None
        return Opened(
            job,
            f"The report of push job {job.pk} ({job.get_kind_display()}, {job.year})",
            result_report_filename(job=job, fmt="xlsx"),
        )

    def write(self, subject, out: IO[bytes]) -> None:
        result_report_write_xlsx(job=subject, out=out)


_FILTER_WORDS = {
    "school": ("school", lambda v: v),
    "course": ("course", lambda v: v),
    "data_type": ("data type", type_label),
    "change": ("change", lambda v: CHANGE_LABELS.get(v, v)),
}


class JobChangesDownload(DownloadKind):
    what = JOB_CHANGES

    def open(self, *, user: User, scope: dict) -> Opened:
        job = _job_readable(user, scope)
        query = QueryDict(scope.get("query", ""))
        filters = {name: query[name] for name in CHANGE_FILTERS if query.get(name)}
        what = "would change" if job.is_preview else "changed"
        words = ", ".join(f"{_FILTER_WORDS[n][0]} {_FILTER_WORDS[n][1](v)}" for n, v in filters.items())
        return Opened(
            (job, filters),
            f"What push {'preview' if job.is_preview else 'job'} {job.pk} {what}"
            + (f" ({words})" if words else f" ({job.get_kind_display()}, {job.year})"),
            change_rows_filename(job=job, fmt="xlsx"),
        )

    def write(self, subject, out: IO[bytes]) -> None:
        job, filters = subject
        rows = change_rows_filtered(job_change_rows(job), filters=filters).iterator(chunk_size=2000)
        change_rows_write_xlsx(rows, out, job=job.pk)


class GradeImpactDownload(DownloadKind):
    what = GRADE_IMPACT

    def open(self, *, user: User, scope: dict) -> Opened:
        job = _job_readable(user, scope)
        impact = job_grade_impact_stored(job=job)
        if impact is None:
            raise Unavailable(f"Job {job.pk} has no grade impact to download: it is shown on the job's page.")
        return Opened(
            impact,
            f"The grades push job {job.pk} moved ({job.get_kind_display()}, {job.year})",
            grade_impact_filename(job=job, fmt="xlsx"),
        )

    def write(self, subject, out: IO[bytes]) -> None:
        grade_impact_write_xlsx(subject, out)


def _history_object_words(target: HistoryObject) -> str:
    obj = target.obj
    if target.level == MASTER:
        return f"course master {obj.number} {obj.name}"
    if target.level == COURSE:
        return f"course {obj.number} {obj.name} ({obj.calendar.school}, calendar {obj.calendar.name})"
    return f"section {obj} of {obj.course.number} {obj.course.name} ({obj.course.calendar.school})"


_HISTORY_FILTER_WORDS = {
    "since": ("from", lambda v: v),
    "until": ("to", lambda v: v),
    "how": ("how", lambda v: HOW_LABELS.get(v, v)),
    "who": ("who", lambda v: v),
    "data_type": ("data type", data_type_label),
}


class HistoryDownload(DownloadKind):
    what = HISTORY

    def open(self, *, user: User, scope: dict) -> Opened:
        level, pk = scope.get("kind", ""), scope.get("pk", "")
        target = (
            history_target(level=level, pk=int(pk)) if level in (MASTER, COURSE, SECTION) and pk.isdigit() else None
        )
        if target is None:
            raise Unavailable("That course master, course or section no longer exists.")
        try:
            history_require_page_access(user, target)
        except PermissionDenied as error:
            raise Unavailable(str(error), refused=True) from None
        form = history_filter_form(target=target, data=QueryDict(scope.get("query", "")))
        query = form.query()
        words = ", ".join(f"{_HISTORY_FILTER_WORDS[n][0]} {_HISTORY_FILTER_WORDS[n][1](v)}" for n, v in query.items())
        return Opened(
            (target, form.filters()),
            f"The history of {_history_object_words(target)}" + (f" ({words})" if words else ""),
            history_filename(target, "xlsx"),
        )

    def write(self, subject, out: IO[bytes]) -> None:
        target, filters = subject
        history_write_xlsx(history_rows(target=target, filters=filters).iterator(chunk_size=2000), out)


KINDS: dict[str, DownloadKind] = {
    k.what: k
    for k in (ReportDownload(), JobReportDownload(), JobChangesDownload(), GradeImpactDownload(), HistoryDownload())
}


def download_kind(what: str) -> DownloadKind:
    kind = KINDS.get(what)
    if kind is None:
        raise Unavailable("No such download.")
    return kind
