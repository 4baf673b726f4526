"""A scratch variant of `config.settings.production` for `burst --settings`: persistent
database connections (the change the burst benchmark measures before proposing it)."""

from config.settings.production import *  # noqa: F403
from config.settings.production import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
