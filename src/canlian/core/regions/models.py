from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.regions.choices import LEVEL_BY_LENGTH, RegionLevel, RegionSource
from canlian.platform.scoping import RegionScopedQuerySet


class RegionQuerySet(RegionScopedQuerySet):
    def active(self, on: dt.date | None = None) -> RegionQuerySet:
        on = on or timezone.localdate()
        return self.filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=on)).filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=on)
        )

    def subtree(self, code: str) -> RegionQuerySet:
        return self.filter(code__startswith=code)


class Region(models.Model):
    """An administrative region. ``code`` is the tree code: the statistical code cut to its level's
    length, so that a code prefix is a subtree. Abolished regions stay, with ``valid_to`` set."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=80)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,  # region_parent_code (parent, code) serves every lookup by parent
    )
    valid_from = models.DateField(_("in force from"), null=True, blank=True)
    valid_to = models.DateField(_("abolished after"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RegionSource.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RegionQuerySet.as_manager()
    scope_field = "code"
    permission_prefix = "regions"

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="region_level_range"),
        ]
        indexes = [models.Index(fields=["parent", "code"], name="region_parent_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def statistical_code(self) -> str:
        """The 12-digit statistical code (6-digit GB/T 2260 code padded with zeros)."""
        return self.code.ljust(12, "0")

    @property
    def gb_code(self) -> str:
        return self.code[:6].ljust(6, "0")

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.valid_to is None or self.valid_to >= on) and (
            self.valid_from is None or self.valid_from <= on
        )

    def ancestor_codes(self) -> list[str]:
        return [self.code[:n] for n in (2, 4, 6, 9) if n < len(self.code)]

    @staticmethod
    def level_for_code(code: str) -> int | None:
        return LEVEL_BY_LENGTH.get(len(code))


class RegionName(models.Model):
    """A name a region bore during a period: renamed regions keep every earlier name."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="names"
    )
    name = models.CharField(_("name"), max_length=80)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RegionSource.choices)

    class Meta:
        verbose_name = _("region name")
        verbose_name_plural = _("region names")
        ordering = ["region", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name", "valid_from"], name="region_name_unique_period"
            ),
        ]

    def __str__(self) -> str:
        return self.name
