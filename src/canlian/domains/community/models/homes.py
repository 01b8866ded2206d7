"""Homes (残疾人之家 / 如康家园, "3+N"): the home profile of an institution of kind "home", its functions,
members and their daily attendance, services delivered per function, eligibility rule lists, the star
rating (criteria, bands, assessments) and the yearly funding batches set from stars.

Scope: a home's rows carry the home's ``region_code`` (its township) and its ``institution``: a
federation user reaches them by region, the home's own staff (role institution_staff bound to the
institution) reach their own home's rows only (``InstitutionScopedQuerySet``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.domains.community.choices import (
    AssessmentStatus,
    AttendanceSource,
    BatchStatus,
    ConstructionModel,
    EndReason,
    Purpose,
)
from canlian.domains.community.models._base import ReferenceQuerySet
from canlian.platform.batches import MakerCheckerBatch
from canlian.platform.scoping import (
    InstitutionScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
    region_pattern_index,
)


class HomeFunction(models.Model):
    """A function a home may offer: the three basic ones (day care, assisted employment, community
    rehabilitation) and the N others (training, culture and sport, volunteering …). Reference data,
    seeded by migration; ``unit`` says how a delivered service is counted."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    basic = models.BooleanField(_("basic function (3)"), default=False)
    unit = models.CharField(_("counted in"), max_length=20, default="times")
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("home function")
        verbose_name_plural = _("home functions")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Home(models.Model):
    """The home profile of an institution of kind "home": township, construction model, opening date,
    capacity, staff and the functions offered."""

    institution = models.OneToOneField(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="home",
    )
    region_code = models.CharField(_("township"), max_length=12)
    construction_model = models.CharField(
        _("construction model"),
        max_length=12,
        choices=ConstructionModel.choices,
        default=ConstructionModel.OTHER,
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    staff_count = models.PositiveSmallIntegerField(_("staff"), default=0)
    functions = models.ManyToManyField(
        HomeFunction, verbose_name=_("functions"), blank=True, related_name="+"
    )
    #: A provincial assisted-employment demonstration site.
    demonstration = models.BooleanField(_("demonstration site"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("home")
        verbose_name_plural = _("homes")
        ordering = ["region_code", "institution__name"]
        indexes = [
            region_pattern_index("community_home_region"),
        ]

    def __str__(self) -> str:
        return self.institution.name

    @property
    def name(self) -> str:
        return self.institution.name


class EligibilityRuleSet(models.Model):
    """Who may join a home, enter care or work in assisted employment: a rule list in the engine's
    vocabulary (``canlian.programs.rules.engine``), effective-dated, per region prefix ("" = national). The
    rule set of the longest region prefix in force on the day applies."""

    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    rules = models.JSONField(_("rules"), default=list)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("eligibility rule list")
        verbose_name_plural = _("eligibility rule lists")
        ordering = ["purpose", "region_code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "region_code", "valid_from"], name="community_rules_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.region_code or '*'} {self.valid_from}"


class HomeMember(RegionOwned):
    """A registered person enrolled at a home, from ``starts_on`` to ``ends_on`` (open while a member).
    A person is a member of at most one home at a time."""

    home = models.ForeignKey(Home, verbose_name=_("home"), on_delete=models.PROTECT, related_name="members")
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="home_memberships"
    )
    starts_on = models.DateField(_("member from"))
    ends_on = models.DateField(_("member until"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=10, choices=EndReason.choices, blank=True)
    functions = models.ManyToManyField(
        HomeFunction, verbose_name=_("services used"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("home member")
        verbose_name_plural = _("home members")
        ordering = ["home", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ends_on__isnull=True), name="community_member_one_open"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="community_member_dates",
            ),
        ]
        indexes = [
            region_pattern_index("community_member_region"),
            models.Index(fields=["home", "ends_on"], name="community_member_home"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.home_id}"

    def active_on(self, day) -> bool:  # type: ignore[no-untyped-def]
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class HomeAttendance(RegionOwned):
    """One day a member attended the home (a day-care day). Absent days have no row."""

    member = models.ForeignKey(
        HomeMember,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="attendance",
        db_index=False,
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
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("home attendance")
        verbose_name_plural = _("home attendance")
        ordering = ["member", "on"]
        constraints = [
            models.UniqueConstraint(fields=["member", "on"], name="community_attendance_once_a_day")
        ]
        indexes = [
            models.Index(fields=["institution", "on"], name="community_attendance_inst_day"),
            models.Index(fields=["on", "region_code"], name="community_attendance_day"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.on}"


class ServiceRecord(RegionOwned):
    """A service a home delivered under one of its functions: a rehabilitation session, training hours,
    an activity with its participants (day care is counted from attendance)."""

    home = models.ForeignKey(Home, verbose_name=_("home"), on_delete=models.PROTECT, related_name="services")
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    function = models.ForeignKey(
        HomeFunction, verbose_name=_("function"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("date"))
    title = models.CharField(_("what"), max_length=100)
    quantity = models.DecimalField(_("quantity"), max_digits=8, decimal_places=1, default=1)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    member = models.ForeignKey(
        HomeMember,
        verbose_name=_("member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("service delivered")
        verbose_name_plural = _("services delivered")
        ordering = ["-on", "-id"]
        indexes = [
            region_pattern_index("community_service_region"),
            models.Index(fields=["home", "on"], name="community_service_home"),
        ]

    def __str__(self) -> str:
        return f"{self.function_id} {self.on}"


class StarCriterion(models.Model):
    """A criterion of the star rating with its weight; a score is given out of ``max_score``.
    Effective-dated, per region prefix."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    max_score = models.DecimalField(_("full score"), max_digits=5, decimal_places=1, default=100)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("star criterion")
        verbose_name_plural = _("star criteria")
        ordering = ["region_code", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "code", "valid_from"], name="community_criterion_unique"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0) & Q(max_score__gt=0), name="community_criterion_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StarBand(models.Model):
    """Stars from a weighted score (0–100): the band with the highest ``min_score`` not above the
    score gives its stars. Effective-dated, per region prefix."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"))
    min_score = models.DecimalField(_("from score"), max_digits=5, decimal_places=1)

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("star band")
        verbose_name_plural = _("star bands")
        ordering = ["region_code", "-valid_from", "-min_score"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "valid_from", "stars"], name="community_band_unique"
            ),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5), name="community_band_stars"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ ≥ {self.min_score}"


class StarAssessment(RegionOwned):
    """A home's yearly star assessment: a score per criterion, the weighted total, the stars from the
    bands, evidence photos; confirmed once complete (the funding of the next year reads it)."""

    home = models.ForeignKey(
        Home, verbose_name=_("home"), on_delete=models.PROTECT, related_name="assessments"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    assessed_on = models.DateField(_("assessed on"))
    total_score = models.DecimalField(_("weighted score"), max_digits=5, decimal_places=1, default=0)
    stars = models.PositiveSmallIntegerField(_("stars"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    assessors = models.CharField(_("assessors"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("star assessment")
        verbose_name_plural = _("star assessments")
        ordering = ["-year", "home"]
        constraints = [models.UniqueConstraint(fields=["home", "year"], name="community_assessment_yearly")]
        indexes = [
            region_pattern_index("community_assess_region"),
        ]

    def __str__(self) -> str:
        return f"{self.home_id} {self.year}: {self.stars}★"


class StarScore(models.Model):
    """The score one criterion got in an assessment."""

    assessment = models.ForeignKey(
        StarAssessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        StarCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("star score")
        verbose_name_plural = _("star scores")
        ordering = ["assessment", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="community_score_once")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class StarEvidence(models.Model):
    """An evidence photo of an assessment."""

    assessment = models.ForeignKey(
        StarAssessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="evidence"
    )
    photo = models.FileField(_("photo"), upload_to="community/evidence/%Y/")
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["assessment", "id"]

    def __str__(self) -> str:
        return self.caption or str(self.pk)


class FundingStandard(models.Model):
    """A home's yearly running funding by stars, per region prefix, effective-dated (by the funded
    year's 1 January)."""

    region_code = models.CharField(_("region"), max_length=12, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    stars = models.PositiveSmallIntegerField(_("stars"))
    amount = models.DecimalField(_("yearly funding"), max_digits=12, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReferenceQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("funding standard")
        verbose_name_plural = _("funding standards")
        ordering = ["region_code", "-valid_from", "-stars"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "valid_from", "stars"], name="community_funding_std_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="community_funding_std_amount"),
            models.CheckConstraint(
                condition=Q(stars__gte=1, stars__lte=5), name="community_funding_std_stars"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ {self.amount} {self.region_code or '*'}"


class FundingBatch(RegionOwned, MakerCheckerBatch):
    """A region's (usually a county's) home funding for a year, set from the stars of the previous
    year's confirmed assessments: generated set-based, approved by someone else, then paid."""

    year = models.PositiveSmallIntegerField(_("funded year"))
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.GENERATED
    )
    line_count = models.PositiveIntegerField(_("homes"), default=0)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    #: A region's batch: an institution's staff (no region scope) never reach it.
    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "community"

    class Meta:
        verbose_name = _("funding batch")
        verbose_name_plural = _("funding batches")
        ordering = ["-year", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["region_code", "year"], name="community_funding_batch_unique")
        ]
        indexes = [
            region_pattern_index("community_funding_region"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.year}"


class FundingLine(RegionOwned):
    """One home's funding in a batch: the assessment, its stars, the standard and the amount."""

    batch = models.ForeignKey(
        FundingBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="lines"
    )
    home = models.ForeignKey(
        Home, verbose_name=_("home"), on_delete=models.PROTECT, related_name="funding_lines"
    )
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        StarAssessment, verbose_name=_("assessment"), on_delete=models.PROTECT, related_name="+"
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    standard = models.ForeignKey(
        FundingStandard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "community"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["batch", "region_code", "home"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "home"], name="community_funding_line_unique")
        ]

    def __str__(self) -> str:
        return f"{self.home_id} {self.amount}"
