"""Audit event codes of care of people: pairings, contacts, needs. Declared here, registered from the app's ``ready()`` (``register_events``):
``audit_record`` refuses a code no app declared. Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CareEvent(models.TextChoices):
    PAIRING_CREATED = "care.pairing_created", _("Cadre paired with a person")
    PAIRING_ENDED = "care.pairing_ended", _("Pairing ended")
    PAIRING_REASSIGNED = "care.pairing_reassigned", _("Pairing re-assigned")
    PAIRINGS_IMPORTED = "care.pairings_imported", _("Pairings imported")
    CONTACT_RECORDED = "care.contact_recorded", _("Contact recorded")
    NEED_CREATED = "care.need_created", _("Need recorded")
    NEED_UPDATED = "care.need_updated", _("Need updated")
