from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "directory.opendata"
    label = "opendata"
    verbose_name = "Open data"
