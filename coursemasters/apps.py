from django.apps import AppConfig


class CoursemastersConfig(AppConfig):
    name = "coursemasters"
