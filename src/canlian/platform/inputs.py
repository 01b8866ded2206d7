"""Input parsing for actions: one typed error for every bad value, naming the field (and the row).

Actions receive values from forms, the API, imports and the command line; each helper accepts what
those send (a ``date`` or an ISO string, a Decimal or a string with a comma, a choice value) and
raises ``ValidationFailed`` whose ``RowError`` names the field, the row when given, and the value seen.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from canlian.platform.errors import RowError, ValidationFailed

CENT = Decimal("0.01")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def field_error(field: str, message: Any, value: Any = None, *, row: int | None = None) -> ValidationFailed:
    """The one error an action raises for a bad value: field, message, value (and row)."""
    return ValidationFailed(
        errors=[
            RowError(row=row, field=field, message=str(message), value=None if value is None else str(value))
        ],
        field=field,
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_date(value: Any, field: str, *, required: bool = True, row: int | None = None) -> dt.date | None:
    """A date from a ``date``/``datetime`` or ``YYYY-MM-DD`` text; ``None`` when optional and blank."""
    if _missing(value):
        if required:
            raise field_error(field, _("This field is required."), row=row)
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise field_error(field, _("Enter a date as YYYY-MM-DD."), value, row=row) from exc


def as_month(value: Any, field: str, *, required: bool = True, row: int | None = None) -> dt.date | None:
    """The first day of a month, from a date or ``YYYY-MM`` / ``YYYY-MM-DD`` text."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{1,2}\s*", value):
        year, month = value.strip().split("-")
        value = f"{year}-{int(month):02d}-01"
    day = as_date(value, field, required=required, row=row)
    return day.replace(day=1) if day else None


def as_int(
    value: Any,
    field: str,
    *,
    low: int | None = None,
    high: int | None = None,
    required: bool = True,
    default: int | None = None,
    row: int | None = None,
) -> int | None:
    """A whole number within [low, high]."""
    if _missing(value):
        if required and default is None:
            raise field_error(field, _("This field is required."), row=row)
        return default
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise field_error(field, _("Enter a whole number."), value, row=row) from exc
    if (low is not None and number < low) or (high is not None and number > high):
        raise field_error(
            field,
            _("Enter a number from %(low)s to %(high)s.")
            % {"low": low if low is not None else "…", "high": high if high is not None else "…"},
            value,
            row=row,
        )
    return number


def as_amount(
    value: Any,
    field: str,
    *,
    minimum: Decimal | int | None = 0,
    required: bool = True,
    row: int | None = None,
    maximum: Decimal | int | None = None,
) -> Decimal | None:
    """Money in yuan, exact to the cent (``1,234.5`` → ``Decimal("1234.50")``); never a float.
    ``maximum`` (inclusive) keeps it within its column (``Decimal("99999999.99")`` for 10 digits)."""
    if _missing(value):
        if required:
            raise field_error(field, _("This field is required."), row=row)
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError) as exc:
        raise field_error(field, _("Enter an amount in yuan."), value, row=row) from exc
    if not amount.is_finite() or amount != amount.quantize(CENT):
        raise field_error(field, _("Enter an amount in yuan with at most two decimals."), value, row=row)
    if minimum is not None and amount < Decimal(minimum):
        raise field_error(field, _("The amount cannot be below %(min)s.") % {"min": minimum}, value, row=row)
    if maximum is not None and amount > Decimal(maximum):
        raise field_error(field, _("The amount cannot be above %(max)s.") % {"max": maximum}, value, row=row)
    return amount.quantize(CENT)


def as_choice(
    value: Any, field: str, choices: Iterable[Any], *, required: bool = True, row: int | None = None
) -> str:
    """One of ``choices`` (values of a TextChoices, or any strings); "" when optional and blank."""
    allowed = [str(c[0]) if isinstance(c, tuple) else str(c) for c in choices]
    if _missing(value):
        if required:
            raise field_error(field, _("Choose a value."), row=row)
        return ""
    text = str(value).strip()
    if text not in allowed:
        raise field_error(
            field,
            _("Unknown value; choose one of %(values)s.") % {"values": ", ".join(allowed)},
            value,
            row=row,
        )
    return text


def as_text(
    value: Any, field: str, *, max_length: int, required: bool = False, row: int | None = None
) -> str:
    """Free text, trimmed and NFC-normalised; refuses control characters and over-long text."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value)).strip()
    if not text:
        if required:
            raise field_error(field, _("This field is required."), row=row)
        return ""
    if _CONTROL.search(text):
        raise field_error(field, _("The text holds control characters."), value, row=row)
    if len(text) > max_length:
        raise field_error(field, _("At most %(n)s characters.") % {"n": max_length}, text[:40] + "…", row=row)
    return text
