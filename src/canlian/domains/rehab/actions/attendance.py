"""Writes of attendance (the days a child trained): one plan's days from the tablet page, many
child-days of one institution at once (the API, the upload), and taking a day back.

Attendance (``rehab.attendance``) is recorded by the institution's own staff, or by a federation user
whose region holds the child (a page) or the institution (an upload). It counts only inside the plan's
dates and the enrollment's paid window, and a public holiday needs a confirmation
(``attendance_rules``). Audit event codes: rehab.attendance_recorded, rehab.attendance_removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.institutions.models import Institution
from canlian.core.registry.models import Person
from canlian.domains.rehab.actions._common import ATTENDANCE, BATCH_SIZE, VIEW, _locked_plan, _pk
from canlian.domains.rehab.attendance_rules import (
    HOLIDAY_UNCONFIRMED,
    holiday_message,
    holidays_among,
    plan_window_problem,
)
from canlian.domains.rehab.choices import AttendanceSource
from canlian.domains.rehab.events import RehabEvent
from canlian.domains.rehab.models import Attendance, RehabPlan
from canlian.platform.access import authorize, is_system, user_or_none
from canlian.platform.errors import InvalidState, NotFound, RowError, ValidationFailed
from canlian.platform.inputs import as_date, field_error


def _day_error(plan: RehabPlan, day: dt.date, today: dt.date, *, window: bool = True) -> str | None:
    """Why ``day`` cannot be recorded on ``plan``: in the future, outside the plan's dates or (with
    ``window``) outside the enrollment's paid window. The plan's enrollment must be loaded."""
    if day > today:
        return str(_("%(day)s is in the future.") % {"day": day})
    if day < plan.starts_on or day > plan.ends_on:
        return str(
            _("%(day)s is outside the plan (%(start)s to %(end)s).")
            % {"day": day, "start": plan.starts_on, "end": plan.ends_on}
        )
    return plan_window_problem(plan, day) if window else None


def _refuse(errors: list[RowError], unconfirmed: list[RowError]) -> ValidationFailed:
    """Every row refused, in row order; the code ``holiday_unconfirmed`` when unconfirmed public
    holidays are the only problem (the tablet page then asks for the confirmation)."""
    rows = sorted(errors + unconfirmed, key=lambda e: e.row or 0)
    code = HOLIDAY_UNCONFIRMED if not errors else None
    return ValidationFailed(errors=rows, field=rows[0].field, code=code)


@transaction.atomic
def rehab_attendance_record(
    *,
    actor: Any,
    plan_id: Any,
    days: Iterable[Any],
    source: str = AttendanceSource.PAGE,
    confirm_holiday: bool = False,
) -> int:
    """Record the days a child trained under a plan. Idempotent: days already recorded are skipped.
    Days in the future, outside the plan's dates or outside the enrollment's paid window are refused
    (nothing written); a new day on a public holiday needs ``confirm_holiday`` and is stored flagged
    (``on_holiday``). Returns the number of rows added."""
    plan = _locked_plan(plan_id, actor, ATTENDANCE)
    if source not in AttendanceSource.values:
        raise field_error("source", _("Unknown source."), source)
    today = timezone.localdate()
    wanted: dict[dt.date, int] = {}
    errors: list[RowError] = []
    for i, raw in enumerate(days, start=1):
        try:
            day = as_date(raw, "days")
        except ValidationFailed:
            errors.append(RowError(i, "days", str(_("Enter a date as YYYY-MM-DD.")), str(raw)))
            continue
        assert day is not None
        problem = _day_error(plan, day, today)
        if problem:
            errors.append(RowError(i, "days", problem, str(day)))
            continue
        wanted.setdefault(day, i)
    existing = (
        set(Attendance.objects.filter(plan=plan, on__in=list(wanted)).values_list("on", flat=True))
        if wanted
        else set()
    )
    new = sorted(set(wanted) - existing)
    # A new sign-in on a public holiday needs the confirmation (a day already recorded is skipped).
    holidays = holidays_among(new)
    unconfirmed = (
        []
        if confirm_holiday
        else [RowError(wanted[d], "days", holiday_message(d, name), str(d)) for d, name in holidays.items()]
    )
    if errors or unconfirmed:
        raise _refuse(errors, unconfirmed)
    if new:
        user = user_or_none(actor)
        now = timezone.now()
        Attendance.objects.bulk_create(
            [
                Attendance(
                    plan=plan,
                    institution_id=plan.institution_id,
                    region_code=plan.region_code,
                    on=day,
                    source=source,
                    on_holiday=day in holidays,
                    recorded_by=user,
                    recorded_at=now,
                )
                for day in new
            ],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        values: dict[str, Any] = {"days": [str(d) for d in new], "source": source}
        if holidays:
            values["holidays_confirmed"] = [str(d) for d in new if d in holidays]
        audit_record(actor=actor, event="rehab.attendance_recorded", obj=plan, new=values)
    return len(new)


@transaction.atomic
def attendance_remove(*, actor: Any, plan_id: Any, day: Any) -> bool:
    """Take back a sign-in recorded by mistake (the tablet page's toggle). Returns whether a row was
    removed. Days already in a settlement batch cannot be removed."""
    plan = _locked_plan(plan_id, actor, ATTENDANCE)
    on = as_date(day, "on")
    assert on is not None
    problem = _day_error(plan, on, timezone.localdate(), window=False)
    if problem:
        raise field_error("on", problem, on)
    from canlian.domains.rehab.models import SettlementLine

    if SettlementLine.objects.filter(
        plan=plan, batch__period_start__lte=on, batch__period_end__gte=on
    ).exists():
        raise InvalidState(_("%(day)s is already in a settlement batch.") % {"day": on})
    deleted, _rows = Attendance.objects.filter(plan=plan, on=on).delete()
    if deleted:
        audit_record(actor=actor, event=RehabEvent.REHAB_ATTENDANCE_REMOVED, obj=plan, old={"day": str(on)})
    return bool(deleted)


def institution_for_attendance(actor: Any, institution_id: Any) -> Institution:
    """The institution whose attendance the actor records: one it sees (its region, or its own
    institution for its staff) and holds ``rehab.attendance`` over."""
    pk = _pk(institution_id)
    rows = Institution.objects.all() if is_system(actor) else Institution.objects.for_user(actor, VIEW)
    institution = rows.filter(pk=pk).first() if pk is not None else None
    if institution is None:
        raise NotFound()
    authorize(actor, ATTENDANCE, institution.region_code, institution.pk)
    return institution


def _plan_on(plans: list[RehabPlan], day: dt.date) -> RehabPlan:
    """Of a child's plans of a year at one institution (a child may come back after a transfer), the
    one running on ``day``; else the last one started before it (or the first), for the message."""
    for plan in plans:
        if plan.starts_on <= day <= plan.ends_on:
            return plan
    started = [p for p in plans if p.starts_on <= day]
    return started[-1] if started else plans[0]


_PLAN_FIELDS = (
    "id",
    "person_id",
    "year",
    "starts_on",
    "ends_on",
    "region_code",
    "enrollment__applied_on",
    "enrollment__stopped_from",
)


def attendance_validate(
    institution: Institution,
    items: list[tuple[int | None, str, Any, dt.date]],
    *,
    id_field: str,
    date_field: str,
    names: dict[int | None, tuple[str, str]] | None = None,
    confirm_holiday: bool = False,
) -> tuple[list[tuple[int, dt.date]], list[RowError], list[RowError]]:
    """Resolve ``(row, key kind, key, day)`` items (key kind "plan", "person" or "id_number") to
    (plan id, day) pairs at ``institution`` with a handful of set queries. Returns the pairs, the
    errors (a RowError naming its field for each bad row: unknown child or plan, a day in the future,
    outside the plan or outside the enrollment's paid window) and, without ``confirm_holiday``, a
    RowError for each row on a public holiday (those days are left out of the pairs). ``names`` maps
    a row to (column, name given) to check the child's name."""
    errors: list[RowError] = []
    today = timezone.localdate()
    plan_ids = {k for _r, kind, k, _d in items if kind == "plan"}
    person_ids = {k for _r, kind, k, _d in items if kind == "person"}
    id_numbers = {k for _r, kind, k, _d in items if kind == "id_number"}
    years = {d.year for _r, _k, _v, d in items}
    by_number = dict(Person.objects.filter(id_number__in=id_numbers).values_list("id_number", "id"))
    person_ids |= set(by_number.values())
    plans = list(
        RehabPlan.objects.filter(institution=institution)
        .filter(pk__in=plan_ids)
        .select_related("enrollment")
        .only(*_PLAN_FIELDS)
    ) + list(
        RehabPlan.objects.filter(institution=institution, person_id__in=person_ids, year__in=years)
        .exclude(pk__in=plan_ids)
        .select_related("enrollment")
        .only(*_PLAN_FIELDS)
        .order_by("starts_on", "id")
    )
    by_plan = {p.pk: p for p in plans}
    by_person_year: dict[tuple[int, int], list[RehabPlan]] = {}
    for p in sorted(plans, key=lambda p: (p.starts_on, p.pk)):
        by_person_year.setdefault((p.person_id, p.year), []).append(p)
    person_names = dict(Person.objects.filter(pk__in=person_ids).values_list("id", "name")) if names else {}
    pairs: list[tuple[int, dt.date]] = []
    pair_rows: list[int | None] = []
    for row, kind, key, day in items:
        if kind == "plan":
            plan = by_plan.get(key)
            if plan is None:
                errors.append(
                    RowError(row, id_field, str(_("No plan of this institution has this number.")), str(key))
                )
                continue
        else:
            person_id = by_number.get(key) if kind == "id_number" else key
            if person_id is None:
                errors.append(RowError(row, id_field, str(_("Unknown child.")), str(key)))
                continue
            candidates = by_person_year.get((person_id, day.year))
            if not candidates:
                errors.append(
                    RowError(
                        row,
                        id_field,
                        str(_("The child has no plan at this institution in %(year)s.") % {"year": day.year}),
                        str(key),
                    )
                )
                continue
            plan = _plan_on(candidates, day)
            if names and row in names:
                column, given = names[row]
                if given and given != person_names.get(person_id):
                    errors.append(
                        RowError(row, column, str(_("The name does not match the ID number.")), given)
                    )
                    continue
        problem = _day_error(plan, day, today)
        if problem:
            errors.append(RowError(row, date_field, problem, str(day)))
            continue
        pairs.append((plan.pk, day))
        pair_rows.append(row)
    unconfirmed: list[RowError] = []
    if not confirm_holiday:
        holidays = holidays_among({d for _p, d in pairs})
        if holidays:
            # A new sign-in on a public holiday needs the confirmation; a day already recorded is
            # skipped as usual (one query, on the holidays only).
            recorded = set(
                Attendance.objects.filter(
                    plan_id__in={p for p, _d in pairs}, on__in=list(holidays)
                ).values_list("plan_id", "on")
            )
            for (plan_id, day), row in zip(pairs, pair_rows, strict=True):
                if day in holidays and (plan_id, day) not in recorded:
                    unconfirmed.append(
                        RowError(row, date_field, holiday_message(day, holidays[day]), str(day))
                    )
            pairs = [(p, d) for p, d in pairs if d not in holidays or (p, d) in recorded]
    return pairs, errors, unconfirmed


def attendance_insert(
    *,
    actor: Any,
    institution: Institution,
    pairs: list[tuple[int, dt.date]],
    source: str,
    holidays: Iterable[dt.date] | None = None,
) -> int:
    """Insert (plan, day) pairs set-based, skipping days already recorded; returns rows added. The
    caller has validated the pairs (public holidays confirmed) and holds a transaction. The days on
    public holidays (``holidays``; looked up when not given) are stored flagged ``on_holiday``."""
    unique = sorted(set(pairs))
    if not unique:
        return 0
    first = min(d for _p, d in unique)
    last = max(d for _p, d in unique)
    flagged = set(holidays_among({d for _p, d in unique}) if holidays is None else holidays)
    plan_ids = sorted({p for p, _d in unique})
    in_range = Attendance.objects.filter(institution=institution, on__gte=first, on__lte=last)
    before = in_range.count()
    regions = dict(RehabPlan.objects.filter(pk__in=plan_ids).values_list("id", "region_code"))
    user = user_or_none(actor)
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = ops.quote_name(Attendance._meta.db_table)
    columns = ", ".join(
        ops.quote_name(Attendance._meta.get_field(name).column)
        for name in (
            "plan",
            "institution",
            "region_code",
            "on",
            "source",
            "on_holiday",
            "recorded_by",
            "recorded_at",
        )
    )
    conflict = ", ".join(ops.quote_name(Attendance._meta.get_field(name).column) for name in ("plan", "on"))
    # One statement executed over batches of rows; constant table and column names, every value a
    # parameter. ON CONFLICT (PostgreSQL, SQLite ≥ 3.24) skips the days already recorded.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({conflict}) DO NOTHING"
    )
    user_id = user.pk if user is not None else None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: the rows as arrays.
            values = (
                "SELECT p, %s, r, d, %s, h, %s, %s "
                "FROM unnest(%s::integer[], %s::varchar[], %s::date[], %s::boolean[]) AS t(p, r, d, h)"
            )
            sql_pg = f"INSERT INTO {table} ({columns}) {values} ON CONFLICT ({conflict}) DO NOTHING"
            for start in range(0, len(unique), BATCH_SIZE * 10):
                chunk = unique[start : start + BATCH_SIZE * 10]
                cursor.execute(
                    sql_pg,
                    [
                        institution.pk,
                        source,
                        user_id,
                        now,
                        [p for p, _d in chunk],
                        [regions[p] for p, _d in chunk],
                        [d for _p, d in chunk],
                        [d in flagged for _p, d in chunk],
                    ],
                )
            return in_range.count() - before
        for start in range(0, len(unique), BATCH_SIZE):
            cursor.executemany(
                sql,
                [
                    (
                        plan_id,
                        institution.pk,
                        regions[plan_id],
                        ops.adapt_datefield_value(day),
                        source,
                        day in flagged,
                        user_id,
                        now,
                    )
                    for plan_id, day in unique[start : start + BATCH_SIZE]
                ],
            )
    return in_range.count() - before


@transaction.atomic
def attendance_bulk(
    *,
    actor: Any,
    institution_id: Any,
    rows: Iterable[dict[str, Any]],
    source: str = AttendanceSource.API,
    confirm_holiday: bool = False,
) -> int:
    """Record many child-days at one institution at once. Each row is a dict with ``on`` (a date)
    and one of ``plan_id``, ``person_id`` or ``id_number``; optional ``row`` (its number, for
    messages). All or nothing: if any row is bad (see ``attendance_validate``; a public holiday
    without ``confirm_holiday``), ValidationFailed lists every bad row with its field and nothing is
    written. Days already recorded are skipped. Returns the number of rows added."""
    institution = institution_for_attendance(actor, institution_id)
    if source not in AttendanceSource.values:
        raise field_error("source", _("Unknown source."), source)
    items: list[tuple[int | None, str, Any, dt.date]] = []
    errors: list[RowError] = []
    for i, data in enumerate(rows, start=1):
        row = data.get("row", i)
        try:
            day = as_date(data.get("on"), "on")
        except ValidationFailed as exc:
            errors.append(RowError(row, "on", exc.errors[0].message, str(data.get("on"))))
            continue
        assert day is not None
        if data.get("plan_id") not in (None, ""):
            pk = _pk(data["plan_id"])
            if pk is None:
                errors.append(RowError(row, "plan_id", str(_("Enter a whole number.")), str(data["plan_id"])))
                continue
            items.append((row, "plan", pk, day))
        elif data.get("person_id") not in (None, ""):
            pk = _pk(data["person_id"])
            if pk is None:
                errors.append(
                    RowError(row, "person_id", str(_("Enter a whole number.")), str(data["person_id"]))
                )
                continue
            items.append((row, "person", pk, day))
        elif (data.get("id_number") or "").strip():
            items.append((row, "id_number", str(data["id_number"]).strip().upper(), day))
        else:
            errors.append(RowError(row, "plan_id", str(_("Give the plan, the child or the ID number."))))
    pairs, more, unconfirmed = attendance_validate(
        institution, items, id_field="plan_id", date_field="on", confirm_holiday=confirm_holiday
    )
    if errors or more or unconfirmed:
        raise _refuse(errors + more, unconfirmed)
    added = attendance_insert(actor=actor, institution=institution, pairs=pairs, source=source)
    audit_record(
        actor=actor,
        event="rehab.attendance_recorded",
        obj=institution,
        new={"rows": len(pairs), "added": added, "source": source, "holidays_confirmed": confirm_holiday},
    )
    return added
