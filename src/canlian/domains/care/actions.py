"""Writes of care. Each action is atomic, checks the actor's permission and scope inside its
transaction, records its audit row there and raises typed errors (canlian.platform.errors).
``SYSTEM`` (or ``actor=None``) is the operator at the command line.

Audit event codes: care.pairing_created, care.pairing_ended, care.pairing_reassigned,
care.pairings_imported, care.contact_recorded, care.need_created, care.need_updated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.choices import LifeStatus
from canlian.core.registry.models import Person
from canlian.domains.care.models import (
    OPEN_NEED_STATUSES,
    Contact,
    ContactWay,
    EndReason,
    Need,
    NeedStatus,
    Pairing,
)
from canlian.platform.access import authorize, is_system, lock_for, may, user_or_none
from canlian.platform.errors import Conflict, InvalidState, PermissionDenied, RowError, ValidationFailed
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_date, as_int, field_error

VIEW = "care.view"
RECORD = "care.record"
MANAGE = "care.manage"

#: Days a need found in a contact has by default, when no follow-up date is given.
NEED_DEFAULT_DAYS = 30
#: How far back a contact may be dated.
CONTACT_MAX_AGE_DAYS = 366


# --- helpers ---------------------------------------------------------------------------------------


def _count(value: Any, field: str) -> int:
    return as_int(value, field, low=0, high=999, required=False, default=0)


def _person(person_id: Any, actor: Any, permission: str) -> Person:
    """The person, locked, if the actor sees them in care (NotFound) and holds ``permission`` there."""
    person = lock_for(actor, Person, person_id, view=VIEW)
    authorize(actor, permission, person.region_code)
    return person


def _cadre(cadre_id: Any, region_code: str) -> Any:
    User = get_user_model()
    try:
        cadre = User.objects.filter(pk=cadre_id, is_active=True).first()
    except (TypeError, ValueError):
        cadre = None
    if cadre is None:
        raise field_error("cadre", _("Choose an active user."), cadre_id)
    if not may(cadre, RECORD, region_code):
        raise field_error(
            "cadre", _("This user may not record contacts in the person's region."), cadre.username
        )
    return cadre


def _pairing_values(p: Pairing) -> dict[str, Any]:
    return {
        "cadre": p.cadre_id,
        "person": p.person_id,
        "started_on": p.started_on,
        "ended_on": p.ended_on,
        "end_reason": p.end_reason,
    }


# --- pairings --------------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *, actor: Any, person_id: Any, cadre_id: Any, started_on: Any = None, note: str = ""
) -> Pairing:
    """Pair a cadre with a person. A person has at most one active pairing (Conflict otherwise)."""
    person = _person(person_id, actor, MANAGE)
    if person.life_status != LifeStatus.LIVING:
        raise InvalidState(_("Only a living resident can be paired."))
    started = as_date(started_on, "started_on", required=False) or timezone.localdate()
    cadre = _cadre(cadre_id, person.region_code)
    if Pairing.objects.filter(person=person, ended_on__isnull=True).exists():
        raise Conflict(_("This person is already paired; re-assign the pairing instead."), field="person")
    try:
        with transaction.atomic():
            pairing = Pairing.objects.create(
                cadre=cadre,
                person=person,
                region_code=person.region_code,
                started_on=started,
                created_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This person is already paired; re-assign the pairing instead."), field="person"
        ) from exc
    audit_record(actor=actor, event="care.pairing_created", obj=pairing, new=_pairing_values(pairing))
    return pairing


def _end(pairing: Pairing, ended_on: dt.date, reason: str, note: str) -> None:
    if pairing.ended_on is not None:
        raise InvalidState(_("This pairing has already ended."))
    if ended_on < pairing.started_on:
        raise field_error("ended_on", _("The end cannot be before the start."), ended_on)
    pairing.ended_on = ended_on
    pairing.end_reason = reason
    pairing.end_note = note[:200]
    pairing.save(update_fields=["ended_on", "end_reason", "end_note"])


@transaction.atomic
def pairing_end(
    *, actor: Any, pairing_id: Any, ended_on: Any = None, reason: str = EndReason.OTHER, note: str = ""
) -> Pairing:
    """End a pairing; ``ended_on`` is its last day (default today)."""
    pairing = lock_for(actor, Pairing, pairing_id, view=VIEW, act=MANAGE)
    if reason not in EndReason.values:
        raise field_error("reason", _("Choose a reason."), reason)
    before = _pairing_values(pairing)
    _end(pairing, as_date(ended_on, "ended_on", required=False) or timezone.localdate(), reason, note or "")
    audit_record(
        actor=actor, event="care.pairing_ended", obj=pairing, old=before, new=_pairing_values(pairing)
    )
    return pairing


@transaction.atomic
def pairing_reassign(
    *, actor: Any, pairing_id: Any, cadre_id: Any, on: Any = None, note: str = ""
) -> Pairing:
    """End the pairing (reason "reassigned", last day the day before ``on``) and start a new one with
    another cadre from ``on``. The person's contacts stay with the person. Returns the new pairing."""
    old = lock_for(actor, Pairing, pairing_id, view=VIEW, act=MANAGE)
    if old.ended_on is not None:
        raise InvalidState(_("This pairing has already ended."))
    start = as_date(on, "on", required=False) or timezone.localdate()
    if start < old.started_on:
        raise field_error("on", _("The new pairing cannot start before the current one."), start)
    cadre = _cadre(cadre_id, old.region_code)
    if cadre.pk == old.cadre_id:
        raise field_error("cadre", _("The person is already paired with this cadre."), cadre.username)
    before = _pairing_values(old)
    _end(old, max(old.started_on, start - dt.timedelta(days=1)), EndReason.REASSIGNED, note or "")
    person = Person.objects.get(pk=old.person_id)
    new = Pairing.objects.create(
        cadre=cadre,
        person=person,
        region_code=person.region_code,
        started_on=start,
        created_by=user_or_none(actor),
    )
    audit_record(
        actor=actor,
        event="care.pairing_reassigned",
        obj=new,
        old=before,
        new={**_pairing_values(new), "previous": old.pk},
    )
    return new


