from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    """Petitions at the window (接访), invitations on key dates (邀访) and festival visits with
    condolence money (慰问)."""

    name = "canlian.domains.petitions"
    label = "petitions"
    verbose_name = _("Petitions and visits")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.petitions.events import PetitionEvent

        register_events(PetitionEvent)
        from canlian.domains.petitions import timeline  # noqa: F401  (the person page's entries)
        from canlian.domains.petitions.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
