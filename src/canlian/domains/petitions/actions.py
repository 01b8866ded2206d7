"""Writes of petitions, invitations and festival visits. Each action is atomic, checks the actor's
permission (``petitions.handle``) and scope inside its transaction, records its audit row there and
raises typed errors naming the field. ``SYSTEM`` (or ``actor=None``) is the operator at the command line.

Bulk work is set-based: ``invitees_add`` is one INSERT … SELECT, ``attendance_record`` one UPDATE,
``festival_visits_import`` validates every row first and writes nothing if any row is bad.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.choices import CertificateState, LifeStatus
from canlian.core.registry.identity import normalize_phone, upgrade_15
from canlian.core.registry.models import Certificate, Person
from canlian.domains.petitions.models import (
    Festival,
    FestivalVisit,
    InvitationEvent,
    Invitee,
    KeyDate,
    Petition,
    PetitionAction,
    PetitionCategory,
    PetitionStatus,
    Satisfaction,
    deadline_days,
    key_date,
)
from canlian.platform.access import authorize, is_system, lock_for, user_or_none
from canlian.platform.errors import InvalidState, NotFound, PermissionDenied, RowError, ValidationFailed
from canlian.platform.inputs import field_error
from canlian.programs.workdays import add_working_days, deadline_record

HANDLE = "petitions.handle"

# Audit event codes (stable strings; the lead adds them to canlian.core.audit.events.EventType).
EVENT_RECEIVED = "petition.received"
EVENT_ACTED = "petition.acted"
EVENT_CLOSED = "petition.closed"
EVENT_INVITATION_CREATED = "invitation.created"
EVENT_INVITEES_ADDED = "invitation.invitees_added"
EVENT_ATTENDANCE = "invitation.attendance_recorded"
EVENT_FESTIVAL_VISIT = "festival_visit.recorded"
EVENT_FESTIVAL_IMPORTED = "festival_visit.imported"

#: Rules for ``invitees_add``: who of a region is put on the list.
INVITEE_RULES = ("people", "certificate_holders", "paired")

#: Festival names as staff write them in a spreadsheet.
FESTIVAL_ALIASES = {
    "春节": Festival.SPRING,
    "春節": Festival.SPRING,
    "spring": Festival.SPRING,
    "中秋": Festival.MID_AUTUMN,
    "中秋节": Festival.MID_AUTUMN,
    "mid_autumn": Festival.MID_AUTUMN,
    "助残日": Festival.HELP_DAY,
    "全国助残日": Festival.HELP_DAY,
    "help_day": Festival.HELP_DAY,
    "其他": Festival.OTHER,
    "其它": Festival.OTHER,
    "other": Festival.OTHER,
}

IMPORT_COLUMNS = {"id_number": "身份证号", "on": "日期", "money": "慰问金额", "festival": "节日"}


def _fail(field: str, message: Any, value: Any = None) -> ValidationFailed:
    """``field_error`` keeping the bare message (forms show it next to the field, unprefixed)."""
    exc = field_error(field, message, value)
    exc.message = str(message)
    exc.args = (exc.message,)
    return exc


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _person(actor: Any, person_id: Any) -> Person:
    """A person the actor may see (NotFound otherwise)."""
    qs = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, "persons.view")
    try:
        return qs.get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("Person not found."), field="person") from exc


def petition_deadline(received_on: dt.date, category: str) -> dt.date:
    """The answer is due ``deadline_days(category)`` working days after the day of receipt."""
    return add_working_days(received_on, deadline_days(category))


# --- petitions -------------------------------------------------------------------------------------


@transaction.atomic
def petition_receive(
    *,
    actor: Any,
    category: str,
    issue: str,
    received_on: dt.date | None = None,
    person_id: Any = None,
    visitor_name: str = "",
    visitor_phone: str = "",
    region_code: str = "",
    handler_id: Any = None,
) -> Petition:
    """Log a petition at the window. A registered person gives the region; an unregistered visitor
    needs a name and the region the petition belongs to."""
    received_on = _today(received_on)
    if category not in PetitionCategory.values:
        raise _fail("category", _("Choose a category."), category)
    issue = (issue or "").strip()
    if not issue:
        raise _fail("issue", _("Describe the issue."))
    person = None
    if person_id not in (None, ""):
        person = _person(actor, person_id)
        region_code = person.region_code
    else:
        visitor_name = (visitor_name or "").strip()
        if not visitor_name:
            raise _fail("visitor_name", _("Give the visitor's name or choose a registered person."))
        region_code = (region_code or "").strip()
        if not region_code:
            raise _fail("region_code", _("Choose the region the petition belongs to."))
    phone = normalize_phone(visitor_phone) if visitor_phone else ""
    authorize(actor, HANDLE, region_code)
    handler = user_or_none(actor)
    if handler_id not in (None, ""):
        handler = get_user_model().objects.filter(pk=handler_id, is_active=True).first()
        if handler is None:
            raise _fail("handler", _("Choose an active user as handler."), handler_id)
    petition = Petition.objects.create(
        received_on=received_on,
        region_code=region_code,
        person=person,
        visitor_name="" if person else visitor_name[:50],
        visitor_phone="" if person else phone[:20],
        issue=issue,
        category=category,
        handler=handler,
        deadline=petition_deadline(received_on, category),
        created_by=user_or_none(actor),
    )
    deadline_record(petition, "deadline", start=received_on, days=deadline_days(category))
    audit_record(
        actor=actor,
        event=EVENT_RECEIVED,
        obj=petition,
        new={
            "received_on": received_on,
            "category": category,
            "person": person.pk if person else None,
            "deadline": petition.deadline,
            "handler": handler.pk if handler else None,
        },
    )
    return petition


@transaction.atomic
def petition_act(*, actor: Any, petition_id: Any, text: str, on: dt.date | None = None) -> PetitionAction:
    """Add a step taken on an open petition."""
    petition = lock_for(actor, Petition, petition_id, act=HANDLE)
    if petition.status != PetitionStatus.OPEN:
        raise InvalidState(_("The petition is closed."), code="petition_closed")
    text = (text or "").strip()
    if not text:
        raise _fail("text", _("Describe the action taken."))
    on = _today(on)
    if on < petition.received_on:
        raise _fail("on", _("The action cannot precede the petition."), on)
    action = PetitionAction.objects.create(petition=petition, on=on, text=text, by=user_or_none(actor))
    audit_record(actor=actor, event=EVENT_ACTED, obj=petition, new={"on": on, "text": text[:200]})
    return action


@transaction.atomic
def petition_close(
    *,
    actor: Any,
    petition_id: Any,
    result: str,
    satisfaction: str,
    closed_on: dt.date | None = None,
) -> Petition:
    """Close a petition with its result and the petitioner's satisfaction."""
    petition = lock_for(actor, Petition, petition_id, act=HANDLE)
    if petition.status != PetitionStatus.OPEN:
        raise InvalidState(_("The petition is already closed."), code="petition_closed")
    result = (result or "").strip()
    if not result:
        raise _fail("result", _("Give the result."))
    if satisfaction not in Satisfaction.values:
        raise _fail("satisfaction", _("Choose the satisfaction."), satisfaction)
    closed_on = _today(closed_on)
    if closed_on < petition.received_on:
        raise _fail("closed_on", _("A petition cannot be closed before it was received."), closed_on)
    petition.result, petition.satisfaction = result, satisfaction
    petition.closed_on, petition.status = closed_on, PetitionStatus.CLOSED
    petition.save(update_fields=["result", "satisfaction", "closed_on", "status"])
    audit_record(
        actor=actor,
        event=EVENT_CLOSED,
        obj=petition,
        new={
            "closed_on": closed_on,
            "satisfaction": satisfaction,
            "late": closed_on > petition.deadline,
        },
    )
    return petition


