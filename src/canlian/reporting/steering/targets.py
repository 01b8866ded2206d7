"""Writes of the steering layer: yearly targets (one, or a plan's sheet all or nothing) and bulletin
schemes, each audited in its transaction.

Who: ``steering.targets`` over the region (``authorize``): a region sets its own targets and those of
its sub-regions, never a sibling's or its parent's; the indicator's own permission is needed too (the
same rule that shows the indicator at all).

Values: a count is a whole number, an amount is yuan (cents exact), a rate is entered as a
percentage (98, "98%" or "98.5%") and stored as a fraction (0.98, 0.985): ``target_value``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.permissions import Perm
from canlian.core.regions.actions import normalize_code
from canlian.core.regions.models import Region
from canlian.platform.access import authorize, is_system, lock_for, may, require, user_or_none
from canlian.platform.bulk import drop_temp_table, load_temp_table
from canlian.platform.errors import PermissionDenied, RowError, ValidationFailed
from canlian.platform.indicators import Indicator, Unit, all_indicators, get_indicator
from canlian.platform.inputs import as_amount, as_int, as_text, field_error
from canlian.platform.tabular import Table
from canlian.reporting.events import ReportingEvent
from canlian.reporting.models import BulletinScheme, Target

FOUR_PLACES = Decimal("0.0001")
#: Targets are numeric(18, 4): anything at or above this does not fit (and is a typing error anyway).
LIMIT = Decimal(10) ** 13
YEAR_LOW, YEAR_HIGH = 2000, 2100


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def target_value(
    indicator: Indicator, value: Any, *, field: str = "value", row: int | None = None
) -> Decimal:
    """The stored value of a target typed on a form, sent by the API or read from a sheet."""
    if _missing(value):
        raise field_error(field, _("This field is required."), row=row)
    if isinstance(value, float):
        value = repr(value)
    text = re.sub(r"[\s,，]", "", str(value))
    if indicator.is_rate:
        digits = text.removesuffix("%").removesuffix("％")
        try:
            number = Decimal(digits)
        except (InvalidOperation, ValueError) as exc:
            raise field_error(field, _("Enter a percentage, e.g. 98 or 98%."), value, row=row) from exc
        if not number.is_finite() or number < 0 or number > 100:
            raise field_error(field, _("Enter a percentage from 0 to 100."), value, row=row)
        fraction = number / 100
        if fraction != fraction.quantize(FOUR_PLACES):
            raise field_error(field, _("Enter a percentage with at most two decimals."), value, row=row)
        return fraction.quantize(FOUR_PLACES)
    if indicator.unit == Unit.AMOUNT:
        amount = as_amount(text, field, row=row)
        assert amount is not None
        if amount >= LIMIT:
            raise field_error(field, _("The number is too large."), value, row=row)
        return amount
    number_int = as_int(text, field, low=0, row=row)
    assert number_int is not None
    if number_int >= LIMIT:
        raise field_error(field, _("The number is too large."), value, row=row)
    return Decimal(number_int)


def targets_by_region(indicator_code: str, year: int, region_codes: list[str]) -> dict[str, Decimal]:
    """The targets of one indicator and year for the given regions: the reader a domain's report uses
    (``platform.indicators.targets_of``)."""
    return dict(
        Target.objects.filter(indicator=indicator_code, year=year, region_code__in=region_codes).values_list(
            "region_code", "value"
        )
    )


def display_value(indicator: Indicator, value: Decimal | None) -> str:
    """A target as a person types it back: 98% for a rate, 36,000 for a count, 1,234.50 for yuan."""
    if value is None:
        return ""
    if indicator.is_rate:
        percent = (value * 100).normalize()
        return f"{percent:f}%"
    if indicator.unit == Unit.AMOUNT:
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _indicator(code: Any, *, field: str = "indicator", row: int | None = None) -> Indicator:
    try:
        return get_indicator(str(code or "").strip())
    except LookupError:
        raise field_error(field, _("Unknown indicator."), code, row=row) from None


def _region_code(value: Any) -> str:
    code = as_text(value, "region_code", max_length=12)
    if code and not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("No such region."), code)
    return code


def _audit_values(target: Target | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {"value": str(target.value), "note": target.note}


@transaction.atomic
def target_set(
    *, actor: Any, indicator: Any, region_code: Any, year: Any, value: Any, note: Any = ""
) -> Target:
    """Set (create or change) the yearly target of one indicator for one region."""
    chosen = _indicator(indicator)
    code = _region_code(region_code)
    authorize(actor, Perm.STEERING_TARGETS, code)
    require(actor, chosen.permission)
    year_ = as_int(year, "year", low=YEAR_LOW, high=YEAR_HIGH)
    assert year_ is not None
    stored = target_value(chosen, value)
    note_ = as_text(note, "note", max_length=200)
    target = (
        Target.objects.select_for_update().filter(indicator=chosen.code, region_code=code, year=year_).first()
    )
    before = _audit_values(target)
    if target is not None and target.value == stored and target.note == note_:
        return target
    if target is None:
        target = Target(indicator=chosen.code, region_code=code, year=year_)
    target.value = stored
    target.note = note_
    target.set_by = user_or_none(actor)
    target.set_at = timezone.now()
    target.save()
    audit_record(
        actor=actor,
        event=ReportingEvent.TARGET_SET,
        obj=target,
        old=before,
        new={"indicator": chosen.code, "year": year_, **(_audit_values(target) or {})},
    )
    return target


@transaction.atomic
def target_remove(*, actor: Any, target_id: Any) -> None:
    """Remove one target (out of scope: not found; in view but without steering.targets: refused)."""
    target = lock_for(actor, Target, target_id, view=Perm.STEERING_VIEW, act=Perm.STEERING_TARGETS)
    try:
        require(actor, get_indicator(target.indicator).permission)
    except LookupError:
        pass  # an indicator no longer declared: its stale targets may go
    audit_record(
        actor=actor,
        event=ReportingEvent.TARGET_REMOVED,
        obj=target,
        old={"indicator": target.indicator, "year": target.year, **(_audit_values(target) or {})},
    )
    target.delete()


# --- the plan's sheet ----------------------------------------------------------------------------

REGION_CODE_COLUMNS = ("地区代码", "区划代码", "行政区划代码", "代码", "region_code", "code")
REGION_NAME_COLUMNS = ("地区", "地区名称", "区划名称", "单位", "region", "region_name")
INDICATOR_CODE_COLUMNS = ("指标代码", "indicator", "indicator_code")
INDICATOR_NAME_COLUMNS = ("指标", "指标名称", "项目", "indicator_name")
TARGET_COLUMNS = ("目标", "目标值", "年度目标", "目标任务", "target", "value")
NOTE_COLUMNS = ("备注", "note")

#: The header of the downloadable template, in the order the import reads it.
TEMPLATE_HEADER = ("地区代码", "地区名称", "指标代码", "指标名称", "目标", "备注")


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def indicator_names(indicators: list[Indicator]) -> dict[str, Indicator]:
    """Each indicator by its code and by its name in Chinese and in English (a sheet may use any)."""
    found: dict[str, Indicator] = {}
    for indicator in indicators:
        found[indicator.code] = indicator
        for language in ("zh-hans", "en"):
            with translation.override(language):
                found.setdefault(str(indicator.name).strip(), indicator)
    return found


def _code_candidates(raw: str) -> list[str]:
    """A region code as a sheet may write it: the tree code, a 12-digit statistical code or a 6-digit
    GB/T 2260 code (370500 for the city 3705, 370000 for the province 37)."""
    code = normalize_code(raw)
    out = [code]
    if len(code) == 6 and code.endswith("0000"):
        out.append(code[:2])
    elif len(code) == 6 and code.endswith("00"):
        out.append(code[:4])
    return out


@dataclass
class ImportResult:
    year: int
    rows: int
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {
            "year": self.year,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass
class _Row:
    row: int
    region: str
    indicator: Indicator
    value: Decimal
    note: str


def _regions_of(
    actor: Any, rows: list[tuple[int, dict[str, str]]], code_col: str | None, name_col: str | None
) -> tuple[set[str], dict[str, list[str]]]:
    """The regions the sheet names, in two queries: by code and by name (names only within the
    actor's scope, where they must be unique)."""
    codes: set[str] = set()
    names: set[str] = set()
    for _row, data in rows:
        if code_col and (data.get(code_col) or "").strip():
            codes.update(_code_candidates(data[code_col]))
        elif name_col and (data.get(name_col) or "").strip():
            names.add(data[name_col].strip())
    by_code = set(Region.objects.filter(code__in=codes).values_list("code", flat=True)) if codes else set()
    by_name: dict[str, list[str]] = {}
    if names:
        scoped = (
            Region.objects.all()
            if is_system(actor)
            else Region.objects.for_user(actor, Perm.STEERING_TARGETS)
        )
        for code, name in scoped.active().filter(name__in=names).values_list("code", "name"):
            by_name.setdefault(name, []).append(code)
    return by_code, by_name


def _parse_rows(actor: Any, table: Table) -> tuple[list[_Row], list[RowError]]:
    header = table.header
    code_col = _column(header, REGION_CODE_COLUMNS)
    name_col = _column(header, REGION_NAME_COLUMNS)
    ind_code_col = _column(header, INDICATOR_CODE_COLUMNS)
    ind_name_col = _column(header, INDICATOR_NAME_COLUMNS)
    target_col = _column(header, TARGET_COLUMNS)
    note_col = _column(header, NOTE_COLUMNS)
    if (
        (code_col is None and name_col is None)
        or (ind_code_col is None and ind_name_col is None)
        or not target_col
    ):
        raise ValidationFailed(
            _("The sheet needs the columns 地区代码 or 地区名称, 指标代码 or 指标名称, and 目标."),
            code="missing_columns",
        )
    rows = [(n, d) for n, d in table.dicts() if any((v or "").strip() for v in d.values())]
    by_code, by_name = _regions_of(actor, rows, code_col, name_col)
    known = indicator_names(all_indicators())
    errors: list[RowError] = []
    parsed: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}

    def fail(row: int, field: str | None, message: str, value: Any = None) -> None:
        errors.append(
            RowError(row=row, field=field, message=message, value=None if value is None else str(value))
        )

    for row, data in rows:
        # the region
        raw_code = (data.get(code_col) or "").strip() if code_col else ""
        raw_name = (data.get(name_col) or "").strip() if name_col else ""
        region = ""
        if raw_code:
            region = next((c for c in _code_candidates(raw_code) if c in by_code), "")
            if not region:
                fail(row, code_col, _("No such region."), raw_code)
                continue
        elif raw_name:
            matches = by_name.get(raw_name, [])
            if len(matches) != 1:
                message = (
                    _("Several regions in your scope have this name; give the region code.")
                    if matches
                    else _("No region of this name in your scope.")
                )
                fail(row, name_col, message, raw_name)
                continue
            region = matches[0]
        else:
            fail(row, code_col or name_col, _("This field is required."))
            continue
        if not may(actor, Perm.STEERING_TARGETS, region):
            fail(
                row,
                code_col if raw_code else name_col,
                _("This region is outside your scope."),
                raw_code or raw_name,
            )
            continue
        # the indicator
        raw_ind = (data.get(ind_code_col) or "").strip() if ind_code_col else ""
        ind_field = ind_code_col
        if not raw_ind and ind_name_col:
            raw_ind, ind_field = (data.get(ind_name_col) or "").strip(), ind_name_col
        indicator = known.get(raw_ind)
        if indicator is None:
            fail(
                row,
                ind_field,
                _("Unknown indicator.") if raw_ind else _("This field is required."),
                raw_ind or None,
            )
            continue
        if not is_system(actor) and not actor.has_canlian_perm(indicator.permission):
            fail(row, ind_field, _("You may not set targets of this indicator."), raw_ind)
            continue
        # the value and the note
        try:
            value = target_value(indicator, data.get(target_col), field=target_col, row=row)
            note = as_text(
                data.get(note_col) if note_col else "", note_col or "note", max_length=200, row=row
            )
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        key = (region, indicator.code)
        if key in seen:
            fail(
                row,
                ind_field,
                _("The same region and indicator appear twice (row %(row)s).") % {"row": seen[key]},
                raw_ind,
            )
            continue
        seen[key] = row
        parsed.append(_Row(row=row, region=region, indicator=indicator, value=value, note=note))
    return parsed, errors


