"""``report KIND [--year Y] [--catalog NAME] [--school NUMBER] [--format csv|xlsx] [--out FILE]`` (cli.md).

KIND: residual, course-audit, master-awaiting-push, course-awaiting-push (rules R50-R53).
The same selectors and writers as the report pages' downloads.
"""

import shutil
import sys
import tempfile

from catalog.commands import DistrictCommand
from catalog.errors import InputError
from catalog.permissions import managed_school_ids
from catalog.progress import ProgressCallback, command_progress, counted
from reports.downloads import FORMATS, report_csv_lines, report_csv_write, report_xlsx_write
from reports.filters import REPORT_KINDS, report_filters_resolve
from reports.selectors import report_get


class Command(DistrictCommand):
    help = (
        "Write a report as CSV (default) or XLSX, to stdout or --out FILE. KIND: "
        + ", ".join(REPORT_KINDS)
        + ". master-awaiting-push needs --year and --catalog; course-awaiting-push --year and --school "
        "(its calendar); residual and course-audit --year, optionally narrowed by --catalog and --school."
    )
    # --as: the reader, whose role limits the schools the report covers (a teacher reads none).
    changes_data = True

    def add_arguments(self, parser):
        # KIND and --format are checked here, not by argparse choices, so that a bad value
        # exits 2 with the message naming it however the command is called (R32).
        parser.add_argument("kind", metavar="KIND", help=", ".join(REPORT_KINDS))
        parser.add_argument("--year", metavar="Y")
        parser.add_argument("--catalog", metavar="NAME")
        parser.add_argument("--school", metavar="NUMBER")
        parser.add_argument("--format", default="csv", metavar="csv|xlsx")
        parser.add_argument("--out", metavar="FILE")

    def handle_command(self, *args, **options):
        fmt = options["format"]
        if fmt not in FORMATS:
            raise InputError(f'unknown format "{fmt}" (choose csv or xlsx)')
        user = self.acting_user(options)
        if user.is_teacher:
            raise PermissionError(f"{user.username} is a teacher: reports are for district and school administrators")
        school_ids = managed_school_ids(user)
        filters = report_filters_resolve(
            kind=options["kind"],
            year=options["year"],
            catalog=options["catalog"],
            school=options["school"],
            school_ids=school_ids,
        )
        with command_progress(self, options) as progress:
            report = report_get(filters=filters)
            if progress.enabled:
                report = _Watched(report, f"{options['kind']} report: rows", progress)
            self._write(report, fmt, options["out"])

    def _write(self, report, fmt: str, out_path: str | None) -> None:
        if fmt == "xlsx":
            if out_path:
                report_xlsx_write(report, out_path)
                return
            with tempfile.TemporaryFile() as spool:
                report_xlsx_write(report, spool)
                spool.seek(0)
                self.stdout.flush()
                shutil.copyfileobj(spool, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            return
        if out_path:
            with open(out_path, "w", newline="", encoding="utf-8") as out:
                report_csv_write(report, out)
            return
        for text in report_csv_lines(report):
            self.stdout.write(text, ending="")


class _Watched:
    """The report, telling progress of each row it gives (the rows are computed as they are written)."""

    def __init__(self, report, what: str, progress: ProgressCallback):
        self._report, self._what, self._progress = report, what, progress

    def __getattr__(self, name):
        return getattr(self._report, name)

    def rows(self, *args, **kwargs):
        return counted(self._report.rows(*args, **kwargs), self._what, self._progress)
