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
