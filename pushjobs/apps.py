from django.apps import AppConfig


class PushjobsConfig(AppConfig):
    name = "pushjobs"
