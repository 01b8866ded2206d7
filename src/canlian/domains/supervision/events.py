"""Audit event codes of the supervision of institutions: inspections and rectification notices. Declared here, registered from the app's ``ready()`` (``register_events``):
``audit_record`` refuses a code no app declared. Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionEvent(models.TextChoices):
    INSPECTION_PLANNED = "supervision.inspection_planned", _("Inspection planned")
    INSPECTION_RECORDED = "supervision.inspection_recorded", _("Inspection recorded")
    NOTICE_ISSUED = "supervision.notice_issued", _("Rectification notice issued")
    NOTICE_RESPONDED = "supervision.notice_responded", _("Rectification notice answered")
    NOTICE_REINSPECTED = "supervision.notice_reinspected", _("Re-inspection recorded")
    NOTICE_CLOSED = "supervision.notice_closed", _("Rectification notice closed")
    NOTICE_ESCALATED = "supervision.notice_escalated", _("Rectification notice escalated")
