from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Supervision of designated institutions: inspection plans, unannounced inspections (飞行检查)
    with checklists and scores, rectification notices (整改通知书) with working-day deadlines, and
    escalation (warning → suspension → removal) recorded on the institution."""

    name = "canlian.domains.supervision"
    label = "supervision"
    verbose_name = _("Supervision of institutions")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.supervision.events import SupervisionEvent

        register_events(SupervisionEvent)
        from canlian.domains.supervision import handlers  # noqa: F401  (registers the daily task)
        from canlian.domains.supervision.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
