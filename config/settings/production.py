"""Production: PostgreSQL from DATABASE_URL, secrets from the environment or *_FILE."""

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403
from config.settings.env import env, env_bool

SECRET_KEY = env("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set")
# Field encryption keys: base.py reads them; here they are required (format in base.py).
for _name in ("FANGKONG_ENCRYPTION_KEYS", "FANGKONG_HASH_KEY"):
    if not env(_name):
        raise ImproperlyConfigured(f"{_name} (or {_name}_FILE) must be set")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True  # read by the server only
X_FRAME_OPTIONS = "DENY"
AXES_IPWARE_PROXY_COUNT = 1

# One cache for every worker process (the self check-in's rate limits count across them), in
# the database's table `fangkong_cache`, which the migrations create (fangkong/core/migrations).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "fangkong_cache",
    }
}
