from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """The program engine: programs with rule sets and effective-dated standards, applications and
    their review chain, enrollments, monthly payment cycles and payment lines. Domain apps
    (``canlian.domains.*``) define concrete programs on top of it."""

    name = "canlian.programs"
    label = "programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.programs.events import ProgramEvent

        register_events(ProgramEvent)
        from canlian.core.registry.hooks import register_person_change_hook
        from canlian.programs import (
            handlers,  # noqa: F401  (registers job kinds)
            timeline,  # noqa: F401  (the person page's timeline entries)
        )
        from canlian.programs.recoveries.actions import persons_changed

        register_person_change_hook(persons_changed)
