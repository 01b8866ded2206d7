"""Assisted employment (辅助性就业): the project library, workers with their labour agreements and own
bank accounts, monthly output or hours, the configured minimum wage, and wage sheets (maker-checker)
paid by a bank file in the engine's format into each worker's own account.

Scope: workers, output and wages carry the workshop's ``region_code`` and ``institution``; projects
belong to the region that put them in the library."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.registry.identity import mask_phone
from canlian.domains.community.choices import (
    Level,
    ProjectStatus,
    SheetStatus,
    WageBasis,
    WageLineStatus,
    WorkerStatus,
)
from canlian.domains.community.models._base import ReferenceQuerySet
from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.scoping import InstitutionScopedQuerySet, RegionOwned, region_pattern_index


def mask_account(account: str) -> str:
    """6222 **** **** 1234: the first and last four digits of a bank account."""
    if not account:
        return ""
    if len(account) <= 8:
        return mask_phone(account)
    return f"{account[:4]} **** {account[-4:]}"


class Project(RegionOwned):
    """A work project of the library: the product, the partner company (USCC), how hard, safe and
    valuable it is, the piece rate paid to workers and the institutions using it."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    product = models.CharField(_("product"), max_length=100)
    partner_name = models.CharField(_("partner company"), max_length=100, blank=True)
    partner_uscc = models.CharField(_("partner's unified social credit code"), max_length=18, blank=True)
    difficulty = models.CharField(_("difficulty"), max_length=8, choices=Level.choices, default=Level.LOW)
    safety = models.CharField(_("safety"), max_length=8, choices=Level.choices, default=Level.HIGH)
    added_value = models.CharField(
        _("added value"), max_length=8, choices=Level.choices, default=Level.MEDIUM
    )
    market = models.CharField(_("market prospect"), max_length=8, choices=Level.choices, default=Level.MEDIUM)
    unit = models.CharField(_("unit of output"), max_length=20, default="件")
    piece_rate = models.DecimalField(_("piece rate"), max_digits=8, decimal_places=3, default=0)
    institutions = models.ManyToManyField(
        "institutions.Institution", verbose_name=_("used by"), blank=True, related_name="community_projects"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("work project")
        verbose_name_plural = _("work projects")
        ordering = ["region_code", "name"]
        constraints = [models.CheckConstraint(condition=Q(piece_rate__gte=0), name="community_project_rate")]
        indexes = [
            region_pattern_index("community_project_region"),
        ]

    def __str__(self) -> str:
        return self.name


class Worker(RegionOwned):
    """A registered person of working age in assisted employment at an institution, with a signed labour
    agreement (dates, hours, wage basis and rate) and their own bank account (masked in lists,
    revealed with an audit record). At most one open agreement per person."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="community_workers",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="assisted_jobs"
    )
    agreement_number = models.CharField(_("agreement number"), max_length=40)
    agreement_from = models.DateField(_("agreement from"))
    agreement_to = models.DateField(_("agreement until"), null=True, blank=True)
    weekly_hours = models.DecimalField(_("hours a week"), max_digits=4, decimal_places=1, default=20)
    wage_basis = models.CharField(
        _("wage basis"), max_length=6, choices=WageBasis.choices, default=WageBasis.PIECE
    )
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=8, decimal_places=2, default=0)
    project = models.ForeignKey(
        Project,
        verbose_name=_("main project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bank_name = models.CharField(_("bank"), max_length=60)
    bank_account = models.CharField(_("bank account"), max_length=40)
    account_holder = models.CharField(_("account holder"), max_length=50)
    status = models.CharField(
        _("status"), max_length=8, choices=WorkerStatus.choices, default=WorkerStatus.ACTIVE
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("assisted worker")
        verbose_name_plural = _("assisted workers")
        ordering = ["institution", "-agreement_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="community_worker_one_active"
            ),
            models.CheckConstraint(
                condition=Q(agreement_to__isnull=True) | Q(agreement_to__gte=models.F("agreement_from")),
                name="community_worker_dates",
            ),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="community_worker_rate"),
        ]
        indexes = [
            region_pattern_index("community_worker_region"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.institution_id}"

    @property
    def masked_account(self) -> str:
        return mask_account(self.bank_account)


class WorkOutput(RegionOwned):
    """A worker's output (pieces of a project) or hours in a month."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="output"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    project = models.ForeignKey(
        Project, verbose_name=_("project"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pieces = models.DecimalField(_("pieces"), max_digits=10, decimal_places=1, default=0)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("work output")
        verbose_name_plural = _("work output")
        ordering = ["-month", "worker"]
        constraints = [
            models.UniqueConstraint(fields=["worker", "month", "project"], name="community_output_unique"),
            models.UniqueConstraint(
                fields=["worker", "month"],
                condition=Q(project__isnull=True),
                name="community_output_unique_hours",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="community_output_month"),
            models.CheckConstraint(
                condition=Q(pieces__gte=0) & Q(hours__gte=0), name="community_output_positive"
            ),
        ]
        indexes = [models.Index(fields=["institution", "month"], name="community_output_inst_month")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.month:%Y-%m}"


class MinimumWage(models.Model):
    """The least monthly wage an assisted worker's line may carry, per region prefix, effective-dated
    (configured by the federation; a sheet with a line below it is refused)."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    monthly_amount = models.DecimalField(_("minimum monthly wage"), max_digits=10, decimal_places=2)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("minimum wage")
        verbose_name_plural = _("minimum wages")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "valid_from"], name="community_min_wage_unique"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="community_min_wage_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '*'} {self.monthly_amount}"


class WageSheet(RegionOwned, MakerCheckerBatch):
    """One institution's wages for a month: generated from output and hours, approved by someone
    other than the generator, sent to the bank as a file, closed with the bank's results."""

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=10, choices=SheetStatus.choices, default=SheetStatus.GENERATED
    )
    line_count = models.PositiveIntegerField(_("workers"), default=0)
    exported_at = models.DateTimeField(_("sent to the bank at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("wage sheet")
        verbose_name_plural = _("wage sheets")
        ordering = ["-month", "institution"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "month"], name="community_wage_sheet_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="community_wage_sheet_month"),
        ]
        indexes = [
            region_pattern_index("community_sheet_region"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.month:%Y-%m}"


class WageLine(RegionOwned):
    """One worker's wage in a sheet: pieces and hours, the amount, and the worker's own account as it
    stood when the sheet was generated; the bank's result."""

    sheet = models.ForeignKey(
        WageSheet, verbose_name=_("sheet"), on_delete=models.CASCADE, related_name="lines"
    )
    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="wage_lines"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    basis = models.CharField(_("wage basis"), max_length=6, choices=WageBasis.choices)
    pieces = models.DecimalField(_("pieces"), max_digits=10, decimal_places=1, default=0)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1, default=0)
    amount = models.DecimalField(_("wage"), max_digits=10, decimal_places=2)
    bank_name = models.CharField(_("bank"), max_length=60)
    bank_account = models.CharField(_("bank account"), max_length=40)
    account_holder = models.CharField(_("account holder"), max_length=50)
    status = models.CharField(
        _("status"), max_length=8, choices=WageLineStatus.choices, default=WageLineStatus.PENDING
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("wage line")
        verbose_name_plural = _("wage lines")
        ordering = ["sheet", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "worker"], name="community_wage_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="community_wage_line_amount"),
        ]
        indexes = [models.Index(fields=["worker", "sheet"], name="community_wage_line_worker")]

    def __str__(self) -> str:
        return f"{self.worker_id} {self.amount}"

    @property
    def masked_account(self) -> str:
        return mask_account(self.bank_account)
