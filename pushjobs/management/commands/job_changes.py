"""A job's change log (R70): a push, a preview or an undo."""

from catalog.commands import DistrictCommand
from pushjobs.changes_report import change_rows_csv_lines, change_rows_write_xlsx, job_change_rows
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
        self.write_csv_or_xlsx(
            options,
            csv_lines=lambda: change_rows_csv_lines(job_change_rows(job=job)),
            write_xlsx=lambda out: change_rows_write_xlsx(job_change_rows(job=job), out),
        )
