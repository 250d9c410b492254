from django.apps import AppConfig


class ShortlistsConfig(AppConfig):
    name = "directory.shortlists"
    label = "shortlists"
    verbose_name = "Shortlists"
