from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = "Directory"

    def ready(self):
        from .insights import connect_invalidation_signals

        connect_invalidation_signals()
