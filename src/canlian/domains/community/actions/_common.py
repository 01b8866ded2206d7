"""Helpers shared by the community actions: locked fetches through ``for_user``, the region a row
belongs to, people fetched in scope, the approval and payment of a maker-checker batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.models import Institution
from canlian.core.registry.models import Person
from canlian.domains.community.choices import BatchStatus
from canlian.platform.access import is_system, lock_for
from canlian.platform.errors import InvalidState, NotFound
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_date, field_error

VIEW = "community.view"
RECORD = "community.record"
MANAGE = "community.manage"
PAY = "community.pay"
APPROVE = "community.approve"


def person_for(actor: Any, person_id: Any, *, field: str = "person_id") -> Person:
    """A registered person the actor may read (``persons.view`` in their region): enrolling someone
    needs the registry's reach, which an institution's staff do not have."""
    try:
        key = int(person_id)
    except (TypeError, ValueError) as exc:
        raise field_error(field, _("Choose a registered person."), person_id) from exc
    if is_system(actor):
        person = Person.objects.filter(pk=key).first()
    else:
        person = Person.objects.for_user(actor, "persons.view").filter(pk=key).first()
    if person is None:
        raise NotFound(_("No registered person with this id in your region."))
    return person


def institution_for(
    actor: Any, institution_id: Any, *, act: str, kinds: tuple[str, ...] | None = None
) -> Institution:
    """An institution the actor may act on for community work (``act``), locked."""
    inst = lock_for(actor, Institution.objects, institution_id, view=VIEW, act=act)
    if kinds and inst.kind not in kinds:
        raise field_error("institution_id", _("This institution is not of the right kind."), inst.name)
    return inst


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def batch_approve(*, actor: Any, model: Any, batch_id: Any, event: str, stale: bool) -> Any:
    """Approve a generated batch (``MakerCheckerBatch``) by someone other than its generator; the
    caller is atomic. ``stale``: the indicators of the batch's year are marked for refresh."""
    batch = lock_for(actor, model, batch_id, act=APPROVE)
    if batch.status != BatchStatus.GENERATED:
        raise InvalidState(_("Only a generated batch can be approved."), code="batch_not_generated")
    batch.mark_approved(
        actor, refusal=_("The batch must be approved by someone other than the person who generated it.")
    )
    batch.status = BatchStatus.APPROVED
    batch.save()
    if stale:
        sources_changed("community", year=batch.year)
    audit_record(
        actor=actor,
        event=event,
        obj=batch,
        region_code=batch.region_code,
        new={"total": str(batch.total_amount)},
    )
    return batch


def batch_mark_paid(
    *,
    actor: Any,
    model: Any,
    batch_id: Any,
    paid_on: Any,
    event: str,
    stale_year: Callable[[Any], int] | None,
) -> Any:
    """Mark an approved batch paid (today unless ``paid_on``); the caller is atomic. ``stale_year``:
    the year whose indicators are marked for refresh, from the batch."""
    batch = lock_for(actor, model, batch_id, act=PAY)
    if batch.status != BatchStatus.APPROVED:
        raise InvalidState(_("Only an approved batch can be paid."), code="batch_not_approved")
    batch.paid_on = as_date(paid_on, "paid_on", required=False) or timezone.localdate()
    batch.status = BatchStatus.PAID
    batch.save(update_fields=["paid_on", "status"])
    if stale_year is not None:
        sources_changed("community", year=stale_year(batch))
    audit_record(
        actor=actor,
        event=event,
        obj=batch,
        region_code=batch.region_code,
        new={"paid_on": str(batch.paid_on)},
    )
    return batch
