"""``export_oneroster --year Y [--school NUMBER] --out PATH`` (cli.md, R92): a OneRoster 1.2 CSV
package of a year's setup and rosters, a ZIP when PATH ends in .zip, else a folder."""

from catalog.commands import DistrictCommand
from catalog.progress import command_progress
from interop.oneroster.exporter import oneroster_export, oneroster_export_write


class Command(DistrictCommand):
    help = "Write a OneRoster 1.2 CSV package (ZIP if --out ends in .zip, else a folder) of one school year."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="the school year, e.g. 22-23")
        parser.add_argument("--school", help="one school's number (default: every school with a calendar that year)")
        parser.add_argument("--out", required=True, help="the package: a .zip file or a folder")

    def handle_command(self, *args, **options):
        with command_progress(self, options) as progress:
            files = oneroster_export(year=options["year"], school=options["school"], progress=progress)
            progress.step(f"writing {options['out']}")
            out = oneroster_export_write(files, options["out"])
        self.stderr.write(f"wrote {out}: {', '.join(f'{n} {len(t.splitlines()) - 1}' for n, t in files.items())}")
