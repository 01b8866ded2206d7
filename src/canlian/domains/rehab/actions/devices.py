"""Writes of assistive devices given to children. Audit event code: rehab.device_provided."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.domains.rehab.actions._common import MANAGE, _amount, _institution, _person, _pk
from canlian.domains.rehab.choices import DeviceStatus
from canlian.domains.rehab.models import DeviceKind, DeviceProvision
from canlian.platform.access import user_or_none
from canlian.platform.dates import add_months, month_end
from canlian.platform.inputs import as_date, field_error


def next_device_date(provided_on: dt.date, months: int) -> dt.date:
    """The first day another device of the kind may be provided."""
    first = add_months(provided_on.replace(day=1), months)
    return first.replace(day=min(provided_on.day, month_end(first).day))


@transaction.atomic
def device_provide(
    *,
    actor: Any,
    person_id: Any,
    kind_id: Any,
    provided_on: Any,
    institution_id: Any = None,
    amount: Any = 0,
    note: str = "",
) -> DeviceProvision:
    """Record an assistive device given to a child. Another device of the same kind only after the
    kind's replacement interval (the message names the first possible date)."""
    person = _person(person_id, actor, MANAGE)
    pk = _pk(kind_id)
    kind = DeviceKind.objects.filter(pk=pk, active=True).first() if pk is not None else None
    if kind is None:
        raise field_error("kind", _("Choose a device."), kind_id)
    day = as_date(provided_on, "provided_on")
    assert day is not None
    if day > timezone.localdate():
        raise field_error("provided_on", _("The date cannot be in the future."), day)
    institution = (
        _institution(institution_id, field="institution") if institution_id not in (None, "") else None
    )
    last = (
        DeviceProvision.objects.filter(person=person, kind=kind, status=DeviceStatus.PROVIDED)
        .order_by("-provided_on")
        .first()
    )
    if last is not None:
        possible = next_device_date(last.provided_on, kind.replacement_months)
        if day < possible:
            raise field_error(
                "provided_on",
                _(
                    "A %(kind)s was provided on %(last)s; another is possible from %(next)s "
                    "(every %(months)s months)."
                )
                % {
                    "kind": kind.name,
                    "last": last.provided_on,
                    "next": possible,
                    "months": kind.replacement_months,
                },
                day,
            )
    device = DeviceProvision.objects.create(
        person=person,
        region_code=person.region_code,
        kind=kind,
        provided_on=day,
        institution=institution,
        amount=_amount(amount, "amount"),
        note=(note or "").strip()[:200],
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event="rehab.device_provided",
        obj=device,
        new={
            "person": person.pk,
            "kind": kind.code,
            "provided_on": day,
            "institution": device.institution_id,
            "amount": device.amount,
        },
    )
    return device
