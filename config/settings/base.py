"""Settings shared by every environment. Environment-specific files override these."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    """Read an environment variable, treating an empty value as unset."""
    value = os.environ.get(name, "")
    return value if value else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name) or default).split(",") if item.strip()]


def require_env(name: str) -> str:
    """Production refuses to start without its required variables."""
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set")
    return value


def without_jit(database: dict) -> dict:
    """A PostgreSQL database's settings with JIT compilation off: the planner asks for it on
    the search's and the insights' counts (over joins it overestimates), where compiling alone
    takes longer than the query."""
    if database["ENGINE"].endswith("postgresql"):
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return database


def replica_databases(conn_max_age: int) -> dict:
    """The optional read replica's DATABASES entry, from DATABASE_REPLICA_URL."""
    url = env("DATABASE_REPLICA_URL")
    if url is None:
        return {}
    replica = without_jit(
        dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    )
    # Tests have no second database: the replica alias reads the test copy of the primary.
    return {"replica": {**replica, "TEST": {"MIRROR": "default"}}}


SERVICE_NAME = "Rehabilitation Partners Directory"
SERVICE_CONTACT_EMAIL = env("SERVICE_CONTACT_EMAIL", "help@rehabilitation-partners.example.org")
# Where the service is reached, for links in emails sent outside a request.
SITE_URL = env("SITE_URL", "http://localhost:8000").rstrip("/")

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    # Before allauth, so that its templates here override allauth's own.
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_forms_gds",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "directory.organisations",
    "directory.search",
    "directory.registration",
    "directory.moderation",
    "directory.shortlists",
    "directory.opendata",
    "directory.demo",
    "consortia",
    "outbox",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.db_routers.ReplicaPinningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    "config.middleware.OversizedNumberMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionInactivityMiddleware",  # after messages: it leaves a note
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.service",
                "config.context_processors.moderation",
            ],
            "libraries": {
                "page_title": "config.page_title",
                "pagination": "config.pagination",
                "govuk": "config.govuk",
            },
        },
    },
]

# With no DATABASE_URL the embedded SQLite file is used (dev and the SQLite test run).
DATABASES = {
    "default": without_jit(
        dj_database_url.config(
            default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
        )
    ),
    **replica_databases(conn_max_age=60),
}
DATABASE_ROUTERS = ["config.db_routers.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "account"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: email is the login; verification before anything is submitted.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SERVICE_NAME}: "
# The sign-up form asks for a name and whether the person delivers or commissions services.
# Every form that checks a password counts wrong ones towards the same cool-off as sign-in's.
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "change_password": "accounts.forms.ChangePasswordForm",
}
# Moderators land on the moderation queue after signing in.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# One email address per account; a new one replaces the old only once it is verified.
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people when their password or email changes
# No "remember me": the session ends when the browser closes (shared computers are common).
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_REAUTHENTICATION_TIMEOUT = 5 * 60
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# How many "report a problem" forms one address may send an hour (with a honeypot, no CAPTCHA).
PROBLEM_REPORTS_PER_HOUR = int(env("PROBLEM_REPORTS_PER_HOUR", "5"))
# Cool-offs end by themselves: an attacker cannot lock an account out for good. The site's own
# limits are counted here too, through accounts.ratelimit.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "problem_report": f"{PROBLEM_REPORTS_PER_HOUR}/h/ip",
    # Enough responses to opportunities for real use, too few for spam.
    "expression_of_interest": "10/h/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SERVICE_NAME
MFA_RECOVERY_CODE_COUNT = 10
# Sessions are recorded at sign-in (listed on "Your account", ended on password change);
# not on every request, which would be a database write per page.
USERSESSIONS_TRACK_ACTIVITY = False

