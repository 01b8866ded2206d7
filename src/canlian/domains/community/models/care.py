"""Care (托养): residents of care institutions or homes in three modes, the allowances recorded for
them, the fee rule as data with its monthly fee statements, the yearly care subsidy standards by mode
and the subsidy batches paid to institutions.

Scope: rows carry the institution's ``region_code`` and ``institution`` (its staff reach their own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.community.choices import AllowanceKind, BatchStatus, CapBasis, CareMode, EndReason
from canlian.domains.community.models._base import ReferenceQuerySet
from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.scoping import (
    InstitutionScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
    region_pattern_index,
)


class CareResident(RegionOwned):
    """A person in care at an institution (a care centre or a home) in one mode, from admission to
    discharge, with the next review date and the institution's monthly fee for them."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="care_residents",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="care_stays"
    )
    mode = models.CharField(_("mode"), max_length=12, choices=CareMode.choices)
    admitted_on = models.DateField(_("admitted on"))
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    discharge_reason = models.CharField(
        _("discharge reason"), max_length=10, choices=EndReason.choices, blank=True
    )
    review_on = models.DateField(_("next review on"), null=True, blank=True)
    #: What the institution charges a month (before the cap of the fee rule).
    monthly_fee = models.DecimalField(
        _("institution's monthly fee"), max_digits=10, decimal_places=2, default=0
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("care resident")
        verbose_name_plural = _("care residents")
        ordering = ["institution", "-admitted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(discharged_on__isnull=True), name="community_resident_one_open"
            ),
            models.CheckConstraint(
                condition=Q(discharged_on__isnull=True) | Q(discharged_on__gte=models.F("admitted_on")),
                name="community_resident_dates",
            ),
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="community_resident_fee"),
        ]
        indexes = [
            region_pattern_index("community_resident_region"),
            models.Index(fields=["institution", "discharged_on"], name="community_resident_inst"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.institution_id}"


class Allowance(RegionOwned):
    """A resident's own allowance from civil affairs (低保金, 五保金) with its monthly amount and dates,
    as the fee rule reads it (the registry records the status, not the amount)."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="community_allowances",
    )
    #: The institution whose staff recorded it (their reach), or none when the federation did.
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("allowance"), max_length=8, choices=AllowanceKind.choices)
    monthly_amount = models.DecimalField(_("monthly amount"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("allowance")
        verbose_name_plural = _("allowances")
        ordering = ["person", "kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(valid_to__isnull=True),
                name="community_allowance_one_open",
            ),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="community_allowance_amount"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="community_allowance_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.monthly_amount}"


class FeeRule(models.Model):
    """The fee rule as data (Weishan: residents from 低保/五保 households bring their own allowances
    and stay free; others pay no more than that amount). Effective-dated, per region prefix.

    For a resident and month: the *basis* is the allowances recorded (``allowance_kinds``) plus the
    paid lines of the month of the engine programs named (``subsidy_programs``); on the days the
    resident holds one of ``hardship_kinds`` the fee is the basis, on the other days the institution's
    fee capped at the basis (``cap_basis`` "own") or at ``cap_amount`` ("fixed"), day-weighted over
    the days of the month."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    hardship_kinds = models.JSONField(_("households that bring their allowances"), default=list)
    allowance_kinds = models.JSONField(_("allowances counted"), default=list)
    subsidy_programs = models.JSONField(_("subsidy programs counted"), default=list)
    cap_basis = models.CharField(
        _("cap of the others' fee"), max_length=8, choices=CapBasis.choices, default=CapBasis.OWN
    )
    cap_amount = models.DecimalField(_("fixed cap"), max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "valid_from"], name="community_fee_rule_unique"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="community_fee_rule_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '*'} {self.valid_from}"


class FeeStatement(RegionOwned):
    """A resident's fee for one month under the fee rule, with its parts named (低保金, 五保金, living
    subsidy, nursing subsidy), the cap and the days: regenerated whenever the facts change."""

    resident = models.ForeignKey(
        CareResident, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="statements"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    rule = models.ForeignKey(FeeRule, verbose_name=_("fee rule"), on_delete=models.PROTECT, related_name="+")
    days_in_month = models.PositiveSmallIntegerField(_("days in the month"))
    resident_days = models.PositiveSmallIntegerField(_("days in care"))
    hardship_days = models.PositiveSmallIntegerField(_("days in a 低保/五保 household"))
    dibao_amount = models.DecimalField(_("低保金"), max_digits=10, decimal_places=2, default=0)
    wubao_amount = models.DecimalField(_("五保金"), max_digits=10, decimal_places=2, default=0)
    living_amount = models.DecimalField(_("living subsidy"), max_digits=10, decimal_places=2, default=0)
    nursing_amount = models.DecimalField(_("nursing subsidy"), max_digits=10, decimal_places=2, default=0)
    basis = models.DecimalField(_("own allowances"), max_digits=10, decimal_places=2, default=0)
    institution_fee = models.DecimalField(_("institution's fee"), max_digits=10, decimal_places=2, default=0)
    cap = models.DecimalField(_("cap"), max_digits=10, decimal_places=2, default=0)
    fee = models.DecimalField(_("fee due"), max_digits=10, decimal_places=2, default=0)
    detail = models.JSONField(_("detail"), default=dict)
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("fee statement")
        verbose_name_plural = _("fee statements")
        ordering = ["-month", "institution", "resident"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "month"], name="community_statement_monthly"),
            models.CheckConstraint(condition=Q(month__day=1), name="community_statement_month"),
        ]
        indexes = [
            region_pattern_index("community_statement_region"),
            models.Index(fields=["institution", "month"], name="community_statement_inst"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.month:%Y-%m} {self.fee}"


class CareSubsidyStandard(models.Model):
    """The yearly care subsidy per person by mode (e.g. residential ≥1,500, day/home ≥600), per region
    prefix, effective-dated; a year's months count when the resident was in care at least
    ``min_days`` days of it."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    mode = models.CharField(_("mode"), max_length=12, choices=CareMode.choices)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    yearly_amount = models.DecimalField(_("yearly amount"), max_digits=10, decimal_places=2)
    min_days = models.PositiveSmallIntegerField(_("days that make a month count"), default=15)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("care subsidy standard")
        verbose_name_plural = _("care subsidy standards")
        ordering = ["region_code", "mode", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "mode", "valid_from"], name="community_care_std_unique"
            ),
            models.CheckConstraint(condition=Q(yearly_amount__gte=0), name="community_care_std_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.yearly_amount}"


class CareSubsidyBatch(RegionOwned, MakerCheckerBatch):
    """One institution's care subsidy for a year (per resident, by mode and months in care), approved
    by someone else and paid to the institution."""

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.GENERATED
    )
    line_count = models.PositiveIntegerField(_("residents"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("care subsidy batch")
        verbose_name_plural = _("care subsidy batches")
        ordering = ["-year", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "year"], name="community_care_batch_unique")
        ]
        indexes = [
            region_pattern_index("community_care_batch_region"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year}"


class CareSubsidyLine(RegionOwned):
    """One resident's care subsidy in a batch: mode, months counted, the standard and the amount."""

    batch = models.ForeignKey(
        CareSubsidyBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="lines"
    )
    resident = models.ForeignKey(
        CareResident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=12, choices=CareMode.choices)
    months = models.PositiveSmallIntegerField(_("months counted"))
    standard = models.ForeignKey(
        CareSubsidyStandard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("care subsidy line")
        verbose_name_plural = _("care subsidy lines")
        ordering = ["batch", "resident"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "resident"], name="community_care_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.amount}"
