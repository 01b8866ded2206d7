"""Reads of care. Every read starts from the models' ``for_user`` (``CareScopedQuerySet``), which holds
who sees what, so pages, the API, exports and the cadence share one rule.

Visibility (``care.view`` scope decides the regions; within them):
- a user holding ``care.manage`` there sees every pairing, contact and need of the region;
- a user holding ``care.view`` but not ``care.record`` anywhere (leader, auditor: read-only overseers)
  sees the whole region read-only;
- anyone else with ``care.record`` (a pairing cadre) sees only the people actively paired to them,
  with those people's contacts and needs, plus the contacts they made and the needs they own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from canlian.core.registry.choices import CertificateState, HardshipKind, LifeStatus
from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.domains.care.models import (
    OPEN_NEED_STATUSES,
    AppliesTo,
    Contact,
    ContactRule,
    Need,
    Pairing,
    care_wide_scope,
)
from canlian.platform.access import may
from canlian.platform.errors import NotFound

#: Who should be paired (difficult and severely disabled): a certificate in force with one of these
#: grades AND an open hardship status of one of these kinds. Override with settings.CANLIAN_CARE_PAIRING.
DEFAULT_PAIRING_ELIGIBILITY: dict[str, tuple[Any, ...]] = {
    "grades": (1, 2),
    "hardship_kinds": tuple(HardshipKind.values),
}

#: Days ahead in which an obligation or follow-up counts as "due soon".
DUE_SOON_DAYS = 30


def pairing_eligibility() -> dict[str, tuple[Any, ...]]:
    out = dict(DEFAULT_PAIRING_ELIGIBILITY)
    out.update(getattr(settings, "CANLIAN_CARE_PAIRING", {}) or {})
    return out


def own_only(*, user: Any) -> bool:
    """The user is a plain cadre everywhere: they see only their own people."""
    return care_wide_scope(user).is_empty


def _region(qs: QuerySet, region: str | None, field: str = "region_code") -> QuerySet:
    return qs.filter(**{f"{field}__startswith": region}) if region else qs


# --- pairings -------------------------------------------------------------------------------------


def pairings_visible(
    *,
    user: Any,
    active: bool | None = True,
    cadre: Any = None,
    person: Any = None,
    region: str | None = None,
) -> QuerySet[Pairing]:
    """Pairings the user may see: a cadre only theirs, care.manage the region."""
    qs = Pairing.objects.for_user(user)
    if active is True:
        qs = qs.filter(ended_on__isnull=True)
    elif active is False:
        qs = qs.filter(ended_on__isnull=False)
    if cadre is not None:
        qs = qs.filter(cadre=cadre)
    if person is not None:
        qs = qs.filter(person=person)
    return _region(qs, region).select_related("person", "cadre")


def pairing_get(*, user: Any, pairing_id: Any) -> Pairing:
    try:
        return pairings_visible(user=user, active=None).get(pk=pairing_id)
    except (Pairing.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound() from exc


def pairing_history(*, person: Any) -> QuerySet[Pairing]:
    """Every pairing of a person, newest first (the caller has checked the person is visible)."""
    return (
        Pairing.objects.filter(person=person)
        .select_related("cadre", "created_by")
        .order_by("-started_on", "-id")
    )


def active_pairing(*, person: Any) -> Pairing | None:
    return Pairing.objects.filter(person=person, ended_on__isnull=True).select_related("cadre").first()


# --- who should be paired ---------------------------------------------------------------------------


def should_be_paired(*, user: Any, on: dt.date | None = None, region: str | None = None) -> QuerySet[Person]:
    """Living people in the user's care.view scope with a certificate in force of an eligible grade
    and an open hardship status of an eligible kind (see ``pairing_eligibility``)."""
    on = on or timezone.localdate()
    rule = pairing_eligibility()
    certified = Certificate.objects.filter(
        person=OuterRef("pk"), state=CertificateState.ACTIVE, valid_until__gte=on, grade__in=rule["grades"]
    )
    hardship = HardshipStatus.objects.filter(
        person=OuterRef("pk"), kind__in=rule["hardship_kinds"], valid_from__lte=on
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    qs = Person.objects.for_user(user, "care.view").filter(life_status=LifeStatus.LIVING)
    qs = qs.filter(Exists(certified), Exists(hardship))
    return _region(qs, region)


def unpaired(*, user: Any, on: dt.date | None = None, region: str | None = None) -> QuerySet[Person]:
    """应结尽结: people who should be paired and have no active pairing."""
    paired = Pairing.objects.filter(person=OuterRef("pk"), ended_on__isnull=True)
    return (
        should_be_paired(user=user, on=on, region=region)
        .exclude(Exists(paired))
        .order_by("region_code", "id")
    )


# --- contacts and needs -----------------------------------------------------------------------------


def contacts_visible(
    *,
    user: Any,
    person: Any = None,
    cadre: Any = None,
    year: int | None = None,
    region: str | None = None,
) -> QuerySet[Contact]:
    """Contacts the user may see: region-wide for care.manage/overseers; a cadre sees the contacts
    they made and every contact of the people actively paired to them."""
    qs = Contact.objects.for_user(user)
    if person is not None:
        qs = qs.filter(person=person)
    if cadre is not None:
        qs = qs.filter(cadre=cadre)
    if year is not None:
        qs = qs.in_year(year)
    return _region(qs, region).select_related("person", "cadre")


def needs_visible(
    *,
    user: Any,
    person: Any = None,
    owner: Any = None,
    status: str | None = None,
    open_only: bool = False,
    overdue_on: dt.date | None = None,
    region: str | None = None,
) -> QuerySet[Need]:
    """Needs the user may see (a cadre: the needs they own and those of their people)."""
    qs = Need.objects.for_user(user)
    if person is not None:
        qs = qs.filter(person=person)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_NEED_STATUSES)
    if overdue_on is not None:
        qs = qs.filter(status__in=OPEN_NEED_STATUSES, due_on__lt=overdue_on)
    return _region(qs, region).select_related("person", "owner")


def follow_ups_due(*, user: Any, on: dt.date | None = None, days: int = DUE_SOON_DAYS) -> QuerySet[Contact]:
    """Follow-ups the user promised (their own contacts), not done, due by ``on`` + ``days``."""
    on = on or timezone.localdate()
    return (
        Contact.objects.filter(cadre=user, follow_up_done=False, follow_up_on__isnull=False)
        .filter(follow_up_on__lte=on + dt.timedelta(days=days))
        .select_related("person")
        .order_by("follow_up_on", "id")
    )


def recordable_person(*, user: Any, person: Any) -> bool:
    """May the user record a contact with this person? care.record in the person's region, and for a
    plain cadre only a person actively paired to them."""
    if not may(user, "care.record", person.region_code):
        return False
    if may(user, "care.manage", person.region_code):
        return True
    return Pairing.objects.filter(person=person, cadre=user, ended_on__isnull=True).exists()


# --- rules ------------------------------------------------------------------------------------------


def rule_for(*, applies_to: str, region_code: str, on: dt.date) -> ContactRule | None:
    """The rule in force on ``on`` for a region: the longest matching region prefix wins."""
    rules = list(ContactRule.objects.filter(applies_to=applies_to).in_force(on).for_region(region_code))
    rules.sort(key=lambda r: (len(r.region_prefix), r.valid_from), reverse=True)
    return rules[0] if rules else None


def rules_in_force(*, applies_to: str, on: dt.date) -> list[ContactRule]:
    rules = list(ContactRule.objects.filter(applies_to=applies_to).in_force(on))
    rules.sort(key=lambda r: len(r.region_prefix), reverse=True)
    return rules


def family_visit_households(*, user: Any, region: str | None = None) -> QuerySet[Any]:
    """Households due regular home visits under the family-visit rule (三访): 一户多残 or 孤残."""
    from canlian.core.registry.models import Household

    qs = Household.objects.for_user(user, "care.view").filter(Q(multi_disabled=True) | Q(alone_disabled=True))
    return _region(qs, region)


__all__ = [
    "AppliesTo",
    "active_pairing",
    "care_wide_scope",
    "contacts_visible",
    "family_visit_households",
    "follow_ups_due",
    "needs_visible",
    "pairing_get",
    "pairing_history",
    "pairings_visible",
    "recordable_person",
    "rule_for",
    "should_be_paired",
    "unpaired",
]
