"""Local development: safe, local defaults (SQLite, console email, debug pages)."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env, env_list

DEBUG = True
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
DEMO_PASSWORD = env("DEMO_PASSWORD", "correct-horse-rehab-2026")
# The demo moderator's authenticator app (base32; demo_logins prints it): dev only.
DEMO_TOTP_SECRET = env("DEMO_TOTP_SECRET", "DEVONLYDEMOMODERATORSECRETKEY234")
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Plain storage: runserver serves files from the finders, so a rebuilt CSS shows without a
# restart; the manifest storage (base, prod) needs a collectstatic that dev never runs.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A database behind the code answers every page with what to run (after WhiteNoise, so that
# the page keeps its stylesheet).
_AFTER_WHITENOISE = MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_AFTER_WHITENOISE],
    "config.middleware.UnappliedMigrationsMiddleware",
    *MIDDLEWARE[_AFTER_WHITENOISE:],
]
