"""Data built once for a module's tests, committed, and emptied when the module ends."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management import call_command
from django.db import connections


@contextmanager
def committed_for_the_module(django_db_blocker) -> Iterator[None]:
    """Writes within are committed, for a module whose tests only read them (each test runs in
    a transaction rolled back, so they stay as they are); at the end every table is emptied,
    as after a transactional test. Use it in a module-scoped fixture that asks for
    django_db_setup, so that the database it empties is the test database. Only tests that
    read the data may be in that module: everything else would see it."""
    with django_db_blocker.unblock():
        try:
            yield
        finally:
            call_command("flush", interactive=False, verbosity=0)
            # As a transactional test does, so that nothing holds the test database open.
            connections.close_all()
