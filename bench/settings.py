"""Settings for the in-process benchmarks: the local settings without DEBUG.

DEBUG=True would wrap every cursor in Django's query logger and keep the last 9,000 queries,
which distorts both timings and memory; the server benchmark (`burst`) uses the real
`config.settings.production` instead.
"""

from config.settings.local import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
