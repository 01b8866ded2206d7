"""Tables of rehabilitation services for everyone (issue 16).

* **Needs survey (精准康复)**: ``NeedsSurvey`` one per person and year, its ``Need`` rows by kind,
  and ``ServiceRecord`` rows delivered against a need. A person is *served* in a year when every
  need of that year's survey has at least one service.
* **Assistive devices for adults**: the catalogue ``DeviceType`` (categories and grades it fits,
  replacement interval) with effective-dated ``DeviceStandard`` rows (price, subsidy, region prefix);
  ``DeviceFitting`` assessed then delivered by a device service station, with its replacement date.
* **Home accessibility modification (家庭无障碍改造)**: ``ModificationProject`` per household through
  the field's workflow, its checklist ``ModificationItem``, ``ModificationPhoto`` and step history
  ``ModificationStep``; the effective-dated ``ModificationStandard`` holds the eligibility rules,
  the subsidy cap and the working days of each step; ``ContractorBatch`` pays accepted projects
  (maker-checker) in ``ContractorPayment`` lines.
* **Health services**: ``HealthSigning`` (family doctor, medical insurance) matched from the health
  department's lists (``HealthListUpload``); ``HealthApplication`` for free health checks, cataract
  operations and mental-illness medication aid, paid by the effective-dated ``HealthStandard``.

Scope: every person's row carries ``region_code`` = the person's residence when written; fittings
are also reached by the staff of their device service station. Reference data (catalogue and
standards) is read by anyone holding ``services.view``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.rehabservices.choices import (
    MOD_RUNNING,
    BatchStatus,
    FittingStatus,
    HealthListKind,
    HealthProgram,
    HealthStatus,
    ModItem,
    ModStatus,
    NeedKind,
    Payee,
    PhotoStage,
    ServicePlace,
    SurveySource,
)
from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.scoping import (
    InstitutionScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
)

USER = settings.AUTH_USER_MODEL
MONEY = {"max_digits": 12, "decimal_places": 2}


def _region_index(name: str) -> models.Index:
    return models.Index(fields=["region_code"], opclasses=["varchar_pattern_ops"], name=name)


class ServicesQuerySet(RegionScopedQuerySet):
    pass


# --- needs survey --------------------------------------------------------------------------------------


class NeedsSurvey(RegionOwned):
    """The yearly rehabilitation needs survey of one person (精准康复入户调查), taken at home or imported
    from the national survey sheet. ``no_needs`` records "none" (the person has no need this year)."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="needs_surveys"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    surveyed_on = models.DateField(_("surveyed on"))
    source = models.CharField(
        _("source"), max_length=8, choices=SurveySource.choices, default=SurveySource.HOME
    )
    surveyor = models.CharField(_("surveyor"), max_length=50, blank=True)
    no_needs = models.BooleanField(_("no rehabilitation need"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")
        ordering = ["-year", "-id"]
        indexes = [
            _region_index("rs_survey_region"),
            models.Index(fields=["year", "region_code"], name="rs_survey_year"),
        ]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="rs_survey_once_a_year")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}"


