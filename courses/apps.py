from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"

    def ready(self):
        # The catalog's lock page asks which courses a lock would desync; only courses know.
        from catalog.lock_impact import lock_impact_register

        from .selectors import courses_desynced_by_locking

        lock_impact_register(courses_desynced_by_locking)
