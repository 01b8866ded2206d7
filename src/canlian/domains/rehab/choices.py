from django.db import models
from django.utils.translation import gettext_lazy as _

#: The engine program this domain runs (created by the rehab migration's seed).
PROGRAM_CODE = "child-rehab"


class TrainingMode(models.TextChoices):
    CENTRE = "centre", _("Centre-based")
    MIXED = "mixed", _("Centre + community + family")


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class PlanEndReason(models.TextChoices):
    """Why a plan ended before its planned end (``RehabPlan.end_reason``)."""

    TRANSFER = "transfer", _("Transferred to another institution")
    STOPPED = "stopped", _("Training stopped")
    OTHER = "other", _("Other reason")


class DeviceStatus(models.TextChoices):
    PROVIDED = "provided", _("Provided")
    RETURNED = "returned", _("Returned")


class SurgeryStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    DONE = "done", _("Operated")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceSource(models.TextChoices):
    PAGE = "page", _("Sign-in page")
    UPLOAD = "upload", _("Excel upload")
    API = "api", _("API")


class RuleFamily(models.TextChoices):
    THRESHOLD = "threshold", _("Yearly threshold of training days")
    PER_MONTH = "per_month", _("Per month of training")
    PER_YEAR = "per_year", _("Per year by age band and mode")


class BelowThreshold(models.TextChoices):
    NOTHING = "nothing", _("Nothing below the threshold")
    PRO_RATA = "pro_rata", _("Training and transport pro rata to days")
    TRAINING_PRO_RATA = "training_pro_rata", _("Training pro rata to days, no transport")


class BatchStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
