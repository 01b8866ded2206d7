from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmploymentConfig(AppConfig):
    """Employment: the proportional-employment review and its fund, training, jobs, employment subsidies; social security premiums paid for people."""

    name = "canlian.domains.employment"
    label = "employment"
    verbose_name = _("Employment and social security")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.employment.events import EmploymentEvent

        register_events(EmploymentEvent)
        from canlian.domains.employment import presets
        from canlian.programs.families import register_family

        # The engine edits and compiles the pension premium's rule settings through this family.
        register_family(presets.FAMILY, options=presets.OPTIONS, compile=presets.compile_rules)
        from canlian.domains.employment import insurance

        insurance.register()  # commercial insurance's rule family
        from canlian.domains.employment import timeline  # noqa: F401  (registers the person page's entries)
        from canlian.domains.employment.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
