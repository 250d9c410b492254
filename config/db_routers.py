"""Send read-only traffic to a PostgreSQL read replica when one is configured.

A replica lags the primary by a moment. So that nobody reads something older than what they
have just written, reads go to the primary while a transaction is open, for the rest of a
request that has written, and for REPLICA_PIN_SECONDS after it (a short-lived cookie carries
that over the redirect that follows a form submit). With no `replica` database configured
(DATABASE_REPLICA_URL unset) every query goes to the primary and the middleware does nothing.
"""

from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"
REPLICA_PIN_COOKIE = "rpd_primary"
REPLICA_PIN_SECONDS = 10

_pinned_to_primary: ContextVar[bool] = ContextVar("pinned_to_primary", default=False)
_wrote: ContextVar[bool] = ContextVar("wrote", default=False)


def replica_configured() -> bool:
    return REPLICA_DB_ALIAS in settings.DATABASES


def pinned_to_primary() -> bool:
    return _pinned_to_primary.get()


def _is_cache_entry(model) -> bool:
    """A row of Django's database cache (production's cache without REDIS_URL)."""
    return model._meta.app_label == "django_cache"


class PrimaryReplicaRouter:
    """Reads to the replica when it is safe; writes, migrations and fresh reads to the primary.

    The database cache stays on the primary: a rate limit counts what happened a moment ago, and
    counting a request is not a change the visitor needs to read back (so it pins nothing)."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if _is_cache_entry(model):
            return DEFAULT_DB_ALIAS
        if pinned_to_primary() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model, **hints):
        if not _is_cache_entry(model):
            _pinned_to_primary.set(True)
            _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: objects from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaPinningMiddleware:
    """Keeps a request, and a writer's next requests, on the primary (see the module docstring)."""

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        pinned_token = _pinned_to_primary.set(
            request.method not in self.SAFE_METHODS or REPLICA_PIN_COOKIE in request.COOKIES
        )
        wrote_token = _wrote.set(False)
        try:
            response = self.get_response(request)
            # Only a write starts the pin: browsing on afterwards does not prolong it.
            if _wrote.get():
                response.set_cookie(
                    REPLICA_PIN_COOKIE,
                    "1",
                    max_age=REPLICA_PIN_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
            return response
        finally:
            _pinned_to_primary.reset(pinned_token)
            _wrote.reset(wrote_token)