ID_COLUMNS = ("身份证号", "身份证号码", "公民身份号码", "id_number")
USERNAME_COLUMNS = ("干部账号", "账号", "username")
CADRE_NAME_COLUMNS = ("干部姓名", "干部", "cadre_name")
START_COLUMNS = ("结对日期", "开始日期", "started_on")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in header:
            return name
    return None


@transaction.atomic
def pairings_import(
    *, actor: Any, path: str | Path, name: str | None = None, started_on: Any = None
) -> dict[str, Any]:
    """Bulk pairing from a spreadsheet: columns 身份证号 and 干部账号 (username) or 干部姓名 (display
    name, must be unique among the users who may record in the person's region); optional 结对日期.

    All rows are checked with a handful of set queries; if any row is bad, nothing is written and
    ValidationFailed lists every bad row with its row number and column. A row pairing a person with
    the cadre already paired to them is skipped. Otherwise one bulk INSERT creates the pairings."""
    from canlian.core.registry.identity import IdError, parse_resident_id
    from canlian.platform.tabular import read_table

    if not is_system(actor) and not actor.has_canlian_perm(MANAGE):
        raise PermissionDenied()
    table = read_table(path, name=name)
    id_col = _column(table.header, ID_COLUMNS)
    user_col = _column(table.header, USERNAME_COLUMNS)
    cname_col = _column(table.header, CADRE_NAME_COLUMNS)
    start_col = _column(table.header, START_COLUMNS)
    if id_col is None or (user_col is None and cname_col is None):
        raise ValidationFailed(
            _("The file needs the columns 身份证号 and 干部账号 or 干部姓名."), code="bad_header"
        )
    default_start = as_date(started_on, "started_on", required=False) or timezone.localdate()
    errors: list[RowError] = []
    parsed: list[tuple[int, str, str, str, dt.date]] = []
    for row_no, data in table.dicts():
        raw_id = (data.get(id_col) or "").strip().upper()
        username = (data.get(user_col) or "").strip() if user_col else ""
        cname = (data.get(cname_col) or "").strip() if cname_col else ""
        if not raw_id and not username and not cname:
            continue
        try:
            parse_resident_id(raw_id)
        except IdError as exc:
            errors.append(RowError(row=row_no, field=id_col, message=str(exc), value=raw_id))
            continue
        if not username and not cname:
            errors.append(
                RowError(row=row_no, field=user_col or cname_col, message=_("This field is required."))
            )
            continue
        start = default_start
        if start_col and (data.get(start_col) or "").strip():
            try:
                start = dt.date.fromisoformat(data[start_col].strip()[:10])
            except ValueError:
                errors.append(
                    RowError(
                        row=row_no,
                        field=start_col,
                        message=_("Enter a date as YYYY-MM-DD."),
                        value=data[start_col],
                    )
                )
                continue
        parsed.append((row_no, raw_id, username, cname, start))

    people = Person.objects.all() if is_system(actor) else Person.objects.for_user(actor, MANAGE)
    persons = {
        p.id_number: p
        for p in people.filter(id_number__in={r[1] for r in parsed}).only(
            "id", "id_number", "region_code", "life_status", "name"
        )
    }
    User = get_user_model()
    by_username = {
        u.username: u
        for u in User.objects.filter(username__in={r[2] for r in parsed if r[2]}, is_active=True)
    }
    by_name: dict[str, list[Any]] = {}
    for u in User.objects.filter(
        display_name__in={r[3] for r in parsed if r[3] and not r[2]}, is_active=True
    ):
        by_name.setdefault(u.display_name, []).append(u)
    active = dict(
        Pairing.objects.filter(
            person_id__in=[p.pk for p in persons.values()], ended_on__isnull=True
        ).values_list("person_id", "cadre_id")
    )
    seen: dict[int, int] = {}
    new_rows: list[Pairing] = []
    skipped = 0
    cadre_field = user_col or cname_col
    for row_no, id_number, username, cname, start in parsed:
        person = persons.get(id_number)
        if person is None:
            errors.append(
                RowError(
                    row=row_no, field=id_col, message=_("No such person in your region."), value=id_number
                )
            )
            continue
        if person.life_status != LifeStatus.LIVING:
            errors.append(
                RowError(
                    row=row_no,
                    field=id_col,
                    message=_("Only a living resident can be paired."),
                    value=id_number,
                )
            )
            continue
        if username:
            cadre = by_username.get(username)
            field, value = user_col, username
        else:
            matches = [u for u in by_name.get(cname, []) if may(u, RECORD, person.region_code)]
            cadre = matches[0] if len(matches) == 1 else None
            field, value = cname_col, cname
            if len(matches) > 1:
                errors.append(
                    RowError(
                        row=row_no,
                        field=field,
                        message=_("Several users have this name; use 干部账号."),
                        value=value,
                    )
                )
                continue
        if cadre is None or not may(cadre, RECORD, person.region_code):
            errors.append(
                RowError(
                    row=row_no,
                    field=field or cadre_field,
                    message=_("No user by this name may record contacts in the person's region."),
                    value=value,
                )
            )
            continue
        if person.pk in seen:
            errors.append(
                RowError(
                    row=row_no,
                    field=id_col,
                    message=_("The person appears twice in the file (row %(row)s).")
                    % {"row": seen[person.pk]},
                    value=id_number,
                )
            )
            continue
        seen[person.pk] = row_no
        current = active.get(person.pk)
        if current == cadre.pk:
            skipped += 1
            continue
        if current is not None:
            errors.append(
                RowError(
                    row=row_no,
                    field=id_col,
                    message=_("Already paired with another cadre; re-assign on the pairing page."),
                    value=id_number,
                )
            )
            continue
        new_rows.append(
            Pairing(
                cadre=cadre,
                person=person,
                region_code=person.region_code,
                started_on=start,
                created_by=user_or_none(actor),
            )
        )
    if errors:
        raise ValidationFailed(errors=errors)
    try:
        with transaction.atomic():
            Pairing.objects.bulk_create(new_rows, batch_size=2000)
    except IntegrityError as exc:
        raise Conflict(_("Another user paired some of these people meanwhile; upload again.")) from exc
    if new_rows:  # this year's pairing coverage and on-track figures
        sources_changed("care", year=timezone.localdate().year, month=timezone.localdate().month)
    audit_record(
        actor=actor,
        event="care.pairings_imported",
        object_type="care.pairing",
        object_repr=str(name or Path(path).name),
        region_code=min((p.region_code for p in new_rows), key=len, default=""),
        new={"created": len(new_rows), "skipped": skipped, "rows": len(parsed)},
    )
    return {"created": len(new_rows), "skipped": skipped, "rows": len(parsed)}


