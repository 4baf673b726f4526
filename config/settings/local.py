"""`make run`: the whole system on SQLite under var/, for one machine."""

from config.settings.base import *  # noqa: F403
from config.settings.base import VAR_DIR
from config.settings.env import env

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY", "local-only-not-secret-key-4e7a1c9b2f") or ""
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
VAR_DIR.mkdir(parents=True, exist_ok=True)
