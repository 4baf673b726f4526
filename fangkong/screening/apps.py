from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "fangkong.screening"
    verbose_name = _("Close-contact screening")

    def ready(self) -> None:
        from fangkong.institutions.views import register_section
        from fangkong.screening.views import institution_section

        # The institution's page links to its screenings.
        register_section(institution_section)
