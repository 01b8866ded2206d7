"""Tables of petitions (接访), invitations on key dates (邀访) and festival visits (慰问).

Every row is owned by a region (``region_code``) and read through ``for_user`` with the
``petitions`` permission prefix; actions and invitees are scoped through their parent.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.registry.identity import mask_phone
from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, region_pattern_index


class PetitionCategory(models.TextChoices):
    SUBSIDY = "subsidy", _("Subsidies")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    EMPLOYMENT = "employment", _("Employment")
    EDUCATION = "education", _("Education")
    ASSISTIVE_DEVICES = "devices", _("Assistive devices")
    CERTIFICATE = "certificate", _("Certificate")
    HOUSING = "housing", _("Housing and accessibility")
    CARE = "care", _("Care")
    COMPLAINT = "complaint", _("Complaint")
    OTHER = "other", _("Other")


class PetitionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")
    NOT_REACHED = "not_reached", _("Not reached")


# Working days allowed to answer a petition, from the day it was received.
DEFAULT_DEADLINE_DAYS = 15
DEADLINE_DAYS: dict[str, int] = {
    PetitionCategory.COMPLAINT: 10,
    PetitionCategory.SUBSIDY: 15,
    PetitionCategory.CERTIFICATE: 10,
}


def deadline_days(category: str) -> int:
    return DEADLINE_DAYS.get(category, DEFAULT_DEADLINE_DAYS)


class PetitionQuerySet(RegionScopedQuerySet):
    def open(self) -> PetitionQuerySet:
        return self.filter(status=PetitionStatus.OPEN)

    def overdue(self, today: dt.date) -> PetitionQuerySet:
        return self.open().filter(deadline__lt=today)


class Petition(RegionOwned):
    """One visit or call at the window (接访): who came, about what, who handles it by when, what was
    done and how it ended."""

    received_on = models.DateField(_("received on"))
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
    )
    visitor_name = models.CharField(_("visitor name"), max_length=50, blank=True)
    visitor_phone = models.CharField(_("visitor phone"), max_length=20, blank=True)
    issue = models.TextField(_("issue"))
    category = models.CharField(_("category"), max_length=16, choices=PetitionCategory.choices)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateField(_("deadline"))
    result = models.TextField(_("result"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=8, choices=PetitionStatus.choices, default=PetitionStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PetitionQuerySet.as_manager()
    permission_prefix = "petitions"

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-id"]
        indexes = [
            region_pattern_index("petition_region"),
            models.Index(fields=["status", "deadline"], name="petition_status_deadline"),
            models.Index(fields=["received_on"], name="petition_received"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(visitor_name=""), name="petition_has_visitor"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(closed_on__isnull=False), name="petition_closed_has_date"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("received_on")), name="petition_deadline_after_receipt"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_display} {self.received_on:%Y-%m-%d}"

    @property
    def visitor_display(self) -> str:
        return self.person.name if self.person_id else self.visitor_name

    @property
    def masked_visitor_phone(self) -> str:
        return mask_phone(self.visitor_phone)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return self.status == PetitionStatus.OPEN and self.deadline < (today or timezone.localdate())


class PetitionActionQuerySet(RegionScopedQuerySet):
    pass


class PetitionAction(models.Model):
    """One step taken on a petition."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="actions"
    )
    on = models.DateField(_("date"))
    text = models.TextField(_("action taken"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = PetitionActionQuerySet.as_manager()
    permission_prefix = "petitions"
    scope_field = "petition__region_code"

    class Meta:
        verbose_name = _("petition action")
        verbose_name_plural = _("petition actions")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on:%Y-%m-%d} {self.text[:40]}"


class KeyDate(models.TextChoices):
    HELP_DAY = "help_day", _("National Day of Helping the Disabled")
    PREVENTION_DAY = "prevention_day", _("Disability Prevention Day")
    INTERNATIONAL_DAY = "international_day", _("International Day of Persons with Disabilities")
    OTHER = "other", _("Other")


def key_date(kind: str, year: int) -> dt.date | None:
    """The date of a key day in ``year``: 助残日 is the third Sunday of May, 残疾预防日 25 August,
    国际残疾人日 3 December; ``other`` has no fixed date."""
    if kind == KeyDate.HELP_DAY:
        first = dt.date(year, 5, 1)
        first_sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7)
        return first_sunday + dt.timedelta(days=14)
    if kind == KeyDate.PREVENTION_DAY:
        return dt.date(year, 8, 25)
    if kind == KeyDate.INTERNATIONAL_DAY:
        return dt.date(year, 12, 3)
    return None


class InvitationEvent(RegionOwned):
    """An event to which people are invited (邀访), usually on a key date."""

    title = models.CharField(_("title"), max_length=120)
    key_date_kind = models.CharField(
        _("key date"), max_length=20, choices=KeyDate.choices, default=KeyDate.OTHER
    )
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "petitions"

    class Meta:
        verbose_name = _("invitation event")
        verbose_name_plural = _("invitation events")
        ordering = ["-held_on", "-id"]
        indexes = [
            region_pattern_index("invitation_region"),
            models.Index(fields=["held_on"], name="invitation_held"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.held_on:%Y-%m-%d}"


class Invitee(models.Model):
    """A person on an event's list: invited, and whether they came."""

    event = models.ForeignKey(
        InvitationEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="invitees"
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="invitations"
    )
    invited = models.BooleanField(_("invited"), default=True)
    attended = models.BooleanField(_("attended"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "petitions"
    scope_field = "event__region_code"

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="invitee_once_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.person_id}"


class Festival(models.TextChoices):
    SPRING = "spring", _("Spring Festival")
    MID_AUTUMN = "mid_autumn", _("Mid-Autumn Festival")
    HELP_DAY = "help_day", _("National Day of Helping the Disabled")
    OTHER = "other", _("Other")


class FestivalVisit(RegionOwned):
    """A visit on a festival or occasion (慰问), with condolence money and goods."""

    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="festival_visits"
    )
    on = models.DateField(_("date"))
    festival = models.CharField(_("festival or occasion"), max_length=12, choices=Festival.choices)
    visited_by = models.CharField(_("visited by"), max_length=100, blank=True)
    visited_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    money = models.DecimalField(_("condolence money"), max_digits=10, decimal_places=2, default=0)
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "petitions"

    class Meta:
        verbose_name = _("festival visit")
        verbose_name_plural = _("festival visits")
        ordering = ["-on", "-id"]
        indexes = [
            region_pattern_index("festival_region"),
            models.Index(fields=["on"], name="festival_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(money__gte=0), name="festival_money_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_festival_display()} {self.on:%Y-%m-%d}"
