"""``import_oneroster PATH --catalog NAME [--delta] [--as USER]`` (cli.md, R91): load a OneRoster
1.1 or 1.2 CSV package, a ZIP or a folder; all or nothing, exit 2 naming file, line and column."""

from django.db import transaction

from catalog.commands import DistrictCommand
from catalog.progress import command_progress
from interop.oneroster.importer import oneroster_import


class Command(DistrictCommand):
    help = (
        "Load a OneRoster 1.1/1.2 CSV package (ZIP or folder). District-owned courses become course masters "
        "in catalog NAME (created if missing); all or nothing. Only district admins may import."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("path", help="the package: a .zip file or a folder of CSV files")
        parser.add_argument("--catalog", required=True, help="the catalog district-owned courses are masters of")
        parser.add_argument("--delta", action="store_true", help="the package is a delta (status, dateLastModified)")

    def handle_command(self, *args, **options):
        # One transaction with the acting user: a refused import leaves not even the system account.
        # Progress on a terminal only (issue 18): the messages below are the same either way.
        with transaction.atomic(), command_progress(self, options) as progress:
            user = self.acting_district_admin(options)
            summary = oneroster_import(
                options["path"], catalog=options["catalog"], delta=options["delta"], user=user, progress=progress
            )
        for warning in summary.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stderr.write(f"imported {options['path']}: {summary.line()}")
