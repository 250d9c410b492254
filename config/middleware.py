"""Response headers Django does not set itself, answers to input no view should see, and (in
development) a database that is behind the code."""

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views.defaults import bad_request


class PrivacyHeadersMiddleware:
    """Deny browser features the site does not use, and keep signed-in pages out of caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # A shared computer's back button or a proxy must not show someone's notes.
            add_never_cache_headers(response)
        return response


class OversizedNumberMiddleware:
    """A number too large for the database (an id typed as 99999999999999999999) is bad input:
    400, not a server error. Django's choice fields turn other malformed ids into form errors,
    but let the database's OverflowError through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OverflowError):
            return bad_request(request, exception)
        return None


def unapplied_migrations() -> list[str]:
    """The migrations of the code that the default database has not had, in order."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class UnappliedMigrationsMiddleware:
    """Development only: while the database is behind the code (a pull, then runserver without
    `make run`), every page says so and what to run, instead of failing on a missing column.
    Checked until the database is found up to date, then not again in this process (runserver
    restarts it when the code changes)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.up_to_date = False

    def __call__(self, request):
        if not self.up_to_date:
            unapplied = unapplied_migrations()
            if unapplied:
                page = loader.get_template("dev/unapplied_migrations.html").render(
                    {"unapplied": unapplied, "database": connection.settings_dict["NAME"]}
                )
                return HttpResponse(page, status=503)
            self.up_to_date = True
        return self.get_response(request)
