"""Django settings, read from the environment.

Environment variables:
  DATABASE_URL    database (default: SQLite file var/motcua.sqlite3 under the working directory)
  SECRET_KEY      required in production; when unset, one is generated once into var/secret_key
  DEBUG           "1" to enable debug (``motcua demo`` sets it); off by default
  ALLOWED_HOSTS   comma-separated host names (default: localhost, 127.0.0.1)
  MOTCUA_VAR_DIR  where local state lives (default: ./var)
  MOTCUA_PUBLIC_URL  base URL printed on receipts' QR codes (default: http://127.0.0.1:8000)
  MOTCUA_SMS_BACKEND, MOTCUA_EMAIL_BACKEND  notification backends (file, console, email,
                  http_sms, failing, or a class path); MOTCUA_SMS_GATEWAY_URL and
                  MOTCUA_SMS_GATEWAY_TOKEN for http_sms; EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
                  EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_TIMEOUT, DEFAULT_FROM_EMAIL for e-mail
  MOTCUA_NOTIFICATION_MAX_ATTEMPTS (5), MOTCUA_TICK_INTERVAL (300 s: scheduled work)
  Security (docs/security.md): MOTCUA_SECURE_COOKIES (1), MOTCUA_SESSION_HOURS (8),
                  MOTCUA_HSTS_SECONDS (31536000), MOTCUA_HSTS_INCLUDE_SUBDOMAINS,
                  MOTCUA_HSTS_PRELOAD, MOTCUA_BEHIND_HTTPS_PROXY, MOTCUA_SSL_REDIRECT,
                  MOTCUA_SECRETS_KEY,
                  MOTCUA_LOGIN_MAX_FAILURES (5), MOTCUA_LOGIN_IP_MAX_FAILURES (5),
                  MOTCUA_LOGIN_WINDOW_MINUTES (15), MOTCUA_LOGIN_LOCK_MINUTES (15)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # Embedded default: a key generated on first use and kept outside the repository, so that
    # sessions survive restarts on a laptop or a single commune's machine.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEBUG = _env_bool("DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
PUBLIC_URL = os.environ.get("MOTCUA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before django.contrib.admin so that web/templates/admin/base_site.html (the admin's
    # look, in the site's colours) wins over Django's own.
    "motcua.web",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "motcua.core",
    "motcua.identity",
    "motcua.clock",
    "motcua.agencies",
    "motcua.catalog",
    "motcua.notifications",
    "motcua.dossiers",
    "motcua.stats",
    "motcua.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "motcua.web.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "motcua.web.middleware.VietnameseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "motcua.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _databases() -> dict:
    default_url = f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}"
    url = os.environ.get("DATABASE_URL", default_url)
    config = dj_database_url.parse(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        if config["NAME"] and config["NAME"] != ":memory:":
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
        # with "database is locked" half-way through a transaction; WAL lets readers go on.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif engine in {"django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis"}:
        pool_max = int(os.environ.get("MOTCUA_DB_POOL_MAX", "10"))
        config["CONN_MAX_AGE"] = 0  # the pool keeps connections, not Django
        options = dict(config.get("OPTIONS") or {})  # sslmode etc. from the URL's query
        options["pool"] = {"min_size": 1, "max_size": pool_max, "timeout": 10}
        # JIT compiling pays off for hour-long analytics, not for requests: it added 50–150 ms
        # to each aggregate query of a report (bench/RESULTS-stats.md, jit on vs off). A URL's
        # own ``options`` come after, so ``?options=-c jit=on`` still turns it back on.
        options["options"] = " ".join(filter(None, ["-c jit=off", options.get("options")]))
        config["OPTIONS"] = options
    config.setdefault("TEST", {})
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "identity.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request otherwise
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve files straight from the apps' static folders when collectstatic has not run
# (embedded mode, tests); a production install may run ``motcua collectstatic`` once per
# release so that compressed copies are served.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and _env_bool("MOTCUA_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The pages send the token from a meta tag (web/static/web/app.js), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "motcua.web.views.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# An official's working day; the session ends 8 hours after login (docs/security.md).
SESSION_COOKIE_AGE = int(os.environ.get("MOTCUA_SESSION_HOURS", "8")) * 3600
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"
# HSTS is sent on HTTPS responses only, and not with DEBUG on (a laptop demo over plain HTTP).
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("MOTCUA_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("MOTCUA_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_bool("MOTCUA_HSTS_PRELOAD")
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto (opt-in: without a
# proxy that overwrites it, any client could claim HTTPS).
if _env_bool("MOTCUA_BEHIND_HTTPS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _env_bool("MOTCUA_SSL_REDIRECT")
# Login lockout (identity.selectors.lockout_policy): failures within the window lock the user
# name, and separately the client address, for the lock time. Offices behind one NAT address
# may raise the per-address limit.
MOTCUA_LOGIN_MAX_FAILURES = int(os.environ.get("MOTCUA_LOGIN_MAX_FAILURES", "5"))
MOTCUA_LOGIN_IP_MAX_FAILURES = int(os.environ.get("MOTCUA_LOGIN_IP_MAX_FAILURES", "5"))
MOTCUA_LOGIN_WINDOW_MINUTES = float(os.environ.get("MOTCUA_LOGIN_WINDOW_MINUTES", "15"))
MOTCUA_LOGIN_LOCK_MINUTES = float(os.environ.get("MOTCUA_LOGIN_LOCK_MINUTES", "15"))
# Key for secrets at rest (authenticator seeds); SECRET_KEY when unset (identity/sealing.py).
MOTCUA_SECRETS_KEY = os.environ.get("MOTCUA_SECRETS_KEY", "")

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "notifications"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django logs every 4xx as a warning: on the public, unauthenticated endpoints anyone could
    # fill the log with "Not Found" lines. Server errors are still logged.
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Notifications (docs/notifications.md): one backend per channel — file (default), console,
# email (Django's EMAIL_* settings), http_sms (MOTCUA_SMS_GATEWAY_URL; token in the
# environment variable MOTCUA_SMS_GATEWAY_TOKEN), failing, or a dotted class path.
MOTCUA_NOTIFICATION_BACKENDS = {
    "sms": os.environ.get("MOTCUA_SMS_BACKEND", "file"),
    "email": os.environ.get("MOTCUA_EMAIL_BACKEND", "file"),
}
MOTCUA_NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_NOTIFICATION_MAX_ATTEMPTS", "5"))
MOTCUA_TICK_INTERVAL = int(os.environ.get("MOTCUA_TICK_INTERVAL", "300"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "motcua@localhost")

# motcua's own settings -------------------------------------------------------------------
# Years the working-day calendar is seeded for by ``motcua init`` (inclusive).
MOTCUA_CALENDAR_FIRST_YEAR = int(os.environ.get("MOTCUA_CALENDAR_FIRST_YEAR", "2015"))
MOTCUA_CALENDAR_LAST_YEAR = int(os.environ.get("MOTCUA_CALENDAR_LAST_YEAR", "2035"))
