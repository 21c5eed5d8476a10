"""Settings, read from the environment.

With nothing but ``DATABASE_URL`` set, the project runs in development mode: Celery tasks
run in-process, email to the console, a development secret key. The database is always
PostgreSQL (``scripts/run`` starts an embedded one in ``.data/``). ``PRODUCTION=1``
switches production mode on, which refuses to start without the settings a
real deployment needs.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("PRODUCTION", default=False)

if PRODUCTION:
    _missing = [
        name
        for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")
        if not env.str(name, default="")
    ]
    if _missing:
        raise ImproperlyConfigured(
            "Production mode (PRODUCTION=1) needs these environment variables: " + ", ".join(_missing)
        )

SECRET_KEY = env.str("SECRET_KEY", default="development-only-secret-key-not-for-production")
_secret_key_strong = (
    len(SECRET_KEY) >= SECRET_KEY_MIN_LENGTH
    and len(set(SECRET_KEY)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS
    and not SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
)
if PRODUCTION and not _secret_key_strong:
    # The test of `manage.py check --deploy` (security.W009, its own limits), refused at start
    # instead of warned about.
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak for production: it needs at least {SECRET_KEY_MIN_LENGTH} characters, "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} of them different, and must not start with "
        f'"{SECRET_KEY_INSECURE_PREFIX}". Generate one, e.g. python -c "import secrets; '
        'print(secrets.token_urlsafe(50))".'
    )
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "catalog",
    "coursemasters",
    "courses",
    "sections",
    "pushjobs",
    "reports",
    "exchange",
    "interop",
    "history",
    "downloads",
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "catalog.history.HistoryHowMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the sign-in page that says so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. The product runs on PostgreSQL 15 or newer: set DATABASE_URL "
        "(e.g. postgres://user:pass@host:5432/grading), or start the demo with ./scripts/run, "
        "which runs an embedded PostgreSQL in .data/."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)

AUTH_USER_MODEL = "catalog.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling (django-axes, catalog.login_throttle): after LOGIN_FAILURE_LIMIT wrong passwords for a
# username, or from one address, sign-in is refused for LOGIN_LOCKOUT_MINUTES (0: until an administrator
# unlocks it with manage.py axes_reset_username / axes_reset_ip / axes_reset).
AUTHENTICATION_BACKENDS = [
    "catalog.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
_lockout_minutes = env.int("LOGIN_LOCKOUT_MINUTES", default=30)
AXES_COOLOFF_TIME = timedelta(minutes=_lockout_minutes) if _lockout_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "catalog.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "catalog.login_throttle.client_address"
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The API's rate limits are counted in this cache (Redis in production: CACHE_URL=redis://...).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Content-Security-Policy: everything from our own origin, no inline script or style.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only in production: redirect plain HTTP, and tell browsers never to use it (HSTS).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is a promise made to the browser makers for the whole domain: the district opts in.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind PROXY_COUNT reverse proxies (a load balancer that ends TLS): trust the nearest one's
# X-Forwarded-Proto for "is this HTTPS" and its X-Forwarded-For for the address sign-in throttling counts.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
if PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Email: the console in development, SMTP from the environment in production. Production refuses
# the console (mail would vanish into a log) unless email is switched off on purpose (EMAIL_DISABLED=1).
EMAIL_DISABLED = env.bool("EMAIL_DISABLED", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="grading-push@localhost")
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env.str("EMAIL_HOST", default="localhost"),
                "port": env.int("EMAIL_PORT", default=25),
                "username": env.str("EMAIL_HOST_USER", default=""),
                "password": env.str("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=False),
            },
        }
        if env.str("EMAIL_HOST", default="") and not EMAIL_DISABLED
        else {
            "BACKEND": "django.core.mail.backends.dummy.EmailBackend"
            if EMAIL_DISABLED
            else env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
        }
    )
}
if PRODUCTION and MAILERS["default"]["BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    raise ImproperlyConfigured(
        "Production mode (PRODUCTION=1) would send email to the console, where nobody reads it: set EMAIL_HOST "
        "(and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS), or EMAIL_DISABLED=1 to send none."
    )

# Where people open the application, for the links an email carries (a finished job's page):
# no request tells a worker that sends the email which host it is.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

# Celery. Without a broker the tasks run in-process (development and the demo).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# Push engine and batch queue tuning.
PUSH_CHUNK_SIZE = env.int("PUSH_CHUNK_SIZE", default=250)
# How many workers one job's chunks are handed to at once (issue 15).
PUSH_JOB_WORKERS = env.int("PUSH_JOB_WORKERS", default=4)
BATCH_TICK_SECONDS = env.float("BATCH_TICK_SECONDS", default=15.0)
BATCH_HEARTBEAT_STALE_SECONDS = env.float("BATCH_HEARTBEAT_STALE_SECONDS", default=300.0)
BATCH_RETENTION_DAYS = env.int("BATCH_RETENTION_DAYS", default=90)
# An XLSX download of more rows than this is prepared in the background (the downloads app) and
# fetched from My downloads, instead of being put together in the web request, which a proxy or
# gunicorn would time out; prepared files are deleted PREPARED_DOWNLOAD_RETENTION_DAYS after.
XLSX_IN_REQUEST_ROWS = env.int("XLSX_IN_REQUEST_ROWS", default=50_000)
PREPARED_DOWNLOAD_RETENTION_DAYS = env.int("PREPARED_DOWNLOAD_RETENTION_DAYS", default=7)
# The Import page's largest upload (a OneRoster package or a ZIP of Ed-Fi files), in MB.
IMPORT_UPLOAD_MAX_MB = env.int("IMPORT_UPLOAD_MAX_MB", default=200)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
