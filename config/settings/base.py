"""Settings shared by every use; `local`, `production` and `test` build on these."""

import datetime
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.settings.env import env, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("FANGKONG_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

SECRET_KEY = env("DJANGO_SECRET_KEY", "") or ""
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    # Django's admin, whose every write is audited (fangkong.audit.admin_site).
    "fangkong.audit.admin_apps.AuditedAdminConfig",
    "config.apps.AuthConfig",  # django.contrib.auth, named for the admin (config/apps.py)
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # `fangkong serve` (runserver) leaves static files to WhiteNoise, which sends the .br/.gz
    # copies built beside them (scripts/vendor-assets.mjs), as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "config.apps.TasksConfig",  # django_tasks_db
    "config.apps.AxesConfig",  # axes
    # Only for the API docs' own copy of Swagger UI (never a CDN's).
    "ninja",
    "fangkong.core",
    "fangkong.regions",
    "fangkong.accounts",
    "fangkong.audit",
    "fangkong.institutions",
    "fangkong.notifications",
    "fangkong.surveillance",
    "fangkong.reporting",
    "fangkong.liaison",
    "fangkong.closures",
    "fangkong.inspections",
    "fangkong.people",
    "fangkong.lab",
    "fangkong.screening",
    "fangkong.dashboard",
    "fangkong.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "fangkong.core.headers.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "fangkong.core.middleware.ApiMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fangkong.audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that a locked-out login is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "config.context_processors.navigation",
            ],
        },
    },
]

# SQLite is the embedded default; production names PostgreSQL in DATABASE_URL.
POSTGRESQL_ENGINES = {"django.db.backends.postgresql", "config.postgresql_flush"}
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}"
# Connections are kept between requests (checked before reuse): opening one per request cost
# the deadline burst two thirds of its throughput in `make bench`.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", DEFAULT_DATABASE_URL) or "",
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "600") or 600),
        conn_health_checks=True,
    )
}


def tune_database(database: Any) -> None:
    """Use WAL and immediate transactions so the web process and the worker share one file;
    on PostgreSQL, turn JIT compilation off for Fangkong's connections.

    Fangkong's statements are short: JIT compiling one costs more than it saves (the nation's
    completeness, issue 13: the hand-written reference's p95 248 → 159 ms with `jit=off`), and
    its cost threshold is met by plans that PostgreSQL merely overestimates. Set per connection,
    so a database shared with other work keeps its own setting.
    """
    if database["ENGINE"] in POSTGRESQL_ENGINES:
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }


tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "fangkong.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Login policy: 5 failures lock the account for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
# Locked per account, not per address: a bureau's or an institution's staff often share one
# public address, and one person's typos must not lock out the whole office.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The address axes records, the same as the audit log's (it knows the proxy in front).
AXES_CLIENT_IP_CALLABLE = "fangkong.audit.middleware.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions end after 30 idle minutes; every request renews the window.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
FANGKONG_IDLE_TIMEOUT_SECONDS = 30 * 60

LANGUAGE_CODE = "zh-hans"
# The language cookie goes with links from other sites (Lax), never with their posts.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "fangkong" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Content-Security-Policy: scripts, styles and data only from this site, nothing inline (the
# templates hold no inline script, style element or style attribute; htmx is told not to add
# its indicator style), no plug-ins, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        # A mail server that hangs must not hold a delivery past its lease (NOTIFICATIONS).
        "OPTIONS": {"host": env("EMAIL_HOST", "localhost") or "localhost", "timeout": 20},
    }
}
# Deliveries of e-mail and group-robot messages (fangkong.notifications.services).
NOTIFICATIONS: dict[str, Any] = {
    "WEBHOOK_TIMEOUT": 5.0,  # seconds; a slow robot must not hold up the worker
    "RETRY_FIRST": datetime.timedelta(minutes=1),
    "RETRY_LONGEST": datetime.timedelta(hours=1),
    "GIVE_UP_AFTER": datetime.timedelta(hours=24),
    "LEASE": datetime.timedelta(minutes=10),  # an attempt still "sending" after this crashed
    "BATCH": 500,
}

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "fangkong@localhost")

# The largest request body the API accepts (bytes); a daily report is well under 2 KiB.
FANGKONG_API_MAX_BODY = 64 * 1024
# Hours an import checked but not confirmed keeps its file; then it expires (`imports expire`,
# and the reminders' loop every minute).
FANGKONG_IMPORT_KEEP_HOURS = int(env("FANGKONG_IMPORT_KEEP_HOURS", "24") or "24")
NINJA_PAGINATION_MAX_LIMIT = 1000
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Field encryption (fangkong.core.crypto); keys come from the environment or *_FILE, never the
# database. FANGKONG_ENCRYPTION_KEYS: comma-separated `key_id:base64key`, the first encrypts new
# values and the rest only decrypt old ones; a 32-byte key is AES-256-GCM, a 16-byte key SM4-GCM.
# FANGKONG_HASH_KEY: base64 of 32 bytes, for lookup hashes. FANGKONG_CIPHER: `aes-256-gcm` or
# `sm4-gcm` (China's commercial cryptography; lookup hashes then use HMAC-SM3).
FANGKONG_CIPHER = env("FANGKONG_CIPHER", "aes-256-gcm") or "aes-256-gcm"
FANGKONG_ENCRYPTION_KEYS = env("FANGKONG_ENCRYPTION_KEYS", "") or ""
FANGKONG_HASH_KEY = env("FANGKONG_HASH_KEY", "") or ""


def local_only_encryption_keys(label: str, cipher: str) -> tuple[str, str]:
    """LOCAL AND TEST ONLY: keys derived from public labels, so they protect nothing.

    Returns (FANGKONG_ENCRYPTION_KEYS, FANGKONG_HASH_KEY); both ciphers' keys are listed, the
    one for `cipher` first, so switching cipher on a development database keeps old values.
    """
    import base64
    import hashlib

    def derive(purpose: str, length: int) -> str:
        digest = hashlib.sha256(f"fangkong-{label}-only-not-secret-{purpose}".encode()).digest()
        return base64.b64encode(digest[:length]).decode("ascii")

    aes = f"{label}-aes:{derive('aes-256-gcm', 32)}"
    sm4 = f"{label}-sm4:{derive('sm4-gcm', 16)}"
    keys = f"{sm4},{aes}" if cipher == "sm4-gcm" else f"{aes},{sm4}"
    return keys, derive("lookup-hash", 32)
