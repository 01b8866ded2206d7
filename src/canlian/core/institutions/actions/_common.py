"""What the institution actions share: permission names, text/number/choice parsing with the
messages these forms have always shown, and the locked, scoped fetch of an institution."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from canlian.core.institutions.models import Institution
from canlian.core.permissions import Perm
from canlian.core.registry.identity import normalize_phone
from canlian.platform.access import lock_for
from canlian.platform.errors import RowError, ValidationFailed
from canlian.platform.inputs import field_error

VIEW = Perm.INSTITUTIONS_VIEW
MANAGE = Perm.INSTITUTIONS_MANAGE
STAFF = Perm.INSTITUTIONS_STAFF
TRAINING = Perm.TRAINING_MANAGE
INSPECT = Perm.SUPERVISION_INSPECT


def locked_institution(actor: Any, institution_id: Any) -> Institution:
    """The institution, locked; out of the actor's view (its region, or their own institution) it is
    NotFound, like missing."""
    return lock_for(actor, Institution, institution_id, view=VIEW)


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise field_error(field, _("This field is required."))
    if len(text) > max_length:
        raise field_error(
            field, _("At most %(n)s characters (this has %(m)s).") % {"n": max_length, "m": len(text)}, text
        )
    return text


def _row_error(row: int | None, field: str, message: Any, value: Any = None, who: str = "") -> RowError:
    text = f"{who}: {message}" if who else str(message)
    return RowError(row=row, field=field, message=text, value=None if value is None else str(value))


def _score(value: Any, field: str, *, row: int | None = None, who: str = "") -> Decimal | None:
    """A score from 0 to 100 with one decimal; None when blank."""
    if value in (None, ""):
        return None
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        score = None
    if score is None or not score.is_finite() or score < 0 or score > 100:
        raise ValidationFailed(
            errors=[_row_error(row, field, _("Enter a number from 0 to 100."), value, who)], field=field
        )
    return score.quantize(Decimal("0.1"))


def _jsonable_dict(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _whole(value: Any, field: str, *, maximum: int = 100000) -> int:
    if value in (None, ""):
        return 0
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise field_error(field, _("Enter a whole number."), value) from exc
    if n < 0 or n > maximum:
        raise field_error(field, _("Enter a number from 0 to %(max)s.") % {"max": maximum}, value)
    return n


def _phone(value: Any, field: str) -> str:
    try:
        return normalize_phone(str(value or ""))
    except ValueError as exc:
        raise field_error(field, exc, value) from exc


def _choice(value: Any, field: str, choices: Any) -> str:
    value = str(value or "").strip()
    if value not in choices.values:
        raise field_error(field, _("Choose one of the listed values."), value)
    return value
