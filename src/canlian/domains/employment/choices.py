"""Choices of employment: employer kinds, declaration sources and states, the review's verdicts."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmployerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC = "public", _("Public institution")
    GOVERNMENT = "government", _("Government body")
    SOCIAL = "social", _("Social organisation")


class DeclarationSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")
    #: 未申报: the employer did not declare; it counts as employing nobody.
    NOT_REPORTED = "not_reported", _("Not reported")


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    REVIEWED = "reviewed", _("Reviewed")


class EmployeeVerdict(models.TextChoices):
    PENDING = "pending", _("Not yet reviewed")
    ACCEPTED = "accepted", _("Counted")
    REJECTED = "rejected", _("Not counted")


class RejectReason(models.TextChoices):
    NOT_IN_REGISTRY = "not_in_registry", _("Not in the registry")
    NOT_CERTIFIED = "not_certified", _("No certificate in force")
    COUNTED_ELSEWHERE = "counted_elsewhere", _("Already counted by another employer")
    SHORT_CONTRACT = "short_contract", _("Contract shorter than one year")
    LOW_WAGE = "low_wage", _("Wage below the local minimum")
    NO_INSURANCE = "no_insurance", _("Social insurance not paid")
    NO_WAGE_DATA = "no_wage_data", _("No minimum wage set for the region")


class WorkStatus(models.TextChoices):
    """A person's employment status by real name (实名制就业)."""

    EMPLOYER = "employer", _("Employed by an employer")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    FLEXIBLE = "flexible", _("Flexible employment")
    ASSISTED = "assisted", _("Assisted employment")
    PUBLIC_WELFARE = "public_welfare", _("Public-welfare post")
    FARMING = "farming", _("Farming")
    NOT_EMPLOYED = "not_employed", _("Not employed, able to work")
    UNABLE = "unable", _("Unable to work")


#: The statuses that count as employed (the employment rate's numerator).
EMPLOYED_STATUSES = (
    WorkStatus.EMPLOYER,
    WorkStatus.SELF_EMPLOYED,
    WorkStatus.FLEXIBLE,
    WorkStatus.ASSISTED,
    WorkStatus.PUBLIC_WELFARE,
    WorkStatus.FARMING,
)
#: The statuses from which an employed status is *new* employment.
NOT_EMPLOYED_STATUSES = (WorkStatus.NOT_EMPLOYED, WorkStatus.UNABLE)


class RecordSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Imported")
    SURVEY = "survey", _("Household survey")


class OfferOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting an answer")
    HIRED = "hired", _("Hired")
    DECLINED = "declined", _("Declined by the person")
    REFUSED = "refused", _("Not taken by the employer")


class WorkerKind(models.TextChoices):
    DISABLED = "disabled", _("Disabled person")
    RELATIVE = "relative", _("Relative of a disabled person")


class FundStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")


class SubsidyBatchStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    APPROVED = "approved", _("Approved")
