"""Audit event codes of volunteers, donations and typical cases (registered in ``ready()``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutreachEvent(models.TextChoices):
    VOLUNTEER_REGISTERED = "outreach.volunteer_registered", _("Volunteer registered")
    ACTIVITY_RECORDED = "outreach.activity_recorded", _("Volunteer activity recorded")
    DONATION_RECEIVED = "outreach.donation_received", _("Donation received")
    DONATION_USED = "outreach.donation_used", _("Donation use recorded")
    CASE_SAVED = "outreach.case_saved", _("Typical case saved")
    CASE_SUBMITTED = "outreach.case_submitted", _("Typical case submitted")
    CASE_REVIEWED = "outreach.case_reviewed", _("Typical case reviewed")
    CASE_EXPORTED = "outreach.case_exported", _("Typical case exported")
