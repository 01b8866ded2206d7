"""Supervision tables: checklist templates, inspection plans, inspections with scored checklist items,
rectification notices (整改通知书) and their timeline.

Scope: plans, inspections and notices carry ``region_code`` = the institution's region (a plan: the
region it covers). A federation user reaches them by region; an institution's staff reach their own
institution's inspections and notices (``institution_field``), never plans (an unannounced inspection
is not announced to the institution).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.choices import InstitutionStatus
from canlian.core.institutions.models import Institution
from canlian.domains.supervision.choices import (
    NOTICE_RUNNING,
    NoticeEventKind,
    NoticeStatus,
    PlanKind,
    PlanStatus,
    rating_band,
)
from canlian.platform.scoping import (
    InstitutionScopedQuerySet,
    RegionOwned,
    RegionScopedQuerySet,
    region_pattern_index,
)


class ChecklistTemplate(models.Model):
    """A checklist (检查评分表) as data: items with their maximum scores, normally totalling 100."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def total_max(self) -> Decimal:
        return sum((i.max_score for i in self.items.all()), Decimal("0"))


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    section = models.CharField(_("section"), max_length=60)
    text = models.CharField(_("requirement"), max_length=300)
    max_score = models.DecimalField(
        _("maximum score"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_item_number"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="checklist_item_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class PlanQuerySet(InstitutionScopedQuerySet):
    def for_user(self, user: Any, action: str = "view") -> RegionScopedQuerySet:
        """Plans are reached by region only: an institution's staff never see the inspection plan."""
        return RegionScopedQuerySet.for_user(self, user, action)


class InspectionPlan(RegionOwned):
    """An inspection plan of a year (or a quarter of it) in a region: which institutions, what kind."""

    title = models.CharField(_("title"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    kind = models.CharField(_("kind"), max_length=12, choices=PlanKind.choices, default=PlanKind.ROUTINE)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    institutions = models.ManyToManyField(
        Institution, verbose_name=_("institutions to inspect"), related_name="inspection_plans"
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PlanQuerySet.as_manager()
    permission_prefix = "supervision"
    institution_field = "institutions__id"

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "-quarter", "-id"]
        indexes = [
            region_pattern_index("sup_plan_region"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quarter__isnull=True) | Q(quarter__gte=1, quarter__lte=4), name="sup_plan_quarter"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def period_label(self) -> str:
        return f"{self.year} Q{self.quarter}" if self.quarter else str(self.year)


class Inspection(RegionOwned):
    """One inspection of an institution, under a plan or ad hoc, scored on a checklist."""

    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="inspections"
    )
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspected_on = models.DateField(_("inspected on"))
    unannounced = models.BooleanField(_("unannounced"), default=False)
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    inspectors = models.CharField(_("inspectors"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "supervision"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-inspected_on", "-id"]
        indexes = [
            region_pattern_index("sup_insp_region"),
            models.Index(fields=["institution", "-inspected_on"], name="sup_insp_inst"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="sup_insp_score"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.inspected_on:%Y-%m-%d}"

    @property
    def band(self) -> str:
        return rating_band(self.score)


class InspectionItem(models.Model):
    """The score of one checklist item in an inspection, with the finding and an optional photo."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="items"
    )
    checklist_item = models.ForeignKey(
        ChecklistTemplateItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="+"
    )
    max_score = models.DecimalField(_("maximum score"), max_digits=4, decimal_places=1)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1)
    finding = models.TextField(_("finding"), blank=True)
    photo = models.FileField(_("photo"), upload_to="supervision/photos/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["inspection", "checklist_item__number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "checklist_item"], name="sup_item_once"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=models.F("max_score")), name="sup_item_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checklist_item_id}: {self.score}/{self.max_score}"

    @property
    def lost(self) -> bool:
        return self.score < self.max_score


class NoticeQuerySet(InstitutionScopedQuerySet):
    def running(self) -> NoticeQuerySet:
        return self.filter(status__in=NOTICE_RUNNING)

    def overdue(self, on: Any) -> NoticeQuerySet:
        """Past their deadline and not closed."""
        return self.running().filter(due_on__lt=on)


class RectificationNotice(RegionOwned):
    """整改通知书: the problems an inspection found, a deadline in working days, the institution's
    response, re-inspection, closure or escalation (warning → suspension → removal)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="notices"
    )
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="notices"
    )
    number = models.CharField(_("number"), max_length=30, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    problems = models.TextField(_("problems found"))
    issued_on = models.DateField(_("issued on"))
    working_days = models.PositiveSmallIntegerField(_("working days to rectify"))
    #: The deadline: ``working_days`` working days after issue (or after the latest escalation).
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    reinspected_on = models.DateField(_("re-inspected on"), null=True, blank=True)
    reinspection_passed = models.BooleanField(_("re-inspection passed"), null=True, blank=True)
    reinspection_note = models.TextField(_("re-inspection note"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    escalated_to = models.CharField(
        _("escalated to"), max_length=12, choices=InstitutionStatus.choices, blank=True
    )
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = NoticeQuerySet.as_manager()
    permission_prefix = "supervision"
    institution_field = "institution_id"

    class Meta:
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        ordering = ["-issued_on", "-id"]
        indexes = [
            region_pattern_index("sup_notice_region"),
            models.Index(fields=["status", "due_on"], name="sup_notice_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="sup_notice_year_seq"),
            models.CheckConstraint(condition=Q(due_on__gte=models.F("issued_on")), name="sup_notice_due"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.status == NoticeStatus.CLOSED

    def is_overdue(self, on: Any) -> bool:
        return self.status in NOTICE_RUNNING and self.due_on < on


class NoticeEvent(models.Model):
    """One step of a notice's timeline: issued, responded, re-inspected, closed, escalated."""

    notice = models.ForeignKey(
        RectificationNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeEventKind.choices)
    on = models.DateField(_("date"))
    text = models.TextField(_("text"), blank=True)
    #: For an escalation: the institution status it led to.
    to_status = models.CharField(_("to"), max_length=12, choices=InstitutionStatus.choices, blank=True)
    due_on = models.DateField(_("new deadline"), null=True, blank=True)
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
        verbose_name = _("notice event")
        verbose_name_plural = _("notice events")
        ordering = ["notice", "on", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind} {self.on}"
