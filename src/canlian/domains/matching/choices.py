"""Choices of data comparison: departments, list kinds, rule shapes, finding statuses and outcomes."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    PUBLIC_SECURITY = "public_security", _("Public security")
    HEALTH = "health", _("Health")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance")
    EDUCATION = "education", _("Education")
    HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
    RURAL_REVITALISATION = "rural", _("Rural revitalisation")


class ListKind(models.TextChoices):
    DIBAO = "dibao", _("Minimum living guarantee (低保) list")
    TEKUN = "tekun", _("Extreme-poverty support (特困) list")
    LOW_INCOME = "low_income", _("Low-income family (低收入) list")
    DEATHS = "deaths", _("Deaths and cremations")
    MOVED_OUT = "moved_out", _("Household registration moved out or cancelled")
    MONITORED = "monitored", _("Households monitored against a return to poverty (三类户)")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical-insurance enrolment")
    STUDENTS = "students", _("Students")
    FAMILY_DOCTORS = "family_doctors", _("Family-doctor signing")
    PENSION = "pension", _("Pension insurance")


class RuleShape(models.TextChoices):
    """What a comparison rule computes; each shape is one set-based statement (``comparison.py``)."""

    ENTITLED_NOT_ENROLLED = "entitled_not_enrolled", _("On the list, eligible, not enrolled (应享未享)")
    PAID_AFTER_EVENT = "paid_after_event", _("Dead or moved on the list, still enrolled or paid (应停未停)")
    LISTED_NOT_FLAGGED = "listed_not_flagged", _("On the list, not flagged in the registry")
    CERTIFIED_NOT_LISTED = "certified_not_listed", _("Certified, not on the list")
    IDENTITY_MISMATCH = "identity_mismatch", _("Name or birth date differs for the same ID")


class Action(models.TextChoices):
    """What resolves a finding of a rule (the existing, audited action it calls)."""

    ENROL = "enrol", _("Record an application")
    STOP = "stop", _("Stop the enrollment (recovery follows)")
    FLAG = "flag", _("Flag as monitored in the registry")
    FOLLOW_UP = "follow_up", _("Follow up with the department")
    CORRECT = "correct", _("Correct the registry")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    LAPSED = "lapsed", _("No longer applies")


class Outcome(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    STOPPED = "stopped", _("Stopped")
    FLAGGED = "flagged", _("Flagged")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CORRECTED = "corrected", _("Corrected")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    LAPSED = "lapsed", _("No longer on the list")


class UploadStatus(models.TextChoices):
    LOADED = "loaded", _("Loaded")
    PURGED = "purged", _("Rows deleted (retention ended)")


class MonitoringStatus(models.TextChoices):
    MONITORED = "monitored", _("Monitored")
    EXITED = "exited", _("Exited from monitoring")


class MeasureKind(models.TextChoices):
    PROGRAM = "program", _("Program enrolled")
    EMPLOYMENT = "employment", _("Employment")
    MEDICAL_AID = "medical_aid", _("Medical aid")
    EDUCATION = "education", _("Education aid")
    HOUSING = "housing", _("Housing")
    OTHER = "other", _("Other")
