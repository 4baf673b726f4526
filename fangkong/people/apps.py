from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "fangkong.people"
    verbose_name = _("Residents, staff and visitors")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fangkong.core.middleware import allow_large_body
        from fangkong.core.rotation import register_files
        from fangkong.institutions.views import register_section
        from fangkong.people.imports import storage
        from fangkong.people.views import institution_section

        # The institution's page links to its people.
        register_section(institution_section)
        # Uploads waiting to be imported are encrypted at rest: key rotation moves them too.
        register_files("people.imports", storage.rotate)
        # A file to import is uploaded through the API too, up to the imports' own limit.
        allow_large_body(method="POST", path=r"/api/v1/institutions/[^/]+/imports",
                         limit=storage.upload_body_limit, field="file")  # fmt: skip
        # SQLite loses the overlap triggers when a migration rebuilds the stays table.
        post_migrate.connect(overlap_triggers_kept, sender=self)


def overlap_triggers_kept(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from fangkong.people.overlap import ensure_on_sqlite

    ensure_on_sqlite(connections[using])
