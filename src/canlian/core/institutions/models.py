"""Institutions, their qualifications, agreements and status history; staff, training and certificates.

Scope: an institution belongs to the region it sits in (``region_code``, township or county). A
federation user reaches institutions and everything under them by region; an institution's staff
reach their own institution only (``InstitutionScopedQuerySet``: ``institution_field``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.institutions.choices import (
    InstitutionKind,
    InstitutionStatus,
    QualificationKind,
    StaffPost,
)
from canlian.platform.scoping import InstitutionScopedQuerySet, RegionOwned, region_pattern_index

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class InstitutionQuerySet(InstitutionScopedQuerySet):
    def designated(self) -> InstitutionQuerySet:
        """Institutions that may take new people: active or warned (a suspended or removed one may not)."""
        return self.filter(status__in=[InstitutionStatus.ACTIVE, InstitutionStatus.WARNED])


class Institution(RegionOwned):
    """A designated institution the federation works with, under a service agreement."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=InstitutionKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    operator = models.CharField(_("operator"), max_length=100, blank=True)
    #: Unified social credit code (统一社会信用代码) of the operator, validated with python-stdnum.
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), default=0)
    #: Service categories served, as ServiceCategory codes ("1258").
    categories = models.CharField(_("categories served"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=InstitutionStatus.choices, default=InstitutionStatus.ACTIVE
    )
    status_since = models.DateField(_("status since"), default=dt.date.today)
    #: Standardisation rating from the latest scored inspection (0–100) and its date.
    rating_score = models.DecimalField(
        _("rating score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    rated_on = models.DateField(_("rated on"), null=True, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True)
    account_holder = models.CharField(_("account holder"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = InstitutionQuerySet.as_manager()  # type: ignore[misc]  # narrows RegionOwned's manager
    permission_prefix = "institutions"
    institution_field = "id"

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["region_code", "name"]
        indexes = [
            region_pattern_index("institution_region"),
            models.Index(fields=["kind", "status"], name="institution_kind_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def serves(self, category: str) -> bool:
        return not self.categories or str(category) in self.categories


class InstitutionStatusChange(models.Model):
    """Dynamic-management history: every status change with its reason and source (e.g. a notice)."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=InstitutionStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=InstitutionStatus.choices)
    on = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=300)
    #: What caused it, e.g. "notice:12" for a rectification notice, "" for a manual change.
    source = models.CharField(_("source"), max_length=40, blank=True)
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
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["institution", "-on", "-id"]

    def __str__(self) -> str:
        return f"{self.institution_id}: {self.from_status} → {self.to_status} {self.on}"


class Qualification(models.Model):
    """A licence the institution holds (education or medical), with its validity."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="qualifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=QualificationKind.choices)
    number = models.CharField(_("number"), max_length=60)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    attachment = models.FileField(_("scan"), upload_to="institutions/qualifications/%Y/", blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["institution", "kind", "-valid_until"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class ServiceAgreement(models.Model):
    """The service agreement (服务协议) between the federation and the institution, with its period."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="agreements"
    )
    number = models.CharField(_("number"), max_length=60)
    services = models.CharField(_("services"), max_length=200, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    attachment = models.FileField(_("scan"), upload_to="institutions/agreements/%Y/", blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["institution", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")), name="agreement_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until


class StaffQuerySet(InstitutionScopedQuerySet):
    def current(self) -> StaffQuerySet:
        return self.filter(left_on__isnull=True)


class StaffMember(models.Model):
    """A person working at an institution. ``user`` is their sign-in, if they have one."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="staff"
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    post = models.CharField(_("post"), max_length=16, choices=StaffPost.choices)
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sign-in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = StaffQuerySet.as_manager()
    permission_prefix = "institutions"
    scope_field = "institution__region_code"
    institution_field = "institution_id"

    # Not columns: set by the pages that show the certificate state.
    cert_state: str
    state_label: StrOrPromise

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["institution", "name"]

    def __str__(self) -> str:
        return self.name


class TrainingCourse(models.Model):
    """A training course the federation organises for institution staff, with exam pass marks and
    the validity of the completion certificates it issues."""

    name = models.CharField(_("name"), max_length=100)
    region_code = models.CharField(_("organised by region"), max_length=12)
    organiser = models.CharField(_("organiser"), max_length=100, blank=True)
    #: Posts the course qualifies for (StaffPost codes, comma-separated); blank = any.
    posts = models.CharField(_("for posts"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hours = models.PositiveSmallIntegerField(_("hours"), default=0)
    pass_written = models.DecimalField(_("pass mark, written"), max_digits=5, decimal_places=1, default=60)
    pass_practical = models.DecimalField(
        _("pass mark, practical"), max_digits=5, decimal_places=1, default=60
    )
    certificate_years = models.PositiveSmallIntegerField(_("certificate valid (years)"), default=3)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = InstitutionScopedQuerySet.as_manager()
    permission_prefix = "institutions"
    institution_field = "results__staff__institution_id"

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="course_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingResult(models.Model):
    """A staff member's written and practical exam results in a course."""

    course = models.ForeignKey(
        TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE, related_name="results"
    )
    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="training_results"
    )
    written_score = models.DecimalField(_("written"), max_digits=5, decimal_places=1, null=True, blank=True)
    practical_score = models.DecimalField(
        _("practical"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), default=False)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("training result")
        verbose_name_plural = _("training results")
        ordering = ["course", "staff"]
        constraints = [
            models.UniqueConstraint(fields=["course", "staff"], name="training_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} @ {self.course_id}"


class StaffCertificateQuerySet(InstitutionScopedQuerySet):
    def valid_on(self, day: dt.date) -> StaffCertificateQuerySet:
        return self.filter(issued_on__lte=day, valid_until__gte=day, revoked_on__isnull=True)


class StaffCertificate(models.Model):
    """A completion certificate (上岗证/结业证书) with its number and expiry: "no certificate, no duty"."""

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="certificates"
    )
    course = models.ForeignKey(
        TrainingCourse,
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificates",
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = StaffCertificateQuerySet.as_manager()
    permission_prefix = "institutions"
    scope_field = "staff__institution__region_code"
    institution_field = "staff__institution_id"

    class Meta:
        verbose_name = _("staff certificate")
        verbose_name_plural = _("staff certificates")
        ordering = ["staff", "-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issued_on")), name="staff_cert_dates"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def valid_on(self, day: dt.date) -> bool:
        return self.revoked_on is None and self.issued_on <= day <= self.valid_until
