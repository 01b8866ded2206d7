"""The registry's tables. Every row that belongs to a region carries the owning region's tree code
(``region_code``) so that scope is an indexed prefix match; certificates and hardship statuses are
scoped through their person."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.registry.choices import (
    CancelReason,
    Category,
    CertificateEventKind,
    CertificateState,
    CertificateStatus,
    Grade,
    HardshipKind,
    HardshipSource,
    HukouType,
    LifeStatus,
    MonitoredType,
    PersonSource,
    Relationship,
    RiskCause,
    ScreeningOutcome,
    ScreeningSource,
    Sex,
)
from canlian.core.registry.identity import mask_id, mask_phone
from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, region_pattern_index


class PersonReachQuerySet(RegionScopedQuerySet):
    """Rows of a person (the person, their certificates, statuses, events): the region scope, or the
    people a user reaches otherwise (a cadre: those paired with them; ``core/registry/hooks.py``)."""

    person_prefix = "person__"

    def for_user(self, user: Any, action: str = "view") -> RegionScopedQuerySet:
        from canlian.core.registry.hooks import person_reach_q
        from canlian.platform.scoping import scope_of

        permission = self._permission(action)
        region_q = scope_of(user, permission).q(getattr(self.model, "scope_field", "region_code"))
        reach = (
            person_reach_q(user, permission, self.person_prefix)
            if getattr(user, "is_authenticated", False)
            else None
        )
        return self.filter(region_q if reach is None else region_q | reach)


class PersonQuerySet(PersonReachQuerySet):
    person_prefix = ""

    def living(self) -> PersonQuerySet:
        return self.filter(life_status=LifeStatus.LIVING)


class Person(models.Model):
    """A resident the federation knows: a certificate holder, or someone screened for assessment.
    The ID number is unique; sex and birth date are derived from it. ``region_code`` is the place of
    residence (down to village/community) and decides who may see the person."""

    name = models.CharField(_("name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=120, blank=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=30, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    region_code = models.CharField(_("residence region"), max_length=12)
    residence_address = models.CharField(_("residence address"), max_length=200, blank=True)
    hukou_region_code = models.CharField(_("household-registration region"), max_length=12, blank=True)
    hukou_address = models.CharField(_("household-registration address"), max_length=200, blank=True)
    hukou_type = models.CharField(_("hukou type"), max_length=20, choices=HukouType.choices, blank=True)
    life_status = models.CharField(
        _("life status"), max_length=12, choices=LifeStatus.choices, default=LifeStatus.LIVING
    )
    life_status_date = models.DateField(_("status date"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=12, choices=PersonSource.choices, default=PersonSource.MANUAL
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = PersonQuerySet.as_manager()
    permission_prefix = "persons"

    # Not columns: set by the list page's ``decorate_persons``.
    cert: Certificate | None
    cert_status: str
    region_label: str
    flag_labels: list[str]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["-id"]
        # Prefix matches (scope, name, pinyin, phone) need pattern-ops indexes on PostgreSQL whatever
        # the database collation; SQLite ignores opclasses. The unique id_number gets Django's own
        # "_like" pattern index on PostgreSQL. Lists use keyset order on the primary key.
        indexes = [
            region_pattern_index("person_region"),
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"], name="person_name"),
            models.Index(fields=["name_pinyin"], opclasses=["varchar_pattern_ops"], name="person_pinyin"),
            models.Index(fields=["name_initials"], opclasses=["varchar_pattern_ops"], name="person_initials"),
            models.Index(fields=["phone"], opclasses=["varchar_pattern_ops"], name="person_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(life_status="living") | Q(life_status_date__isnull=False),
                name="person_status_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id})"

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, on: dt.date | None = None) -> int:
        from canlian.core.registry.identity import age_on

        return age_on(self.birth_date, on or timezone.localdate())


def certificate_in_force_q(on: dt.date, prefix: str = "") -> Q:
    """The certificate in force on ``on``: issued by then, not yet replaced (a replacement's issue date
    ends it the day before) and not cancelled before the day (a cancellation counts from the day
    after: the day of a death is still covered). A person's certificates form a chain, so at most one
    matches a day. Its validity (``valid_until``) is a separate question the rules ask."""
    return (
        Q(**{f"{prefix}issue_date__lte": on})
        & (
            (
                Q(**{f"{prefix}superseded_on__isnull": True})
                & ~Q(**{f"{prefix}state": CertificateState.SUPERSEDED})
            )
            | Q(**{f"{prefix}superseded_on__gt": on})
        )
        & (Q(**{f"{prefix}cancelled_on__isnull": True}) | Q(**{f"{prefix}cancelled_on__gte": on}))
    )


class CertificateQuerySet(PersonReachQuerySet):
    def current(self) -> CertificateQuerySet:
        return self.filter(state=CertificateState.ACTIVE)

    def expiring_within(self, days: int, on: dt.date | None = None) -> CertificateQuerySet:
        on = on or timezone.localdate()
        return self.current().filter(valid_until__gte=on, valid_until__lte=on + dt.timedelta(days=days))

    def expired(self, on: dt.date | None = None) -> CertificateQuerySet:
        return self.current().filter(valid_until__lt=on or timezone.localdate())


class Certificate(models.Model):
    """A disability certificate (残疾人证). Number = ID number + category digit + grade digit
    (+ a re-issue suffix). A person holds at most one certificate in force; earlier ones stay as
    history (replaced after a re-assessment, or cancelled with a reason)."""

    person = models.ForeignKey(
        Person, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("certificate number"), max_length=22)
    category = models.PositiveSmallIntegerField(_("category"), choices=Category.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)
    issue_date = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(
        _("state"), max_length=12, choices=CertificateState.choices, default=CertificateState.ACTIVE
    )
    cancelled_on = models.DateField(_("cancelled on"), null=True, blank=True)
    cancel_reason = models.CharField(
        _("cancellation reason"), max_length=12, choices=CancelReason.choices, blank=True
    )
    cancel_note = models.CharField(_("cancellation note"), max_length=200, blank=True)
    #: The issue date of the certificate that replaced this one: it was in force until the day before.
    superseded_on = models.DateField(_("replaced on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = CertificateQuerySet.as_manager()
    permission_prefix = "persons"
    scope_field = "person__region_code"

    class Meta:
        verbose_name = _("disability certificate")
        verbose_name_plural = _("disability certificates")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="active"), name="certificate_one_active_per_person"
            ),
            models.UniqueConstraint(fields=["number", "issue_date"], name="certificate_number_issue_unique"),
            models.CheckConstraint(
                condition=Q(category__gte=1, category__lte=7), name="certificate_category_range"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=4), name="certificate_grade_range"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("issue_date")), name="certificate_valid_after_issue"
            ),
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_on__isnull=False),
                name="certificate_cancel_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "valid_until"], name="certificate_state_until"),
            models.Index(fields=["number"], name="certificate_number"),
            models.Index(fields=["state", "cancelled_on"], name="certificate_state_cancelled"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.get_grade_display()}"

    @property
    def region_code(self) -> str:
        return self.person.region_code

    def status_on(self, on: dt.date | None = None, *, expiring_days: int = 365) -> str:
        on = on or timezone.localdate()
        if self.state == CertificateState.CANCELLED:
            return CertificateStatus.CANCELLED
        if self.state == CertificateState.SUPERSEDED:
            return CertificateStatus.SUPERSEDED
        if self.valid_until < on:
            return CertificateStatus.EXPIRED
        if self.valid_until <= on + dt.timedelta(days=expiring_days):
            return CertificateStatus.EXPIRING
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        return self.status_on()

    @property
    def status_label(self) -> str:
        return str(CertificateStatus(self.status).label)

    @property
    def is_severe(self) -> bool:
        return self.grade in (Grade.ONE, Grade.TWO)


class SubDisability(models.Model):
    """One disability of a multiple-disability (多重) certificate, with its own grade."""

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE, related_name="sub_disabilities"
    )
    category = models.PositiveSmallIntegerField(_("category"), choices=Category.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=Grade.choices)

    class Meta:
        verbose_name = _("sub-disability")
        verbose_name_plural = _("sub-disabilities")
        ordering = ["certificate", "category"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "category"], name="subdisability_unique"),
            models.CheckConstraint(
                condition=Q(category__gte=1, category__lte=6), name="subdisability_category_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.get_grade_display()}"


class CertificateEvent(models.Model):
    """The history of a person's certificates: issue, renewal, re-assessment, cancellation."""

    # Indexed by certevent_person_on (person, on), which also serves lookups by person alone.
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="certificate_events",
        db_index=False,
    )
    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=12, choices=CertificateEventKind.choices)
    on = models.DateField(_("date"))
    old_values = models.JSONField(_("before"), null=True, blank=True)
    new_values = models.JSONField(_("after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = PersonReachQuerySet.as_manager()
    permission_prefix = "persons"
    scope_field = "person__region_code"

    class Meta:
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["person", "on"], name="certevent_person_on")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.on}"


