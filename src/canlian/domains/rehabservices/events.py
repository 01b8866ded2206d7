"""Audit event codes of rehabilitation services. Declared here, registered from the app's ``ready()``
(``register_events``). Stable strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServicesEvent(models.TextChoices):
    SURVEY_RECORDED = "services.survey_recorded", _("Needs survey recorded")
    SURVEY_IMPORTED = "services.survey_imported", _("Needs surveys imported")
    SERVICE_RECORDED = "services.service_recorded", _("Rehabilitation service recorded")
    DEVICE_STANDARD_SAVED = "services.device_standard_saved", _("Device standard saved")
    FITTING_ASSESSED = "services.fitting_assessed", _("Device fitting assessed")
    FITTING_DELIVERED = "services.fitting_delivered", _("Device delivered")
    MOD_APPLIED = "services.mod_applied", _("Home modification applied for")
    MOD_STEP = "services.mod_step", _("Home modification step recorded")
    MOD_PHOTO = "services.mod_photo", _("Home modification photo added")
    BATCH_GENERATED = "services.batch_generated", _("Contractor payment batch generated")
    BATCH_APPROVED = "services.batch_approved", _("Contractor payment batch approved")
    BATCH_PAID = "services.batch_paid", _("Contractor payment batch paid")
    HEALTH_LIST_IMPORTED = "services.health_list_imported", _("Health list imported")
    HEALTH_APPLIED = "services.health_applied", _("Health service applied for")
    HEALTH_DECIDED = "services.health_decided", _("Health service application decided")
    HEALTH_SERVED = "services.health_served", _("Health service recorded")
    HEALTH_PAID = "services.health_paid", _("Health service paid")
    RECORD_VIEWED = "services.record_viewed", _("Rehabilitation services record viewed")
