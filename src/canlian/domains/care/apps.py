from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """Care of people (结对关爱): cadres paired with difficult, severely disabled people, their
    contacts and home visits, the needs found, the contact obligations as rules, and the work cadence
    pages (日管控、周排查、月调度、季通报、年总结)."""

    name = "canlian.domains.care"
    label = "care"
    verbose_name = _("Care of people")

    def ready(self) -> None:
        from canlian.domains.care import timeline  # noqa: F401  (registers the person-page providers)
