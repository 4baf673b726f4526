"""pytest: SQLite by default; FANGKONG_TEST_DATABASE_URL runs the same suite on PostgreSQL."""

import os

import dj_database_url

from config.settings.base import *  # noqa: F403
from config.settings.base import local_only_encryption_keys, tune_database

SECRET_KEY = "test-only-secret-key-8d1f0a3e5c7b"  # noqa: S105
# Fixed, public test keys; FANGKONG_TEST_CIPHER=sm4-gcm runs the suite under SM4.
FANGKONG_CIPHER = os.environ.get("FANGKONG_TEST_CIPHER", "aes-256-gcm")
FANGKONG_ENCRYPTION_KEYS, FANGKONG_HASH_KEY = local_only_encryption_keys("test", FANGKONG_CIPHER)
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

if url := os.environ.get("FANGKONG_TEST_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(url)}
    # The flush after a transactional test may empty the append-only tables (as a superuser).
    DATABASES["default"]["ENGINE"] = "config.postgresql_flush"
else:
    DATABASES = {"default": dj_database_url.parse("sqlite:///:memory:")}
tune_database(DATABASES["default"])

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STATIC_ROOT = None  # type: ignore[assignment]  # served from the apps, nothing collected
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# Keep expected failures (lockouts, 404s) out of the test output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"handlers": [], "level": "CRITICAL"},
}
