from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RehabConfig(AppConfig):
    """Children's rehabilitation assistance (残疾儿童康复救助): applications through the engine, the
    guardian's choice of a designated institution, yearly service plans, assistive devices, surgery
    referrals, daily attendance, and settlement with institutions by effective-dated rules."""

    name = "canlian.domains.rehab"
    label = "rehab"
    verbose_name = _("Children's rehabilitation")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.rehab.events import RehabEvent

        register_events(RehabEvent)
        # timeline registers the person page's providers; settlement.handlers the settlement job kind.
        from canlian.domains.rehab import presets, timeline  # noqa: F401
        from canlian.domains.rehab.indicators import INDICATORS
        from canlian.domains.rehab.settlement import handlers  # noqa: F401
        from canlian.platform.indicators import register_all
        from canlian.programs.families import register_family

        # The engine edits and compiles the program's rule settings through this family.
        register_family(presets.FAMILY, options=presets.OPTIONS, compile=presets.compile_rules)
        register_all(INDICATORS)
