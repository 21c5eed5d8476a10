"""``import_district FILE [--replace] [--as USER]`` (cli.md): load a district exchange file."""

from django.db import transaction

from catalog.commands import DistrictCommand
from catalog.history import file_digest
from catalog.progress import command_progress
from exchange.district import district_import
from exchange.stream import document_stream


class Command(DistrictCommand):
    help = (
        "Load a district exchange file (district-format.md) into an empty database, or with --replace "
        "replace everything; all or nothing. Only district admins may import."
    )
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("file", help="the district file (JSON)")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the district's data first (accounts the file does not name are kept)",
        )

    def handle_command(self, *args, **options):
        # One transaction with the acting user: a refused import must not even
        # leave the system account behind (R32: nothing was changed).
        with transaction.atomic(), command_progress(self, options) as progress:
            user = self.acting_district_admin(options)
            progress.step(f"reading {options['file']}")
            # Read a record at a time (exchange.stream): memory does not grow with the file.
            with document_stream(options["file"], progress) as document:
                district_import(
                    document,
                    replace=options["replace"],
                    on_wait=lambda: self.stderr.write("Waiting for the pushes that are running to finish..."),
                    progress=progress,
                    user=user,
                    file_name=options["file"],
                    digest=file_digest(options["file"]),
                )
        counts = ", ".join(
            f"{document.count(name)} {name.replace('_', ' ')}" for name in ("schools", "courses", "sections")
        )
        self.stderr.write(f"imported {options['file']}: {counts}")
