"""The program engine's tables.

A ``Program`` (e.g. ``nursing-subsidy``) has effective-dated ``RuleSetting`` rows (which eligibility
rules apply in a region from a date, as data) and effective-dated ``Standard`` rows (amounts keyed by
what varies). A person's application is an ``Enrollment`` that walks the review chain
(``EnrollmentStep`` rows are its history) and, once active, is paid by monthly ``PaymentCycle`` runs
that write ``PaymentLine`` rows set-based. Rows that belong to a region carry its code
(``region_code``: the person's residence for enrollments and lines, the cycle's county for cycles).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.dates import add_months, month_start  # noqa: F401  (re-exported: callers import them from here)
from canlian.platform.scoping import (
    ReferenceScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
    region_pattern_index,
)
from canlian.programs.choices import (
    OPEN_STATUSES,
    ApplicantKind,
    CycleStatus,
    EnrollmentStatus,
    LineKind,
    LineStatus,
    ProgramKind,
    RecoveryStatus,
    StepKind,
    StopReason,
)


class ProgramQuerySet(models.QuerySet):
    def active(self) -> ProgramQuerySet:
        return self.filter(active=True)


class Program(models.Model):
    """A benefit or service program run by federations. ``family`` names the domain code that built
    it (and whose option form edits its rule settings); ``region_code`` is where it runs ("" =
    everywhere). Programs are reference data: visible to everyone with ``programs.view``."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    #: The name as an English msgid (shown translated: ``label``); ``official_name`` is the name in the
    #: policy documents (e.g. 重度残疾人护理补贴), used in Chinese pages, exports and bank files.
    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    official_name = models.CharField(_("official name"), max_length=80, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ProgramKind.choices)
    family = models.CharField(_("rule family"), max_length=40)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    description = models.TextField(_("description"), blank=True)
    #: Working days each review step may take, e.g. {"first_check": 10, "review": 10, "decide": 10}.
    step_days = models.JSONField(_("working days per step"), default=dict, blank=True)
    notice_days = models.PositiveSmallIntegerField(_("public notice (working days)"), default=5)
    #: How many months back a cycle may pay arrears.
    arrears_months = models.PositiveSmallIntegerField(_("arrears window (months)"), default=36)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language: the official (Chinese) name in a Chinese interface, the
        translated name otherwise."""
        if self.official_name and (translation.get_language() or "").lower().startswith("zh"):
            return self.official_name
        return translation.gettext(self.name)

    @property
    def step_days_labelled(self) -> list[tuple[str, int]]:
        """The review steps' working days under their names (初审, 审核, 审定), not their keys."""
        labels = dict(StepKind.choices)
        return [(str(labels.get(step, step)), days) for step, days in (self.step_days or {}).items()]

    @property
    def short_label(self) -> str:
        if not self.short_name:
            return self.label
        short = translation.gettext(self.short_name)
        if short == self.short_name and (translation.get_language() or "").lower().startswith("zh"):
            return self.official_name or short
        return short


class ProgramDataQuerySet(ReferenceScopedQuerySet):
    """Rule settings and standards are owned by the region they name (``region_code``; "" =
    national): changed inside one's scope, read also from the regions above and the national row."""


