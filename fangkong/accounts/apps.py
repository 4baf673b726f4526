from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from fangkong.accounts import signals  # noqa: F401  # sign-ins and -outs, audited
