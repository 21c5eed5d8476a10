from django.apps import AppConfig


class PushjobsConfig(AppConfig):
    name = "pushjobs"

    def ready(self):
        # Register the batch queue's tasks in every process (web, commands, workers): the services
        # send them by name (pushjobs.messages), which finds the task only once it is registered.
        from . import tasks  # noqa: F401
