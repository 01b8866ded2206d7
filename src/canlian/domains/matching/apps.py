from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """Lists from other departments matched against the registry and the engine (应享未享 / 应停未停), findings as work, return-to-poverty monitoring."""

    name = "canlian.domains.matching"
    label = "matching"
    verbose_name = _("Data comparison")