# --- invitations -----------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(
    *,
    actor: Any,
    title: str,
    region_code: str,
    key_date_kind: str = KeyDate.OTHER,
    held_on: dt.date | None = None,
    year: int | None = None,
    place: str = "",
    note: str = "",
) -> InvitationEvent:
    """An invitation event; on a key date ``held_on`` defaults to that day in ``year`` (this year)."""
    title = (title or "").strip()
    if not title:
        raise _fail("title", _("Give a title."))
    if key_date_kind not in KeyDate.values:
        raise _fail("key_date_kind", _("Choose a key date."), key_date_kind)
    if held_on is None:
        held_on = key_date(key_date_kind, year or timezone.localdate().year)
        if held_on is None:
            raise _fail("held_on", _("Give the date of the event."))
    region_code = (region_code or "").strip()
    if not region_code:
        raise _fail("region_code", _("Choose the region."))
    authorize(actor, HANDLE, region_code)
    event = InvitationEvent.objects.create(
        title=title[:120],
        key_date_kind=key_date_kind,
        held_on=held_on,
        region_code=region_code,
        place=(place or "").strip()[:200],
        note=(note or "").strip(),
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event=EVENT_INVITATION_CREATED,
        obj=event,
        new={"title": event.title, "key_date_kind": key_date_kind, "held_on": held_on},
    )
    return event


