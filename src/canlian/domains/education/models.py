"""Education tables: schools (with or without a resource room) and each school-age disabled child's
placement per school year (regular class 随班就读, special school, home teaching 送教上门, preschool,
not enrolled with a reason), entered or matched from the education department's student list.

Scope: schools carry their own region; placements the child's residence region (copied at write).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.education.choices import NotEnrolledReason, Placement, PlacementSource, SchoolKind
from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, region_pattern_index


class School(RegionOwned):
    """A school or kindergarten disabled children attend; ``resource_room`` marks a school with a
    special-education resource room (资源教室)."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=14, choices=SchoolKind.choices, default=SchoolKind.REGULAR)
    resource_room = models.BooleanField(_("resource room"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "education"

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["region_code", "name"]
        constraints = [models.UniqueConstraint(fields=["region_code", "name"], name="edu_school_name")]
        indexes = [
            region_pattern_index("edu_school_region"),
        ]

    def __str__(self) -> str:
        return self.name


class PlacementRecord(RegionOwned):
    """A child's placement in a school year (``school_year`` 2025 = 2025–2026, counted on 1 September)."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    school_year = models.PositiveSmallIntegerField(_("school year"))
    placement = models.CharField(_("placement"), max_length=16, choices=Placement.choices)
    school = models.ForeignKey(
        School,
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="placements",
    )
    reason = models.CharField(
        _("reason not enrolled"), max_length=10, choices=NotEnrolledReason.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=10, choices=PlacementSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "education"

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-school_year", "region_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "school_year"], name="edu_placement_once"),
            models.CheckConstraint(
                condition=Q(placement="not_enrolled") | Q(reason=""),
                name="edu_placement_reason_only_not_enrolled",
            ),
            models.CheckConstraint(
                condition=~Q(placement="not_enrolled") | ~Q(reason=""),
                name="edu_placement_not_enrolled_reason",
            ),
        ]
        indexes = [
            region_pattern_index("edu_placement_region"),
            models.Index(fields=["school_year", "placement"], name="edu_placement_year"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.get_placement_display()}"
