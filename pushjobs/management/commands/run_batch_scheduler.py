"""Run the batch queue's tick in this process, for development and the demo.

Without a Celery broker (development), tasks run in-process, so nothing would
start a job scheduled for later. This loop does what ``celery -A config beat``
does in production: every settings.BATCH_TICK_SECONDS it dispatches the jobs
that are due (they then run here), hands back stale work and cleans up old
jobs. ``scripts/run`` starts it beside the web server.
"""

import logging
import time

from django.conf import settings

from catalog.commands import DistrictCommand
from pushjobs.dispatch import batch_tick_run

logger = logging.getLogger(__name__)


class Command(DistrictCommand):
    help = "Dispatch due batch jobs every BATCH_TICK_SECONDS, in this process (development and the demo)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one tick, then stop")
        parser.add_argument("--interval", type=float, help="seconds between ticks (default: BATCH_TICK_SECONDS)")

    def handle_command(self, *args, **options):
        interval = options["interval"] or settings.BATCH_TICK_SECONDS
        if not options["once"]:
            self.stderr.write(f"Batch scheduler: a tick every {interval:g} s. Stop with Ctrl-C.")
        try:
            while True:
                try:
                    batch_tick_run()
                except Exception:
                    # One bad tick (a locked SQLite file, a job that broke) must not stop the scheduler.
                    logger.exception("batch tick failed")
                    if options["once"]:
                        raise
                if options["once"]:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            return
