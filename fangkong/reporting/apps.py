from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "fangkong.reporting"
    verbose_name = _("Daily reporting")
