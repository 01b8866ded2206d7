"""Homes: the home profile, members (eligibility as a rule list), daily attendance (one tap, a whole
day, or a set of days from an uploaded sheet: one set-based INSERT … SELECT) and services delivered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.actions.institutions import institution_create
from canlian.core.institutions.choices import InstitutionKind
from canlian.domains.community import eligibility
from canlian.domains.community.actions._common import MANAGE, RECORD, VIEW, institution_for, person_for
from canlian.domains.community.choices import AttendanceSource, ConstructionModel, EndReason, Purpose
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import Home, HomeAttendance, HomeFunction, HomeMember, ServiceRecord
from canlian.platform.access import authorize, lock_for, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import Conflict, InvalidState, NotFound
from canlian.platform.indicators import sources_changed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_text, field_error

SOURCE = "community"


def _functions(codes: Any) -> list[HomeFunction]:
    if codes is None:
        return []
    if isinstance(codes, str):
        codes = [c for c in codes.replace("，", ",").split(",") if c.strip()]
    codes = [str(c).strip() for c in codes]
    found = {f.code: f for f in HomeFunction.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise field_error("functions", _("Unknown functions: %(codes)s.") % {"codes": ", ".join(unknown)})
    return [found[c] for c in codes]


def _home_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "construction_model" in fields:
        clean["construction_model"] = as_choice(
            fields["construction_model"], "construction_model", ConstructionModel.choices
        )
    if "opened_on" in fields:
        clean["opened_on"] = as_date(fields["opened_on"], "opened_on")
    if "closed_on" in fields:
        clean["closed_on"] = as_date(fields["closed_on"], "closed_on", required=False)
    for name in ("capacity", "staff_count"):
        if name in fields:
            clean[name] = as_int(fields[name], name, low=0, high=100000, default=0)
    if "demonstration" in fields:
        clean["demonstration"] = bool(fields["demonstration"]) and fields["demonstration"] not in (
            "0",
            "false",
            "off",
        )
    if clean.get("closed_on") and clean.get("opened_on") and clean["closed_on"] < clean["opened_on"]:
        raise field_error("closed_on", _("A home cannot close before it opened."), clean["closed_on"])
    return clean


@transaction.atomic
def home_create(
    *,
    actor: Any,
    opened_on: Any,
    institution_id: Any = None,
    name: Any = "",
    code: Any = "",
    region_code: Any = "",
    functions: Any = None,
    **fields: Any,
) -> Home:
    """A home: an existing institution of kind "home" (``institution_id``) or a new one (``name``,
    ``code``, ``region_code`` — registered through the institutions' action), with its profile."""
    if institution_id not in (None, ""):
        inst = institution_for(actor, institution_id, act=MANAGE, kinds=(InstitutionKind.HOME,))
    else:
        authorize(actor, MANAGE, str(region_code or ""))
        inst = institution_create(
            actor=actor,
            code=code,
            name=name,
            kind=InstitutionKind.HOME,
            region_code=region_code,
            capacity=fields.get("capacity", 0),
        )
    if Home.objects.filter(institution=inst).exists():
        raise Conflict(
            _("%(name)s already has a home profile.") % {"name": inst.name}, field="institution_id"
        )
    clean = _home_fields({"opened_on": opened_on, **fields})
    home = Home.objects.create(
        institution=inst, region_code=inst.region_code, created_by=user_or_none(actor), **clean
    )
    home.functions.set(_functions(functions))
    sources_changed(SOURCE, year=home.opened_on.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.HOME_CREATED,
        obj=home,
        region_code=home.region_code,
        new={**{k: str(v) for k, v in clean.items()}, "functions": [f.code for f in home.functions.all()]},
    )
    return home


@transaction.atomic
def home_update(*, actor: Any, home_id: Any, functions: Any = None, **fields: Any) -> Home:
    home = lock_for(actor, Home, home_id, act=MANAGE)
    clean = _home_fields(fields)
    old = {k: str(getattr(home, k)) for k in clean}
    for k, v in clean.items():
        setattr(home, k, v)
    if home.closed_on and home.closed_on < home.opened_on:
        raise field_error("closed_on", _("A home cannot close before it opened."), home.closed_on)
    home.save()
    if functions is not None:
        home.functions.set(_functions(functions))
    sources_changed(SOURCE)
    audit_record(
        actor=actor,
        event=CommunityEvent.HOME_UPDATED,
        obj=home,
        region_code=home.region_code,
        old=old,
        new={k: str(v) for k, v in clean.items()},
    )
    return home


@transaction.atomic
def member_enrol(
    *, actor: Any, home_id: Any, person_id: Any, starts_on: Any, functions: Any = None, row: int | None = None
) -> HomeMember:
    """Enrol a registered person at a home from ``starts_on``, if the member rule list in force says
    they are eligible (intellectual, mental, severely physical …); one open membership per person."""
    home = lock_for(actor, Home, home_id, act=RECORD, related=("institution",))
    person = person_for(actor, person_id)
    starts_on = as_date(starts_on, "starts_on", row=row)
    if starts_on < home.opened_on:
        raise field_error(
            "starts_on", _("The home opened on %(day)s.") % {"day": home.opened_on}, starts_on, row=row
        )
    eligibility.require(Purpose.MEMBER, person, starts_on)
    open_membership = (
        HomeMember.objects.filter(person=person, ends_on__isnull=True)
        .select_related("home__institution")
        .first()
    )
    if open_membership is not None:
        raise Conflict(
            _("%(name)s is already a member of %(home)s.")
            % {"name": person.name, "home": open_membership.home.institution.name},
            field="person_id",
        )
    try:
        with transaction.atomic():
            member = HomeMember.objects.create(
                home=home,
                institution=home.institution,
                person=person,
                region_code=home.region_code,
                starts_on=starts_on,
                created_by=user_or_none(actor),
            )
    except IntegrityError as exc:
        raise Conflict(
            _("%(name)s is already a member of a home.") % {"name": person.name}, field="person_id"
        ) from exc
    member.functions.set(_functions(functions) if functions else [f for f in home.functions.all() if f.basic])
    sources_changed(SOURCE, year=starts_on.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.MEMBER_ENROLLED,
        obj=member,
        region_code=home.region_code,
        new={"home": home.pk, "person": person.pk, "starts_on": str(starts_on)},
    )
    return member


@transaction.atomic
def member_end(*, actor: Any, member_id: Any, ends_on: Any, reason: Any = EndReason.LEFT) -> HomeMember:
    member = lock_for(actor, HomeMember, member_id, act=RECORD)
    if member.ends_on is not None:
        raise InvalidState(_("This membership has already ended."), code="member_ended")
    ends_on = as_date(ends_on, "ends_on")
    reason = as_choice(reason, "reason", EndReason.choices)
    if ends_on < member.starts_on:
        raise field_error(
            "ends_on", _("The membership started on %(day)s.") % {"day": member.starts_on}, ends_on
        )
    later = member.attendance.filter(on__gt=ends_on).count()
    if later:
        raise field_error(
            "ends_on",
            _("%(n)s attendance days lie after this date; remove them first.") % {"n": later},
            ends_on,
        )
    member.ends_on, member.end_reason = ends_on, reason
    member.save(update_fields=["ends_on", "end_reason"])
    sources_changed(SOURCE, year=ends_on.year)
    audit_record(
        actor=actor,
        event=CommunityEvent.MEMBER_ENDED,
        obj=member,
        region_code=member.region_code,
        new={"ends_on": str(ends_on), "reason": reason},
    )
    return member


# --- attendance ------------------------------------------------------------------------------------


def attendance_problem(member: HomeMember, day: dt.date) -> str:
    """Why ``member`` cannot be signed in on ``day`` ("" when they can)."""
    if day > timezone.localdate():
        return _("The day is in the future.")
    if not member.active_on(day):
        return _("Not a member on this day (member %(start)s to %(end)s).") % {
            "start": member.starts_on,
            "end": member.ends_on or "…",
        }
    return ""


_TEMP = "tmp_community_attendance"


def attendance_insert(*, actor: Any, pairs: list[tuple[int, dt.date]], source: str) -> int:
    """Insert (member, day) pairs already validated, skipping days already recorded: one INSERT …
    SELECT from a temporary table. Returns the rows added. Runs inside the caller's transaction."""
    unique = sorted(set(pairs))
    if not unique:
        return 0
    table = HomeAttendance._meta.db_table
    member_table = HomeMember._meta.db_table
    q = connection.ops.quote_name
    load_temp_table(_TEMP, [("member_id", "bigint"), ("day", "date")], unique)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} (member_id, institution_id, region_code, {q("on")}, source, recorded_by_id, recorded_at)
                    SELECT t.member_id, m.institution_id, m.region_code, t.day, %s, %s, %s
                    FROM {_TEMP} t JOIN {member_table} m ON m.id = t.member_id
                    WHERE NOT EXISTS (SELECT 1 FROM {table} a WHERE a.member_id = t.member_id AND a.{q("on")} = t.day)""",
                [source, getattr(user_or_none(actor), "pk", None), timezone.now()],
            )
            added = max(cursor.rowcount, 0)
    finally:
        drop_temp_table(_TEMP)
    if added:
        first = min(d for _m, d in unique)
        sources_changed(SOURCE, year=first.year, month=first.month)
    return added


@transaction.atomic
def attendance_toggle(*, actor: Any, member_id: Any, day: Any) -> bool:
    """Sign a member in on ``day``, or out when already signed in; returns whether signed in now."""
    member = lock_for(actor, HomeMember, member_id, act=RECORD)
    day = as_date(day, "on")
    existing = member.attendance.filter(on=day).first()
    if existing is not None:
        existing.delete()
        sources_changed(SOURCE, year=day.year, month=day.month)
        audit_record(
            actor=actor,
            event=CommunityEvent.ATTENDANCE_REMOVED,
            obj=member,
            region_code=member.region_code,
            old={"on": str(day)},
        )
        return False
    problem = attendance_problem(member, day)
    if problem:
        raise field_error("on", problem, day)
    attendance_insert(actor=actor, pairs=[(member.pk, day)], source=AttendanceSource.PAGE)
    audit_record(
        actor=actor,
        event=CommunityEvent.ATTENDANCE_RECORDED,
        obj=member,
        region_code=member.region_code,
        new={"on": str(day)},
    )
    return True


@transaction.atomic
def attendance_remove(*, actor: Any, member_id: Any, day: Any) -> None:
    member = lock_for(actor, HomeMember, member_id, act=RECORD)
    day = as_date(day, "on")
    deleted, _rows = member.attendance.filter(on=day).delete()
    if not deleted:
        raise NotFound(_("No sign-in on this day."))
    sources_changed(SOURCE, year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=CommunityEvent.ATTENDANCE_REMOVED,
        obj=member,
        region_code=member.region_code,
        old={"on": str(day)},
    )


@transaction.atomic
def attendance_bulk(*, actor: Any, home_id: Any, day: Any) -> int:
    """Sign in every member of the home on ``day`` (those who were members that day)."""
    home = lock_for(actor, Home, home_id, act=RECORD)
    day = as_date(day, "on")
    if day > timezone.localdate():
        raise field_error("on", _("The day is in the future."), day)
    members = HomeMember.objects.filter(home=home, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    added = attendance_insert(
        actor=actor,
        pairs=[(pk, day) for pk in members.values_list("pk", flat=True)],
        source=AttendanceSource.PAGE,
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.ATTENDANCE_RECORDED,
        obj=home,
        region_code=home.region_code,
        new={"on": str(day), "added": added},
    )
    return added


@transaction.atomic
def service_record(
    *,
    actor: Any,
    home_id: Any,
    function: Any,
    on: Any,
    title: Any,
    quantity: Any = 1,
    participants: Any = 0,
    member_id: Any = None,
) -> ServiceRecord:
    """A service delivered by the home under one of its functions (sessions, hours, an activity)."""
    home = lock_for(actor, Home, home_id, act=RECORD, related=("institution",))
    code = as_text(function, "function", max_length=30, required=True)
    fn = home.functions.filter(code=code).first()
    if fn is None:
        raise field_error("function", _("The home does not offer this function."), code)
    day = as_date(on, "on")
    if day > timezone.localdate():
        raise field_error("on", _("The day is in the future."), day)
    amount = (
        as_amount(quantity, "quantity", minimum=Decimal("0.1")) if quantity not in (None, "") else Decimal(1)
    )
    member = None
    if member_id not in (None, ""):
        member = HomeMember.objects.filter(home=home, pk=as_int(member_id, "member_id")).first()
        if member is None:
            raise field_error("member_id", _("Not a member of this home."), member_id)
    record = ServiceRecord.objects.create(
        home=home,
        institution=home.institution,
        region_code=home.region_code,
        function=fn,
        on=day,
        title=as_text(title, "title", max_length=100, required=True),
        quantity=amount,
        participants=as_int(participants, "participants", low=0, high=100000, default=0),
        member=member,
        created_by=user_or_none(actor),
    )
    sources_changed(SOURCE, year=day.year, month=day.month)
    audit_record(
        actor=actor,
        event=CommunityEvent.SERVICE_RECORDED,
        obj=record,
        region_code=home.region_code,
        new={
            "function": fn.code,
            "on": str(day),
            "quantity": str(amount),
            "participants": record.participants,
        },
    )
    return record


__all__ = [
    "VIEW",
    "attendance_bulk",
    "attendance_insert",
    "attendance_problem",
    "attendance_remove",
    "attendance_toggle",
    "home_create",
    "home_update",
    "member_end",
    "member_enrol",
    "service_record",
]
