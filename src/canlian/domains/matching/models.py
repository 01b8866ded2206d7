"""Tables of data comparison.

A department's list is uploaded under a ``ListSource`` (department, list kind, owning region, the
column mapping remembered for it, the retention period); each upload is a dated snapshot
(``ListUpload``) whose rows (``ListRow``) are kept apart from the registry and deleted when the
retention ends. ``ComparisonRule`` rows say, as data, which shape of comparison runs on which list
kind and what a hit means; a run (``ComparisonRun``) turns the hits into ``Finding`` rows: one open
finding per rule, person and subject (the enrollment concerned), assigned to the person's residence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.registry.choices import MonitoredType, RiskCause
from canlian.core.registry.identity import mask_id
from canlian.domains.matching.choices import (
    Action,
    Department,
    FindingStatus,
    ListKind,
    MeasureKind,
    MonitoringStatus,
    Outcome,
    RuleShape,
    UploadStatus,
)
from canlian.platform.scoping import (
    ReferenceScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
    region_pattern_index,
)


class ListSource(RegionOwned):
    """Where a list comes from: a department of a region and the kind of list it sends. The column
    mapping of its last upload is remembered (``mapping``: field → header) for the next one."""

    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    list_kind = models.CharField(_("list kind"), max_length=20, choices=ListKind.choices)
    name = models.CharField(_("name"), max_length=120, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    retention_days = models.PositiveIntegerField(_("retention (days)"), default=365)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("list source")
        verbose_name_plural = _("list sources")
        ordering = ["region_code", "department", "list_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "department", "list_kind"], name="matching_source_unique"
            ),
        ]
        indexes = [region_pattern_index("matching_source_region")]

    def __str__(self) -> str:
        return self.name or f"{self.get_department_display()} · {self.get_list_kind_display()}"


class ListUpload(RegionOwned):
    """One list as of a date: its file, counts, the rejected rows (row, field, reason) and when its
    rows are deleted (``expires_on``). The rows are readable with ``matching.lists`` only."""

    source = models.ForeignKey(
        ListSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="uploads"
    )
    list_kind = models.CharField(_("list kind"), max_length=20, choices=ListKind.choices)
    as_of = models.DateField(_("as of"))
    filename = models.CharField(_("file"), max_length=200)
    mapping = models.JSONField(_("column mapping"), default=dict)
    row_count = models.PositiveIntegerField(_("rows kept"), default=0)
    rejected_count = models.PositiveIntegerField(_("rows rejected"), default=0)
    #: The first rejected rows: [{"row", "field", "message", "value"}].
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)
    expires_on = models.DateField(_("rows kept until"))
    status = models.CharField(
        _("status"), max_length=12, choices=UploadStatus.choices, default=UploadStatus.LOADED
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    #: The job that loaded it (a retry of the job finds the list already loaded).
    job = models.OneToOneField(
        "jobs.Job",
        verbose_name=_("job"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="matching_upload",
    )

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("list upload")
        verbose_name_plural = _("list uploads")
        ordering = ["-as_of", "-id"]
        indexes = [
            region_pattern_index("matching_upload_region"),
            models.Index(fields=["status", "expires_on"], name="matching_upload_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.as_of:%Y-%m-%d}"


class ListRow(RegionOwned):
    """One row of a department's list, as sent (normalised ID number, dates parsed). Never a
    registry row: it is read only by the comparison and by holders of ``matching.lists``."""

    upload = models.ForeignKey(
        ListUpload, verbose_name=_("list"), on_delete=models.CASCADE, related_name="rows", db_index=False
    )
    row_no = models.PositiveIntegerField(_("row"))
    id_number = models.CharField(_("ID number"), max_length=18)
    name = models.CharField(_("name"), max_length=50, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    #: The date the list gives (death, move, start of the status).
    event_date = models.DateField(_("date"), null=True, blank=True)
    #: The first day of the month after ``event_date``: the first month no longer due.
    stop_from = models.DateField(_("first month not due"), null=True, blank=True)
    status = models.CharField(_("status on the list"), max_length=60, blank=True)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("list row")
        verbose_name_plural = _("list rows")
        ordering = ["upload", "row_no"]
        constraints = [
            models.UniqueConstraint(fields=["upload", "id_number"], name="matching_row_one_per_id")
        ]

    def __str__(self) -> str:
        return f"{self.row_no} {self.masked_id}"

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)


class RuleQuerySet(ReferenceScopedQuerySet):
    """Rules are owned by the region they name ("" = national); a region reads those above it too."""

    def in_force(self, region_code: str, on):  # type: ignore[no-untyped-def]
        prefixes = {region_code[:n] for n in (0, 2, 4, 6, 9, 12) if n <= len(region_code)}
        return self.filter(active=True, region_code__in=prefixes, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class ComparisonRule(models.Model):
    """A comparison as data: the list kind it reads ("" = any list), the shape of the statement, its
    parameters (the program, grades and categories, ages, the stop reason, the monitored type), the
    action that resolves a finding and the working days allowed. Effective-dated, by region prefix."""

    code = models.SlugField(_("code"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    list_kind = models.CharField(_("list kind"), max_length=20, choices=ListKind.choices, blank=True)
    shape = models.CharField(_("shape"), max_length=24, choices=RuleShape.choices)
    action = models.CharField(_("resolved by"), max_length=12, choices=Action.choices)
    #: The engine's program by code (e.g. ``living-subsidy``); blank = every monthly cash program.
    program_code = models.CharField(_("program"), max_length=40, blank=True)
    #: Certificate grades covered, as digits ("12"); blank = any.
    grades = models.CharField(_("grades"), max_length=4, blank=True)
    #: Disability categories covered, as digits ("56"); blank = any.
    categories = models.CharField(_("categories"), max_length=7, blank=True)
    age_min = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("age up to (inclusive)"), null=True, blank=True)
    #: For a stop: the engine's stop reason (death, moved_out).
    stop_reason = models.CharField(_("stop reason"), max_length=16, blank=True)
    deadline_days = models.PositiveSmallIntegerField(_("working days to resolve"), default=10)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    description = models.CharField(_("description"), max_length=300, blank=True)

    objects = RuleQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("comparison rule")
        verbose_name_plural = _("comparison rules")
        ordering = ["code", "region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "region_code", "valid_from"], name="matching_rule_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="matching_rule_dates",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the user's language (the national rules' names are msgids)."""
        from django.utils import translation

        return translation.gettext(self.name)


