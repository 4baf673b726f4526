from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "fangkong.liaison"
    verbose_name = _("Leader liaison")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fangkong.institutions.views import register_section
        from fangkong.liaison.views import institution_section

        # The institution's page names its two liaisons and links their duty log.
        register_section(institution_section)
        # SQLite loses the overlap trigger when a migration rebuilds the table.
        post_migrate.connect(overlap_guard_kept, sender=self)


def overlap_guard_kept(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from fangkong.liaison.overlap import ensure_on_sqlite

    ensure_on_sqlite(connections[using])