def _paired_person_ids(region: str) -> Any:
    """People paired with a cadre in ``region`` (the care app's pairings), if that app has them."""
    try:
        pairing = apps.get_model("care", "Pairing")
    except LookupError:
        return None
    qs = pairing.objects.all()
    names = {f.name for f in pairing._meta.get_fields()}
    if "region_code" in names:
        qs = qs.filter(region_code__startswith=region)
    else:
        qs = qs.filter(person__region_code__startswith=region)
    if "ended_on" in names:
        qs = qs.filter(ended_on__isnull=True)
    elif "active" in names:
        qs = qs.filter(active=True)
    return qs.values("person_id")


@transaction.atomic
def invitees_add(
    *,
    actor: Any,
    event_id: Any,
    person_ids: list[Any] | None = None,
    rule: str = "",
    region: str = "",
) -> int:
    """Put people on an event's list in one INSERT … SELECT: the listed ``person_ids``, or by ``rule``
    everyone living in ``region`` (default: the event's region) who is a registered person
    ("people"), holds a certificate in force ("certificate_holders") or is paired with a cadre
    ("paired"). People already on the list and people outside the actor's scope are skipped.
    Returns how many were added."""
    event = lock_for(actor, InvitationEvent, event_id, act=HANDLE)
    region = (region or "").strip() or event.region_code
    if not region.startswith(event.region_code) and not event.region_code.startswith(region):
        raise _fail("region", _("The region lies outside the event's region."), region)
    if len(region) < len(event.region_code):
        region = event.region_code
    people = (
        Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, "persons.view")
    ).filter(region_code__startswith=region, life_status=LifeStatus.LIVING)
    if person_ids is not None and not rule:
        try:
            ids = sorted({int(p) for p in person_ids})
        except (TypeError, ValueError) as exc:
            raise _fail("person_ids", _("Person ids must be numbers.")) from exc
        if not ids:
            raise _fail("person_ids", _("Choose at least one person."))
        people = people.filter(pk__in=ids)
    elif rule == "people":
        pass
    elif rule == "certificate_holders":
        people = people.filter(
            pk__in=Certificate.objects.filter(state=CertificateState.ACTIVE).values("person_id")
        )
    elif rule == "paired":
        paired = _paired_person_ids(region)
        if paired is None:
            raise _fail("rule", _("Pairings are not available."), rule)
        people = people.filter(pk__in=paired)
    else:
        raise _fail("rule", _("Choose people or a rule."), rule)
    people = people.exclude(pk__in=Invitee.objects.filter(event_id=event.pk).values("person_id"))
    select_sql, params = people.order_by().annotate(pid=F("pk")).values("pid").query.sql_with_params()
    table = connection.ops.quote_name(Invitee._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (event_id, person_id, invited, attended, note) "
            f"SELECT %s, sub.pid, %s, %s, '' FROM ({select_sql}) sub",
            [event.pk, True, False, *params],
        )
        added = cursor.rowcount
    audit_record(
        actor=actor,
        event=EVENT_INVITEES_ADDED,
        obj=event,
        new={"added": added, "rule": rule or "list", "region": region},
    )
    return added


