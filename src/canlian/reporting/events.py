"""Audit event codes of reporting and steering: exports of figures, targets, bulletins, the people behind a figure. Declared here, registered from the app's ``ready()`` (``register_events``):
``audit_record`` refuses a code no app declared. Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportingEvent(models.TextChoices):
    FIGURES_EXPORTED = "report.figures_exported", _("Figures exported")
    TARGET_SET = "steering.target_set", _("Target set")
    TARGET_REMOVED = "steering.target_removed", _("Target removed")
    TARGETS_IMPORTED = "steering.targets_imported", _("Targets imported")
    BULLETIN_SCHEME_SAVED = "steering.scheme_saved", _("Bulletin scheme saved")
    BULLETIN_EXPORTED = "steering.bulletin_exported", _("Bulletin exported")
    INDICATORS_REFRESHED = "steering.refreshed", _("Indicator figures refreshed")
    INDICATOR_RECORDS_VIEWED = "steering.records_viewed", _("People behind a figure viewed")
