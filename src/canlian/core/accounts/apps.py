from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, their role assignments (role + region), and API tokens."""

    name = "canlian.core.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from canlian.core.accounts import schema, signals  # noqa: F401  (API token scheme; login/logout audit)
