from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarConfig(AppConfig):
    """China's working-day calendar as data: per year the public holidays and make-up working days
    (调休) published by the State Council, loaded from the chinese-calendar package or imported by an
    administrator; and the deadlines that were counted over a year not loaded yet (provisional), to be
    recomputed when it is."""

    name = "canlian.core.calendar"
    label = "calendar"
    verbose_name = _("Working-day calendar")

    def ready(self) -> None:
        from canlian.core.calendar import handlers  # noqa: F401  (registers the daily task)
