from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClosuresConfig(AppConfig):
    name = "fangkong.closures"
    verbose_name = _("Closed management")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fangkong.closures.services import entry_policy, entry_policy_over
        from fangkong.closures.views import institution_section
        from fangkong.institutions.entry import register_entry_policy
        from fangkong.institutions.views import register_section

        # The institution's page shows whether it is closed, with links to its gate register.
        register_section(institution_section)
        # Visits and admissions (people, a lower floor) ask the entry check through this.
        register_entry_policy(entry_policy, over=entry_policy_over)
        # SQLite loses the overlap triggers when a migration rebuilds the closures table.
        post_migrate.connect(overlap_triggers_kept, sender=self)
        # The rule table is data: a flush (the tests' between live-server tests) empties it.
        post_migrate.connect(rules_kept, sender=self)


def overlap_triggers_kept(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from fangkong.closures.overlap import ensure_on_sqlite

    ensure_on_sqlite(connections[using])


def rules_kept(sender: AppConfig, using: str, **kwargs: Any) -> None:
    from django.db import connections

    from fangkong.closures.models import EntryRule
    from fangkong.closures.rules import seed_rules

    if EntryRule._meta.db_table in connections[using].introspection.table_names():
        seed_rules(EntryRule)
