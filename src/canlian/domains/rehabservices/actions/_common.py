"""Helpers shared by the actions of rehabilitation services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.permissions import Perm
from canlian.core.registry.models import Certificate, HardshipStatus, Person
from canlian.platform.access import is_system, lock_for, require
from canlian.platform.inputs import as_date, field_error

VIEW = Perm.SERVICES_VIEW
RECORD = Perm.SERVICES_RECORD
MANAGE = Perm.SERVICES_MANAGE
PAY = Perm.SERVICES_PAY
APPROVE = Perm.SERVICES_APPROVE

#: Hardship statuses that make a household a hardship household.
HARDSHIP_KINDS = ("dibao", "low_income", "tekun", "monitored")


def locked_person(actor: Any, person_id: Any, permission: str = RECORD) -> Person:
    """The person, locked, within the actor's reach for ``permission`` (else NotFound)."""
    require(actor, permission)
    return lock_for(actor, Person, person_id, view=permission)


def day_not_future(
    value: Any, field: str, *, required: bool = True, default_today: bool = False
) -> dt.date | None:
    day = as_date(value, field, required=required and not default_today)
    if day is None:
        return timezone.localdate() if default_today else None
    if day > timezone.localdate():
        raise field_error(field, _("The date cannot be in the future."), day)
    return day


def certificate_on(person: Person, on: dt.date) -> Certificate | None:
    """The person's certificate in force on ``on`` (the active one issued by then)."""
    from canlian.core.registry.models import certificate_in_force_q

    return (
        Certificate.objects.filter(certificate_in_force_q(on), person=person).order_by("-issue_date").first()
    )


def hardship_on(person_ids: list[int], on: dt.date) -> list[HardshipStatus]:
    return list(
        HardshipStatus.objects.filter(person_id__in=person_ids, kind__in=HARDSHIP_KINDS, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("person_id", "kind")
    )


def in_force(qs: Any, region_code: str, on: dt.date) -> Any:
    """The row of an effective-dated, region-prefixed table in force on ``on`` for ``region_code``:
    the longest region prefix of the code ("" national) with ``valid_from <= on <= valid_to``."""
    prefixes = {region_code[:n] for n in (0, 2, 4, 6, 9, 12) if n <= len(region_code)}
    rows = [
        r
        for r in qs.filter(region_code__in=prefixes, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
    ]
    rows.sort(key=lambda r: (len(r.region_code), r.valid_from), reverse=True)
    return rows[0] if rows else None


def service_points(actor: Any, permission: str, kinds: tuple[str, ...] = ()) -> Any:
    """Service points (rooms, home points, stations, institutions) a worker may name: those of the
    counties of the actor's scope for ``permission`` (a township worker sends people to the county's
    device station), or every one for a national scope. Institutions are reference data here: the
    rows written (services, fittings) carry the person's region, which is what scopes them."""
    from canlian.core.institutions.models import Institution

    if is_system(actor):
        qs = Institution.objects.all()
    else:
        qs = Institution.objects.for_user_widened(actor, permission, digits=6)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs


def institution_for(
    actor: Any,
    institution_id: Any,
    permission: str,
    *,
    kinds: tuple[str, ...] = (),
    field: str = "institution",
) -> Any:
    """A service point the actor may name for ``permission`` (of one of ``kinds`` when given)."""
    try:
        found = service_points(actor, permission, kinds).filter(pk=int(institution_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise field_error(field, _("Choose a service point of your region."), institution_id)
    return found
