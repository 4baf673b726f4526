from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "fangkong.inspections"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fangkong.inspections.views import institution_section
        from fangkong.institutions.views import register_section

        # The institution's page shows its open rectifications and links its inspections.
        register_section(institution_section)
        # The first checklist is data: a flush (the tests' between live-server tests) empties it.
        post_migrate.connect(checklist_kept, sender=self)


def checklist_kept(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from fangkong.inspections.checklist import seed_first_version
    from fangkong.inspections.models import ChecklistItem, ChecklistVersion

    if ChecklistItem._meta.db_table in connections[using].introspection.table_names():
        seed_first_version(ChecklistVersion, ChecklistItem)