@transaction.atomic
def attendance_record(*, actor: Any, event_id: Any, attended_person_ids: list[Any]) -> int:
    """Tick who came: the listed people attended, the rest of the list did not. One UPDATE; returns
    how many attended."""
    event = lock_for(actor, InvitationEvent, event_id, act=HANDLE)
    try:
        ids = sorted({int(p) for p in attended_person_ids or []})
    except (TypeError, ValueError) as exc:
        raise _fail("attended", _("Person ids must be numbers.")) from exc
    Invitee.objects.filter(event_id=event.pk).update(
        attended=Case(When(person_id__in=ids, then=Value(True)), default=Value(False))
    )
    attended = Invitee.objects.filter(event_id=event.pk, attended=True).count()
    audit_record(actor=actor, event=EVENT_ATTENDANCE, obj=event, new={"attended": attended})
    return attended


# --- festival visits -------------------------------------------------------------------------------


def _money(raw: Any) -> Decimal:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    text = text.removesuffix("元")
    if not text:
        return Decimal("0.00")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(_("Not an amount.")) from exc
    if not value.is_finite() or value < 0:
        raise ValueError(_("The amount cannot be negative."))
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(_("At most two decimals."))
    if value >= Decimal("100000000"):
        raise ValueError(_("The amount is too large."))
    return value.quantize(Decimal("0.01"))


_DATE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})日?$")


def _date(raw: Any) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    text = str(raw or "").strip().split(" ")[0].split("T")[0]
    match = _DATE.match(text)
    if not match:
        raise ValueError(_("Not a date."))
    return dt.date(*(int(g) for g in match.groups()))


@transaction.atomic
def festival_visit_record(
    *,
    actor: Any,
    person_id: Any,
    festival: str,
    on: dt.date | None = None,
    money: Any = "0",
    goods: str = "",
    visited_by: str = "",
    note: str = "",
) -> FestivalVisit:
    person = _person(actor, person_id)
    if festival not in Festival.values:
        raise _fail("festival", _("Choose the festival or occasion."), festival)
    try:
        amount = _money(money)
    except ValueError as exc:
        raise _fail("money", str(exc), money) from exc
    authorize(actor, HANDLE, person.region_code)
    user = user_or_none(actor)
    visit = FestivalVisit.objects.create(
        person=person,
        region_code=person.region_code,
        on=_today(on),
        festival=festival,
        visited_by=(visited_by or "").strip()[:100]
        or (user.get_full_name() or user.username if user else ""),
        visited_by_user=user,
        money=amount,
        goods=(goods or "").strip()[:200],
        note=(note or "").strip()[:200],
    )
    audit_record(
        actor=actor,
        event=EVENT_FESTIVAL_VISIT,
        obj=visit,
        new={"person": person.pk, "on": visit.on, "festival": festival, "money": amount},
    )
    return visit


def _column(header: list[str], key: str) -> str | None:
    wanted = {IMPORT_COLUMNS[key], key}
    for name in header:
        if name.strip() in wanted:
            return name
    return None