SESSION_COOKIE_AGE = 60 * 60 * 12  # absolute maximum
# Activity does not push the expiry back: the absolute maximum holds.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_INACTIVITY_TIMEOUT = 60 * 60  # seconds; enforced by accounts.middleware
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Security headers on every response, in every environment (prod.py adds HSTS and secure
# cookies, which need HTTPS). No 'unsafe-inline' anywhere: templates carry no inline script,
# style attribute or event handler; JavaScript and CSS come from static files.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features the site never uses (its sign-in uses an authenticator app's codes, not
# passkeys), denied to every page and frame (config.middleware).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "usb",
        "xr-spatial-tracking",
    )
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Source maps are fetched only by a browser's developer tools. They are most of the bytes
# collected (the API documentation's bundles), and compressing them at Brotli's slowest setting
# took 28 of collectstatic's 47 seconds.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "map"]
# Uploaded evidence is private: it lives outside the static files and is served by a view.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Never routed: uploaded files are served only by permission-checking views. (A string, not
# None, because Django's live test server compares request paths against it.)
MEDIA_URL = "/private-media-not-served/"
EVIDENCE_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Open data downloads, rebuilt by `manage.py export_open_data` (nightly) and served by /data/.
OPEN_DATA_ROOT = Path(env("OPEN_DATA_ROOT", str(BASE_DIR / "var" / "open-data")))
# Moderators' CSV imports waiting for confirmation after a dry run
# (see directory.moderation.import_views).
IMPORT_UPLOAD_ROOT = Path(env("IMPORT_UPLOAD_ROOT", str(BASE_DIR / "var" / "imports")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Every email is kept in the outbox in the sending action's transaction and handed to the
# delivery backend after it commits; failures are retried by `send_queued_emails` (outbox app).
EMAIL_BACKEND = "outbox.backends.DurableEmailBackend"
EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", f"{SERVICE_NAME} <noreply@rehabilitation-partners.example.org>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "directory.opendata.api.public.PublicApiSchema",
    "EXCEPTION_HANDLER": "directory.opendata.api.public.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute"},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SERVICE_NAME} API",
    "DESCRIPTION": "Read-only open data about published organisations and opportunities.",
    "VERSION": "1.0.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "directory.opendata.api.public.describe_api",
    ],
    # The schema's own endpoint is not part of the API it describes.
    "SERVE_INCLUDE_SCHEMA": False,
    # The reference page's Redoc comes from the project's own static files, not a CDN.
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# The organisation search's counts, synonyms, vocabulary and known words, kept by each process
# for itself: the counts are keyed by the search data's version, so never stale, the rest live
# minutes, and reading them costs no round trip (a database cache would add queries a page).
SEARCH_COUNTS_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "search-counts",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "search": SEARCH_COUNTS_CACHE,
}

# Market coverage (/insights/): figures that took longer than this to count are shown as they
# were while `refresh_insights` counts them again; quicker ones are counted again at once.
INSIGHTS_COUNT_WHILE_WAITING_SECONDS = 1.0

# Directory rules (months); the freshness command and search read these.
FRESHNESS_FIRST_REMINDER_MONTHS = 11
FRESHNESS_SECOND_REMINDER_MONTHS = 12
FRESHNESS_STALE_MONTHS = 13
FRESHNESS_HIDDEN_MONTHS = 18
SEARCH_MAX_QUERY_LENGTH = 200
# How many organisations one user may message a day through the service (spam and abuse).
CONTACT_MESSAGES_PER_DAY = int(env("CONTACT_MESSAGES_PER_DAY", "20"))
# Four eyes: a moderator may not decide on changes they made. A deployment with a single
# moderator can allow it; each such decision is marked in the audit (docs/moderation.md).
MODERATION_ALLOW_SELF_APPROVAL = env_bool("MODERATION_ALLOW_SELF_APPROVAL", False)
# An item waiting longer than this many working days goes in the moderators' daily summary.
MODERATION_OVERDUE_WORKING_DAYS = 5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # pikepdf announces its C++ logging bridge at INFO on import: noise in every command.
        "pikepdf": {"level": "WARNING"},
    },
}
