"""Helpers shared by the employment actions: permissions, parsing of ratios, staff, regions, codes
and years, and the one-year contract rule."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from canlian.domains.employment.uscc import normalize_uscc
from canlian.platform.access import authorize
from canlian.platform.inputs import as_int, as_text, field_error

VIEW = "employment.view"
MANAGE = "employment.manage"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _ratio(value: Any, name: str, *, required: bool = True, row: int | None = None) -> Decimal | None:
    """A ratio as a fraction (0.015) or a percentage text ("1.5%")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise field_error(name, _("This field is required."), row=row)
        return None
    text = str(value).strip()
    try:
        number = Decimal(text.rstrip("%").strip()) / (100 if text.endswith("%") else 1)
    except (InvalidOperation, ValueError) as exc:
        raise field_error(
            name, _("Enter a fraction such as 0.015 or a percentage such as 1.5%."), value, row=row
        ) from exc
    if not number.is_finite() or number < 0 or number > 1:
        raise field_error(name, _("Enter a fraction between 0 and 1."), value, row=row)
    return number.quantize(Decimal("0.0001"))


def _staff(value: Any, name: str, *, row: int | None = None) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise field_error(name, _("This field is required."), row=row)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError) as exc:
        raise field_error(name, _("Enter a number of staff."), value, row=row) from exc
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        raise field_error(name, _("Enter a number of staff with at most two decimals."), value, row=row)
    return number.quantize(Decimal("0.01"))


def _region(actor: Any, code: Any, name: str = "region_code") -> str:
    from canlian.core.regions.models import Region

    code = as_text(code, name, max_length=12, required=True)
    if not Region.objects.filter(code=code).exists():
        raise field_error(name, _("Unknown region."), code)
    authorize(actor, MANAGE, code)
    return code


def _ref_region(actor: Any, code: Any) -> str:
    """A rule's region: "" (national) only for a national actor, else a region in scope."""
    code = as_text(code, "region_code", max_length=12)
    if code == "":
        authorize(actor, MANAGE, "")
        return ""
    from canlian.core.regions.models import Region

    if not Region.objects.filter(code=code).exists():
        raise field_error("region_code", _("Unknown region."), code)
    authorize(actor, MANAGE, code)
    return code


def _uscc(value: Any, *, row: int | None = None) -> str:
    try:
        return normalize_uscc(str(value or ""))
    except ValueError as exc:
        raise field_error(
            "uscc",
            _("Not a valid unified social credit code (18 characters with its check character)."),
            value,
            row=row,
        ) from exc


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, month=3, day=1)


def contract_covers_a_year(start: dt.date, end: dt.date | None) -> bool:
    """Open-ended, or ending no earlier than a year after it starts (1 Jan → 31 Dec counts)."""
    return end is None or end >= add_years(start, 1) - dt.timedelta(days=1)


_YES = {"是", "已缴", "yes", "y", "1", "true", "√"}
_NO = {"否", "未缴", "no", "n", "0", "false", "×", ""}


def _yes_no(value: Any, name: str, *, row: int | None = None) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise field_error(name, _("Enter 是 or 否."), value, row=row)


def _year(value: Any, *, row: int | None = None) -> int:
    return as_int(value, "year", low=MIN_YEAR, high=MAX_YEAR, row=row)  # type: ignore[return-value]


def _is_system(actor: Any) -> bool:
    from canlian.platform.access import is_system

    return is_system(actor)
