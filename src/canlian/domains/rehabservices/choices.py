"""Choices of rehabilitation services: need kinds, where a service is delivered, device fitting
states, the home-modification workflow, modification checklist items and photo stages, batches,
health lists and health service programs."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NeedKind(models.TextChoices):
    """The rehabilitation needs of the yearly survey (精准康复)."""

    TRAINING = "training", _("Rehabilitation training")
    MEDICATION = "medication", _("Medication")
    SURGERY = "surgery", _("Surgery")
    NURSING = "nursing", _("Nursing care")
    DEVICE = "device", _("Assistive device")
    GUIDANCE = "guidance", _("Rehabilitation guidance")


class SurveySource(models.TextChoices):
    HOME = "home", _("Taken at home")
    IMPORT = "import", _("Imported from the survey sheet")


class ServicePlace(models.TextChoices):
    REHAB_ROOM = "rehab_room", _("Community rehabilitation room")
    HOME_POINT = "home_point", _("Home-rehabilitation point")
    HOSPITAL = "hospital", _("Hospital")
    INSTITUTION = "institution", _("Rehabilitation institution")
    HOME = "home", _("At home")
    DEVICE_STATION = "device_station", _("Device service station")


class FittingStatus(models.TextChoices):
    ASSESSED = "assessed", _("Assessed")
    DELIVERED = "delivered", _("Delivered")


class ModStatus(models.TextChoices):
    """The steps of a home accessibility modification project (家庭无障碍改造), in order."""

    APPLIED = "applied", _("Applied")
    ASSESSED = "assessed", _("Home assessed")
    PLANNED = "planned", _("Plan accepted by the family")
    NOTICE = "notice", _("In public notice")
    WORKS = "works", _("Works under way")
    ACCEPTED = "accepted", _("Accepted jointly")
    BATCHED = "batched", _("In a payment batch")
    PAID = "paid", _("Paid to the contractor")
    ARCHIVED = "archived", _("Archived")


#: States in which a project is still running (a deadline applies).
MOD_RUNNING = (
    ModStatus.APPLIED,
    ModStatus.ASSESSED,
    ModStatus.PLANNED,
    ModStatus.NOTICE,
    ModStatus.WORKS,
    ModStatus.ACCEPTED,
    ModStatus.BATCHED,
)
#: States counted as "under way" in the quarterly report (assessed, not yet accepted).
MOD_UNDER_WAY = (ModStatus.PLANNED, ModStatus.NOTICE, ModStatus.WORKS)


class ModItem(models.TextChoices):
    """The home assessment checklist (改造项目清单)."""

    RAMP = "ramp", _("Ramp at the entrance")
    HANDRAILS = "handrails", _("Handrails")
    BATHROOM = "bathroom", _("Bathroom (grab bars, shower seat, raised toilet)")
    KITCHEN = "kitchen", _("Kitchen (lowered worktop)")
    DOORWAYS = "doorways", _("Doorways widened, thresholds removed")
    FLOOR = "floor", _("Non-slip floor")
    VISUAL_ALERT = "visual_alert", _("Visual alerts (flashing doorbell)")
    AUDIBLE_ALERT = "audible_alert", _("Audible alerts and tactile guides")
    BED = "bed", _("Bed and transfer aids")
    LIGHTING = "lighting", _("Lighting and switches")


class PhotoStage(models.TextChoices):
    ASSESSMENT = "assessment", _("Home assessment")
    SIGNED_FORM = "signed_form", _("Signed plan form")
    NOTICE = "notice", _("Public notice posted")
    PROGRESS = "progress", _("Works in progress")
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")


class EligibilityCheck(models.TextChoices):
    """The rules of a modification application's eligibility (data: ``ModificationStandard``)."""

    GRADE = "grade", _("Certificate of grade 1 or 2 (severe)")
    HARDSHIP = "hardship", _("Hardship household (低保, 低收入, 特困 or monitored)")
    HOUSE = "house", _("The house can be modified (owned or long-term use, safe structure)")
    NOT_DONE = "not_done", _("No modification in the last years")


class Priority(models.TextChoices):
    MULTI = "multi", _("Several disabled members (一户多残)")
    ELDERLY = "elderly", _("Elderly carers (以老养残)")
    MONITORED = "monitored", _("Monitored household (三类户)")


class BatchStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")


class HealthListKind(models.TextChoices):
    FAMILY_DOCTOR = "family_doctor", _("Family-doctor signing")
    INSURANCE = "insurance", _("Medical-insurance enrolment")


class HealthProgram(models.TextChoices):
    CHECK = "check", _("Free health check")
    CATARACT = "cataract", _("Cataract operation for a poor patient")
    MENTAL = "mental", _("Medication aid for mental illness")


class HealthStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    SERVED = "served", _("Service recorded")
    PAID = "paid", _("Paid")


class Payee(models.TextChoices):
    HOSPITAL = "hospital", _("The hospital")
    PERSON = "person", _("The person (subsidy)")
