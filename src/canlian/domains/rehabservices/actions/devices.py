"""Writes of assistive devices for adults: the effective-dated standards of the catalogue, a fitting
assessed then delivered by a device service station, and replacements.

A delivered fitting takes the price and subsidy of the standard in force on the delivery day for
the person's region (the longest region prefix), and its replacement falls due the device type's
interval after delivery. Delivering answers the person's assistive-device need of that year (a
``ServiceRecord`` linked to the fitting), so a fitted device counts towards "served"."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.choices import InstitutionKind
from canlian.domains.rehabservices.actions._common import (
    MANAGE,
    RECORD,
    certificate_on,
    day_not_future,
    in_force,
    institution_for,
    locked_person,
    require,
)
from canlian.domains.rehabservices.choices import FittingStatus, NeedKind, ServicePlace
from canlian.domains.rehabservices.events import ServicesEvent
from canlian.domains.rehabservices.models import DeviceFitting, DeviceStandard, DeviceType, Need
from canlian.platform.access import is_system, lock_for, may, user_or_none
from canlian.platform.errors import Conflict, InvalidState, PermissionDenied
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_date, as_text, field_error

_DAY = dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the month's last day (2026-01-31 + 1 → 02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _device_type(value: Any) -> DeviceType:
    try:
        found = DeviceType.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise field_error("device_type", _("Choose a device of the catalogue."), value)
    return found


@transaction.atomic
def device_standard_save(
    *,
    actor: Any,
    device_type_id: Any,
    region_code: Any,
    valid_from: Any,
    price: Any,
    subsidy: Any,
    valid_to: Any = None,
) -> DeviceStandard:
    """Add a price and subsidy of a device type from a day in a region ("" national). The open
    standard of the same type and region in force then is closed the day before; any other overlap
    is a Conflict. The subsidy cannot exceed the price."""
    require(actor, MANAGE)
    device_type = _device_type(device_type_id)
    region = str(region_code or "").strip()
    if not is_system(actor) and not may(actor, MANAGE, region):
        raise PermissionDenied(_("This region is outside your scope."))
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end cannot be before the start."), end)
    price_ = as_amount(price, "price")
    subsidy_ = as_amount(subsidy, "subsidy")
    if subsidy_ > price_:
        raise field_error("subsidy", _("The subsidy cannot exceed the price."), subsidy_)
    same = DeviceStandard.objects.select_for_update().filter(device_type=device_type, region_code=region)
    overlapping = list(same.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start)).order_by("valid_from"))
    if end is not None:
        overlapping = [r for r in overlapping if r.valid_from <= end]
    previous = next((r for r in overlapping if r.valid_from < start and r.valid_to is None), None)
    clashes = [r for r in overlapping if r is not previous]
    if clashes:
        raise Conflict(
            _("A standard of this device and region is in force from %(start)s; it overlaps.")
            % {"start": clashes[0].valid_from},
            code="standard_overlap",
            field="valid_from",
        )
    if previous is not None:
        previous.valid_to = start - _DAY
        previous.save(update_fields=["valid_to"])
    try:
        with transaction.atomic():
            row = DeviceStandard.objects.create(
                device_type=device_type,
                region_code=region,
                valid_from=start,
                valid_to=end,
                price=price_,
                subsidy=subsidy_,
            )
    except IntegrityError as exc:  # pragma: no cover - caught by the overlap check above
        raise Conflict(
            _("A standard of this device and region starts that day."), code="standard_overlap"
        ) from exc
    audit_record(
        actor=actor,
        event=ServicesEvent.DEVICE_STANDARD_SAVED,
        obj=row,
        region_code=region or None,
        new={
            "device_type": device_type.code,
            "region_code": region,
            "valid_from": start,
            "valid_to": end,
            "price": price_,
            "subsidy": subsidy_,
            "follows": previous.pk if previous else None,
        },
    )
    return row


def standard_for(device_type: DeviceType, region_code: str, on: dt.date) -> DeviceStandard | None:
    return in_force(DeviceStandard.objects.filter(device_type=device_type), region_code, on)


@transaction.atomic
def fitting_assess(
    *,
    actor: Any,
    person_id: Any,
    device_type_id: Any,
    station_id: Any,
    assessed_on: Any,
    note: Any = "",
    replaces_id: Any = None,
) -> DeviceFitting:
    """Assess a person for a device of the catalogue at a device service station. The device must
    fit the category and grade of the person's certificate in force that day. ``replaces_id`` names
    the earlier fitting this one replaces: only once it is due (the replacement date reached)."""
    person = locked_person(actor, person_id, RECORD)
    day = day_not_future(assessed_on, "assessed_on")
    device_type = _device_type(device_type_id)
    if not device_type.active:
        raise field_error("device_type", _("This device is no longer in the catalogue."), device_type.name)
    station = institution_for(
        actor, station_id, RECORD, kinds=(InstitutionKind.DEVICE_STATION,), field="station"
    )
    certificate = certificate_on(person, day)
    if certificate is None:
        raise InvalidState(
            _("%(name)s holds no disability certificate in force on %(day)s.")
            % {"name": person.name, "day": day},
            code="not_certified",
        )
    if not device_type.fits(certificate.category, certificate.grade):
        raise field_error(
            "device_type",
            _("A %(device)s does not fit a %(category)s disability of grade %(grade)s.")
            % {
                "device": device_type.name,
                "category": certificate.get_category_display(),
                "grade": certificate.grade,
            },
            device_type.name,
        )
    replaces = None
    if replaces_id not in (None, ""):
        replaces = lock_for(actor, DeviceFitting, replaces_id, view=RECORD)
        if replaces.person_id != person.pk or replaces.device_type_id != device_type.pk:
            raise field_error(
                "replaces", _("The fitting replaced must be this person's same device."), replaces_id
            )
        if (
            replaces.status != FittingStatus.DELIVERED
            or replaces.replacement_due is None
            or replaces.replacement_due > day
        ):
            raise InvalidState(
                _("The device delivered earlier is due for replacement only from %(due)s.")
                % {"due": replaces.replacement_due},
                code="replacement_not_due",
            )
        if DeviceFitting.objects.filter(replaces=replaces).exists():
            raise Conflict(_("That device has already been replaced."), code="already_replaced")
    elif (
        DeviceFitting.objects.filter(person=person, device_type=device_type, replaced_by__isnull=True)
        .filter(Q(status=FittingStatus.ASSESSED) | Q(replacement_due__gt=day))
        .exists()
    ):
        raise Conflict(
            _("%(name)s already has a %(device)s that is not yet due for replacement.")
            % {"name": person.name, "device": device_type.name},
            code="device_not_due",
        )
    need = Need.objects.filter(person=person, year=day.year, kind=NeedKind.DEVICE).order_by("id").first()
    fitting = DeviceFitting.objects.create(
        person=person,
        region_code=person.region_code,
        year=day.year,
        device_type=device_type,
        need=need,
        station=station,
        assessed_on=day,
        replaces=replaces,
        note=as_text(note, "note", max_length=200),
        recorded_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=ServicesEvent.FITTING_ASSESSED,
        obj=fitting,
        new={
            "person": person.pk,
            "device_type": device_type.code,
            "station": station.pk,
            "assessed_on": day,
            "replaces": replaces.pk if replaces else None,
        },
    )
    return fitting


@transaction.atomic
def fitting_deliver(*, actor: Any, fitting_id: Any, fitted_on: Any) -> DeviceFitting:
    """Deliver an assessed device: the standard in force that day gives the price and subsidy, the
    replacement date is the interval after delivery, and the person's device need of that year is
    answered by a service record."""
    require(actor, RECORD)
    fitting = lock_for(actor, DeviceFitting, fitting_id, view=RECORD, related=("device_type", "station"))
    if fitting.status != FittingStatus.ASSESSED:
        raise InvalidState(_("This device has already been delivered."), code="already_delivered")
    day = day_not_future(fitted_on, "fitted_on")
    if day < fitting.assessed_on:
        raise field_error("fitted_on", _("A device cannot be delivered before it was assessed."), day)
    standard = standard_for(fitting.device_type, fitting.region_code, day)
    if standard is None:
        raise InvalidState(
            _("No price and subsidy standard of %(device)s is in force on %(day)s.")
            % {"device": fitting.device_type.name, "day": day},
            code="no_standard",
        )
    fitting.status = FittingStatus.DELIVERED
    fitting.fitted_on = day
    fitting.standard = standard
    fitting.price = standard.price
    fitting.subsidy = standard.subsidy
    fitting.replacement_due = add_months(day, fitting.device_type.replacement_months)
    if fitting.need_id is None:
        fitting.need = (
            Need.objects.filter(person_id=fitting.person_id, year=day.year, kind=NeedKind.DEVICE)
            .order_by("id")
            .first()
        )
    fitting.save(
        update_fields=["status", "fitted_on", "standard", "price", "subsidy", "replacement_due", "need"]
    )
    if fitting.need is not None and fitting.need.year == day.year and fitting.need.survey.surveyed_on <= day:
        from canlian.domains.rehabservices.actions.needs import service_record

        service_record(
            actor=actor if not is_system(actor) else None,
            need_id=fitting.need_id,
            delivered_on=day,
            place=ServicePlace.DEVICE_STATION,
            provider=fitting.station.name[:80],
            content=_("Assistive device delivered: %(device)s") % {"device": fitting.device_type.name},
            institution_id=fitting.station_id,
            fitting=fitting,
        )
    sources_changed("services", year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=ServicesEvent.FITTING_DELIVERED,
        obj=fitting,
        new={
            "fitted_on": day,
            "price": fitting.price,
            "subsidy": fitting.subsidy,
            "replacement_due": fitting.replacement_due,
            "standard": standard.pk,
        },
    )
    return fitting