# --- contacts --------------------------------------------------------------------------------------


@transaction.atomic
def contact_record(
    *,
    actor: Any,
    person_id: Any,
    way: str,
    on: Any = None,
    discussed: str = "",
    needs_found: str = "",
    policies_delivered: Any = 0,
    policies_text: str = "",
    difficulties_solved: Any = 0,
    difficulties_text: str = "",
    tasks_done: Any = 0,
    tasks_text: str = "",
    photo: Any = None,
    follow_up_on: Any = None,
) -> Contact:
    """Record one contact. Each non-empty line of ``needs_found`` becomes an open Need owned by the
    actor, due on the follow-up date (or in 30 days). The actor's earlier follow-ups with this person
    are marked done. A plain cadre may record only for people actively paired to them."""
    from canlian.domains.care.selectors import recordable_person

    person = _person(person_id, actor, RECORD)
    if not is_system(actor) and not recordable_person(user=actor, person=person):
        raise PermissionDenied(_("You may record contacts only with the people paired to you."))
    if way not in ContactWay.values:
        raise field_error("way", _("Choose how the contact was made."), way)
    today = timezone.localdate()
    day = as_date(on, "on", required=False) or today
    if day > today:
        raise field_error("on", _("The date cannot be in the future."), day)
    if day < today - dt.timedelta(days=CONTACT_MAX_AGE_DAYS):
        raise field_error("on", _("The date is more than a year ago."), day)
    follow = as_date(follow_up_on, "follow_up_on", required=False)
    if follow is not None and follow < day:
        raise field_error("follow_up_on", _("The follow-up cannot be before the contact."), follow)
    if photo and way != ContactWay.HOME_VISIT:
        raise field_error("photo", _("Photos are kept for home visits only."))
    if is_system(actor):
        pairing = Pairing.objects.filter(person=person, ended_on__isnull=True).first()
        if pairing is None:
            raise InvalidState(_("The person has no active pairing."))
        cadre = pairing.cadre
    else:
        cadre = actor
        pairing = Pairing.objects.filter(person=person, ended_on__isnull=True).first()
    contact = Contact(
        person=person,
        pairing=pairing,
        cadre=cadre,
        region_code=person.region_code,
        way=way,
        on=day,
        discussed=(discussed or "").strip(),
        needs_found=(needs_found or "").strip(),
        policies_delivered=_count(policies_delivered, "policies_delivered"),
        policies_text=(policies_text or "").strip(),
        difficulties_solved=_count(difficulties_solved, "difficulties_solved"),
        difficulties_text=(difficulties_text or "").strip(),
        tasks_done=_count(tasks_done, "tasks_done"),
        tasks_text=(tasks_text or "").strip(),
        follow_up_on=follow,
    )
    if photo:
        contact.photo = photo
    contact.save()
    Contact.objects.filter(
        person=person, cadre=cadre, follow_up_done=False, follow_up_on__isnull=False
    ).exclude(pk=contact.pk).update(follow_up_done=True)
    lines = [line.strip(" -•\t") for line in (needs_found or "").splitlines()]
    due = follow or day + dt.timedelta(days=NEED_DEFAULT_DAYS)
    needs = [
        Need(
            person=person,
            contact=contact,
            region_code=person.region_code,
            description=line,
            owner=cadre,
            due_on=due,
        )
        for line in lines
        if line
    ]
    Need.objects.bulk_create(needs)
    audit_record(
        actor=actor,
        event="care.contact_recorded",
        obj=contact,
        new={"person": person.pk, "way": way, "on": day, "needs": len(needs), "follow_up_on": follow},
    )
    return contact