class HardshipStatus(models.Model):
    """A hardship status from civil or rural affairs with its effective dates (``valid_to`` empty
    while it lasts). At most one open status of a kind per person."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="hardships"
    )
    kind = models.CharField(_("status"), max_length=12, choices=HardshipKind.choices)
    monitored_type = models.CharField(
        _("monitored type"), max_length=12, choices=MonitoredType.choices, blank=True
    )
    risk_cause = models.CharField(_("risk cause"), max_length=16, choices=RiskCause.choices, blank=True)
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=HardshipSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = PersonReachQuerySet.as_manager()
    permission_prefix = "persons"
    scope_field = "person__region_code"

    class Meta:
        verbose_name = _("hardship status")
        verbose_name_plural = _("hardship statuses")
        ordering = ["person", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=Q(valid_to__isnull=True),
                name="hardship_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="hardship_period_order",
            ),
        ]
        indexes = [models.Index(fields=["kind", "valid_to", "person"], name="hardship_kind_open")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    def is_current(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or self.valid_to >= on)


class Household(RegionOwned):
    """A household (户): its members with relationship and head. The priority flags are derived from
    the members (``household_refresh_flags``) and stored so that lists filter on them at scale."""

    number = models.CharField(_("household number"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    multi_disabled = models.BooleanField(_("several disabled members (一户多残)"), default=False)
    alone_disabled = models.BooleanField(_("orphaned or alone (孤残)"), default=False)
    elderly_carers = models.BooleanField(_("elderly carers (以老养残)"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    permission_prefix = "persons"

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-id"]
        indexes = [region_pattern_index("household_region")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def flags(self) -> list[str]:
        out = []
        if self.multi_disabled:
            out.append(str(_("several disabled members (一户多残)")))
        if self.alone_disabled:
            out.append(str(_("orphaned or alone (孤残)")))
        if self.elderly_carers:
            out.append(str(_("elderly carers (以老养残)")))
        return out


class HouseholdMember(models.Model):
    """A member of a household: a registered person, or a relative known only by name and birth date
    (needed for the elderly-carer rule)."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    name = models.CharField(_("name"), max_length=50)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    relationship = models.CharField(_("relationship to head"), max_length=12, choices=Relationship.choices)
    is_head = models.BooleanField(_("head"), default=False)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "persons"
    scope_field = "household__region_code"

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        ordering = ["household", "-is_head", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(person__isnull=False), name="member_one_household"
            ),
            models.UniqueConstraint(fields=["household"], condition=Q(is_head=True), name="member_one_head"),
        ]

    def __str__(self) -> str:
        return self.name


