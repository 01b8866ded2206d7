"""Writes to the calendar: load from the package, import a file, set or remove one day; record and
recompute provisional deadlines.

Changing the calendar needs ``calendar.manage`` (``actor=None`` is the operator at the command line).
Each change is one transaction with its audit row; after a load or an import, the provisional deadlines
whose missing years are now known are recomputed in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.audit.events import EventType
from canlian.core.calendar import days as calendar_days
from canlian.core.calendar.choices import CalendarSource, DayKind, DeadlineStatus
from canlian.core.calendar.importing import (
    NAME_MAX,
    ScheduleRows,
    check_day,
    parse_date,
    parse_kind,
    parse_schedule,
)
from canlian.core.calendar.models import CalendarDay, CalendarYear, ProvisionalDeadline
from canlian.core.calendar.package import package_years
from canlian.core.permissions import Perm
from canlian.platform.access import user_or_none
from canlian.platform.errors import InvalidState, PermissionDenied, RowError, ValidationFailed


def _check(actor: Any) -> None:
    if actor is not None and not actor.has_canlian_perm(Perm.CALENDAR_MANAGE):
        raise PermissionDenied()


def _fail(field_name: str, message: str, value: Any = None) -> ValidationFailed:
    return ValidationFailed(
        message,
        field=field_name,
        errors=[
            RowError(row=None, field=field_name, message=message, value=None if value is None else str(value))
        ],
    )


def _counts(rows: Iterable[tuple[dt.date, str, str]]) -> dict[str, int]:
    kinds = [kind for _day, kind, _name in rows]
    return {"holidays": kinds.count(DayKind.HOLIDAY), "workdays": kinds.count(DayKind.WORKDAY)}


def _existing_days(years: Iterable[int]) -> dict[int, list[tuple[dt.date, str, str]]]:
    found: dict[int, list[tuple[dt.date, str, str]]] = defaultdict(list)
    for year, day, kind, name in (
        CalendarDay.objects.filter(year_id__in=list(years))
        .order_by("date")
        .values_list("year_id", "date", "kind", "name")
    ):
        found[year].append((day, kind, name))
    return found


def _replace_years(rows: ScheduleRows, *, source: str, actor: Any) -> None:
    """Replace the listed days of each year in ``rows`` wholly (set-based: one DELETE, one INSERT),
    creating or updating the years' rows."""
    now = timezone.now()
    years = sorted(rows)
    CalendarDay.objects.filter(year_id__in=years).delete()
    existing = set(CalendarYear.objects.filter(year__in=years).values_list("year", flat=True))
    CalendarYear.objects.filter(year__in=existing).update(
        source=source, loaded_at=now, loaded_by=user_or_none(actor), updated_at=now
    )
    CalendarYear.objects.bulk_create(
        [
            CalendarYear(year=y, source=source, loaded_at=now, loaded_by=user_or_none(actor), updated_at=now)
            for y in years
            if y not in existing
        ]
    )
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=day, year_id=year, kind=kind, name=name[:NAME_MAX])
            for year in years
            for day, kind, name in rows[year]
        ]
    )
    calendar_days.forget()


# --- loading from the package ----------------------------------------------------------------------


@dataclass
class LoadResult:
    """What ``calendar_load_package`` did, by year."""

    loaded: list[int] = field(default_factory=list)  # new years
    changed: list[int] = field(default_factory=list)  # years whose days differed, replaced
    unchanged: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)  # imported or edited here and different: not replaced
    recomputed: int = 0


@transaction.atomic
def calendar_load_package(*, actor: Any, replace: bool = False) -> LoadResult:
    """Load every year the installed chinese-calendar package knows. A year already in the table with
    the same days is left alone (a re-run writes nothing); one loaded from the package before and
    different now is replaced; one imported or edited here is kept unless ``replace``."""
    _check(actor)
    package = package_years()
    current = {y.year: y for y in CalendarYear.objects.select_for_update().filter(year__in=list(package))}
    existing = _existing_days(current)
    result = LoadResult()
    write: ScheduleRows = {}
    for year, rows in package.items():
        if year not in current:
            result.loaded.append(year)
            write[year] = rows
        elif existing.get(year, []) == rows:
            result.unchanged.append(year)
        elif current[year].source != CalendarSource.PACKAGE and not replace:
            result.kept.append(year)
        else:
            result.changed.append(year)
            write[year] = rows
    if write:
        _replace_years(write, source=CalendarSource.PACKAGE, actor=actor)
        audit_record(
            actor=actor,
            event=EventType.CALENDAR_LOADED,
            object_type=CalendarYear._meta.label_lower,
            object_repr=f"{min(write)}–{max(write)}",
            region_code="",
            old={str(y): _counts(existing.get(y, [])) for y in result.changed},
            new={"loaded": result.loaded, "changed": result.changed, "kept": result.kept},
        )
        result.recomputed = deadlines_recompute(actor=actor)
    return result


