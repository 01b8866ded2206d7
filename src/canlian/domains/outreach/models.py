"""Tables of volunteers, donations and typical cases. Every row belongs to a region (``region_code``,
the organising federation's region) and is read through ``for_user`` (``outreach.view``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from canlian.core.registry.identity import mask_id, mask_phone
from canlian.domains.outreach.choices import ActivityKind, CaseStatus, Consent, DonationKind, DonorKind
from canlian.platform.scoping import RegionOwned, RegionScopedQuerySet, region_pattern_index


class Volunteer(RegionOwned):
    """A registered volunteer: organisation, skills; hours are recorded per activity."""

    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "outreach"

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-id"]
        indexes = [region_pattern_index("outreach_volunteer_region")]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number) if self.id_number else ""

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class Activity(RegionOwned):
    """A volunteer activity: when, where (a home or institution), the people served and each
    volunteer's hours."""

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=ActivityKind.choices)
    on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("home or institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    people_served = models.ManyToManyField(
        "registry.Person", verbose_name=_("people served"), blank=True, related_name="+"
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "outreach"

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-on", "-id"]
        indexes = [region_pattern_index("outreach_activity_region")]

    def __str__(self) -> str:
        return self.title


class VolunteerHours(models.Model):
    """A volunteer's hours at an activity."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="hours"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="hours"
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")
        ordering = ["activity", "volunteer"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="outreach_hours_once"),
            models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24), name="outreach_hours_range"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.hours}"


class Donation(RegionOwned):
    """A donation received, with its receipt number (``JZ2026-0001``, per region and year), the donor,
    money or goods (goods valued), the purpose and whether it is restricted to it. Its uses
    (``DonationUse``) go down to an activity or a person; the balance is what is left."""

    number = models.CharField(_("receipt number"), max_length=24)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    donor = models.CharField(_("donor"), max_length=120)
    donor_kind = models.CharField(_("donor kind"), max_length=12, choices=DonorKind.choices)
    received_on = models.DateField(_("received on"))
    kind = models.CharField(_("money or goods"), max_length=8, choices=DonationKind.choices)
    amount = models.DecimalField(_("amount (goods: value)"), max_digits=12, decimal_places=2)
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    restricted = models.BooleanField(_("restricted to the purpose"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "outreach"

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "year", "sequence"], name="outreach_donation_sequence"
            ),
            models.UniqueConstraint(fields=["number"], name="outreach_donation_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="outreach_donation_amount"),
        ]
        indexes = [region_pattern_index("outreach_donation_region")]

    def __str__(self) -> str:
        return self.number

    def used(self) -> Decimal:
        return self.uses.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


class DonationUse(models.Model):
    """How part of a donation was used: for an activity, for a person, or otherwise (described)."""

    donation = models.ForeignKey(
        Donation, verbose_name=_("donation"), on_delete=models.PROTECT, related_name="uses"
    )
    on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donation_uses",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("donation use")
        verbose_name_plural = _("donation uses")
        ordering = ["donation", "on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="outreach_use_amount")]

    def __str__(self) -> str:
        return f"{self.on} {self.amount}"


class TypicalCase(RegionOwned):
    """A typical case (典型案例): a story linked to a person, a cadre, a home or institution, with the
    person's consent (the name is masked unless the consent allows it) and the figures behind it;
    reviewed and published to the internal list, exported as .docx."""

    title = models.CharField(_("title"), max_length=120)
    story = models.TextField(_("story"))
    figures = models.TextField(_("figures behind it"), blank=True)
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cadre = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cadre"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("home or institution"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent = models.CharField(_("consent"), max_length=8, choices=Consent.choices, default=Consent.NONE)
    consent_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    review_note = models.CharField(_("review note"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RegionScopedQuerySet.as_manager()
    permission_prefix = "outreach"

    class Meta:
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_on__isnull=False),
                name="outreach_case_published_dated",
            ),
        ]
        indexes = [region_pattern_index("outreach_case_region")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_name(self) -> str:
        """The person's name as the case may show it: in full with consent to be named, else masked."""
        if self.person is None:
            return ""
        name = self.person.name
        return name if self.consent == Consent.NAMED else (name[:1] + "某" * max(len(name) - 1, 1))

    @property
    def shown_title(self) -> str:
        return self.shown(self.title)

    def shown(self, text: str) -> str:
        """``text`` with the person's full name masked unless the consent allows it."""
        if self.person is None or self.consent == Consent.NAMED or not self.person.name:
            return text
        return text.replace(self.person.name, self.shown_name)
