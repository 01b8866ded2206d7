from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """Lists from other departments matched against the registry and the engine (应享未享 / 应停未停), findings as work, return-to-poverty monitoring."""

    name = "canlian.domains.matching"
    label = "matching"
    verbose_name = _("Data comparison")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.matching import handlers  # noqa: F401  (registers the daily task)
        from canlian.domains.matching.events import MatchingEvent
        from canlian.domains.matching.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_events(MatchingEvent)
        register_all(INDICATORS)
