from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(sender, *, using: str, **kwargs) -> None:
    """After every `migrate`, the table of a database cache (production without REDIS_URL):
    createcachetable does nothing when the table exists or no cache is kept in the database."""
    call_command("createcachetable", database=using, verbosity=0)


class DirectoryConfig(AppConfig):
    name = "directory.organisations"
    # The models keep the label they were made under, so their tables and migrations stay.
    label = "directory"
    verbose_name = "Directory"

    def ready(self):
        post_migrate.connect(create_cache_table, sender=self)
