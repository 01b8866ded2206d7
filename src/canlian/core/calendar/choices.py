from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarSource(models.TextChoices):
    """Where a year's schedule came from."""

    PACKAGE = "package", _("chinese-calendar package")
    IMPORT = "import", _("Imported file")
    MANUAL = "manual", _("Edited by hand")


class DayKind(models.TextChoices):
    """A listed day: a public holiday (off, whatever the weekday) or a make-up working day (调休上班,
    on a Saturday or Sunday)."""

    HOLIDAY = "holiday", _("Holiday (off)")
    WORKDAY = "workday", _("Make-up working day")


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Provisional")
    RECOMPUTED = "recomputed", _("Recomputed")
    SUPERSEDED = "superseded", _("Superseded")
