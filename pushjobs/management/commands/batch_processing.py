"""The district's batch-processing switch (R42)."""

from catalog.commands import DistrictCommand
from pushjobs.selectors import BATCH_PROCESSING_OFF_MESSAGE, batch_processing_enabled
from pushjobs.submit import batch_processing_set


class Command(DistrictCommand):
    help = "Show the batch-processing switch, or turn it on or off. While off, queued jobs wait."
    changes_data = True

    def add_arguments(self, parser):
        parser.add_argument("state", nargs="?", choices=["on", "off"])

    def handle_command(self, *args, **options):
        if options["state"] is not None:
            batch_processing_set(user=self.acting_user(options), enabled=options["state"] == "on")
        enabled = batch_processing_enabled()
        if not enabled:
            self.stderr.write(BATCH_PROCESSING_OFF_MESSAGE)
        self.stdout.write("batch processing: " + ("on" if enabled else "off"))
