from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Care of people (结对关爱): cadres paired with difficult, severely disabled people, their
    contacts and home visits, the needs found, the contact obligations as rules, and the daily page
    (日管控). The weekly to yearly cadence pages read petitions too: they live in canlian.reporting."""

    name = "canlian.domains.care"
    label = "care"
    verbose_name = _("Care of people")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.care.events import CareEvent

        register_events(CareEvent)
        from canlian.core.registry.hooks import register_person_reach
        from canlian.domains.care import timeline  # noqa: F401  (registers the person-page providers)
        from canlian.domains.care.indicators import INDICATORS
        from canlian.domains.care.reach import paired_people
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
        register_person_reach(paired_people)
