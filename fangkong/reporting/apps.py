from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "fangkong.reporting"
    verbose_name = _("Daily reporting")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fangkong.institutions.views import register_section
        from fangkong.reporting.views import institution_section

        # The institution's page shows the day's report, 催报 and 代报 (see that view).
        register_section(institution_section)
        # SQLite loses the report's timeliness trigger when a migration rebuilds its table.
        post_migrate.connect(timeliness_trigger_kept, sender=self)


def timeliness_trigger_kept(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from fangkong.reporting.timeliness import ensure_on_sqlite

    ensure_on_sqlite(connections[using])