@transaction.atomic
def festival_visits_import(
    *,
    actor: Any,
    path: str | Path,
    name: str | None = None,
    visited_by: str = "",
) -> int:
    """Import festival visits from an Excel/CSV file with the columns 身份证号, 日期, 慰问金额, 节日.
    Every row is checked first; if any row is bad, ValidationFailed lists each bad row and field and
    nothing is written. Returns how many visits were recorded."""
    from canlian.platform.tabular import read_table

    if not is_system(actor) and not actor.has_canlian_perm(HANDLE):
        raise PermissionDenied()
    table = read_table(path, name=name)
    columns = {key: _column(table.header, key) for key in IMPORT_COLUMNS}
    missing = [IMPORT_COLUMNS[k] for k, c in columns.items() if c is None]
    if missing:
        raise ValidationFailed(
            _("Missing columns: %(columns)s") % {"columns": ", ".join(missing)},
            errors=[RowError(1, m, _("Missing column.")) for m in missing],
        )
    errors: list[RowError] = []
    parsed: list[tuple[int, str, dt.date, Decimal, str]] = []
    for row_no, row in table.dicts():
        if not any((v or "").strip() for v in row.values()):
            continue
        raw_id = re.sub(r"[\s\u3000]", "", row[columns["id_number"]] or "").upper()
        if len(raw_id) == 15 and raw_id.isdigit():
            raw_id = upgrade_15(raw_id)
        if len(raw_id) != 18:
            errors.append(RowError(row_no, IMPORT_COLUMNS["id_number"], _("Not an ID number."), raw_id))
        try:
            on = _date(row[columns["on"]])
        except ValueError as exc:
            errors.append(RowError(row_no, IMPORT_COLUMNS["on"], str(exc), row[columns["on"]]))
            on = None
        try:
            money = _money(row[columns["money"]])
        except ValueError as exc:
            errors.append(RowError(row_no, IMPORT_COLUMNS["money"], str(exc), row[columns["money"]]))
            money = None
        raw_festival = (row[columns["festival"]] or "").strip()
        festival = FESTIVAL_ALIASES.get(raw_festival) or FESTIVAL_ALIASES.get(raw_festival.lower())
        if festival is None:
            errors.append(RowError(row_no, IMPORT_COLUMNS["festival"], _("Unknown festival."), raw_festival))
        if on is not None and money is not None and festival is not None and len(raw_id) == 18:
            parsed.append((row_no, raw_id, on, money, festival))
    people = Person.objects.all()
    if not is_system(actor):  # seen (persons.view) and handled (petitions.handle) by the actor
        people = people.for_user(actor, "persons.view").for_user(actor, HANDLE)
    found = dict(people.filter(id_number__in={p[1] for p in parsed}).values_list("id_number", "pk"))
    regions = dict(Person.objects.filter(pk__in=found.values()).values_list("pk", "region_code"))
    visits: list[FestivalVisit] = []
    user = user_or_none(actor)
    by = (visited_by or "").strip()[:100]
    for row_no, id_number, on, money, festival in parsed:
        person_pk = found.get(id_number)
        if person_pk is None:
            errors.append(
                RowError(row_no, IMPORT_COLUMNS["id_number"], _("No such person in your region."), id_number)
            )
            continue
        region_code = regions[person_pk]
        visits.append(
            FestivalVisit(
                person_id=person_pk,
                region_code=region_code,
                on=on,
                festival=festival,
                money=money,
                visited_by=by,
                visited_by_user=user,
            )
        )
    if errors:
        errors.sort(key=lambda e: (e.row or 0, e.field or ""))
        raise ValidationFailed(errors=errors)
    if not visits:
        raise ValidationFailed(_("The file holds no rows."), errors=[RowError(None, None, _("No rows."))])
    FestivalVisit.objects.bulk_create(visits, batch_size=1000)
    audit_record(
        actor=actor,
        event=EVENT_FESTIVAL_IMPORTED,
        object_type="petitions.festivalvisit",
        object_repr=str(name or Path(str(path)).name),
        new={"rows": len(visits), "money": sum((v.money for v in visits), Decimal("0.00"))},
    )
    return len(visits)
