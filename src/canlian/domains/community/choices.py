"""Choices of community services: homes (3+N), care (托养) and assisted employment."""

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Engine program codes the fee rule reads paid lines of by default (the two subsidies).
LIVING_PROGRAM = "living-subsidy"
NURSING_PROGRAM = "nursing-subsidy"


class ConstructionModel(models.TextChoices):
    """How a home is built and run ("就业+", "党建+" …)."""

    EMPLOYMENT = "employment", _("Employment+ (就业+)")
    PARTY = "party", _("Party building+ (党建+)")
    MEDICAL = "medical", _("Medical+ (医疗+)")
    REHAB = "rehab", _("Rehabilitation+ (康复+)")
    ELDERLY = "elderly", _("Elderly care+ (养老+)")
    OTHER = "other", _("Other")


class Purpose(models.TextChoices):
    """What an eligibility rule list decides."""

    MEMBER = "member", _("Home membership")
    RESIDENT = "resident", _("Care (托养)")
    WORKER = "worker", _("Assisted employment")


class AttendanceSource(models.TextChoices):
    PAGE = "page", _("Sign-in page")
    UPLOAD = "upload", _("Uploaded sheet")


class EndReason(models.TextChoices):
    LEFT = "left", _("Left")
    MOVED = "moved", _("Moved to another home")
    EMPLOYED = "employed", _("Found a job")
    DIED = "died", _("Died")
    OTHER = "other", _("Other")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")


class BatchStatus(models.TextChoices):
    GENERATED = "generated", _("Generated, to review")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class CareMode(models.TextChoices):
    RESIDENTIAL = "residential", _("Residential (寄宿制)")
    DAY = "day", _("Day care (日间照料)")
    HOME = "home", _("Home care (居家托养)")


class AllowanceKind(models.TextChoices):
    """A resident's own allowance whose monthly amount is recorded (from civil affairs)."""

    DIBAO = "dibao", _("Minimum living allowance (低保金)")
    WUBAO = "wubao", _("Extreme-poverty support (五保金/特困供养金)")


class CapBasis(models.TextChoices):
    """What an ordinary resident's fee is capped at."""

    OWN = "own", _("The resident's own allowances and subsidies")
    FIXED = "fixed", _("A fixed monthly amount")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ProjectStatus(models.TextChoices):
    ACTIVE = "active", _("In the library")
    RETIRED = "retired", _("Retired")


class WageBasis(models.TextChoices):
    PIECE = "piece", _("Piece rate")
    HOURS = "hours", _("Hours worked")


class WorkerStatus(models.TextChoices):
    ACTIVE = "active", _("Working")
    ENDED = "ended", _("Agreement ended")


class SheetStatus(models.TextChoices):
    GENERATED = "generated", _("Generated, to review")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Sent to the bank")
    CLOSED = "closed", _("Bank results recorded")


class WageLineStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class SubsidyKind(models.TextChoices):
    """An institution subsidy (homes, care and assisted-employment institutions)."""

    CONSTRUCTION = "construction", _("Construction subsidy (one-off)")
    RENT = "rent", _("Rent subsidy")
    EQUIPMENT = "equipment", _("Equipment subsidy")
    SOCIAL_INSURANCE = "insurance", _("Social insurance subsidy")
