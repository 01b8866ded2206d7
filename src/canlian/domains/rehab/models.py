"""Children's rehabilitation tables.

An application is the engine's ``Enrollment`` in program ``child-rehab`` (review chain, steps,
eligibility rules as data). Once active, the county records the guardian's choice of institution in a
yearly ``RehabPlan`` (one training category per child per year); the institution records daily
``Attendance``; ``SettlementRule`` rows (effective-dated, per region prefix, one of three families)
turn a year's training days into money in a ``SettlementBatch`` per institution and period, whose
``SettlementLine`` rows explain themselves.

Scope: rows carry the child's residence ``region_code`` (federation users reach them by region) and
``institution`` (the institution's staff reach their own institution's rows only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.choices import ServiceCategory
from canlian.domains.rehab.choices import (
    AttendanceSource,
    BatchStatus,
    BelowThreshold,
    DeviceStatus,
    PlanEndReason,
    PlanStatus,
    RuleFamily,
    SurgeryStatus,
    TrainingMode,
)
from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.scoping import (
    InstitutionScopedQuerySet,
    ReferenceScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
    region_pattern_index,
)


class RehabPlan(RegionOwned):
    """A child's service plan for a year at the institution the guardian chose: planned hours and
    goals, the therapist in charge (who must hold a valid staff certificate: "no certificate, no
    duty"). One training category per child per year: a child may have several plans in a year (one
    ended at an institution, the next one continuing at another: ``transferred_from``), never two
    open at once (a partial unique constraint), all of the same category and with dates that do not
    overlap (checked by the actions). An ended plan has ``ended_on`` (its last day, equal to
    ``ends_on``) and ``end_reason``."""

    enrollment = models.ForeignKey(
        "programs.Enrollment",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="rehab_plans",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="rehab_plans"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="rehab_plans",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("training category"), max_length=1, choices=ServiceCategory.choices)
    mode = models.CharField(
        _("mode"), max_length=8, choices=TrainingMode.choices, default=TrainingMode.CENTRE
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    planned_days = models.PositiveSmallIntegerField(_("planned training days"), default=0)
    hours = models.PositiveSmallIntegerField(_("planned hours"), default=0)
    goals = models.TextField(_("goals"), blank=True)
    therapist = models.ForeignKey(
        "institutions.StaffMember",
        verbose_name=_("therapist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rehab_plans",
    )
    guardian_name = models.CharField(_("guardian"), max_length=50, blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=PlanStatus.choices, default=PlanStatus.ACTIVE
    )
    #: The plan's last day when it was ended (early, or by a transfer); None while it is open.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=10, choices=PlanEndReason.choices, blank=True, db_default=""
    )
    end_note = models.CharField(_("end note"), max_length=200, blank=True, db_default="")
    #: The plan this one continues (the child changed institution mid-year).
    transferred_from = models.OneToOneField(
        "self",
        verbose_name=_("continues the plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transferred_to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "rehab"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("rehabilitation plan")
        verbose_name_plural = _("rehabilitation plans")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"],
                condition=Q(ended_on__isnull=True),
                name="rehab_plan_one_open_per_year",
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="rehab_plan_dates"),
            models.CheckConstraint(
                condition=(Q(status=PlanStatus.ACTIVE) & Q(ended_on__isnull=True))
                | (Q(status=PlanStatus.ENDED) & Q(ended_on__isnull=False)),
                name="rehab_plan_end_state",
            ),
        ]
        indexes = [
            region_pattern_index("rehab_plan_region"),
            models.Index(fields=["institution", "year"], name="rehab_plan_institution_year"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.get_category_display()}"


class DeviceKind(models.Model):
    """An assistive device and how often it may be replaced (hearing aids and wheelchairs every 3
    years, prostheses every year). Reference data, seeded by migration, editable."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    replacement_months = models.PositiveSmallIntegerField(_("replacement interval (months)"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("device kind")
        verbose_name_plural = _("device kinds")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeviceProvision(RegionOwned):
    """An assistive device given to a child; another of the same kind only after the interval."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="rehab_devices"
    )
    kind = models.ForeignKey(DeviceKind, verbose_name=_("device"), on_delete=models.PROTECT, related_name="+")
    provided_on = models.DateField(_("provided on"))
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("fitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rehab_devices",
    )
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=DeviceStatus.choices, default=DeviceStatus.PROVIDED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "rehab"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("device provision")
        verbose_name_plural = _("device provisions")
        ordering = ["-provided_on", "-id"]
        indexes = [
            region_pattern_index("rehab_device_region"),
            models.Index(fields=["person", "kind"], name="rehab_device_person_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind_id} {self.provided_on}"


class SurgeryReferral(RegionOwned):
    """A referral for surgery (e.g. cochlear implant, cataract, orthopaedic correction)."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="rehab_surgeries"
    )
    operation = models.CharField(_("operation"), max_length=100)
    hospital = models.CharField(_("hospital"), max_length=100)
    referred_on = models.DateField(_("referred on"))
    status = models.CharField(
        _("status"), max_length=10, choices=SurgeryStatus.choices, default=SurgeryStatus.REFERRED
    )
    operated_on = models.DateField(_("operated on"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "rehab"

    class Meta:
        verbose_name = _("surgery referral")
        verbose_name_plural = _("surgery referrals")
        ordering = ["-referred_on", "-id"]
        indexes = [
            region_pattern_index("rehab_surgery_region"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.referred_on}"


class Attendance(RegionOwned):
    """One day a child trained at the institution (a sign-in). Absent days have no row. At province
    scale this is the largest table (children × ~200 days a year): narrow rows, two indexes.
    ``on_holiday``: the day is a public holiday and the sign-in was explicitly confirmed (by
    ``recorded_by``); such days are flagged in the training-days list."""

    plan = models.ForeignKey(
        RehabPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="attendance", db_index=False
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    on = models.DateField(_("date"))
    source = models.CharField(
        _("source"), max_length=8, choices=AttendanceSource.choices, default=AttendanceSource.PAGE
    )
    on_holiday = models.BooleanField(_("on a public holiday (confirmed)"), default=False, db_default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "rehab"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["plan", "on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "on"], name="rehab_attendance_once_a_day"),
        ]
        indexes = [
            models.Index(fields=["institution", "on"], name="rehab_attendance_inst_day"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.on}"


class SettlementRuleQuerySet(ReferenceScopedQuerySet):
    """Rules are owned by the region they name ("" = national). Changing one needs its region in
    scope; reading (``rehab.view``) also reaches the rules of the regions above and the national
    rules, which every reader sees."""

    national_rows_for_every_reader = True


class SettlementRule(models.Model):
    """How training turns into money, as data: effective-dated (whole months), per region prefix,
    keyed by age band, training categories and mode (blank = any). For a child and month the matching
    rule with the longest region prefix, then the most keys, then the latest start applies.

    Families: ``threshold`` (≥ ``min_days`` training days in the year → ``amount`` training +
    ``transport_amount`` transport; below it ``below_threshold`` decides), ``per_month`` (``amount``
    for each month with ≥ ``min_days`` days, at most ``max_months`` months a year), ``per_year``
    (``amount`` a year when the year has ≥ ``min_days`` days, for at most ``max_years`` years)."""

    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        related_name="settlement_rules",
    )
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    family = models.CharField(_("rule family"), max_length=12, choices=RuleFamily.choices)
    age_min = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("age up to (inclusive)"), null=True, blank=True)
    #: Training categories covered, as ServiceCategory codes ("1"); blank = any.
    categories = models.CharField(_("categories"), max_length=10, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=TrainingMode.choices, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    transport_amount = models.DecimalField(_("transport subsidy"), max_digits=10, decimal_places=2, default=0)
    min_days = models.PositiveSmallIntegerField(_("minimum training days"), default=0)
    below_threshold = models.CharField(
        _("below the threshold"),
        max_length=20,
        choices=BelowThreshold.choices,
        default=BelowThreshold.NOTHING,
    )
    max_months = models.PositiveSmallIntegerField(_("at most months a year"), null=True, blank=True)
    max_years = models.PositiveSmallIntegerField(_("at most years"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = SettlementRuleQuerySet.as_manager()
    permission_prefix = "rehab"

    class Meta:
        verbose_name = _("settlement rule")
        verbose_name_plural = _("settlement rules")
        ordering = ["program", "region_code", "-valid_from", "family"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "region_code", "valid_from", "age_min", "age_max", "categories", "mode"],
                name="settlement_rule_unique_key",
            ),
            models.CheckConstraint(condition=Q(valid_from__day=1), name="settlement_rule_month_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="settlement_rule_dates",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(transport_amount__gte=0), name="settlement_rule_amounts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_family_display()} {self.region_code or '*'} {self.valid_from}"


class SettlementBatch(RegionOwned, MakerCheckerBatch):
    """One institution's settlement for a period of whole months within one year: generated
    set-based, approved by someone other than the generator (maker-checker, the columns and the rule
    of ``platform.batches.MakerCheckerBatch``), exported and paid to the institution.
    ``region_code`` is the institution's."""

    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="settlement_batches",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="settlement_batches",
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.GENERATED
    )
    line_count = models.PositiveIntegerField(_("children"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "rehab"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("settlement batch")
        verbose_name_plural = _("settlement batches")
        ordering = ["-period_end", "institution"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "institution", "period_start", "period_end"],
                name="settlement_batch_unique",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="settlement_batch_dates"
            ),
        ]
        indexes = [
            region_pattern_index("settlement_batch_region"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.period_start:%Y-%m}–{self.period_end:%Y-%m}"


class SettlementLine(RegionOwned):
    """What a batch pays for one child under one rule: the training days counted, the rule, the
    components and what earlier batches of the year already paid. ``amount`` is due in this batch."""

    batch = models.ForeignKey(
        SettlementBatch,
        verbose_name=_("batch"),
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
    )
    plan = models.ForeignKey(
        RehabPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="settlement_lines"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("child"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    rule = models.ForeignKey(
        SettlementRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    family = models.CharField(_("rule family"), max_length=12, choices=RuleFamily.choices, blank=True)
    #: Training days counted under this rule (in the year up to the batch's end).
    days = models.PositiveSmallIntegerField(_("training days"), default=0)
    #: Training days in the whole year up to the batch's end (the threshold is judged on these).
    year_days = models.PositiveSmallIntegerField(_("training days in the year"), default=0)
    months = models.PositiveSmallIntegerField(_("months counted"), default=0)
    training_amount = models.DecimalField(_("training subsidy"), max_digits=10, decimal_places=2, default=0)
    transport_amount = models.DecimalField(_("transport subsidy"), max_digits=10, decimal_places=2, default=0)
    already_paid = models.DecimalField(
        _("paid by earlier batches"), max_digits=10, decimal_places=2, default=0
    )
    amount = models.DecimalField(_("amount due"), max_digits=10, decimal_places=2, default=0)
    #: Why: the rule's parameters and the arithmetic, for the explanation shown with the line.
    detail = models.JSONField(_("detail"), default=dict)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "rehab"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("settlement line")
        verbose_name_plural = _("settlement lines")
        ordering = ["batch", "person", "rule"]
        indexes = [
            models.Index(fields=["batch", "person"], name="settlement_line_batch_person"),
            models.Index(fields=["person"], name="settlement_line_person"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.person_id} {self.amount}"
