"""Writes of surgery referrals. Audit event codes: rehab.surgery_referred, rehab.surgery_updated."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.domains.rehab.actions._common import MANAGE, VIEW, _amount, _person
from canlian.domains.rehab.choices import SurgeryStatus
from canlian.domains.rehab.models import SurgeryReferral
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.errors import InvalidState, RowError, ValidationFailed
from canlian.platform.inputs import as_date, field_error


@transaction.atomic
def surgery_refer(
    *,
    actor: Any,
    person_id: Any,
    operation: str,
    hospital: str,
    referred_on: Any,
    amount: Any = 0,
    note: str = "",
) -> SurgeryReferral:
    person = _person(person_id, actor, MANAGE)
    errors = []
    operation = (operation or "").strip()
    hospital = (hospital or "").strip()
    if not operation:
        errors.append(RowError(None, "operation", str(_("This field is required."))))
    if not hospital:
        errors.append(RowError(None, "hospital", str(_("This field is required."))))
    if errors:
        raise ValidationFailed(errors=errors, field=errors[0].field)
    day = as_date(referred_on, "referred_on")
    assert day is not None
    if day > timezone.localdate():
        raise field_error("referred_on", _("The date cannot be in the future."), day)
    referral = SurgeryReferral.objects.create(
        person=person,
        region_code=person.region_code,
        operation=operation[:100],
        hospital=hospital[:100],
        referred_on=day,
        amount=_amount(amount, "amount"),
        note=(note or "").strip()[:200],
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event="rehab.surgery_referred",
        obj=referral,
        new={
            "person": person.pk,
            "operation": referral.operation,
            "hospital": referral.hospital,
            "referred_on": day,
        },
    )
    return referral


@transaction.atomic
def surgery_update(
    *,
    actor: Any,
    surgery_id: Any,
    status: str,
    operated_on: Any = None,
    amount: Any = None,
    note: str | None = None,
) -> SurgeryReferral:
    """Close a referral: operated (with the date and the amount paid) or cancelled."""
    referral = lock_for(actor, SurgeryReferral, surgery_id, view=VIEW)
    authorize(actor, MANAGE, referral.region_code)
    if referral.status != SurgeryStatus.REFERRED:
        raise InvalidState(
            _("This referral is already %(status)s.") % {"status": referral.get_status_display()}
        )
    if status not in (SurgeryStatus.DONE, SurgeryStatus.CANCELLED):
        raise field_error("status", _("Choose operated or cancelled."), status)
    before = {"status": referral.status, "operated_on": referral.operated_on, "amount": referral.amount}
    if status == SurgeryStatus.DONE:
        day = as_date(operated_on, "operated_on")
        assert day is not None
        if day < referral.referred_on:
            raise field_error("operated_on", _("The operation cannot be before the referral."), day)
        if day > timezone.localdate():
            raise field_error("operated_on", _("The date cannot be in the future."), day)
        referral.operated_on = day
    if amount is not None:
        referral.amount = _amount(amount, "amount")
    if note is not None:
        referral.note = note.strip()[:200]
    referral.status = status
    referral.save()
    audit_record(
        actor=actor,
        event="rehab.surgery_updated",
        obj=referral,
        old=before,
        new={"status": referral.status, "operated_on": referral.operated_on, "amount": referral.amount},
    )
    return referral
