"""Tables of pairing care (结对关爱): pairings of cadres with people, contacts and home visits, the
needs found, and the contact obligations as effective-dated rules.

Every row is owned by a region: ``region_code`` is copied from the person when the row is written,
so scope is an indexed prefix match and lists never join the person to decide visibility. The
permission prefix is ``care`` (care.view / care.record / care.manage).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.platform.access import is_system
from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, Scope, region_pattern_index, scope_of


class EndReason(models.TextChoices):
    REASSIGNED = "reassigned", _("Re-assigned to another cadre")
    DECEASED = "deceased", _("Person deceased")
    MOVED_OUT = "moved_out", _("Person moved out")
    NO_LONGER_ELIGIBLE = "not_eligible", _("No longer needs pairing")
    CADRE_LEFT = "cadre_left", _("Cadre left the post")
    OTHER = "other", _("Other")


class ContactWay(models.TextChoices):
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("SMS")
    HOME_VISIT = "home_visit", _("Home visit")
    OTHER = "other", _("Other")


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


#: Needs still to be worked on.
OPEN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_PROGRESS)


class AppliesTo(models.TextChoices):
    PAIRED = "paired", _("Every person with an active pairing")
    FAMILY_VISIT = "family_visit", _("Families with sick, orphaned or several disabled members (三访)")


def care_wide_scope(user: Any) -> Scope:
    """The regions where ``user`` sees every pairing, contact and need: where they hold care.manage,
    or all of their care.view scope when they hold care.record nowhere (leaders, auditors: read-only
    overseers). Elsewhere in their care.view scope a plain cadre sees only their own people."""
    if is_system(user):
        return Scope.all()
    view = scope_of(user, "care.view")
    manage = scope_of(user, "care.manage")
    if view.is_empty:
        return Scope.nothing()
    if view.everything or manage.everything:
        return Scope.all()
    if scope_of(user, "care.record").is_empty:
        return view
    return Scope.of(p for p in manage.prefixes if view.contains(p))


class CareScopedQuerySet(RegionScopedQuerySet):
    """The one read path of care: region scope, and outside the user's wide regions
    (``care_wide_scope``) only the rows of their own people (``own_q``). care.manage is region-wide."""

    def own_q(self, user: Any) -> Q:
        """The rows that are the user's own (each care model says which); by default none, so a
        model that forgets it shows a cadre nothing rather than the region."""
        return Q(pk__in=[])

    def for_user(self, user: Any, action: str = "view") -> Any:
        if is_system(user):
            return self.all()
        permission = self._permission(action)
        rows = super().for_user(user, permission)
        if permission == "care.manage":
            return rows
        wide, scope = care_wide_scope(user), scope_of(user, permission)
        if wide.everything or (not scope.everything and all(wide.contains(p) for p in scope.prefixes)):
            return rows  # seen whole wherever the permission reaches
        return rows.filter(wide.q("region_code") | self.own_q(user))


def _paired_to(user: Any) -> Q:
    """Rows about the people actively paired to ``user``."""
    return Q(person__in=Pairing.objects.filter(cadre=user, ended_on__isnull=True).values("person_id"))


class PairingQuerySet(CareScopedQuerySet):
    def own_q(self, user: Any) -> Q:
        return Q(cadre=user)

    def active(self) -> PairingQuerySet:
        return self.filter(ended_on__isnull=True)

    def active_on(self, on: dt.date) -> PairingQuerySet:
        return self.filter(started_on__lte=on).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))


class Pairing(RegionOwned):
    """A cadre paired with a person (结对). A person has at most one active pairing; a cadre may have
    several. Re-assignment ends the old pairing (reason "reassigned") and starts a new one, so the
    history stays. ``ended_on`` is the last day the pairing was in force."""

    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="care_pairings",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="care_pairings"
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("end note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PairingQuerySet.as_manager()
    permission_prefix = "care"

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(ended_on__isnull=True),
                name="care_pairing_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="care_pairing_period_order",
            ),
        ]
        indexes = [
            region_pattern_index("care_pairing_region"),
            models.Index(fields=["cadre", "ended_on"], name="care_pairing_cadre"),
            models.Index(fields=["person", "started_on"], name="care_pairing_person"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.person}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class ContactQuerySet(CareScopedQuerySet):
    def own_q(self, user: Any) -> Q:
        return Q(cadre=user) | _paired_to(user)

    def in_year(self, year: int) -> ContactQuerySet:
        return self.filter(on__gte=dt.date(year, 1, 1), on__lte=dt.date(year, 12, 31))

    def home_visits(self) -> ContactQuerySet:
        return self.filter(way=ContactWay.HOME_VISIT)


class Contact(RegionOwned):
    """One contact with a person: a call, a WeChat or SMS exchange, or a home visit, with what came of
    it. Contacts belong to the person (a re-assignment does not move them); ``pairing`` records under
    which pairing the contact was made, if any."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="care_contacts"
    )
    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="care_contacts",
    )
    way = models.CharField(_("way"), max_length=12, choices=ContactWay.choices)
    on = models.DateField(_("date"))
    discussed = models.TextField(_("what was discussed"), blank=True)
    needs_found = models.TextField(_("needs found"), blank=True)
    policies_delivered = models.PositiveSmallIntegerField(_("policies delivered"), default=0)
    policies_text = models.TextField(_("policies delivered (details)"), blank=True)
    difficulties_solved = models.PositiveSmallIntegerField(_("difficulties solved"), default=0)
    difficulties_text = models.TextField(_("difficulties solved (details)"), blank=True)
    tasks_done = models.PositiveSmallIntegerField(_("practical tasks done"), default=0)
    tasks_text = models.TextField(_("practical tasks done (details)"), blank=True)
    photo = models.FileField(_("photo"), upload_to="care/contacts/%Y/%m/", blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_done = models.BooleanField(_("follow-up done"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ContactQuerySet.as_manager()
    permission_prefix = "care"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-on", "-id"]
        indexes = [
            region_pattern_index("care_contact_region"),
            models.Index(fields=["person", "on"], name="care_contact_person_on"),
            models.Index(fields=["cadre", "on"], name="care_contact_cadre_on"),
            models.Index(fields=["follow_up_on"], name="care_contact_follow_up"),
        ]

    def __str__(self) -> str:
        return f"{self.get_way_display()} {self.on}"


class NeedQuerySet(CareScopedQuerySet):
    def own_q(self, user: Any) -> Q:
        return Q(owner=user) | _paired_to(user)

    def open(self) -> NeedQuerySet:
        return self.filter(status__in=OPEN_NEED_STATUSES)

    def overdue(self, today: dt.date) -> NeedQuerySet:
        return self.open().filter(due_on__lt=today)


class Need(RegionOwned):
    """A need found during a contact (or entered directly), followed up to a resolution."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="care_needs"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs",
    )
    description = models.TextField(_("description"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_needs",
    )
    status = models.CharField(_("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = NeedQuerySet.as_manager()
    permission_prefix = "care"

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        indexes = [
            region_pattern_index("care_need_region"),
            models.Index(fields=["status", "due_on"], name="care_need_status_due"),
            models.Index(fields=["owner", "status"], name="care_need_owner"),
        ]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_NEED_STATUSES


class ContactRuleQuerySet(models.QuerySet):
    def in_force(self, on: dt.date) -> ContactRuleQuerySet:
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))

    def for_region(self, code: str) -> ContactRuleQuerySet:
        """Rules whose region prefix covers ``code`` (the empty prefix covers everything)."""
        return self.filter(region_prefix__in=sorted(Scope.of([code]).ancestors() | {code}))


class ContactRule(models.Model):
    """A contact obligation as data, effective-dated and per region prefix (the longest prefix wins).

    ``contacts_per_year`` counts every contact of any way, **home visits included**: the province
    measure "4 contacts and 2 home visits a year" is met by 2 calls + 2 visits. ``home_visits_per_year``
    is the part of them that must be home visits. ``every_days`` is the alternative cadence (one
    contact at least every K days, by risk level); when set, the yearly counts are derived from it as
    ceil(days in year / K).
    """

    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(_("applies to"), max_length=16, choices=AppliesTo.choices)
    region_prefix = models.CharField(_("region prefix"), max_length=12, blank=True)
    contacts_per_year = models.PositiveSmallIntegerField(_("contacts a year"), default=0)
    home_visits_per_year = models.PositiveSmallIntegerField(_("home visits a year"), default=0)
    every_days = models.PositiveSmallIntegerField(_("every K days"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    objects = ContactRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact rule")
        verbose_name_plural = _("contact rules")
        ordering = ["applies_to", "region_prefix", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="care_rule_period_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name