class Need(RegionOwned):
    """One rehabilitation need of a survey, by kind (a device need may name the device type)."""

    survey = models.ForeignKey(
        NeedsSurvey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="needs"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("need"), max_length=12, choices=NeedKind.choices)
    device_type = models.ForeignKey(
        "rehabservices.DeviceType",
        verbose_name=_("device needed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("rehabilitation need")
        verbose_name_plural = _("rehabilitation needs")
        ordering = ["survey", "kind"]
        indexes = [
            _region_index("rs_need_region"),
            models.Index(fields=["year", "kind"], name="rs_need_year_kind"),
        ]
        constraints = [models.UniqueConstraint(fields=["survey", "kind"], name="rs_need_once_per_survey")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class ServiceRecord(RegionOwned):
    """A service delivered against a need: who, where, when, what."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="services")
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("need"), max_length=12, choices=NeedKind.choices)
    delivered_on = models.DateField(_("delivered on"))
    place = models.CharField(_("where"), max_length=16, choices=ServicePlace.choices)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider = models.CharField(_("provided by"), max_length=80)
    content = models.CharField(_("what"), max_length=300)
    fitting = models.OneToOneField(
        "rehabservices.DeviceFitting",
        verbose_name=_("device fitting"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service",
    )
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("rehabilitation service")
        verbose_name_plural = _("rehabilitation services")
        ordering = ["-delivered_on", "-id"]
        indexes = [
            _region_index("rs_service_region"),
            models.Index(fields=["need", "delivered_on"], name="rs_service_need"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.delivered_on}"


# --- assistive devices ---------------------------------------------------------------------------------


class DeviceType(models.Model):
    """A device of the adult catalogue (轮椅, 助听器, 盲杖 …): the disability categories and grades it
    fits and its replacement interval. Prices and subsidies are ``DeviceStandard`` rows."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    #: Category digits it fits (1 visual … 7 multiple), e.g. "4" or "17".
    categories = models.CharField(_("categories fitted"), max_length=7)
    #: Grade digits it fits, e.g. "1234".
    grades = models.CharField(_("grades fitted"), max_length=4, default="1234")
    replacement_months = models.PositiveSmallIntegerField(_("replacement interval (months)"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("device type")
        verbose_name_plural = _("device types")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(replacement_months__gte=1), name="rs_device_interval")
        ]

    def __str__(self) -> str:
        return self.name

    def fits(self, category: int | None, grade: int | None) -> bool:
        return (
            category is not None
            and str(category) in self.categories
            and (grade is None or str(grade) in self.grades)
        )


class DeviceStandard(models.Model):
    """The price and subsidy of a device type from a date in a region ("" national; the longest
    matching prefix wins)."""

    device_type = models.ForeignKey(
        DeviceType, verbose_name=_("device type"), on_delete=models.CASCADE, related_name="standards"
    )
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    price = models.DecimalField(_("price"), **MONEY)
    subsidy = models.DecimalField(_("subsidy"), **MONEY)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("device standard")
        verbose_name_plural = _("device standards")
        ordering = ["device_type", "region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["device_type", "region_code", "valid_from"], name="rs_device_std_start"
            ),
            models.CheckConstraint(condition=Q(subsidy__lte=models.F("price")), name="rs_device_std_subsidy"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="rs_device_std_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_type_id} {self.region_code or '*'} {self.valid_from}"


class FittingQuerySet(InstitutionScopedQuerySet):
    def due_for_replacement(self, on: Any, within_days: int = 0) -> FittingQuerySet:
        import datetime as dt

        return self.filter(
            status=FittingStatus.DELIVERED,
            replaced_by__isnull=True,
            replacement_due__lte=on + dt.timedelta(days=within_days),
        )


class DeviceFitting(RegionOwned):
    """An assistive device assessed for a person and delivered by a device service station, with the
    price and subsidy of the standard in force on the delivery day and the replacement due date."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="device_fittings"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    device_type = models.ForeignKey(
        DeviceType, verbose_name=_("device"), on_delete=models.PROTECT, related_name="fittings"
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("need"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fittings",
    )
    station = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("service station"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_on = models.DateField(_("assessed on"))
    status = models.CharField(
        _("status"), max_length=10, choices=FittingStatus.choices, default=FittingStatus.ASSESSED
    )
    fitted_on = models.DateField(_("delivered on"), null=True, blank=True)
    standard = models.ForeignKey(
        DeviceStandard, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    price = models.DecimalField(_("price"), null=True, blank=True, **MONEY)
    subsidy = models.DecimalField(_("subsidy"), null=True, blank=True, **MONEY)
    replacement_due = models.DateField(_("replacement due"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = FittingQuerySet.as_manager()
    permission_prefix = "services"
    institution_field = "station_id"

    class Meta:
        verbose_name = _("device fitting")
        verbose_name_plural = _("device fittings")
        ordering = ["-assessed_on", "-id"]
        indexes = [
            _region_index("rs_fitting_region"),
            models.Index(fields=["status", "replacement_due"], name="rs_fitting_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="assessed") | Q(fitted_on__isnull=False, replacement_due__isnull=False),
                name="rs_fitting_delivered_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_type_id} {self.person_id}"


# --- home accessibility modification -------------------------------------------------------------------


class ModificationStandard(models.Model):
    """The rules of home modification from a date in a region ("" national; longest prefix wins):
    eligibility as a list of checks, the subsidy cap per household and each step's working days."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    #: The eligibility checks that apply (``EligibilityCheck`` values), comma separated.
    checks = models.CharField(_("eligibility checks"), max_length=100, default="grade,hardship,house")
    max_grade = models.PositiveSmallIntegerField(_("most lenient grade"), default=2)
    cap = models.DecimalField(_("subsidy cap per household"), **MONEY)
    days_assess = models.PositiveSmallIntegerField(_("working days to assess"), default=10)
    days_plan = models.PositiveSmallIntegerField(_("working days to agree the plan"), default=10)
    days_notice = models.PositiveSmallIntegerField(_("working days of public notice"), default=5)
    days_works = models.PositiveSmallIntegerField(_("working days of works"), default=30)
    days_accept = models.PositiveSmallIntegerField(_("working days to accept"), default=10)
    days_pay = models.PositiveSmallIntegerField(_("working days to pay"), default=20)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("modification standard")
        verbose_name_plural = _("modification standards")
        ordering = ["region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "valid_from"], name="rs_mod_std_start"),
            models.CheckConstraint(condition=Q(max_grade__gte=1, max_grade__lte=4), name="rs_mod_std_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code or '*'} {self.valid_from}"

    @property
    def check_list(self) -> list[str]:
        return [c for c in self.checks.split(",") if c]


class ProjectQuerySet(RegionScopedQuerySet):
    def running(self) -> ProjectQuerySet:
        return self.filter(status__in=MOD_RUNNING)

    def overdue(self, on: Any) -> ProjectQuerySet:
        return self.running().filter(step_due_on__lt=on)


class ModificationProject(RegionOwned):
    """One household's home accessibility modification, from application to archive."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="modifications"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ModStatus.choices, default=ModStatus.APPLIED
    )
    standard = models.ForeignKey(ModificationStandard, on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField(_("applied on"))
    need_found = models.CharField(_("need found"), max_length=300)
    house_modifiable = models.BooleanField(_("house can be modified"), default=True)
    #: The eligibility checks as evaluated at application: [{"check", "passed", "detail"}].
    eligibility = models.JSONField(_("eligibility"), default=list)
    priorities = models.CharField(_("priorities"), max_length=60, blank=True)
    responsible = models.ForeignKey(
        USER,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    step_started_on = models.DateField(_("step started on"), null=True, blank=True)
    step_due_on = models.DateField(_("step due on"), null=True, blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    assessor = models.CharField(_("assessor"), max_length=80, blank=True)
    plan = models.TextField(_("plan"), blank=True)
    budget = models.DecimalField(_("budget"), null=True, blank=True, **MONEY)
    family_agreed_on = models.DateField(_("accepted by the family on"), null=True, blank=True)
    notice_from = models.DateField(_("public notice from"), null=True, blank=True)
    notice_until = models.DateField(_("public notice until"), null=True, blank=True)
    contractor = models.CharField(_("contractor"), max_length=100, blank=True)
    contractor_account = models.CharField(_("contractor's bank account"), max_length=40, blank=True)
    works_started_on = models.DateField(_("works started on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    acceptance_by = models.CharField(_("accepted by"), max_length=200, blank=True)
    final_cost = models.DecimalField(_("final cost"), null=True, blank=True, **MONEY)
    payable = models.DecimalField(_("payable to the contractor"), null=True, blank=True, **MONEY)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    refusal = models.CharField(_("reason not eligible"), max_length=300, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ProjectQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("home modification project")
        verbose_name_plural = _("home modification projects")
        ordering = ["-year", "-sequence"]
        indexes = [
            _region_index("rs_mod_region"),
            models.Index(fields=["status", "step_due_on"], name="rs_mod_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="rs_mod_year_seq"),
            models.CheckConstraint(
                condition=Q(payable__isnull=True) | Q(payable__gte=0), name="rs_mod_payable"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def is_overdue(self, on: Any) -> bool:
        return self.status in MOD_RUNNING and self.step_due_on is not None and self.step_due_on < on


class ModificationItem(models.Model):
    """One item of the home assessment checklist: needed or not, what to do, its cost in the plan."""

    project = models.ForeignKey(ModificationProject, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(_("item"), max_length=16, choices=ModItem.choices)
    needed = models.BooleanField(_("needed"), default=False)
    note = models.CharField(_("what to do"), max_length=200, blank=True)
    cost = models.DecimalField(_("cost"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("modification item")
        verbose_name_plural = _("modification items")
        ordering = ["project", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "item"], name="rs_mod_item_once")]

    def __str__(self) -> str:
        return str(self.get_item_display())


class ModificationPhoto(models.Model):
    """A photo taken on a phone at a step (assessment, signed form, notice, works, before, after);
    stored under the media root with its location data removed, served only through the project's
    scope."""

    project = models.ForeignKey(ModificationProject, on_delete=models.CASCADE, related_name="photos")
    stage = models.CharField(_("stage"), max_length=12, choices=PhotoStage.choices)
    file = models.FileField(_("photo"), upload_to="rehabservices/photos/%Y/%m/")
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("modification photo")
        verbose_name_plural = _("modification photos")
        ordering = ["project", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.stage}"


class ModificationStep(models.Model):
    """One step of a project's history: the state it reached, when, by whom, the next deadline."""

    project = models.ForeignKey(ModificationProject, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(_("status"), max_length=10, choices=ModStatus.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    due_on = models.DateField(_("next deadline"), null=True, blank=True)
    actor = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("modification step")
        verbose_name_plural = _("modification steps")
        ordering = ["project", "on", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.status} {self.on}"


class ContractorBatch(RegionOwned, MakerCheckerBatch):
    """The payment of accepted projects of a region to their contractors: generated by one user,
    approved by another (``platform.batches.MakerCheckerBatch``), then paid."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.GENERATED
    )
    line_count = models.PositiveIntegerField(_("projects"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("contractor payment batch")
        verbose_name_plural = _("contractor payment batches")
        ordering = ["-created_at", "-id"]
        indexes = [_region_index("rs_batch_region")]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="rs_batch_year_seq")]

    def __str__(self) -> str:
        return self.number


class ContractorPayment(RegionOwned):
    """What a batch pays for one project."""

    batch = models.ForeignKey(ContractorBatch, on_delete=models.CASCADE, related_name="lines")
    project = models.OneToOneField(ModificationProject, on_delete=models.PROTECT, related_name="payment")
    contractor = models.CharField(_("contractor"), max_length=100)
    contractor_account = models.CharField(_("contractor's bank account"), max_length=40)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("contractor payment")
        verbose_name_plural = _("contractor payments")
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id} {self.project_id} {self.amount}"


# --- health services -----------------------------------------------------------------------------------


class HealthListUpload(RegionOwned):
    """A list from the health department or medical insurance (ID numbers of people signed or enrolled)."""

    kind = models.CharField(_("list"), max_length=16, choices=HealthListKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    filename = models.CharField(_("file"), max_length=200)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    unmatched = models.PositiveIntegerField(_("not in the registry"), default=0)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("health list upload")
        verbose_name_plural = _("health list uploads")
        ordering = ["-uploaded_at", "-id"]
        indexes = [_region_index("rs_hlist_region")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} {self.filename}"


class HealthSigning(RegionOwned):
    """A person found signed with a family doctor (or enrolled in medical insurance) in a year."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="health_signings"
    )
    kind = models.CharField(_("list"), max_length=16, choices=HealthListKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    team = models.CharField(_("doctor team or fund"), max_length=100, blank=True)
    upload = models.ForeignKey(
        HealthListUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("health signing")
        verbose_name_plural = _("health signings")
        ordering = ["-year", "person"]
        indexes = [_region_index("rs_signing_region")]
        constraints = [models.UniqueConstraint(fields=["person", "kind", "year"], name="rs_signing_once")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.year}"


class HealthStandard(models.Model):
    """What a health service program pays at most per person, from a date in a region."""

    program = models.CharField(_("program"), max_length=10, choices=HealthProgram.choices)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    amount = models.DecimalField(_("amount at most"), **MONEY)
    payee = models.CharField(_("paid to"), max_length=10, choices=Payee.choices, default=Payee.HOSPITAL)

    class Meta:
        verbose_name = _("health service standard")
        verbose_name_plural = _("health service standards")
        ordering = ["program", "region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "region_code", "valid_from"], name="rs_health_std_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.region_code or '*'} {self.valid_from}"


class HealthApplication(RegionOwned):
    """An application to a health service program: approval, the service record, the payment."""

    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="health_applications",
    )
    program = models.CharField(_("program"), max_length=10, choices=HealthProgram.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=HealthStatus.choices, default=HealthStatus.APPLIED
    )
    applied_on = models.DateField(_("applied on"))
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    refusal = models.CharField(_("reason refused"), max_length=200, blank=True)
    served_on = models.DateField(_("served on"), null=True, blank=True)
    hospital = models.CharField(_("hospital"), max_length=100, blank=True)
    service_note = models.CharField(_("service"), max_length=300, blank=True)
    cost = models.DecimalField(_("cost"), null=True, blank=True, **MONEY)
    standard = models.ForeignKey(
        HealthStandard, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount paid"), null=True, blank=True, **MONEY)
    payee = models.CharField(_("paid to"), max_length=10, choices=Payee.choices, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ServicesQuerySet.as_manager()
    permission_prefix = "services"

    class Meta:
        verbose_name = _("health service application")
        verbose_name_plural = _("health service applications")
        ordering = ["-applied_on", "-id"]
        indexes = [
            _region_index("rs_health_region"),
            models.Index(fields=["program", "year", "status"], name="rs_health_prog"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "program", "year"], name="rs_health_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()} {self.person_id} {self.year}"