class ScreeningRecord(RegionOwned):
    """A suspected disabled person found in screening (摸排), not yet certified: the home-assessment
    appointment and its outcome, which may become a certificate."""

    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    suspected_category = models.PositiveSmallIntegerField(
        _("suspected category"), choices=Category.choices, null=True, blank=True
    )
    source = models.CharField(
        _("found by"), max_length=16, choices=ScreeningSource.choices, default=ScreeningSource.VILLAGE
    )
    found_on = models.DateField(_("found on"))
    description = models.CharField(_("what was seen"), max_length=300, blank=True)
    appointment_on = models.DateField(_("home assessment on"), null=True, blank=True)
    assessor = models.CharField(_("assessor"), max_length=80, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ScreeningOutcome.choices, default=ScreeningOutcome.PENDING
    )
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=300, blank=True)
    person = models.ForeignKey(
        Person,
        verbose_name=_("registered as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="screenings",
    )
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    permission_prefix = "persons"

    class Meta:
        verbose_name = _("screening record")
        verbose_name_plural = _("screening records")
        ordering = ["region_code", "-found_on", "id"]
        indexes = [
            region_pattern_index("screening_region"),
            models.Index(fields=["outcome", "appointment_on"], name="screening_outcome_appt"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)

    @property
    def is_open(self) -> bool:
        return self.outcome in (ScreeningOutcome.PENDING, ScreeningOutcome.SCHEDULED)
