from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    """Volunteers and their hours, donations and their use, typical cases (典型案例)."""

    name = "canlian.domains.outreach"
    label = "outreach"
    verbose_name = _("Volunteers, donations and cases")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.outreach.events import OutreachEvent
        from canlian.domains.outreach.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_events(OutreachEvent)
        register_all(INDICATORS)