# --- importing a file ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    years: list[int]
    holidays: int
    workdays: int
    recomputed: int


@transaction.atomic
def calendar_import(
    *, actor: Any, path: str | Path, name: str | None = None, year: int | None = None
) -> ImportResult:
    """Import a holiday schedule (.xlsx/.xls/.csv with the columns date, kind, name). All or nothing:
    any bad row and ValidationFailed names every one and nothing is written. Each year in the file
    (or ``year`` only, when given: then every date must be in it) is replaced wholly; then the
    provisional deadlines waiting for it are recomputed."""
    _check(actor)
    rows = parse_schedule(path, name=name, year=year)
    list(CalendarYear.objects.select_for_update().filter(year__in=list(rows)))
    before = _existing_days(rows)
    _replace_years(rows, source=CalendarSource.IMPORT, actor=actor)
    counts = _counts(r for year_rows in rows.values() for r in year_rows)
    audit_record(
        actor=actor,
        event=EventType.CALENDAR_IMPORTED,
        object_type=CalendarYear._meta.label_lower,
        object_id=min(rows) if len(rows) == 1 else None,
        object_repr=", ".join(str(y) for y in rows),
        region_code="",
        old={str(y): _counts(before.get(y, [])) for y in rows if y in before},
        new={
            "file": Path(name or str(path)).name,
            "years": {str(y): _counts(year_rows) for y, year_rows in rows.items()},
        },
    )
    recomputed = deadlines_recompute(actor=actor)
    return ImportResult(years=list(rows), recomputed=recomputed, **counts)


# --- one day ---------------------------------------------------------------------------------------


def _day_arg(value: Any) -> dt.date:
    try:
        return parse_date(value)
    except (TypeError, ValueError) as exc:
        raise _fail("date", _("Not a date (use YYYY-MM-DD)."), value) from exc


def _locked_year(day: dt.date) -> CalendarYear:
    year = CalendarYear.objects.select_for_update().filter(year=day.year).first()
    if year is None:
        raise InvalidState(
            _("The calendar of %(year)s is not loaded: import its schedule first.") % {"year": day.year},
            code="calendar_year_unknown",
            field="date",
        )
    return year


def _touch(year: CalendarYear) -> None:
    year.source = CalendarSource.MANUAL
    year.updated_at = timezone.now()
    year.save(update_fields=["source", "updated_at"])
    calendar_days.forget()


@transaction.atomic
def calendar_day_set(*, actor: Any, date: Any, kind: Any, name: str = "") -> CalendarDay:
    """List one day of a known year as a holiday or a make-up working day (or change its kind or
    name). The year counts as edited by hand from then on (``canlian load-calendar`` keeps it)."""
    _check(actor)
    day = _day_arg(date)
    try:
        kind = parse_kind(kind)
    except ValueError as exc:
        raise _fail("kind", _("Unknown kind: use 休 or 班 (holiday or workday)."), kind) from exc
    name = (name or "").strip()
    if len(name) > NAME_MAX:
        raise _fail("name", _("The name is longer than %(max)s characters.") % {"max": NAME_MAX}, name)
    problem = check_day(day, kind)
    if problem:
        raise _fail("kind", problem, kind)
    year = _locked_year(day)
    listed = CalendarDay.objects.filter(date=day).first()
    if listed is not None and (listed.kind, listed.name) == (kind, name):
        return listed
    old = {"kind": listed.kind, "name": listed.name} if listed else None
    if listed is None:
        listed = CalendarDay.objects.create(date=day, year=year, kind=kind, name=name)
    else:
        listed.kind, listed.name = kind, name
        listed.save(update_fields=["kind", "name"])
    _touch(year)
    audit_record(
        actor=actor,
        event=EventType.CALENDAR_DAY_SET,
        obj=listed,
        region_code="",
        old=old,
        new={"date": day, "kind": kind, "name": name},
    )
    return listed


@transaction.atomic
def calendar_day_remove(*, actor: Any, date: Any) -> None:
    """Remove a listed day: it becomes an ordinary day again (Monday–Friday working, weekend off)."""
    _check(actor)
    day = _day_arg(date)
    year = _locked_year(day)
    listed = CalendarDay.objects.filter(date=day).first()
    if listed is None:
        raise _fail("date", _("%(date)s is not a listed day.") % {"date": day.isoformat()}, day)
    old = {"date": day, "kind": listed.kind, "name": listed.name}
    audit_record(
        actor=actor,
        event=EventType.CALENDAR_DAY_REMOVED,
        obj=listed,
        region_code="",
        old=old,
    )
    listed.delete()
    _touch(year)


