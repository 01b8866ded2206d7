"""Choices of the program engine."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramKind(models.TextChoices):
    MONTHLY_CASH = "monthly_cash", _("Monthly cash subsidy")
    SETTLEMENT = "settlement", _("Settlement with institutions")
    ONE_OFF = "one_off", _("One-off subsidy")


class EnrollmentStatus(models.TextChoices):
    """The review chain: apply at the township → 初审 → 审核 → 审定 → public notice → active."""

    APPLIED = "applied", _("Applied")
    FIRST_CHECKED = "first_checked", _("First check passed (初审)")
    REVIEWED = "reviewed", _("Certificate check passed (审核)")
    NOTICE = "notice", _("Decided, in public notice (审定/公示)")
    ACTIVE = "active", _("Active")
    REJECTED = "rejected", _("Rejected")
    STOPPED = "stopped", _("Stopped")


#: Statuses of an application still under review (the overdue list looks at these).
IN_REVIEW = (
    EnrollmentStatus.APPLIED,
    EnrollmentStatus.FIRST_CHECKED,
    EnrollmentStatus.REVIEWED,
    EnrollmentStatus.NOTICE,
)
#: Statuses that hold the (program, person) slot: at most one such enrollment per person and program.
OPEN_STATUSES = (*IN_REVIEW, EnrollmentStatus.ACTIVE)


class ApplicantKind(models.TextChoices):
    SELF = "self", _("The person")
    RELATIVE = "relative", _("A relative or guardian")
    VILLAGE = "village", _("The village (community) committee")
    INSTITUTION = "institution", _("A care institution")


class StepKind(models.TextChoices):
    APPLY = "apply", _("Application")
    FIRST_CHECK = "first_check", _("First check (初审)")
    REVIEW = "review", _("Certificate check (审核)")
    DECIDE = "decide", _("Decision (审定)")
    NOTICE_END = "notice_end", _("End of public notice")
    REJECT = "reject", _("Rejection")
    OBJECT = "object", _("Objection")
    STOP = "stop", _("Stop")
    RESUME = "resume", _("Resumption")


class StopReason(models.TextChoices):
    DEATH = "death", _("Death")
    MOVED_OUT = "moved_out", _("Moved out")
    CERTIFICATE = "certificate", _("Certificate expired or cancelled")
    HARDSHIP = "hardship", _("Hardship status lost")
    IMPRISONMENT = "imprisonment", _("Imprisonment")
    FRAUD = "fraud", _("Fraud")
    REVIEW = "review", _("Failed periodic review")
    REQUEST = "request", _("The person's request")
    OTHER = "other", _("Other")


class CycleStatus(models.TextChoices):
    GENERATING = "generating", _("Generating")
    GENERATED = "generated", _("Generated, to review")
    APPROVED = "approved", _("Approved")
    EXPORTED = "exported", _("Sent to the bank")
    CLOSED = "closed", _("Bank results recorded")


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    ARREARS = "arrears", _("Arrears")
    REISSUE = "reissue", _("Re-issue of a failed payment")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")


class RecoveryStatus(models.TextChoices):
    """A recovery item (追缴): money paid for months the person was not entitled to."""

    TO_RECOVER = "to_recover", _("To recover")
    RECOVERED = "recovered", _("Recovered")
    WAIVED = "waived", _("Waived")
