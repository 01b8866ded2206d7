from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RehabServicesConfig(AppConfig):
    """Rehabilitation services for adults and children: needs survey (精准康复), assistive devices, home accessibility modification, health services, service points."""

    name = "canlian.domains.rehabservices"
    label = "rehabservices"
    verbose_name = _("Rehabilitation services")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.rehabservices import timeline  # noqa: F401  (the person page's entries)
        from canlian.domains.rehabservices.events import ServicesEvent
        from canlian.domains.rehabservices.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_events(ServicesEvent)
        register_all(INDICATORS)
