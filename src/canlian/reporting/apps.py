from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reporting: figures that read across domains, and steering (indicator summaries, targets,
    bulletins). It writes its own tables and audit rows only."""

    name = "canlian.reporting"
    label = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from canlian.core.audit.events import register_events
        from canlian.reporting.events import ReportingEvent

        register_events(ReportingEvent)
        from canlian.platform.indicators import on_sources_changed
        from canlian.reporting import handlers  # noqa: F401  (job kinds, daily task)
        from canlian.reporting.steering.refresh import _queue_refresh

        on_sources_changed(_queue_refresh)
        from canlian.platform.indicators import register_target_reader
        from canlian.reporting.steering.targets import targets_by_region

        register_target_reader(targets_by_region)