_TEMP = "steering_targets_import"


@transaction.atomic
def targets_import(*, actor: Any, table: Table, year: Any) -> ImportResult:
    """Import a plan's targets for ``year`` from a sheet (columns: region code or name, indicator
    code or Chinese name, target, optional note). Every row is checked first; if any is bad nothing is
    written and ``ValidationFailed`` lists each bad row with its row number and column. Then one
    INSERT … SELECT … ON CONFLICT writes them all."""
    if not is_system(actor) and not actor.has_canlian_perm(Perm.STEERING_TARGETS):
        raise PermissionDenied()
    year_ = as_int(year, "year", low=YEAR_LOW, high=YEAR_HIGH)
    assert year_ is not None
    parsed, errors = _parse_rows(actor, table)
    if errors:
        raise ValidationFailed(errors=errors)
    if not parsed:
        raise ValidationFailed(_("The sheet has no target rows."), code="empty_file")
    existing = {
        (region, code): (value, note)
        for region, code, value, note in Target.objects.filter(
            year=year_,
            region_code__in={r.region for r in parsed},
            indicator__in={r.indicator.code for r in parsed},
        ).values_list("region_code", "indicator", "value", "note")
    }
    created = updated = unchanged = 0
    changed: dict[str, str] = {}
    for r in parsed:
        before = existing.get((r.region, r.indicator.code))
        if before is None:
            created += 1
        elif before == (r.value, r.note):
            unchanged += 1
        else:
            updated += 1
            changed[f"{r.region}:{r.indicator.code}"] = str(before[0])
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    set_by = getattr(user_or_none(actor), "pk", None)
    load_temp_table(
        _TEMP,
        [
            ("indicator", "VARCHAR(60)"),
            ("region_code", "VARCHAR(12)"),
            ("value", "NUMERIC(18, 4)"),
            ("note", "VARCHAR(200)"),
        ],
        [(r.indicator.code, r.region, r.value, r.note) for r in parsed],
    )
    table_name = Target._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table_name} (indicator, region_code, year, value, note, set_by_id, set_at) "
            f"SELECT indicator, region_code, %s, value, note, %s, %s FROM {_TEMP} WHERE true "
            f"ON CONFLICT (indicator, region_code, year) DO UPDATE SET value = excluded.value, "
            f"note = excluded.note, set_by_id = excluded.set_by_id, set_at = excluded.set_at "
            f"WHERE {table_name}.value <> excluded.value OR {table_name}.note <> excluded.note",
            [year_, set_by, now],
        )
    drop_temp_table(_TEMP)
    result = ImportResult(year=year_, rows=len(parsed), created=created, updated=updated, unchanged=unchanged)
    audit_record(
        actor=actor,
        event=ReportingEvent.TARGETS_IMPORTED,
        object_type="reporting.target",
        object_repr=_("Targets of %(year)s") % {"year": year_},
        region_code=min((r.region for r in parsed), key=lambda c: (len(c), c)),
        old={"values": changed} if changed else None,
        new=result.as_dict(),
    )
    return result


