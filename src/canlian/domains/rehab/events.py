"""Audit event codes of children's rehabilitation: plans, devices, surgery, attendance, settlement. Declared here, registered from the app's ``ready()`` (``register_events``):
``audit_record`` refuses a code no app declared. Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RehabEvent(models.TextChoices):
    REHAB_PLAN_CREATED = "rehab.plan_created", _("Rehabilitation plan created")
    REHAB_PLAN_UPDATED = "rehab.plan_updated", _("Rehabilitation plan updated")
    REHAB_PLAN_ENDED = "rehab.plan_ended", _("Rehabilitation plan ended")
    REHAB_PLAN_TRANSFERRED = "rehab.plan_transferred", _("Rehabilitation plan transferred")
    REHAB_DEVICE_PROVIDED = "rehab.device_provided", _("Assistive device provided")
    REHAB_SURGERY_REFERRED = "rehab.surgery_referred", _("Surgery referral recorded")
    REHAB_SURGERY_UPDATED = "rehab.surgery_updated", _("Surgery referral updated")
    REHAB_ATTENDANCE_RECORDED = "rehab.attendance_recorded", _("Training attendance recorded")
    REHAB_ATTENDANCE_IMPORTED = "rehab.attendance_imported", _("Training attendance imported")
    REHAB_ATTENDANCE_REMOVED = "rehab.attendance_removed", _("Training attendance removed")
    SETTLEMENT_RULE_SAVED = "settlement.rule_saved", _("Settlement rule saved")
    SETTLEMENT_GENERATED = "settlement.generated", _("Settlement batch generated")
    SETTLEMENT_APPROVED = "settlement.approved", _("Settlement batch approved")
    SETTLEMENT_EXPORTED = "settlement.exported", _("Settlement batch exported")
    SETTLEMENT_PAID = "settlement.paid", _("Settlement batch paid")
