"""Settings for the in-process benchmarks: the local settings without DEBUG.

DEBUG=True would wrap every cursor in Django's query logger and keep the last 9,000 queries,
which distorts both timings and memory; the server benchmark (`burst`) uses production's,
`bench.server_settings` (`config.settings.production` with the reference route) instead.
"""

from config.settings.local import *  # noqa: F403

DEBUG = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # `flush` between benchmarks empties the append-only tables too (as a superuser).
    DATABASES["default"]["ENGINE"] = "config.postgresql_flush"  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"  # the site and the burst's reference route (bench.reference)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
