"""Audit event codes of data comparison. Declared here, registered from the app's ``ready()``
(``register_events``). Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchingEvent(models.TextChoices):
    SOURCE_SAVED = "matching.source_saved", _("List source saved")
    LIST_UPLOADED = "matching.list_uploaded", _("Department list uploaded")
    LIST_PURGED = "matching.list_purged", _("Department list rows deleted at the end of retention")
    LIST_ROWS_VIEWED = "matching.list_rows_viewed", _("Department list rows viewed")
    RULE_SAVED = "matching.rule_saved", _("Comparison rule saved")
    RUN_DONE = "matching.run_done", _("Comparison run")
    FINDING_RESOLVED = "matching.finding_resolved", _("Finding resolved")
    FINDING_VIEWED = "matching.finding_viewed", _("Finding viewed")
    MONITORING_OPENED = "matching.monitoring_opened", _("Household monitored against a return to poverty")
    MONITORING_VISITED = "matching.monitoring_visited", _("Monitoring visit recorded")
    MONITORING_MEASURE = "matching.monitoring_measure", _("Assistance measure recorded")
    MONITORING_EXITED = "matching.monitoring_exited", _("Household exited monitoring")
    MONITORING_VIEWED = "matching.monitoring_viewed", _("Monitored household viewed")