# --- provisional deadlines -------------------------------------------------------------------------


def deadline_record(
    obj: Any, field_name: str, *, start: dt.date, days: int, not_before: dt.date | None = None
) -> bool:
    """Call right after saving a deadline ``obj.<field_name>`` counted as ``days`` working days from
    ``start`` (and not earlier than ``not_before``): when the count passed through a year the calendar
    does not know, it is recorded as provisional (True) and recomputed when the year is loaded. An open
    record of an earlier value of the same field is closed (superseded) either way."""
    return bool(deadlines_record([(obj, start, days, not_before)], field_name=field_name))


def deadlines_record(items: Iterable[tuple[Any, dt.date, int, dt.date | None]], *, field_name: str) -> int:
    """``deadline_record`` for many objects of one model at once (saved, with their pk): items are
    ``(obj, start, days, not_before)``. Returns how many were provisional."""
    cal = calendar_days.calendar()
    items = [item for item in items if item[0].pk is not None and getattr(item[0], field_name) is not None]
    if not items:
        return 0
    model = type(items[0][0])
    label = model._meta.label_lower
    now = timezone.now()
    ProvisionalDeadline.objects.open().filter(
        target_type=label, field=field_name, target_id__in=[obj.pk for obj, *_rest in items]
    ).update(status=DeadlineStatus.SUPERSEDED, resolved_at=now)
    rows = []
    for obj, start, days, not_before in items:
        _due, missing = cal.count(start, int(days))
        if not missing:
            continue
        rows.append(
            ProvisionalDeadline(
                target_type=label,
                target_id=obj.pk,
                field=field_name,
                object_repr=str(obj)[:200],
                region_code=str(getattr(obj, getattr(obj, "scope_field", "region_code"), "") or "")[:12],
                start=start,
                days=int(days),
                not_before=not_before,
                computed_on=getattr(obj, field_name),
                missing_years=list(missing),
                created_at=now,
            )
        )
    ProvisionalDeadline.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def deadlines_recompute(*, actor: Any = None) -> int:
    """Recompute the open provisional deadlines whose missing years are all known now: the new date is
    written to the object's field with one UPDATE per (model, field, old date, new date), if the field
    still holds the provisional date, each change audited (old and new date); the record is closed
    (recomputed, or superseded when the field was set again since). A count that now reaches into
    another unknown year stays open with its new date. Returns how many records were settled."""
    cal = calendar_days.calendar()
    ready = [
        row
        for row in ProvisionalDeadline.objects.open().select_for_update().order_by("pk")
        if all(cal.knows(int(y)) for y in row.missing_years)
    ]
    if not ready:
        return 0
    now = timezone.now()
    groups: dict[tuple[str, str], list[ProvisionalDeadline]] = defaultdict(list)
    for row in ready:
        groups[(row.target_type, row.field)].append(row)
    for (label, field_name), rows in groups.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            model = None
        current = (
            dict(model._base_manager.filter(pk__in=[r.target_id for r in rows]).values_list("pk", field_name))
            if model is not None
            else {}
        )
        moves: dict[tuple[dt.date, dt.date], list[int]] = defaultdict(list)
        for row in rows:
            new, missing = cal.count(row.start, row.days)
            if row.not_before is not None:
                new = max(new, row.not_before)
            if current.get(row.target_id) != row.computed_on:
                row.status, row.resolved_at = DeadlineStatus.SUPERSEDED, now
                continue
            if new != row.computed_on:
                moves[(row.computed_on, new)].append(row.target_id)
                audit_record(
                    actor=actor,
                    event=EventType.DEADLINE_RECOMPUTED,
                    object_type=label,
                    object_id=row.target_id,
                    object_repr=row.object_repr,
                    region_code=row.region_code,
                    old={field_name: row.computed_on, "years_missing": row.missing_years},
                    new={field_name: new, "years_missing": list(missing)},
                )
            if missing:
                row.computed_on, row.missing_years = new, list(missing)
            else:
                row.status, row.final_on, row.resolved_at = DeadlineStatus.RECOMPUTED, new, now
        if moves:
            assert model is not None  # a move needs the row's current value, read through the model
            for (old, new), pks in moves.items():
                model._base_manager.filter(pk__in=pks, **{field_name: old}).update(**{field_name: new})
    ProvisionalDeadline.objects.bulk_update(
        ready, ["status", "final_on", "resolved_at", "computed_on", "missing_years"]
    )
    return len(ready)