# --- bulletin schemes ----------------------------------------------------------------------------

MAX_WEIGHT = Decimal(100)


def _scheme_items(actor: Any, items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list | tuple) or not items:
        raise field_error("items", _("Choose at least one indicator with a weight."))
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise field_error("items", _("Each item needs an indicator and a weight."), row=position)
        indicator = _indicator(item.get("indicator"), field="items", row=position)
        require(actor, indicator.permission)
        if indicator.code in seen:
            raise field_error("items", _("An indicator appears twice."), indicator.code, row=position)
        seen.add(indicator.code)
        raw = item.get("weight")
        try:
            weight = Decimal(repr(raw) if isinstance(raw, float) else str(raw).strip())
        except (InvalidOperation, ValueError):
            raise field_error("items", _("Enter a weight from 0.01 to 100."), raw, row=position) from None
        if (
            not weight.is_finite()
            or weight <= 0
            or weight > MAX_WEIGHT
            or weight != weight.quantize(Decimal("0.01"))
        ):
            raise field_error("items", _("Enter a weight from 0.01 to 100."), raw, row=position)
        out.append({"indicator": indicator.code, "weight": str(weight.quantize(Decimal("0.01")).normalize())})
    return out


@transaction.atomic
def scheme_save(*, actor: Any, region_code: Any, items: Any, name: Any = "") -> BulletinScheme:
    """Create or replace the bulletin scheme ``name`` of a region: which indicators rank its
    sub-regions and with what weights (``items`` = [{"indicator": code, "weight": number}])."""
    code = _region_code(region_code)
    authorize(actor, Perm.STEERING_TARGETS, code)
    name_ = as_text(name, "name", max_length=80) or str(_("Bulletin scheme"))
    cleaned = _scheme_items(actor, items)
    scheme = BulletinScheme.objects.select_for_update().filter(region_code=code, name=name_).first()
    before = None if scheme is None else {"items": scheme.items}
    if scheme is not None and scheme.items == cleaned:
        return scheme
    if scheme is None:
        scheme = BulletinScheme(region_code=code, name=name_, created_by=user_or_none(actor))
    scheme.items = cleaned
    scheme.updated_at = timezone.now()
    scheme.save()
    audit_record(
        actor=actor,
        event=ReportingEvent.BULLETIN_SCHEME_SAVED,
        obj=scheme,
        old=before,
        new={"items": cleaned},
    )
    return scheme
