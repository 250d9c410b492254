"""Production: refuses to start without its required environment variables."""

import dj_database_url

from .base import *  # noqa: F403
from .base import (
    REST_FRAMEWORK,
    SEARCH_COUNTS_CACHE,
    env,
    env_bool,
    env_list,
    replica_databases,
    require_env,
    without_jit,
)

DEBUG = False
SECRET_KEY = require_env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or require_env("ALLOWED_HOSTS").split(",")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
DATABASES = {
    "default": without_jit(
        dj_database_url.parse(
            require_env("DATABASE_URL"), conn_max_age=600, conn_health_checks=True
        )
    ),
    # Optional: read-only traffic goes to DATABASE_REPLICA_URL (config/db_routers.py).
    **replica_databases(conn_max_age=600),
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Production runs on PostgreSQL: DATABASE_URL must be postgres://")

EMAIL_URL = env("EMAIL_URL")
if EMAIL_URL:
    from urllib.parse import unquote, urlparse

    _email = urlparse(EMAIL_URL)
    EMAIL_HOST = _email.hostname
    EMAIL_PORT = _email.port or 587
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme in {"smtp+tls", "submission"}
    EMAIL_USE_SSL = _email.scheme == "smtps"
else:
    EMAIL_HOST = require_env("EMAIL_HOST")
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# The cache holds the rate limits' counts (sign-in, the API, problem reports), so it must be
# shared by every gunicorn worker and machine, never per process: Redis if given, else a table
# in the database (made by `migrate`: see directory.organisations.apps).
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "search": SEARCH_COUNTS_CACHE,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "rpd_cache",
            # Culled (a third at a time) beyond this many entries.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        },
        "search": SEARCH_COUNTS_CACHE,
    }

# HTTPS only. nginx terminates TLS and sets X-Forwarded-Proto (deploy/nginx); the health check
# is exempt from the redirect so that a monitor can call gunicorn directly on the loopback.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# No script reads the CSRF token from the cookie: forms carry it.
CSRF_COOKIE_HTTPONLY = True
# Content-Security-Policy, X-Content-Type-Options, Referrer-Policy and X-Frame-Options come
# from base.py: they hold in every environment.

# nginx is the one proxy in front (deploy/nginx): the client is the last address it appends to
# X-Forwarded-For. Rate limits (allauth's, the API's throttles) count per that address, not
# per nginx's 127.0.0.1, and a client cannot dodge them by sending its own X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = 1
REST_FRAMEWORK = {**REST_FRAMEWORK, "NUM_PROXIES": 1}
