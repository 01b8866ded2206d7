"""Choices of supervision: plan kinds and states, notice states, rating bands."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanKind(models.TextChoices):
    ROUTINE = "routine", _("Routine inspection")
    #: 飞行检查, "四不两直": no notice, no greeting, no report-back, no hosting; straight to the site.
    UNANNOUNCED = "unannounced", _("Unannounced inspection (四不两直)")


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")


#: A notice is still running in these states (overdue when past due_on).
NOTICE_RUNNING = (NoticeStatus.OPEN, NoticeStatus.RESPONDED, NoticeStatus.ESCALATED)


class NoticeEventKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RESPONDED = "responded", _("Institution responded")
    REINSPECTED_PASSED = "reinspected_passed", _("Re-inspection passed")
    REINSPECTED_FAILED = "reinspected_failed", _("Re-inspection failed")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")


#: Rating bands of the standardisation score: (lowest score, band).
RATING_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("90"), "A"),
    (Decimal("75"), "B"),
    (Decimal("60"), "C"),
)


def rating_band(score: Decimal | float | int | None) -> str:
    """A (≥90), B (≥75), C (≥60), D (below 60); "" when not rated."""
    if score is None:
        return ""
    value = Decimal(str(score))
    for floor, band in RATING_BANDS:
        if value >= floor:
            return band
    return "D"
