import functools

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    """The two subsidies (两项补贴): the living subsidy for people in hardship and the nursing
    subsidy for severely disabled people, as the program engine's first two programs: their rule
    options, provincial variants, statistics and the sentence a federation's report states."""

    name = "canlian.domains.subsidies"
    label = "subsidies"
    verbose_name = _("Two subsidies")

    def ready(self) -> None:
        from canlian.domains.subsidies import presets
        from canlian.domains.subsidies.indicators import INDICATORS
        from canlian.platform.indicators import register_all
        from canlian.programs.families import register_family

        register_all(INDICATORS)

        # The engine edits and compiles these programs' rule settings through these families.
        for code in (presets.LIVING, presets.NURSING):
            register_family(
                code, options=presets.OPTIONS[code], compile=functools.partial(presets.compile_rules, code)
            )
