"""A job's change log (R70): a push, a preview or an undo."""

import io
import sys

from catalog.commands import DistrictCommand
from pushjobs.changes_report import (
    change_rows_csv_lines,
    change_rows_write_csv,
    change_rows_write_xlsx,
    job_change_rows,
)
from pushjobs.selectors import push_job_for_report


class Command(DistrictCommand):
    help = "Write a job's change log: CSV (default) or XLSX, to stdout or --out FILE."
    # --as: the change log is for those who may read the job's report (R44).
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int, metavar="ID")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", metavar="FILE")

    def handle_command(self, *args, **options):
        job = push_job_for_report(user=self.acting_user(options), job_id=options["job_id"])
        out_path = options["out"]
        if options["format"] == "xlsx":
            buffer = io.BytesIO()
            change_rows_write_xlsx(job_change_rows(job=job), buffer)
            if out_path:
                with open(out_path, "wb") as out:
                    out.write(buffer.getvalue())
            else:
                self.stdout.flush()
                sys.stdout.buffer.write(buffer.getvalue())
                sys.stdout.flush()
            return
        if out_path:
            with open(out_path, "w", newline="", encoding="utf-8") as out:
                change_rows_write_csv(job_change_rows(job=job), out)
        else:
            for line in change_rows_csv_lines(job_change_rows(job=job)):
                self.stdout.write(line, ending="")
