"""The proportional-employment rules as effective-dated data: the quota rule and the local wages."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.domains.employment.actions._common import (
    _ratio,
    _ref_region,
)
from canlian.domains.employment.events import EmploymentEvent
from canlian.domains.employment.models import (
    LocalWage,
    QuotaRule,
)
from canlian.platform.errors import Conflict
from canlian.platform.inputs import as_amount, as_date, as_int, as_text, field_error

# --- rules -----------------------------------------------------------------------------------------


def _close_previous(model: Any, region_code: str, valid_from: dt.date) -> None:
    """An open row of the same region starting earlier ends the day before the new one."""
    model.objects.filter(region_code=region_code, valid_from__lt=valid_from).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    ).update(valid_to=valid_from - dt.timedelta(days=1))


@transaction.atomic
def quota_rule_set(
    *,
    actor: Any,
    region_code: str,
    valid_from: Any,
    quota_ratio: Any,
    wage_cap_multiple: Any,
    valid_to: Any = None,
    exempt_staff_max: Any = None,
    band_ratio: Any = None,
    band_share: Any = None,
    below_band_share: Any = None,
    note: str = "",
) -> QuotaRule:
    """A region's quota rule from a date; the previous open rule of the region ends the day before."""
    region_code = _ref_region(actor, region_code)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end is before the start."), end)
    ratio = _ratio(quota_ratio, "quota_ratio")
    if ratio == 0:
        raise field_error("quota_ratio", _("Enter a fraction between 0 and 1."), quota_ratio)
    try:
        cap = Decimal(str(wage_cap_multiple).strip())
    except (InvalidOperation, ValueError) as exc:
        raise field_error("wage_cap_multiple", _("Enter a number such as 2."), wage_cap_multiple) from exc
    if not cap.is_finite() or cap <= 0 or cap > 10:
        raise field_error("wage_cap_multiple", _("Enter a number such as 2."), wage_cap_multiple)
    band = (
        _ratio(band_ratio, "band_ratio", required=False),
        _ratio(band_share, "band_share", required=False),
        _ratio(below_band_share, "below_band_share", required=False),
    )
    if any(v is not None for v in band) and not all(v is not None for v in band):
        missing = ("band_ratio", "band_share", "below_band_share")[[v is None for v in band].index(True)]
        raise field_error(missing, _("A reduction band needs its ratio and both shares."))
    if QuotaRule.objects.filter(region_code=region_code, valid_from=start).exists():
        raise Conflict(_("A rule of this region already starts on this date."), field="valid_from")
    _close_previous(QuotaRule, region_code, start)
    rule = QuotaRule.objects.create(
        region_code=region_code,
        valid_from=start,
        valid_to=end,
        quota_ratio=ratio,
        wage_cap_multiple=cap.quantize(Decimal("0.01")),
        exempt_staff_max=as_int(exempt_staff_max, "exempt_staff_max", low=0, high=100000, required=False),
        band_ratio=band[0],
        band_share=band[1],
        below_band_share=band[2],
        note=as_text(note, "note", max_length=200),
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.QUOTA_RULE_SET,
        obj=rule,
        region_code=region_code,
        new={"valid_from": start, "quota_ratio": ratio, "wage_cap_multiple": cap, "band_ratio": band[0]},
    )
    return rule


@transaction.atomic
def local_wage_set(
    *,
    actor: Any,
    region_code: str,
    valid_from: Any,
    minimum_wage_month: Any,
    average_wage_year: Any,
    valid_to: Any = None,
) -> LocalWage:
    """A region's minimum monthly wage and average yearly wage from a date."""
    region_code = _ref_region(actor, region_code)
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end is before the start."), end)
    minimum = as_amount(minimum_wage_month, "minimum_wage_month", minimum=Decimal("0.01"))
    average = as_amount(average_wage_year, "average_wage_year", minimum=Decimal("0.01"))
    if LocalWage.objects.filter(region_code=region_code, valid_from=start).exists():
        raise Conflict(_("Wage figures of this region already start on this date."), field="valid_from")
    _close_previous(LocalWage, region_code, start)
    wage = LocalWage.objects.create(
        region_code=region_code,
        valid_from=start,
        valid_to=end,
        minimum_wage_month=minimum,
        average_wage_year=average,
    )
    audit_record(
        actor=actor,
        event=EmploymentEvent.LOCAL_WAGE_SET,
        obj=wage,
        region_code=region_code,
        new={"valid_from": start, "minimum_wage_month": minimum, "average_wage_year": average},
    )
    return wage
