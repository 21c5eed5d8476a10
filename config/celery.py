"""The project's Celery app: ``celery -A config worker`` and ``celery -A config beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _batch_tick_schedule(sender, **kwargs):
    """The batch queue's tick (pushjobs.tasks.batch_tick): dispatch due jobs, hand back stale work.

    Read from settings here, once Django's settings are loaded, not at import time.
    """
    from django.conf import settings

    if sender.conf.task_always_eager and not sender.conf.broker_url:
        # Tasks run in-process (no broker configured); Celery still builds a producer for them.
        # An in-memory transport keeps it from warning about a missing Redis host on every command.
        sender.conf.broker_url = "memory://localhost/"
    seconds = settings.BATCH_TICK_SECONDS
    sender.add_periodic_task(
        seconds,
        sender.signature("pushjobs.batch_tick"),
        name="batch queue tick",
        # A tick nobody ran in time is worthless: the next one does the same work.
        expires=seconds * 2,
        priority=0,
    )


@app.on_after_configure.connect
def _prepared_downloads_clean_up_schedule(sender, **kwargs):
    """Prepared downloads past their retention are deleted, files and rows (downloads.tasks)."""
    sender.add_periodic_task(
        3600,
        sender.signature("downloads.prepared_downloads_remove_expired"),
        name="prepared downloads clean-up",
        expires=3600,
        priority=9,
    )
