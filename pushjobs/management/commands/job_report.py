"""A finished job's result report, "Get the report" (R44)."""

from catalog.commands import DistrictCommand
from pushjobs.result_report import result_report_csv_lines, result_report_write_xlsx
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
        self.write_csv_or_xlsx(
            options,
            csv_lines=lambda: result_report_csv_lines(job=job),
            write_xlsx=lambda out: result_report_write_xlsx(job=job, out=out),
        )
