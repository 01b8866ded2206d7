"""Audit event codes of petitions, invitations and festival visits. Declared here, registered from the app's ``ready()`` (``register_events``):
``audit_record`` refuses a code no app declared. Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PetitionEvent(models.TextChoices):
    PETITION_RECEIVED = "petition.received", _("Petition received")
    PETITION_ACTED = "petition.acted", _("Petition action recorded")
    PETITION_CLOSED = "petition.closed", _("Petition closed")
    INVITATION_CREATED = "invitation.created", _("Invitation event created")
    INVITEES_ADDED = "invitation.invitees_added", _("Invitees added")
    ATTENDANCE_RECORDED = "invitation.attendance_recorded", _("Attendance recorded")
    FESTIVAL_VISIT_RECORDED = "festival_visit.recorded", _("Festival visit recorded")
    FESTIVAL_VISITS_IMPORTED = "festival_visit.imported", _("Festival visits imported")
