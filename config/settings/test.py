"""Test runs: fast hashing, in-memory email, an isolated media folder."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Django's test set-up replaces EMAIL_BACKEND (the outbox) with locmem; the outbox's own tests
# put it back. Delivery from the outbox goes to locmem too.
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="rpd-test-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
DEMO_PASSWORD = "correct-horse-rehab-2026"
DEMO_TOTP_SECRET = "DEVONLYDEMOMODERATORSECRETKEY234"
# Static files come from the finders (built CSS in static/dist); there is no collectstatic in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
