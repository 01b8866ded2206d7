"""Employment tables: employers (keyed by USCC), their yearly declarations for the proportional-
employment review (按比例就业年审) with the disabled employees they declare, and the rules as
effective-dated data: the quota rule (ratio, wage cap, exemption, reduction bands) and local wage
figures (minimum monthly wage, average yearly wage) per region prefix.

Employment by real name (实名制): a person's status records (one open at a time, history kept),
training records and job offers, scoped by the person's residence. The 爱心屋 kiosks and employment
bases: a site profile on an institution of that kind, the people it employs and its support funds.
The subsidies of employers above the quota: an effective-dated standard per person and the
maker-checker batches paying them.

Scope: employers and declarations carry ``region_code`` = the employer's registered region. Rules
and wages are reference data: a region reads its own and its ancestors' rows ("" = national).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.employment.choices import (
    DeclarationSource,
    DeclarationStatus,
    EmployeeVerdict,
    EmployerKind,
    FundStatus,
    OfferOutcome,
    RecordSource,
    RejectReason,
    SubsidyBatchStatus,
    WorkerKind,
    WorkStatus,
)
from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, region_pattern_index, scope_of


class ReferenceQuerySet(RegionScopedQuerySet):
    """Reference data: viewing reaches the user's regions and the regions above them."""

    def for_user(self, user: Any, action: str = "view") -> RegionScopedQuerySet:
        permission = self._permission(action)
        scope = scope_of(user, permission)
        if action == "view" or permission.endswith(".view"):
            return self.filter(scope.q_with_ancestors("region_code"))
        return self.filter(scope.q("region_code"))

    def in_force(self, region_code: str, on: Any) -> Any:
        """The row of the longest region prefix of ``region_code`` in force on ``on`` (or None)."""
        prefixes = [region_code[:n] for n in (0, 2, 4, 6, 9, 12) if n <= len(region_code)]
        rows = self.filter(region_code__in=prefixes, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
        return max(rows, key=lambda r: (len(r.region_code), r.valid_from), default=None)


class QuotaRule(models.Model):
    """The proportional-employment rule of a region from a date: the quota ratio (e.g. 1.5%), the cap
    of the wage base as a multiple of the local average wage (2 since 2018), the small-employer
    exemption (≤30 in-post staff, 2023–2027) and the reduction bands (2023–2027: an achieved ratio of
    at least 1% pays 50%, below it 90%). A blank band means the fund is paid in full."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    quota_ratio = models.DecimalField(_("quota ratio"), max_digits=6, decimal_places=4)
    wage_cap_multiple = models.DecimalField(_("wage cap (× local average)"), max_digits=4, decimal_places=2)
    exempt_staff_max = models.PositiveIntegerField(
        _("exempt up to staff"),
        null=True,
        blank=True,
        help_text=_("Employers with at most this many staff pay nothing."),
    )
    band_ratio = models.DecimalField(
        _("reduction band: achieved ratio from"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    band_share = models.DecimalField(
        _("share paid at or above the band"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    below_band_share = models.DecimalField(
        _("share paid below the band"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("quota rule")
        verbose_name_plural = _("quota rules")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "valid_from"], name="emp_quota_rule_from"),
            models.CheckConstraint(
                condition=Q(quota_ratio__gt=0, quota_ratio__lt=1), name="emp_quota_ratio_range"
            ),
            models.CheckConstraint(condition=Q(wage_cap_multiple__gt=0), name="emp_quota_cap_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="emp_quota_rule_dates",
            ),
            models.CheckConstraint(
                condition=(
                    Q(band_ratio__isnull=True, band_share__isnull=True, below_band_share__isnull=True)
                    | Q(band_ratio__isnull=False, band_share__isnull=False, below_band_share__isnull=False)
                ),
                name="emp_quota_band_complete",
            ),
        ]
        indexes = [
            region_pattern_index("emp_quota_region"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '—'} {self.valid_from:%Y-%m-%d} {self.quota_ratio:%}"


class LocalWage(models.Model):
    """A region's wage figures from a date: the minimum monthly wage (最低工资标准) an employee must be
    paid to count, and the average yearly wage (社会平均工资) that caps the fund's wage base."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    minimum_wage_month = models.DecimalField(_("minimum monthly wage"), max_digits=10, decimal_places=2)
    average_wage_year = models.DecimalField(_("average yearly wage"), max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("local wage figures")
        verbose_name_plural = _("local wage figures")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "valid_from"], name="emp_wage_from"),
            models.CheckConstraint(
                condition=Q(minimum_wage_month__gt=0, average_wage_year__gt=0), name="emp_wage_positive"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="emp_wage_dates",
            ),
        ]
        indexes = [
            region_pattern_index("emp_wage_region"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '—'} {self.valid_from:%Y-%m-%d}"


class EmployerQuerySet(RegionScopedQuerySet):
    pass


class Employer(RegionOwned):
    """An employer liable to the proportional-employment rule, identified by its unified social
    credit code (统一社会信用代码). ``staff_known``/``wage_known`` are the figures the tax authority
    or social insurance reports, used when the employer does not declare."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(
        _("kind"), max_length=12, choices=EmployerKind.choices, default=EmployerKind.ENTERPRISE
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact = models.CharField(_("contact person"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    staff_known = models.DecimalField(
        _("in-post staff (tax data)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    wage_known = models.DecimalField(
        _("average yearly wage (tax data)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = EmployerQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name", "id"]
        indexes = [
            region_pattern_index("emp_employer_region"),
        ]

    def __str__(self) -> str:
        return self.name


class Declaration(RegionOwned):
    """An employer's yearly declaration (年审申报) of the employment year ``year``: average in-post
    staff, average yearly wage and the disabled employees; the fund is levied the year after. The
    review stores every figure of the computation, with the rule and the wage figures it used."""

    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="declarations"
    )
    year = models.PositiveSmallIntegerField(_("employment year"))
    source = models.CharField(_("source"), max_length=14, choices=DeclarationSource.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DeclarationStatus.choices, default=DeclarationStatus.SUBMITTED
    )
    staff = models.DecimalField(_("average in-post staff"), max_digits=10, decimal_places=2)
    average_wage = models.DecimalField(_("average yearly wage"), max_digits=12, decimal_places=2)
    # the review's figures
    rule = models.ForeignKey(QuotaRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    wage = models.ForeignKey(LocalWage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counted = models.PositiveIntegerField(_("disabled employees counted"), null=True, blank=True)
    required = models.DecimalField(_("required"), max_digits=12, decimal_places=4, null=True, blank=True)
    shortfall = models.DecimalField(_("shortfall"), max_digits=12, decimal_places=4, null=True, blank=True)
    wage_base = models.DecimalField(_("wage base"), max_digits=12, decimal_places=2, null=True, blank=True)
    gross = models.DecimalField(
        _("fund before reduction"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    share = models.DecimalField(_("share paid"), max_digits=5, decimal_places=4, null=True, blank=True)
    exempt = models.BooleanField(_("exempt"), default=False)
    fund_due = models.DecimalField(_("fund due"), max_digits=14, decimal_places=2, null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("employment declaration")
        verbose_name_plural = _("employment declarations")
        ordering = ["-year", "employer__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "year"], name="emp_declaration_year"),
            models.CheckConstraint(
                condition=Q(staff__gte=0, average_wage__gte=0), name="emp_declaration_positive"
            ),
        ]
        indexes = [
            region_pattern_index("emp_decl_region"),
            models.Index(fields=["year", "status"], name="emp_decl_year_status"),
        ]

    def __str__(self) -> str:
        return f"{self.employer} {self.year}"

    @property
    def levy_year(self) -> int:
        return self.year + 1

    @property
    def achieved_ratio(self) -> Decimal | None:
        if self.counted is None or not self.staff:
            return None
        return Decimal(self.counted) / self.staff


class DeclaredEmployee(models.Model):
    """A disabled employee an employer declares, with the review's verdict. An accepted employee is
    counted by one employer in a year only (a partial unique constraint): the second claim is
    rejected naming the employer that counts them."""

    declaration = models.ForeignKey(
        Declaration, verbose_name=_("declaration"), on_delete=models.CASCADE, related_name="employees"
    )
    year = models.PositiveSmallIntegerField(_("employment year"))
    name = models.CharField(_("name"), max_length=50)
    certificate_number = models.CharField(_("certificate number"), max_length=22)
    id_number = models.CharField(_("ID number"), max_length=18)
    contract_start = models.DateField(_("contract from"))
    contract_end = models.DateField(_("contract until"), null=True, blank=True)
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=10, decimal_places=2)
    insurance_paid = models.BooleanField(_("social insurance paid"))
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("counts as"), default=0)
    verdict = models.CharField(
        _("verdict"), max_length=10, choices=EmployeeVerdict.choices, default=EmployeeVerdict.PENDING
    )
    reason = models.CharField(_("reason"), max_length=20, choices=RejectReason.choices, blank=True)
    reason_note = models.CharField(_("reason note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("declared disabled employee")
        verbose_name_plural = _("declared disabled employees")
        ordering = ["declaration", "id"]
        constraints = [
            models.UniqueConstraint(fields=["declaration", "id_number"], name="emp_employee_once"),
            models.UniqueConstraint(
                fields=["person", "year"], condition=Q(verdict="accepted"), name="emp_employee_counted_once"
            ),
        ]
        indexes = [models.Index(fields=["id_number", "year"], name="emp_employee_id_year")]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        from canlian.core.registry.identity import mask_id

        return mask_id(self.id_number)


# --- employment by real name (实名制) ---------------------------------------------------------------


class PersonRowQuerySet(RegionScopedQuerySet):
    """Rows of a person, scoped by the person's residence."""


class EmploymentStatus(models.Model):
    """A person's employment status from a date (实名制就业): employed by an employer (which may be a
    registered ``Employer``), self-employed, flexible, assisted, a public-welfare post, farming, not
    employed and able to work, or unable to work. One record is open per person; recording a new
    status ends the open one the day before the new one starts, so the history stays."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("employment status"), max_length=16, choices=WorkStatus.choices)
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("employer or workplace"), max_length=120, blank=True)
    post = models.CharField(_("post"), max_length=60, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PersonRowQuerySet.as_manager()
    permission_prefix = "employment"
    scope_field = "person__region_code"

    class Meta:
        verbose_name = _("employment status")
        verbose_name_plural = _("employment statuses")
        ordering = ["person", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="emp_status_one_open"
            ),
            models.UniqueConstraint(fields=["person", "started_on"], name="emp_status_start_once"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="emp_status_dates",
            ),
        ]
        indexes = [models.Index(fields=["status", "started_on"], name="emp_status_kind_start")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.started_on:%Y-%m-%d}"


class TrainingRecord(models.Model):
    """A training a person took: course, provider, hours, dates, the certificate obtained and the
    program or source that paid for it (real-name training, 实名制培训)."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    course = models.CharField(_("course"), max_length=100)
    provider = models.CharField(_("provider"), max_length=100, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    certificate_obtained = models.BooleanField(_("certificate obtained"), default=False)
    certificate_name = models.CharField(_("certificate"), max_length=100, blank=True)
    funding = models.CharField(_("funding program or source"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PersonRowQuerySet.as_manager()
    permission_prefix = "employment"
    scope_field = "person__region_code"

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["person", "-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "course", "started_on"], name="emp_training_once"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="emp_training_hours"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="emp_training_dates",
            ),
        ]
        indexes = [models.Index(fields=["started_on"], name="emp_training_start")]

    def __str__(self) -> str:
        return self.course


class JobOffer(models.Model):
    """A job offered or a referral made to a person (岗位推荐): the employer or post, the date, the
    outcome."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employer_name = models.CharField(_("employer"), max_length=120, blank=True)
    post = models.CharField(_("post"), max_length=60)
    offered_on = models.DateField(_("offered on"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=OfferOutcome.choices, default=OfferOutcome.PENDING
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PersonRowQuerySet.as_manager()
    permission_prefix = "employment"
    scope_field = "person__region_code"

    class Meta:
        verbose_name = _("job offer")
        verbose_name_plural = _("job offers")
        ordering = ["person", "-offered_on", "-id"]

    def __str__(self) -> str:
        return self.post


# --- 爱心屋 kiosks and employment bases ---------------------------------------------------------------


class Site(RegionOwned):
    """The employment profile of an institution of kind 爱心屋 kiosk or employment base: the sponsor
    (name and unified social credit code), the opening date, the address."""

    institution = models.OneToOneField(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    sponsor_name = models.CharField(_("sponsor"), max_length=120)
    sponsor_uscc = models.CharField(_("sponsor's unified social credit code"), max_length=18, blank=True)
    opened_on = models.DateField(_("opened on"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("employment site")
        verbose_name_plural = _("employment sites")
        ordering = ["region_code", "id"]
        indexes = [
            region_pattern_index("emp_site_region"),
        ]

    def __str__(self) -> str:
        return str(self.sponsor_name)


class SiteWorker(RegionOwned):
    """A person a site employs: a registered disabled person, or a relative of one registered by name
    and ID number and linked to the disabled person; dates, post, monthly pay."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.CASCADE, related_name="workers")
    kind = models.CharField(_("worker"), max_length=10, choices=WorkerKind.choices)
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("disabled person"), on_delete=models.PROTECT, related_name="+"
    )
    relative_name = models.CharField(_("relative's name"), max_length=50, blank=True)
    relative_id_number = models.CharField(_("relative's ID number"), max_length=18, blank=True)
    relationship = models.CharField(_("relationship"), max_length=20, blank=True)
    post = models.CharField(_("post"), max_length=60)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    monthly_pay = models.DecimalField(_("monthly pay"), max_digits=10, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("site worker")
        verbose_name_plural = _("site workers")
        ordering = ["site", "-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="disabled", relative_id_number="")
                | Q(kind="relative", relative_name__gt="", relative_id_number__gt=""),
                name="emp_site_worker_kind",
            ),
            models.CheckConstraint(condition=Q(monthly_pay__gte=0), name="emp_site_worker_pay"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="emp_site_worker_dates",
            ),
            models.UniqueConstraint(
                fields=["site", "person", "relative_id_number"],
                condition=Q(ended_on__isnull=True),
                name="emp_site_worker_open_once",
            ),
        ]

    def __str__(self) -> str:
        return self.relative_name or str(self.person_id)

    @property
    def masked_relative_id(self) -> str:
        from canlian.core.registry.identity import mask_id

        return mask_id(self.relative_id_number) if self.relative_id_number else ""


class SiteFund(RegionOwned, MakerCheckerBatch):
    """A support fund granted to a site for a year (amount in ``total_amount``, purpose): proposed by
    one user, approved by another (maker-checker)."""

    site = models.ForeignKey(Site, verbose_name=_("site"), on_delete=models.PROTECT, related_name="funds")
    year = models.PositiveSmallIntegerField(_("year"))
    purpose = models.CharField(_("purpose"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=FundStatus.choices, default=FundStatus.PROPOSED
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("site support fund")
        verbose_name_plural = _("site support funds")
        ordering = ["-year", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total_amount__gt=0), name="emp_site_fund_amount")]

    def __str__(self) -> str:
        return f"{self.year} {self.total_amount}"


# --- subsidies of employers above the quota (超比例奖励) -----------------------------------------------


class QuotaSubsidyStandard(models.Model):
    """The subsidy per disabled employee counted above the quota, by region prefix from a date (the
    longest prefix in force on 1 January of the levy year wins)."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    amount = models.DecimalField(_("per person above the quota"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("above-quota subsidy standard")
        verbose_name_plural = _("above-quota subsidy standards")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "valid_from"], name="emp_subsidy_std_from"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="emp_subsidy_std_amount"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="emp_subsidy_std_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '—'} {self.valid_from:%Y-%m-%d} {self.amount}"


class QuotaSubsidyBatch(RegionOwned, MakerCheckerBatch):
    """The above-quota subsidies of a region's reviewed declarations of an employment year: generated
    by one user, approved by another."""

    year = models.PositiveSmallIntegerField(_("employment year"))
    status = models.CharField(
        _("status"), max_length=10, choices=SubsidyBatchStatus.choices, default=SubsidyBatchStatus.GENERATED
    )
    line_count = models.PositiveIntegerField(_("employers"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("above-quota subsidy batch")
        verbose_name_plural = _("above-quota subsidy batches")
        ordering = ["-year", "region_code", "-id"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class QuotaSubsidyLine(RegionOwned):
    """One employer's subsidy in a batch: its reviewed declaration, the whole persons counted above
    the quota, the standard and the amount. A declaration is subsidised once."""

    batch = models.ForeignKey(
        QuotaSubsidyBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="lines"
    )
    declaration = models.OneToOneField(
        Declaration, verbose_name=_("declaration"), on_delete=models.PROTECT, related_name="subsidy_line"
    )
    above = models.PositiveIntegerField(_("persons above the quota"))
    standard = models.ForeignKey(QuotaSubsidyStandard, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "employment"

    class Meta:
        verbose_name = _("above-quota subsidy line")
        verbose_name_plural = _("above-quota subsidy lines")
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.declaration_id} {self.amount}"
