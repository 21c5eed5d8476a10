from django.apps import AppConfig


class InteropConfig(AppConfig):
    """The standards districts exchange data in (rules R91-R93): OneRoster CSV in and out, Ed-Fi in.
    Above every level: it reads and writes them all, and nothing below imports it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "interop"
    verbose_name = "Standards interop"
