"""`make run`: the whole system on SQLite under var/, for one machine."""

from config.settings.base import *  # noqa: F403
from config.settings.base import FANGKONG_CIPHER, VAR_DIR, local_only_encryption_keys
from config.settings.env import env

DEBUG = True
SECRET_KEY = env("DJANGO_SECRET_KEY", "local-only-not-secret-key-4e7a1c9b2f") or ""
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Local only: fixed, public development keys unless the environment names real ones.
_LOCAL_KEYS, _LOCAL_HASH_KEY = local_only_encryption_keys("local", FANGKONG_CIPHER)
FANGKONG_ENCRYPTION_KEYS = env("FANGKONG_ENCRYPTION_KEYS") or _LOCAL_KEYS
FANGKONG_HASH_KEY = env("FANGKONG_HASH_KEY") or _LOCAL_HASH_KEY
