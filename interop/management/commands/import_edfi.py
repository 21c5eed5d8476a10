"""``import_edfi DIR --catalog NAME [--create-masters] [--as USER]`` (cli.md, R93): load Ed-Fi 5.x
interchange XML files from DIR, all or nothing; exit 2 naming the file, line and element."""

from django.db import transaction

from catalog.commands import DistrictCommand
from catalog.progress import command_progress
from interop.edfi import edfi_import


class Command(DistrictCommand):
    help = (
        "Load Ed-Fi 5.x interchange XML (EducationOrganization, EducationOrgCalendar, MasterSchedule, "
        "StudentGradebook, Standards) from DIR; LEA courses become masters in catalog NAME. Only district admins."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("dir", help="the folder of interchange XML files")
        parser.add_argument("--catalog", required=True, help="the catalog the LEA's courses are masters of")
        parser.add_argument("--create-masters", action="store_true", help="make masters of courses defined by a school")

    def handle_command(self, *args, **options):
        # Progress on a terminal only (issue 18): the messages below are the same either way.
        with transaction.atomic(), command_progress(self, options) as progress:
            user = self.acting_district_admin(options)
            summary = edfi_import(
                options["dir"],
                catalog=options["catalog"],
                create_masters=options["create_masters"],
                user=user,
                progress=progress,
            )
        for warning in summary.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stderr.write(f"imported {options['dir']}: {summary.line()}")