class RuleSetting(models.Model):
    """Which eligibility rules apply to a program in a region from a date. ``options`` is what an
    administrator chose on the family's form (e.g. "include low-income families"); ``rules`` is the
    rule list compiled from it that the engine evaluates (``canlian.programs.rules.engine``). For a person
    and date the setting of the longest matching region prefix, then the latest start, applies."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="rule_settings"
    )
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    options = models.JSONField(_("options"), default=dict)
    rules = models.JSONField(_("rules"), default=list)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ProgramDataQuerySet.as_manager()
    permission_prefix = "programs"

    class Meta:
        verbose_name = _("rule setting")
        verbose_name_plural = _("rule settings")
        ordering = ["program", "region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "region_code", "valid_from"], name="rulesetting_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="rulesetting_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.region_code or '*'} {self.valid_from}"


class Standard(models.Model):
    """An amount, effective-dated, keyed by what varies. Blank keys match anything. For an enrollment
    and month, the matching row with the longest region prefix, then the most keys, then the
    latest start applies. Amounts are exact decimals (yuan per month)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="standards"
    )
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    #: Certificate grades covered, as digits ("12" = grade 1 or 2); blank = any grade.
    grades = models.CharField(_("grades"), max_length=4, blank=True)
    #: Disability categories covered, as digits ("56"); blank = any category.
    categories = models.CharField(_("categories"), max_length=7, blank=True)
    age_min = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("age up to (inclusive)"), null=True, blank=True)
    hardship = models.CharField(_("hardship type"), max_length=12, blank=True)
    care_tier = models.CharField(_("care tier"), max_length=12, blank=True)
    amount = models.DecimalField(_("amount per month"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ProgramDataQuerySet.as_manager()
    permission_prefix = "programs"

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["program", "region_code", "-valid_from", "grades", "categories"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "program",
                    "region_code",
                    "valid_from",
                    "grades",
                    "categories",
                    "age_min",
                    "age_max",
                    "hardship",
                    "care_tier",
                ],
                name="standard_unique_key",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="standard_amount_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="standard_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.region_code or '*'} {self.valid_from} {self.amount}"

    @property
    def specificity(self) -> int:
        keys = (self.grades, self.categories, self.hardship, self.care_tier)
        return sum(1 for k in keys if k) + (self.age_min is not None) + (self.age_max is not None)


class EnrollmentQuerySet(RegionScopedQuerySet):
    def open(self) -> EnrollmentQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def active(self) -> EnrollmentQuerySet:
        return self.filter(status=EnrollmentStatus.ACTIVE)


class Enrollment(RegionOwned):
    """A person's application to a program and, once decided and noticed, their enrollment in it.
    ``application_month`` (the first day of the month applied in) is the first month paid;
    ``stopped_from`` the first month not paid. ``grade``/``category`` snapshot the certificate
    and ``hardship_basis``/``care_tier`` the basis the amount is looked up by. At most one open
    enrollment per person and program."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="enrollments"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="enrollments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.APPLIED
    )
    applicant_kind = models.CharField(
        _("applied by"), max_length=12, choices=ApplicantKind.choices, default=ApplicantKind.SELF
    )
    applicant_name = models.CharField(_("applicant's name"), max_length=50, blank=True)
    applied_on = models.DateField(_("applied on"))
    application_month = models.DateField(_("application month"))
    # What the application declares (rules may read these, e.g. long-term care need for nursing).
    needs_long_term_care = models.BooleanField(_("needs long-term care (over 6 months)"), default=False)
    work_injury_nursing = models.BooleanField(_("receives work-injury nursing pay"), default=False)
    #: A child not (yet) certified may apply for rehabilitation with a designated hospital's diagnosis.
    diagnosis_confirmed = models.BooleanField(
        _("diagnosed by a designated hospital"), default=False, db_default=False
    )
    # The basis of the amount.
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    category = models.PositiveSmallIntegerField(_("category"), null=True, blank=True)
    hardship_basis = models.CharField(_("hardship basis"), max_length=12, blank=True)
    care_tier = models.CharField(_("care tier"), max_length=12, blank=True)
    # Where the money goes.
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=50, blank=True)
    # The review chain.
    step_due_on = models.DateField(_("current step due on"), null=True, blank=True)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    notice_until = models.DateField(_("public notice until"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    activated_on = models.DateField(_("active since"), null=True, blank=True)
    rejected_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    stopped_from = models.DateField(_("stopped from (month)"), null=True, blank=True)
    stop_reason = models.CharField(_("stop reason"), max_length=16, choices=StopReason.choices, blank=True)
    stop_note = models.CharField(_("stop note"), max_length=300, blank=True)
    #: The first month the rules refused while the enrollment was still active (set by the monthly
    #: cycle and by changes to the person; cleared when a month is paid again): a warning to act on.
    ineligible_since = models.DateField(_("no longer eligible since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = EnrollmentQuerySet.as_manager()
    permission_prefix = "enrollments"

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "person"],
                condition=Q(status__in=OPEN_STATUSES),
                name="enrollment_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(stopped_from__isnull=True) | Q(stopped_from__gte=models.F("application_month")),
                name="enrollment_stop_after_start",
            ),
        ]
        indexes = [
            region_pattern_index("enrollment_region"),
            models.Index(fields=["program", "status"], name="enrollment_program_status"),
            models.Index(fields=["person"], name="enrollment_person"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} #{self.pk}"

    @property
    def masked_account(self) -> str:
        account = self.bank_account
        return f"{account[:4]}{'*' * max(len(account) - 8, 0)}{account[-4:]}" if len(account) > 8 else account


class EnrollmentStep(models.Model):
    """One step of an enrollment's history: who did what, when, with which comment and file."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.CASCADE, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=16, choices=StepKind.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=EnrollmentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=EnrollmentStatus.choices)
    on = models.DateField(_("date"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    attachment = models.FileField(_("attachment"), upload_to="programs/steps/%Y/%m/", blank=True)
    due_on = models.DateField(_("was due on"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("enrollment step")
        verbose_name_plural = _("enrollment steps")
        ordering = ["enrollment", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class PaymentCycleQuerySet(RegionScopedQuerySet):
    pass


class PaymentCycle(RegionOwned, MakerCheckerBatch):
    """One program's payments for one month in one region (usually a county): generated set-based,
    reviewed and approved by someone other than the generator, exported to the bank, closed with
    the bank's results."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="cycles"
    )
    month = models.DateField(_("month"))
    status = models.CharField(
        _("status"), max_length=12, choices=CycleStatus.choices, default=CycleStatus.GENERATING
    )
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    # The earliest month its lines pay for (the arrears window when it was generated): with
    # ``month``, the bounds of its lines' periods, so that reads of a cycle's lines touch only the
    # partitions of those months (PaymentLine.objects.of_cycle).
    first_period = models.DateField(_("earliest month paid"), null=True, blank=True)
    exported_at = models.DateTimeField(_("sent to the bank at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PaymentCycleQuerySet.as_manager()
    permission_prefix = "payments"

    class Meta:
        verbose_name = _("payment cycle")
        verbose_name_plural = _("payment cycles")
        ordering = ["-month", "program", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "region_code", "month"], name="cycle_unique_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="cycle_month_first_day"),
        ]
        indexes = [
            region_pattern_index("cycle_region"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.month:%Y-%m} {self.region_code}"

    def line_periods(self) -> tuple[dt.date, dt.date]:
        """The first and last month its lines pay for (reads of its lines name them: partitions)."""
        return self.first_period or self.month, self.month


class PaymentLineQuerySet(RegionScopedQuerySet):
    def of_cycle(self, cycle: PaymentCycle) -> PaymentLineQuerySet:
        """The lines of ``cycle``, bounded by the months they pay for: on PostgreSQL the table is
        partitioned by month (``period``) and the bounds keep the read to those partitions."""
        first, last = cycle.line_periods()
        return self.filter(cycle=cycle, period__gte=first, period__lte=last)


class PaymentLine(RegionOwned):
    """One month's payment to one enrollment. ``period`` is the month paid for (the cycle's month,
    or an earlier one for arrears and re-issues). The partial unique key (period, enrollment) over
    lines that did not fail makes re-running a cycle idempotent; a failed line is re-issued by a
    later cycle as a new line. ``region_code`` is copied from the enrollment so reports group
    without joining people.

    On PostgreSQL the table is partitioned by month of ``period`` (migration 0004,
    ``platform.partitions``; the daily task ``programs.payment_partitions`` creates the months
    ahead): its database key is (id, period), and the two references to a line (``reissue_of``,
    ``RecoveryLine.line``) are kept by the code, not by a foreign-key constraint, since PostgreSQL
    refers only to a key unique on its own (docs/programs-payments.md)."""

    # Foreign keys without their own index: every index on this table is on the monthly write path
    # (see ../shared/BASELINES.md); the two composite indexes below serve the reads.
    cycle = models.ForeignKey(
        PaymentCycle, verbose_name=_("cycle"), on_delete=models.PROTECT, related_name="lines", db_index=False
    )
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    enrollment = models.ForeignKey(
        Enrollment,
        verbose_name=_("enrollment"),
        on_delete=models.PROTECT,
        related_name="lines",
        db_index=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="payment_lines",
        db_index=False,
    )
    period = models.DateField(_("month paid for"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2)
    standard = models.ForeignKey(
        Standard,
        verbose_name=_("standard"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices, default=LineKind.REGULAR)
    status = models.CharField(
        _("status"), max_length=12, choices=LineStatus.choices, default=LineStatus.PENDING
    )
    reissue_of = models.ForeignKey(
        "self",
        verbose_name=_("re-issue of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # a partitioned table's id is not unique on its own (see the docstring)
    )
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=200, blank=True)

    objects = PaymentLineQuerySet.as_manager()
    permission_prefix = "payments"

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["cycle", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "enrollment"],
                condition=~Q(status="failed"),
                name="paymentline_one_per_month",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="paymentline_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["cycle", "status"], name="paymentline_cycle_status"),
            models.Index(fields=["enrollment", "period"], name="paymentline_enrollment"),
            models.Index(fields=["person", "period"], name="paymentline_person"),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.amount}"


class RecoveryItemQuerySet(RegionScopedQuerySet):
    pass


class RecoveryItem(RegionOwned):
    """追缴: money already paid (in an approved cycle) for months the person was not entitled to,
    found when a stop, a death, a move, a re-assessment or a lost status is recorded with an earlier
    date. One item per enrollment and finding, with its months (``RecoveryLine``), the amount, the
    reason, and its outcome: recovered, or waived with a reason."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="+"
    )
    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("enrollment"), on_delete=models.PROTECT, related_name="recoveries"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="recoveries"
    )
    amount = models.DecimalField(_("amount to recover"), max_digits=12, decimal_places=2)
    months = models.JSONField(_("months"), default=list)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.TO_RECOVER
    )
    detected_on = models.DateField(_("found on"))
    detected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution_note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RecoveryItemQuerySet.as_manager()
    permission_prefix = "payments"

    class Meta:
        verbose_name = _("recovery item")
        verbose_name_plural = _("recovery items")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="to_recover") | Q(resolved_on__isnull=False),
                name="recovery_resolved_dated",
            ),
        ]
        indexes = [
            region_pattern_index("recovery_region"),
            models.Index(fields=["status", "detected_on"], name="recovery_status"),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.amount}"


class RecoveryLine(models.Model):
    """One paid month of a recovery item: the line and the part of it that was not due."""

    item = models.ForeignKey(
        RecoveryItem, verbose_name=_("recovery item"), on_delete=models.CASCADE, related_name="lines"
    )
    line = models.OneToOneField(
        PaymentLine,
        verbose_name=_("payment line"),
        on_delete=models.PROTECT,
        related_name="recovery",
        db_constraint=False,  # the lines are partitioned by month (PaymentLine's docstring)
    )
    period = models.DateField(_("month paid for"))
    paid = models.DecimalField(_("paid"), max_digits=10, decimal_places=2)
    due = models.DecimalField(_("due"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("to recover"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("recovered month")
        verbose_name_plural = _("recovered months")
        ordering = ["item", "period"]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.amount}"
