"""A finished job's result report, "Get the report" (R44)."""

import io
import sys

from catalog.commands import DistrictCommand
from pushjobs.result_report import result_report_csv_lines, result_report_write_csv, result_report_write_xlsx
from pushjobs.selectors import push_job_for_report


class Command(DistrictCommand):
    help = "Write a finished push job's result report: CSV (default) or XLSX, to stdout or --out FILE."
    # --as: the report is for its submitter, district admins and school admins of its schools.
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int, metavar="ID")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--out", metavar="FILE")

    def handle_command(self, *args, **options):
        job = push_job_for_report(user=self.acting_user(options), job_id=options["job_id"])
        out_path = options["out"]
        if options["format"] == "xlsx":
            if out_path:
                with open(out_path, "wb") as out:
                    result_report_write_xlsx(job=job, out=out)
            else:
                buffer = io.BytesIO()
                result_report_write_xlsx(job=job, out=buffer)
                self.stdout.flush()
                sys.stdout.buffer.write(buffer.getvalue())
                sys.stdout.flush()
            return
        if out_path:
            with open(out_path, "w", newline="", encoding="utf-8") as out:
                result_report_write_csv(job=job, out=out)
        else:
            for line in result_report_csv_lines(job=job):
                self.stdout.write(line, ending="")
