"""``roll_forward --school NUMBER --from-year Y --to-year Y2`` (cli.md, rules.md R61)."""

from catalog.commands import DistrictCommand
from catalog.progress import command_progress
from sections.rollforward import calendar_roll_forward


class Command(DistrictCommand):
    help = "Roll a calendar's courses and sections forward into the next year's calendar (R61)."
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="NUMBER", help="the school, by number")
        parser.add_argument("--from-year", required=True, metavar="Y", help="the year to copy from, e.g. 22-23")
        parser.add_argument("--to-year", required=True, metavar="Y2", help="the year to copy into, e.g. 23-24")

    def handle_command(self, *args, **options):
        user = self.acting_user(options)
        # A few set-based statements, all or nothing: a spinner and the time taken, no count.
        with command_progress(self, options) as progress:
            progress.step(
                f"rolling school {options['school']} forward from {options['from_year']} to {options['to_year']}"
            )
            result = calendar_roll_forward(
                user=user, school=options["school"], from_year=options["from_year"], to_year=options["to_year"]
            )
        self.stdout.write(result.line())