class ComparisonRun(RegionOwned):
    """One comparison of an upload with the registry and the engine: what each run found, kept,
    added and closed (``counts``: {rule code: {"hits", "new", "kept", "lapsed"}})."""

    upload = models.ForeignKey(
        ListUpload, verbose_name=_("list"), on_delete=models.PROTECT, related_name="runs"
    )
    ran_on = models.DateField(_("run on"))
    counts = models.JSONField(_("counts"), default=dict)
    seconds = models.DecimalField(_("seconds"), max_digits=8, decimal_places=3, default=0)
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("comparison run")
        verbose_name_plural = _("comparison runs")
        ordering = ["-id"]
        indexes = [region_pattern_index("matching_run_region")]

    def __str__(self) -> str:
        return f"{self.upload} #{self.pk}"


class FindingQuerySet(RegionScopedQuerySet):
    def open(self) -> FindingQuerySet:
        return self.filter(status=FindingStatus.OPEN)


class Finding(RegionOwned):
    """A gap found by a rule for one person (and, for money, one enrollment: ``subject``): the
    evidence of both sides, the amount paid after the event, the township that must act (the
    person's residence, ``region_code``), the deadline in working days, and the outcome. At most one
    open finding per rule, person and subject (the database decides)."""

    rule = models.ForeignKey(
        ComparisonRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="findings"
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="matching_findings",
    )
    subject = models.CharField(_("subject"), max_length=20, blank=True, default="")
    enrollment = models.ForeignKey(
        "programs.Enrollment",
        verbose_name=_("enrollment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    upload = models.ForeignKey(
        ListUpload, verbose_name=_("list"), on_delete=models.PROTECT, related_name="findings"
    )
    first_run = models.ForeignKey(ComparisonRun, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(ComparisonRun, on_delete=models.PROTECT, related_name="+")
    # Evidence: the list's side.
    list_row_no = models.PositiveIntegerField(_("row on the list"), null=True, blank=True)
    list_name = models.CharField(_("name on the list"), max_length=50, blank=True)
    list_birth_date = models.DateField(_("birth date on the list"), null=True, blank=True)
    list_event_date = models.DateField(_("date on the list"), null=True, blank=True)
    list_status = models.CharField(_("status on the list"), max_length=60, blank=True)
    # Evidence: the registry's and the engine's side.
    registry_name = models.CharField(_("name in the registry"), max_length=50, blank=True)
    registry_birth_date = models.DateField(_("birth date in the registry"), null=True, blank=True)
    registry_life_status = models.CharField(_("life status in the registry"), max_length=12, blank=True)
    registry_category = models.PositiveSmallIntegerField(_("category"), null=True, blank=True)
    registry_grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    enrollment_status = models.CharField(_("enrollment status"), max_length=16, blank=True)
    last_paid = models.DateField(_("last month paid"), null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("months paid after the date"), default=0)
    amount = models.DecimalField(_("amount to recover"), max_digits=12, decimal_places=2, default=0)
    stop_from = models.DateField(_("first month not due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    found_on = models.DateField(_("found on"))
    due_on = models.DateField(_("due on"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("note"), max_length=300, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: What the resolving action wrote: the application, the recovery item.
    result_enrollment = models.ForeignKey(
        "programs.Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recovery = models.ForeignKey(
        "programs.RecoveryItem",
        verbose_name=_("recovery item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = FindingQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "person", "subject"],
                condition=Q(status="open"),
                name="matching_finding_one_open",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="matching_finding_amount"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(resolved_on__isnull=False),
                name="matching_finding_resolved_dated",
            ),
        ]
        indexes = [
            region_pattern_index("matching_finding_region"),
            models.Index(fields=["rule", "status"], name="matching_finding_rule"),
            models.Index(fields=["status", "due_on"], name="matching_finding_due"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.person_id}"

    @property
    def overdue(self) -> bool:
        return self.status == FindingStatus.OPEN and self.due_on < timezone.localdate()

    @property
    def in_time(self) -> bool:
        return (
            self.status == FindingStatus.RESOLVED
            and self.resolved_on is not None
            and self.resolved_on <= self.due_on
        )


class MonitoringCase(RegionOwned):
    """防止返贫动态监测: a person (and their household) monitored against a return to poverty, with
    the risk causes, the visit cadence (``next_visit_due``), the assistance measures taken, and the
    exit from monitoring with its evidence. At most one open case per person."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="monitoring_cases"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    monitored_type = models.CharField(_("monitored type"), max_length=12, choices=MonitoredType.choices)
    risk_causes = models.JSONField(_("risk causes"), default=list)
    started_on = models.DateField(_("monitored since"))
    cadence_days = models.PositiveSmallIntegerField(_("visit every (days)"), default=30)
    next_visit_due = models.DateField(_("next visit due"))
    status = models.CharField(
        _("status"), max_length=12, choices=MonitoringStatus.choices, default=MonitoringStatus.MONITORED
    )
    exit_on = models.DateField(_("exited on"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=200, blank=True)
    exit_evidence = models.TextField(_("exit evidence"), blank=True)
    finding = models.ForeignKey(
        Finding,
        verbose_name=_("from finding"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "matching"

    class Meta:
        verbose_name = _("monitored household")
        verbose_name_plural = _("monitored households")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="monitored"), name="matching_case_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="monitored") | Q(exit_on__isnull=False), name="matching_case_exit_dated"
            ),
        ]
        indexes = [
            region_pattern_index("matching_case_region"),
            models.Index(fields=["status", "next_visit_due"], name="matching_case_due"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_monitored_type_display()}"

    @property
    def risk_labels(self) -> list[str]:
        labels = dict(RiskCause.choices)
        return [str(labels.get(c, c)) for c in self.risk_causes]

    @property
    def overdue(self) -> bool:
        return self.status == MonitoringStatus.MONITORED and self.next_visit_due < timezone.localdate()


class MonitoringVisit(models.Model):
    """A monitoring visit: what was seen, and whether the risk remains."""

    case = models.ForeignKey(
        MonitoringCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField(_("visited on"))
    visitor = models.CharField(_("visitor"), max_length=80)
    situation = models.TextField(_("situation"))
    risk_remains = models.BooleanField(_("risk remains"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("monitoring visit")
        verbose_name_plural = _("monitoring visits")
        ordering = ["case", "-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on}"


class AssistanceMeasure(models.Model):
    """An assistance measure taken for a monitored case: a program enrolled, employment, medical aid…"""

    case = models.ForeignKey(
        MonitoringCase, verbose_name=_("case"), on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField(_("measure"), max_length=12, choices=MeasureKind.choices)
    on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    enrollment = models.ForeignKey(
        "programs.Enrollment",
        verbose_name=_("enrollment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["case", "-on", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()
