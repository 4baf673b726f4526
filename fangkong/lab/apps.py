from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LabConfig(AppConfig):
    name = "fangkong.lab"
    verbose_name = _("Testing rounds")

    def ready(self) -> None:
        from fangkong.institutions.views import register_section
        from fangkong.lab.views import institution_section

        # The institution's page links to its testing rounds.
        register_section(institution_section)
