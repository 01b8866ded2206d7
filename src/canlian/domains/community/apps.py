from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    """Community homes (残疾人之家 / 如康家园, "3+N"), care (托养) and assisted employment."""

    name = "canlian.domains.community"
    label = "community"
    verbose_name = _("Community services")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.community.events import CommunityEvent

        register_events(CommunityEvent)
        from canlian.domains.community import timeline  # noqa: F401  (the person page's providers)
        from canlian.domains.community.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
