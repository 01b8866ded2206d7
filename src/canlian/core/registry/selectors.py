"""Reads of the registry. Every selector starts from ``for_user`` (the one scoping path) and returns a
QuerySet the caller may narrow. Search terms are classified once (ID, certificate number, phone,
pinyin, Chinese name) so that each becomes one indexed predicate.

The person page's timeline is open to later layers: a layer registers a provider with
``register_timeline_provider`` and the page shows its entries merged by date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.registry.choices import (
    REAPPLY_BLOCK_DAYS,
    RENEWAL_WINDOW_DAYS,
    CertificateState,
    CertificateStatus,
    HardshipKind,
    ScreeningOutcome,
)
from canlian.core.registry.identity import upgrade_15
from canlian.core.registry.models import (
    Certificate,
    CertificateEvent,
    CertificateQuerySet,
    HardshipStatus,
    Household,
    HouseholdMember,
    Person,
    ScreeningRecord,
)


class CurrentCertificateAttrs(TypedDict):
    """What ``persons_with_current_certificate`` attaches: the certificate in force, a list of 0 or 1."""

    current_certificates: list[Certificate]


class ListRowAttrs(CurrentCertificateAttrs):
    """What ``persons_for_list`` attaches besides: the hardship statuses open and the household."""

    open_hardships: list[HardshipStatus]
    household_memberships: list[HouseholdMember]


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations

    #: A person read through ``persons_with_current_certificate``.
    PersonWithCertificate = WithAnnotations[Person, CurrentCertificateAttrs]
    #: A person read through ``persons_for_list``.
    ListedPerson = WithAnnotations[Person, ListRowAttrs]

_DIGITS = re.compile(r"^\d+[\dX]?$")
_LETTERS = re.compile(r"^[a-z]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CERT = re.compile(r"^\d{17}[\dX][1-7][1-4](B[1-9])?$")

HOUSEHOLD_FLAGS = ("multi_disabled", "alone_disabled", "elderly_carers")


def classify_query(raw: str) -> tuple[str, str]:
    """What a search box term is: ("id" | "id_prefix" | "id_suffix" | "certificate" | "phone" |
    "pinyin" | "name", normalised term)."""
    term = re.sub(r"[\s\u3000]", "", raw or "")
    upper = term.upper()
    if _CERT.match(upper):
        return "certificate", upper
    if len(upper) == 18 and _DIGITS.match(upper):
        return "id", upper
    if len(upper) == 15 and upper.isdigit():
        return "id", upgrade_15(upper)
    if _MOBILE.match(upper):
        return "phone", upper
    if _DIGITS.match(upper):
        # Staff type the start (area code, birth year) or the last digits of an ID.
        return ("id_prefix" if len(upper) >= 6 else "id_suffix"), upper
    lower = term.lower()
    if _LETTERS.match(lower):
        return "pinyin", lower
    return "name", term


def _search_q(raw: str) -> Q:
    kind, term = classify_query(raw)
    if not term:
        return Q()
    if kind == "id":
        return Q(id_number=term)
    if kind == "certificate":
        return Q(id_number=term[:18]) & Q(certificates__number=term)
    if kind == "phone":
        return Q(phone=term) | Q(id_number__startswith=term)
    if kind == "id_prefix":
        return Q(id_number__startswith=term) | Q(phone__startswith=term)
    if kind == "id_suffix":
        return Q(id_number__endswith=term)
    if kind == "pinyin":
        return Q(name_pinyin__startswith=term) | Q(name_initials__startswith=term)
    return Q(name__startswith=term)


@dataclass
class PersonFilters:
    """The filters of the person list, as the page, the API and the export share them."""

    q: str = ""
    region: str = ""
    category: int | None = None
    grade: int | None = None
    status: str = ""  # CertificateStatus value, or "none" for people without a certificate
    hardship: str = ""  # HardshipKind value
    household_flag: str = ""  # one of HOUSEHOLD_FLAGS
    life_status: str = ""
    on: dt.date | None = None
    expiring_days: int = RENEWAL_WINDOW_DAYS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(
            [
                self.q,
                self.region,
                self.category,
                self.grade,
                self.status,
                self.hardship,
                self.household_flag,
                self.life_status,
            ]
        )


def persons_visible(*, user: Any, action: str = "view") -> QuerySet[Person]:
    return Person.objects.for_user(user, action)


def _certificate_status_q(status: str, on: dt.date, expiring_days: int) -> Q:
    current = Certificate.objects.filter(person=OuterRef("pk"), state=CertificateState.ACTIVE)
    if status == CertificateStatus.VALID:
        return Q(Exists(current.filter(valid_until__gt=on + dt.timedelta(days=expiring_days))))
    if status == CertificateStatus.EXPIRING:
        return Q(
            Exists(
                current.filter(valid_until__gte=on, valid_until__lte=on + dt.timedelta(days=expiring_days))
            )
        )
    if status == CertificateStatus.EXPIRED:
        return Q(Exists(current.filter(valid_until__lt=on)))
    if status == CertificateStatus.CANCELLED:
        # The latest certificate was cancelled and nothing is in force.
        return Q(
            Exists(Certificate.objects.filter(person=OuterRef("pk"), state=CertificateState.CANCELLED))
        ) & ~Q(Exists(current))
    if status == "none":
        return ~Q(Exists(Certificate.objects.filter(person=OuterRef("pk"))))
    raise ValueError(status)


def persons_search(
    *, user: Any, filters: PersonFilters | None = None, action: str = "view"
) -> QuerySet[Person]:
    """The person list in the user's scope, narrowed by the filters; newest first (keyset on -id)."""
    f = filters or PersonFilters()
    on = f.on or timezone.localdate()
    qs = persons_visible(user=user, action=action)
    if f.q.strip():
        qs = qs.filter(_search_q(f.q))
    if f.region:
        qs = qs.filter(region_code__startswith=f.region)
    if f.life_status:
        qs = qs.filter(life_status=f.life_status)
    if f.category or f.grade:
        cert = Certificate.objects.filter(person=OuterRef("pk"), state=CertificateState.ACTIVE)
        if f.category:
            cert = cert.filter(Q(category=f.category) | Q(sub_disabilities__category=f.category))
        if f.grade:
            cert = cert.filter(grade=f.grade)
        qs = qs.filter(Exists(cert))
    if f.status:
        qs = qs.filter(_certificate_status_q(f.status, on, f.expiring_days))
    if f.hardship:
        qs = qs.filter(
            Exists(
                HardshipStatus.objects.filter(
                    person=OuterRef("pk"), kind=f.hardship, valid_from__lte=on
                ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
            )
        )
    if f.household_flag:
        if f.household_flag not in HOUSEHOLD_FLAGS:
            raise ValueError(f.household_flag)
        qs = qs.filter(
            Exists(
                HouseholdMember.objects.filter(
                    person=OuterRef("pk"), **{f"household__{f.household_flag}": True}
                )
            )
        )
    return (
        qs.order_by("-id").distinct()
        if f.q and classify_query(f.q)[0] == "certificate"
        else qs.order_by("-id")
    )


def persons_with_current_certificate(qs: QuerySet[Person]) -> QuerySet[PersonWithCertificate]:
    """Attach each person's certificate in force as ``current_certificates`` (a list of 0 or 1)."""
    return qs.prefetch_related(
        Prefetch(
            "certificates",
            queryset=Certificate.objects.filter(state=CertificateState.ACTIVE),
            to_attr="current_certificates",
        )
    )


def person_for_page(*, user: Any, pk: int) -> Person:
    """One person, in scope (a missing and an out-of-scope person are the same 404)."""
    return Person.objects.get_for_user(user, "view", pk=pk)


# --- certificates ----------------------------------------------------------------------------------


def certificates_visible(*, user: Any) -> CertificateQuerySet:
    # ``for_user`` is annotated with the base ``RegionScopedQuerySet``, not the model's own queryset.
    return cast(CertificateQuerySet, Certificate.objects.for_user(user, "view").select_related("person"))


def certificates_expiring(
    *, user: Any, days: int = RENEWAL_WINDOW_DAYS, on: dt.date | None = None
) -> QuerySet[Certificate]:
    """Certificates in force that expire within ``days`` (renewal opens in year nine); soonest first."""
    return (
        certificates_visible(user=user)
        .expiring_within(days, on)
        .filter(person__life_status="living")
        .order_by("valid_until", "id")
    )


def certificates_expired(*, user: Any, on: dt.date | None = None) -> QuerySet[Certificate]:
    return (
        certificates_visible(user=user)
        .expired(on)
        .filter(person__life_status="living")
        .order_by("-valid_until", "id")
    )


def certificates_cancelled_recently(*, user: Any, on: dt.date | None = None) -> QuerySet[Certificate]:
    """Cancelled within the last year: these holders cannot re-apply yet (deaths excluded)."""
    on = on or timezone.localdate()
    return (
        certificates_visible(user=user)
        .filter(state=CertificateState.CANCELLED, cancelled_on__gt=on - dt.timedelta(days=REAPPLY_BLOCK_DAYS))
        .exclude(cancel_reason="death")
        .order_by("-cancelled_on", "id")
    )


def certificate_history(*, person: Person) -> QuerySet[CertificateEvent]:
    return person.certificate_events.select_related("certificate", "actor").order_by("-on", "-id")


# --- households and hardship -----------------------------------------------------------------------


def household_of(*, person: Person) -> Household | None:
    member = HouseholdMember.objects.select_related("household").filter(person=person).first()
    return member.household if member else None


def household_members(*, household: Household) -> QuerySet[HouseholdMember]:
    disabled = Certificate.objects.filter(person=OuterRef("person_id"), state=CertificateState.ACTIVE)
    return (
        household.members.select_related("person")
        .annotate(is_disabled=Exists(disabled))
        .order_by("-is_head", "id")
    )


def households_visible(*, user: Any, flag: str = "", region: str = "") -> QuerySet[Household]:
    qs = Household.objects.for_user(user, "view")
    if flag:
        if flag not in HOUSEHOLD_FLAGS:
            raise ValueError(flag)
        qs = qs.filter(**{flag: True})
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("-id")


def hardships_of(*, person: Person) -> QuerySet[HardshipStatus]:
    return person.hardships.order_by("valid_to", "-valid_from")


def current_hardship_kinds(*, person: Person, on: dt.date | None = None) -> list[str]:
    on = on or timezone.localdate()
    return [h.kind for h in person.hardships.all() if h.is_current(on)]


# --- screening ---------------------------------------------------------------------------------------


def screenings_visible(
    *, user: Any, outcome: str = "", open_only: bool = False, region: str = ""
) -> QuerySet[ScreeningRecord]:
    qs = ScreeningRecord.objects.for_user(user, "view")
    if outcome:
        qs = qs.filter(outcome=outcome)
    if open_only:
        qs = qs.filter(outcome__in=[ScreeningOutcome.PENDING, ScreeningOutcome.SCHEDULED])
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("-found_on", "-id")


# --- the person page's timeline ---------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    on: dt.date
    kind: str  # a short stable code, e.g. "certificate.issued", "payment"
    title: str
    detail: str = ""
    url: str = ""


TimelineProvider = Callable[[Person, Any], Iterable[TimelineEntry]]
_TIMELINE_PROVIDERS: list[TimelineProvider] = []


def register_timeline_provider(provider: TimelineProvider) -> TimelineProvider:
    """Later layers (programs, payments, visits) add entries to the person page. Used as a decorator
    in the layer's ``apps.py ready()``; a provider gets (person, user) and yields TimelineEntry."""
    if provider not in _TIMELINE_PROVIDERS:
        _TIMELINE_PROVIDERS.append(provider)
    return provider


def _registry_timeline(person: Person, user: Any) -> Iterable[TimelineEntry]:
    for event in person.certificate_events.select_related("certificate").order_by("-on", "-id")[:100]:
        cert = event.certificate
        yield TimelineEntry(
            on=event.on,
            kind=f"certificate.{event.kind}",
            title=str(event.get_kind_display()),
            detail=f"{cert.get_category_display()} · {cert.get_grade_display()}"
            + (f" · {event.note}" if event.note else ""),
        )
    for status in person.hardships.all():
        yield TimelineEntry(
            on=status.valid_from,
            kind="hardship.added",
            title=_("%(status)s from") % {"status": status.get_kind_display()},
        )
        if status.valid_to:
            yield TimelineEntry(
                on=status.valid_to,
                kind="hardship.ended",
                title=_("%(status)s until") % {"status": status.get_kind_display()},
            )
    if person.life_status != "living" and person.life_status_date:
        yield TimelineEntry(
            on=person.life_status_date, kind="person.status", title=str(person.get_life_status_display())
        )
    for record in person.screenings.all():
        yield TimelineEntry(
            on=record.found_on,
            kind="screening.recorded",
            title=_("Found in screening"),
            detail=record.description,
        )


register_timeline_provider(_registry_timeline)


def person_timeline(*, person: Person, user: Any, limit: int = 200) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for provider in _TIMELINE_PROVIDERS:
        entries.extend(provider(person, user))
    entries.sort(key=lambda e: e.on, reverse=True)
    return entries[:limit]


@dataclass(frozen=True)
class PersonLink:
    """A link a later layer offers on the person page (e.g. "Apply for a program")."""

    label: str
    url: str


PersonLinkProvider = Callable[[Person, Any], Iterable[PersonLink]]
_LINK_PROVIDERS: list[PersonLinkProvider] = []


def register_person_link_provider(provider: PersonLinkProvider) -> PersonLinkProvider:
    """Like ``register_timeline_provider``: a provider gets (person, user) and yields PersonLink,
    only the links the user may follow."""
    if provider not in _LINK_PROVIDERS:
        _LINK_PROVIDERS.append(provider)
    return provider


def person_links(*, person: Person, user: Any) -> list[PersonLink]:
    return [link for provider in _LINK_PROVIDERS for link in provider(person, user)]


def hardship_kinds() -> list[tuple[str, StrOrPromise]]:
    return list(HardshipKind.choices)


# --- pages, API and export helpers ------------------------------------------------------------------


def persons_for_list(qs: QuerySet[Person], on: dt.date | None = None) -> QuerySet[ListedPerson]:
    """What a list row shows without a query per row: the certificate in force, the hardship
    statuses open today (``open_hardships``) and the household (``household_memberships``)."""
    on = on or timezone.localdate()
    return persons_with_current_certificate(qs).prefetch_related(
        Prefetch(
            "hardships",
            queryset=HardshipStatus.objects.filter(valid_from__lte=on).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=on)
            ),
            to_attr="open_hardships",
        ),
        Prefetch(
            "memberships",
            queryset=HouseholdMember.objects.select_related("household"),
            to_attr="household_memberships",
        ),
    )


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of the given region codes in one query (codes without a region are left out)."""
    from canlian.core.regions.models import Region

    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


def region_choices(*, user: Any, permission: str) -> list[tuple[str, str]]:
    """(code, "name (code)") of the widest regions the user holds ``permission`` in, for a region
    picker; a national scope picks among the provinces."""
    from canlian.core.regions.models import Region
    from canlian.platform.access import scope_roots

    roots = scope_roots(user, permission)
    if "" in roots:
        roots = list(Region.objects.filter(level=1).values_list("code", flat=True))
    names = region_names(roots)
    return [(c, f"{names.get(c, c)} ({c})") for c in sorted(roots)]


def person_by_id_number(*, user: Any, id_number: str, action: str = "view") -> Person | None:
    """The person with this (already normalised) ID number, if the user may reach them."""
    return Person.objects.for_user(user, action).filter(id_number=id_number).first()


def household_for_page(*, user: Any, pk: int) -> Household:
    return Household.objects.get_for_user(user, "view", pk=pk)


def screening_for_page(*, user: Any, pk: int) -> ScreeningRecord:
    return ScreeningRecord.objects.get_for_user(user, "view", pk=pk)


def current_certificate_of(*, person: Person) -> Certificate | None:
    return (
        person.certificates.filter(state=CertificateState.ACTIVE).prefetch_related("sub_disabilities").first()
    )


def certificates_of(*, person: Person) -> QuerySet[Certificate]:
    """All of a person's certificates, the one in force first, then the history newest first."""
    return person.certificates.prefetch_related("sub_disabilities").order_by("-issue_date", "-id")


def screenings_of(*, person: Person) -> QuerySet[ScreeningRecord]:
    return person.screenings.order_by("-found_on", "-id")


def households_for_list(qs: QuerySet[Household]) -> QuerySet[Household]:
    """A household list with its members prefetched (households are small)."""
    return qs.prefetch_related("members")
