"""Steering tables: indicator summaries (kept current set-based), targets, bulletin schemes.

``IndicatorValue`` holds one row per indicator, region (every level: province … village, and "" for
the national total), year and month: the month's numerator and denominator as the indicator's period
rules define them (``platform/indicators.py``). A dashboard reads these rows only; they are written by
``reporting/steering/refresh.py`` in one INSERT … SELECT per indicator and month, never row by row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, region_pattern_index


class SteeringQuerySet(RegionScopedQuerySet):
    pass


class IndicatorValue(models.Model):
    indicator = models.CharField(_("indicator"), max_length=60)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    #: The region one level up ("" under a province, NULL for the national row).
    parent_code = models.CharField(_("parent region"), max_length=12, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=2)
    denominator = models.DecimalField(
        _("denominator"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    objects = SteeringQuerySet.as_manager()
    permission_prefix = "steering"

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "indicator", "month"], name="indicatorvalue_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="indicatorvalue_month"
            ),
        ]
        indexes = [
            models.Index(fields=["parent_code", "year", "indicator", "month"], name="indicatorvalue_parent"),
            models.Index(fields=["indicator", "year", "month"], name="indicatorvalue_refresh"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_code or '*'} {self.year}-{self.month:02d}"


class IndicatorRefresh(models.Model):
    """When an indicator's summaries of one year were last recomputed: the "as of" shown next to
    every figure."""

    indicator = models.CharField(_("indicator"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    refreshed_at = models.DateTimeField(_("as of"))
    seconds = models.FloatField(_("seconds"), default=0)
    months = models.CharField(_("months"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("indicator refresh")
        verbose_name_plural = _("indicator refreshes")
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="indicatorrefresh_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} @ {self.refreshed_at:%Y-%m-%d %H:%M}"


class Target(RegionOwned):
    """A yearly target of one indicator for one region (a count, an amount in yuan, or a rate as a
    fraction: 0.98 = 98%). Set by the region itself or by the level above, and cascaded down."""

    indicator = models.CharField(_("indicator"), max_length=60)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    objects = SteeringQuerySet.as_manager()
    permission_prefix = "steering"

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["year", "indicator", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "region_code", "year"], name="target_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_not_negative"),
        ]
        indexes = [
            region_pattern_index("target_region"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_code} {self.year}: {self.value}"


class BulletinKind(models.TextChoices):
    MONTHLY = "monthly", _("Monthly dispatch (月调度)")
    QUARTERLY = "quarterly", _("Quarterly bulletin (季通报)")
    YEARLY = "yearly", _("Yearly summary (年总结)")


class BulletinScheme(RegionOwned):
    """Which indicators rank the sub-regions in a bulletin, and with what weights. Owned by the
    region that publishes it; ``items`` is a list of ``{"indicator": code, "weight": number}``."""

    name = models.CharField(_("name"), max_length=80)
    items = models.JSONField(_("indicators and weights"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = SteeringQuerySet.as_manager()
    permission_prefix = "steering"

    class Meta:
        verbose_name = _("bulletin scheme")
        verbose_name_plural = _("bulletin schemes")
        ordering = ["region_code", "name"]
        constraints = [models.UniqueConstraint(fields=["region_code", "name"], name="bulletinscheme_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.region_code})"