# --- needs -----------------------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *, actor: Any, person_id: Any, description: str, due_on: Any = None, owner_id: Any = None
) -> Need:
    person = _person(person_id, actor, RECORD)
    text = (description or "").strip()
    if not text:
        raise field_error("description", _("This field is required."))
    owner = actor if owner_id in (None, "") else _cadre(owner_id, person.region_code)
    need = Need.objects.create(
        person=person,
        region_code=person.region_code,
        description=text,
        owner=owner if getattr(owner, "is_authenticated", False) else None,
        due_on=as_date(due_on, "due_on", required=False),
    )
    audit_record(
        actor=actor, event="care.need_created", obj=need, new={"person": person.pk, "due_on": need.due_on}
    )
    return need


@transaction.atomic
def need_update(
    *,
    actor: Any,
    need_id: Any,
    status: str | None = None,
    resolution: str | None = None,
    due_on: Any = None,
    owner_id: Any = None,
) -> Need:
    """Change a need's status, resolution, due date or owner. Resolving or closing needs a
    resolution text and stamps ``resolved_on``; reopening clears it. A plain cadre may update the
    needs they own or that belong to people paired to them."""
    need = lock_for(actor, Need, need_id, view=VIEW, act=RECORD)
    before = {
        "status": need.status,
        "resolution": need.resolution,
        "due_on": need.due_on,
        "owner": need.owner_id,
    }
    if status not in (None, ""):
        if status not in NeedStatus.values:
            raise field_error("status", _("Choose a status."), status)
        need.status = status
    if resolution is not None:
        need.resolution = resolution.strip()
    if due_on not in (None, ""):
        need.due_on = as_date(due_on, "due_on")
    if owner_id not in (None, ""):
        need.owner = _cadre(owner_id, need.region_code)
    if need.status in OPEN_NEED_STATUSES:
        need.resolved_on = None
    else:
        if not need.resolution:
            raise field_error("resolution", _("Say how the need was resolved or why it was closed."))
        need.resolved_on = need.resolved_on or timezone.localdate()
    need.updated_at = timezone.now()
    need.save()
    after = {
        "status": need.status,
        "resolution": need.resolution,
        "due_on": need.due_on,
        "owner": need.owner_id,
    }
    audit_record(actor=actor, event="care.need_updated", obj=need, old=before, new=after)
    return need


def cadres_for_region(region_code: str) -> list[Any]:
    """Active users who may record contacts in a region (for pairing forms)."""
    from canlian.core.accounts.models import RoleAssignment
    from canlian.core.permissions import permissions_of

    prefixes = [region_code[:n] for n in range(2, len(region_code) + 1)]
    roles = {r for r, _label in RoleAssignment._meta.get_field("role").choices if RECORD in permissions_of(r)}
    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role_assignments__region_code__in=prefixes, role_assignments__role__in=roles))
        .distinct()
        .order_by("username")
    )
