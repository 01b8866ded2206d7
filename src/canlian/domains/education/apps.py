from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EducationConfig(AppConfig):
    """Education of disabled children: placements per school year, schools with resource rooms, allowances."""

    name = "canlian.domains.education"
    label = "education"
    verbose_name = _("Education")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.domains.education import presets, rules
        from canlian.domains.education.events import EducationEvent
        from canlian.programs.families import register_family

        register_events(EducationEvent)
        rules.register()  # the engine rule primitive "education_placement"
        for code, options, compile_rules in presets.FAMILIES:
            register_family(code, options=options, compile=compile_rules)
        from canlian.domains.education import timeline  # noqa: F401  (registers the person page's entries)
        from canlian.domains.education.indicators import INDICATORS
        from canlian.platform.indicators import register_all

        register_all(INDICATORS)
