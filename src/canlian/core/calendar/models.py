"""The working-day calendar as data, and the deadlines counted over a year it did not know yet.

A year is *known* when its ``CalendarYear`` row exists. Inside a known year, the listed days
(``CalendarDay``) are the exceptions: public holidays (off, even on a weekday) and make-up working days
(a Saturday or Sunday worked, 调休); every other Monday–Friday is a working day and every other Saturday
and Sunday is off. The calendar is national: every region shares it, so these two tables carry no
region code; reading them needs ``calendar.view`` and changing them ``calendar.manage``.

``ProvisionalDeadline`` belongs to the region of the object whose deadline it describes (copied onto
the row), so the list of open ones goes through the one scoping path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.calendar.choices import CalendarSource, DayKind, DeadlineStatus
from canlian.platform.scoping import RegionScopedQuerySet


class CalendarYear(models.Model):
    """One year whose holiday arrangement is known. ``updated_at`` changes with every edit of the year
    or of one of its days: the process-wide cache of the calendar compares it to know it is current."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=10, choices=CalendarSource.choices)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=1990, year__lte=2100), name="calendar_year_range"),
            models.CheckConstraint(
                condition=Q(source__in=CalendarSource.values), name="calendar_year_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A listed day of a known year: a public holiday (off) or a make-up working day (on a weekend).
    ``name`` is the holiday it belongs to as published (春节, 国庆节, …), where known."""

    date = models.DateField(_("date"), unique=True)
    year = models.ForeignKey(
        CalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("holiday"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DayKind.values), name="calendar_day_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".strip()


class ProvisionalDeadlineQuerySet(RegionScopedQuerySet):
    def open(self) -> ProvisionalDeadlineQuerySet:
        return self.filter(status=DeadlineStatus.OPEN)


class ProvisionalDeadline(models.Model):
    """A deadline counted over a year the calendar did not know: it was computed Monday–Friday and
    written to ``<target_type>.<field>`` of one object. When every missing year is known, the daily
    task (or the load/import of the year) recomputes ``add_working_days(start, days)`` (not earlier
    than ``not_before``), writes it to the field if the field still holds ``computed_on``, and closes
    the row (recomputed); a field set again since is left alone (superseded)."""

    target_type = models.CharField(_("object type"), max_length=100)
    target_id = models.PositiveBigIntegerField(_("object id"))
    field = models.CharField(_("field"), max_length=50)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    region_code = models.CharField(_("region"), max_length=12, db_index=True, blank=True)
    start = models.DateField(_("counted from"))
    days = models.SmallIntegerField(_("working days"))
    not_before = models.DateField(_("not before"), null=True, blank=True)
    computed_on = models.DateField(_("provisional date"))
    #: The years the count touched that the calendar did not know, e.g. [2027].
    missing_years = models.JSONField(_("years missing"), default=list)
    status = models.CharField(
        _("status"), max_length=12, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    final_on = models.DateField(_("recomputed date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ProvisionalDeadlineQuerySet.as_manager()
    permission_prefix = "calendar"

    class Meta:
        verbose_name = _("provisional deadline")
        verbose_name_plural = _("provisional deadlines")
        ordering = ["computed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id", "field"],
                condition=Q(status="open"),
                name="provisional_deadline_one_open",
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeadlineStatus.values), name="provisional_deadline_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "computed_on"], name="provisional_deadline_open")]

    def __str__(self) -> str:
        return f"{self.object_repr or self.target_type} {self.field} {self.computed_on.isoformat()}"
