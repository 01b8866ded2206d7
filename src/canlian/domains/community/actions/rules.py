"""The rule data of community services written from the pages: eligibility rule lists (validated by
the engine's rule vocabulary), the fee rule, and the care subsidy standards. A region writes its
own rows (``community.manage`` over the region; "" = national needs the national scope)."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from canlian.core.audit.actions import audit_record
from canlian.core.registry.choices import HardshipKind
from canlian.domains.community.actions._common import MANAGE
from canlian.domains.community.choices import AllowanceKind, CapBasis, CareMode, Purpose
from canlian.domains.community.eligibility import clean_rules
from canlian.domains.community.events import CommunityEvent
from canlian.domains.community.models import CareSubsidyStandard, EligibilityRuleSet, FeeRule
from canlian.platform.access import authorize
from canlian.platform.errors import ValidationFailed
from canlian.platform.inputs import as_amount, as_choice, as_date, as_int, as_text, field_error


def _dates(valid_from: Any, valid_to: Any) -> tuple[Any, Any]:
    start = as_date(valid_from, "valid_from")
    end = as_date(valid_to, "valid_to", required=False)
    if end is not None and end < start:
        raise field_error("valid_to", _("The end lies before the start."), end)
    return start, end


@transaction.atomic
def rules_save(
    *,
    actor: Any,
    purpose: Any,
    region_code: Any,
    valid_from: Any,
    rules: Any,
    valid_to: Any = None,
    note: Any = "",
) -> EligibilityRuleSet:
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    purpose = as_choice(purpose, "purpose", Purpose.choices)
    start, end = _dates(valid_from, valid_to)
    if isinstance(rules, str):
        try:
            rules = json.loads(rules)
        except ValueError as exc:
            raise field_error("rules", _("The rules are not valid JSON."), rules[:40]) from exc
    try:
        rules = clean_rules(rules)
    except ValidationFailed as exc:
        raise field_error("rules", exc.message) from exc
    row, _created = EligibilityRuleSet.objects.update_or_create(
        purpose=purpose,
        region_code=code,
        valid_from=start,
        defaults={"rules": rules, "valid_to": end, "note": as_text(note, "note", max_length=200)},
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.RULES_SAVED,
        obj=row,
        region_code=code,
        new={"purpose": purpose, "valid_from": str(start), "rules": rules},
    )
    return row


def _kinds(values: Any, field: str, allowed: list[str]) -> list[str]:
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").split(",") if v.strip()]
    out = [str(v).strip() for v in values or []]
    unknown = [v for v in out if v not in allowed]
    if unknown:
        raise field_error(field, _("Unknown values: %(values)s.") % {"values": ", ".join(unknown)})
    return out


@transaction.atomic
def fee_rule_save(
    *,
    actor: Any,
    region_code: Any,
    valid_from: Any,
    hardship_kinds: Any,
    allowance_kinds: Any,
    subsidy_programs: Any,
    cap_basis: Any,
    cap_amount: Any = None,
    valid_to: Any = None,
    note: Any = "",
) -> FeeRule:
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    start, end = _dates(valid_from, valid_to)
    basis = as_choice(cap_basis, "cap_basis", CapBasis.choices)
    amount = as_amount(cap_amount, "cap_amount", required=basis == CapBasis.FIXED)
    programs = subsidy_programs
    if isinstance(programs, str):
        programs = [p.strip() for p in programs.replace("，", ",").split(",") if p.strip()]
    from canlian.programs.models import Program

    unknown = sorted(
        set(programs) - set(Program.objects.filter(code__in=programs).values_list("code", flat=True))
    )
    if unknown:
        raise field_error(
            "subsidy_programs", _("Unknown programs: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    row, _created = FeeRule.objects.update_or_create(
        region_code=code,
        valid_from=start,
        defaults={
            "valid_to": end,
            "hardship_kinds": _kinds(hardship_kinds, "hardship_kinds", list(HardshipKind.values)),
            "allowance_kinds": _kinds(allowance_kinds, "allowance_kinds", list(AllowanceKind.values)),
            "subsidy_programs": list(programs),
            "cap_basis": basis,
            "cap_amount": amount,
            "note": as_text(note, "note", max_length=200),
        },
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.STANDARD_SAVED,
        obj=row,
        region_code=code,
        new={"kind": "fee_rule", "valid_from": str(start), "cap_basis": basis, "cap_amount": str(amount)},
    )
    return row


@transaction.atomic
def care_standard_save(
    *,
    actor: Any,
    region_code: Any,
    mode: Any,
    valid_from: Any,
    yearly_amount: Any,
    min_days: Any = 15,
    valid_to: Any = None,
) -> CareSubsidyStandard:
    code = str(region_code or "").strip()
    authorize(actor, MANAGE, code)
    start, end = _dates(valid_from, valid_to)
    mode = as_choice(mode, "mode", CareMode.choices)
    row, _created = CareSubsidyStandard.objects.update_or_create(
        region_code=code,
        mode=mode,
        valid_from=start,
        defaults={
            "valid_to": end,
            "yearly_amount": as_amount(yearly_amount, "yearly_amount"),
            "min_days": as_int(min_days, "min_days", low=1, high=31, default=15),
        },
    )
    audit_record(
        actor=actor,
        event=CommunityEvent.STANDARD_SAVED,
        obj=row,
        region_code=code,
        new={
            "kind": "care_subsidy",
            "mode": mode,
            "amount": str(row.yearly_amount),
            "valid_from": str(start),
        },
    )
    return row
